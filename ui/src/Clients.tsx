import { useState } from "react";
import { Alert, Button, Card, CardContent, MenuItem, Stack, TextField, Typography } from "@mui/material";
import { ApiError, post } from "./api";
import { Code } from "./common";
import { useList } from "./data";
import type { ClientEntry } from "./types";

// Clients gives each MCP client the entry that points it at Bulkhead's
// gateway: copy it, or have Bulkhead merge it into the client's file.
export function Clients() {
  const list = useList<ClientEntry[]>("/clients", []);
  const [id, setId] = useState("claude-code");
  const [note, setNote] = useState<{ ok: boolean; text: string }>();
  const c = list.data?.find((c) => c.id === id);
  if (list.error && !list.data) return null; // this Bulkhead does not configure clients
  const write = async () => {
    try {
      const r = await post<{ path: string; backup: string }>(`/clients/${id}/write`);
      setNote({ ok: true, text: `Written to ${r.path}${r.backup ? ` (the previous file is kept as ${r.backup})` : ""}; restart ${c?.name}.` });
    } catch (e) {
      setNote({ ok: false, text: (e as ApiError).message });
    }
  };
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
          Clients
        </Typography>
        <Stack spacing={1}>
          <TextField size="small" select label="Client" value={id} onChange={(e) => (setId(e.target.value), setNote(undefined))} sx={{ maxWidth: 260 }}>
            {list.data?.map((c) => (
              <MenuItem key={c.id} value={c.id}>
                {c.name}
              </MenuItem>
            ))}
          </TextField>
          {c?.error && <Alert severity="info">{c.error}</Alert>}
          {c && !c.error && (
            <>
              <Code testid="client-entry">{c.document}</Code>
              <Stack direction="row" spacing={1}>
                <Button variant="outlined" onClick={() => navigator.clipboard.writeText(c.document)}>
                  Copy
                </Button>
                {c.path && (
                  <Button variant="contained" onClick={write}>
                    Write to {c.path}
                  </Button>
                )}
              </Stack>
            </>
          )}
          {note && <Alert severity={note.ok ? "success" : "error"}>{note.text}</Alert>}
        </Stack>
      </CardContent>
    </Card>
  );
}
