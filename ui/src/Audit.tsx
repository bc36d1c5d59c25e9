import { useState } from "react";
import { Alert, Button, MenuItem, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from "@mui/material";
import { ApiError, download } from "./api";
import { Loading, visible, when } from "./common";
import { useList } from "./data";
import type { AuditEntry } from "./types";

const decisions = ["", "allow", "deny", "allow_once", "allow_session", "allow_always", "allow_always_exact", "timeout", "abandoned"];

// Audit is the log of tool calls, newest last, filtered and exported as
// the CLI's `bulkhead audit` does.
export function Audit() {
  const [server, setServer] = useState("");
  const [decision, setDecision] = useState("");
  const [error, setError] = useState<string>();
  const query = new URLSearchParams({ limit: "500", ...(server && { server }), ...(decision && { decision }) }).toString();
  const list = useList<AuditEntry[]>(`/audit?${query}`, ["audit"]);
  const exportCSV = () => download(`/audit?${query}&format=csv`, "bulkhead-audit.csv").catch((e: ApiError) => setError(e.message));
  return (
    <Stack spacing={2}>
      <Stack direction="row" spacing={2} alignItems="center">
        <TextField size="small" label="Server" value={server} onChange={(e) => setServer(e.target.value.trim())} />
        <TextField size="small" select label="Decision" value={decision} onChange={(e) => setDecision(e.target.value)} sx={{ minWidth: 180 }}>
          {decisions.map((d) => (
            <MenuItem key={d} value={d}>
              {d || "any"}
            </MenuItem>
          ))}
        </TextField>
        <Button variant="outlined" onClick={exportCSV}>
          Export CSV
        </Button>
      </Stack>
      {error && <Alert severity="error">{error}</Alert>}
      <Loading list={list} empty="No call recorded yet.">
        {(entries) => (
          <Table size="small" aria-label="audit log">
            <TableHead>
              <TableRow>
                <TableCell>Time</TableCell>
                <TableCell>Client</TableCell>
                <TableCell>Server</TableCell>
                <TableCell>Tool</TableCell>
                <TableCell>Decision</TableCell>
                <TableCell>By</TableCell>
                <TableCell>Status</TableCell>
                <TableCell align="right">ms</TableCell>
                <TableCell>Arguments</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {[...entries].reverse().map((e) => (
                <TableRow key={e.id}>
                  <TableCell>{when(e.at)}</TableCell>
                  <TableCell>{visible(e.client)}</TableCell>
                  <TableCell>{e.server}</TableCell>
                  <TableCell>{visible(e.tool)}</TableCell>
                  <TableCell>{e.decision}</TableCell>
                  <TableCell>{visible(e.decidedBy)}</TableCell>
                  <TableCell title={visible(e.detail)}>{e.status}</TableCell>
                  <TableCell align="right">{e.latencyMs}</TableCell>
                  <TableCell>
                    <Typography variant="caption" sx={{ fontFamily: "monospace" }}>
                      {e.arguments !== undefined ? visible(e.arguments) : `sha256:${e.argsDigest.slice(0, 12)}`}
                    </Typography>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Loading>
    </Stack>
  );
}
