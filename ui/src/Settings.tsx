import { useState } from "react";
import { Alert, Button, Card, CardContent, MenuItem, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from "@mui/material";
import { ApiError, del, put } from "./api";
import { useList } from "./data";
import type { Policy, Rule, Setting } from "./types";
import { Clients } from "./Clients";

// Settings: the person's settings and policy rules; the administrator's
// rules are shown, not editable.
export function Settings() {
  const settings = useList<Setting[]>("/settings", ["settings"]);
  const policy = useList<Policy>("/policy", ["settings"]);
  const [error, setError] = useState<string>();
  const run = (p: Promise<unknown>, reload: () => void) =>
    p.then(
      () => setError(undefined),
      (e: ApiError) => setError(e.message),
    ).finally(reload);
  return (
    <Stack spacing={2}>
      {error && (
        <Alert severity="error" data-testid="settings-error">
          {error}
        </Alert>
      )}
      <Card variant="outlined">
        <CardContent>
          <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
            Approvals and audit
          </Typography>
          <Stack spacing={2}>
            {settings.data?.map((s) => (
              <SettingField key={s.key} setting={s} save={(v) => run(put(`/settings/${s.key}`, { value: v }), settings.reload)} />
            ))}
          </Stack>
        </CardContent>
      </Card>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="h6" component="h2">
            Policy
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            {policy.data?.defaults}
          </Typography>
          <Table size="small" aria-label="policy rules">
            <TableHead>
              <TableRow>
                <TableCell>Server</TableCell>
                <TableCell>Tool</TableCell>
                <TableCell>Arguments</TableCell>
                <TableCell>Action</TableCell>
                <TableCell>Set by</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {policy.data?.rules.map((r) => (
                <TableRow key={`${r.server}/${r.tool}/${r.argsHash}`}>
                  <TableCell>{r.server}</TableCell>
                  <TableCell>{r.tool || "every tool"}</TableCell>
                  <TableCell>{r.argsHash ? `exactly sha256:${r.argsHash.slice(0, 12)}` : "any"}</TableCell>
                  <TableCell>{r.action}</TableCell>
                  <TableCell>{r.setBy}</TableCell>
                  <TableCell align="right">
                    <Button size="small" onClick={() => run(del("/policy", { server: r.server, tool: r.tool ?? "", argsHash: r.argsHash ?? "" }), policy.reload)}>
                      Remove
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
              {policy.data?.admin.map((r, i) => (
                <TableRow key={`admin-${i}`}>
                  <TableCell>{r.server}</TableCell>
                  <TableCell>{r.tool || "every tool"}</TableCell>
                  <TableCell>any</TableCell>
                  <TableCell>{r.action}</TableCell>
                  <TableCell>administrator (wins over yours)</TableCell>
                  <TableCell />
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <NewRule save={(r) => run(put("/policy", r), policy.reload)} />
        </CardContent>
      </Card>
      <Clients />
    </Stack>
  );
}

function SettingField({ setting: s, save }: { setting: Setting; save: (v: string) => void }) {
  const [value, setValue] = useState(s.value);
  return (
    <Stack direction="row" spacing={1} alignItems="center">
      <TextField size="small" label={s.key} value={value} helperText={s.help} onChange={(e) => setValue(e.target.value)} sx={{ flex: 1 }} />
      <Button variant="outlined" disabled={value === s.value} onClick={() => save(value)}>
        Save
      </Button>
    </Stack>
  );
}

function NewRule({ save }: { save: (r: Rule) => void }) {
  const [server, setServer] = useState("");
  const [tool, setTool] = useState("");
  const [action, setAction] = useState("ask");
  return (
    <Stack direction="row" spacing={1} sx={{ mt: 2 }} alignItems="center">
      <TextField size="small" label="Server" value={server} onChange={(e) => setServer(e.target.value.trim())} />
      <TextField size="small" label="Tool (empty: every tool)" value={tool} onChange={(e) => setTool(e.target.value.trim())} />
      <TextField size="small" select label="Action" value={action} onChange={(e) => setAction(e.target.value)} sx={{ minWidth: 120 }}>
        {["allow", "ask", "deny"].map((a) => (
          <MenuItem key={a} value={a}>
            {a}
          </MenuItem>
        ))}
      </TextField>
      <Button variant="contained" disabled={!server} onClick={() => save({ server, tool, action })}>
        Set rule
      </Button>
    </Stack>
  );
}
