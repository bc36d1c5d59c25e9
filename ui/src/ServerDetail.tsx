import { useEffect, useState } from "react";
import {
  Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, Tab, Table, TableBody, TableCell, TableHead, TableRow, Tabs, Typography,
} from "@mui/material";
import { ApiError, get } from "./api";
import { Code, Loading, visible, when } from "./common";
import { useList } from "./data";
import type { EgressEvent, Server } from "./types";

// ServerDetail shows what a server is granted, its log and the connections
// its egress proxy allowed or refused.
export function ServerDetail({ server: s, onClose }: { server: Server; onClose: () => void }) {
  const [tab, setTab] = useState<"grants" | "logs" | "egress">("grants");
  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth aria-labelledby="server-detail-title">
      <DialogTitle id="server-detail-title">{s.title || s.name}</DialogTitle>
      <DialogContent>
        <Tabs value={tab} onChange={(_, t) => setTab(t)} sx={{ mb: 2 }}>
          <Tab value="grants" label="Grants" />
          <Tab value="logs" label="Logs" />
          <Tab value="egress" label="Egress" />
        </Tabs>
        {tab === "grants" && <Grants server={s} />}
        {tab === "logs" && <Logs name={s.name} />}
        {tab === "egress" && <Egress name={s.name} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}

function Grants({ server: s }: { server: Server }) {
  const p = s.permissions;
  const rows: [string, string][] = [
    ["Image", `${s.image}${s.imagePin ? ` pinned to ${s.imagePin.repoDigest || s.imagePin.id} (approved by ${s.imagePin.approvedBy}, ${when(s.imagePin.approvedAt)})` : " (pinned at first start)"}`],
    ["Network", Array.isArray(p.network) ? `only ${p.network.join(", ")}, through the egress proxy` : "none"],
    ["Host files", p.mounts?.length ? p.mounts.map((m) => `${m.host} → ${m.container} (${m.write ? "read-write" : "read-only"})`).join("; ") : "none"],
    ["Image volumes", s.imagePin?.volumes?.length ? `${s.imagePin.volumes.join(", ")}: each an empty temporary folder (no programs run from it, ${Math.round(p.tmpfs / (1 << 20))} MiB at most), never the host's disk` : "none"],
    ["Limits", `${p.cpu} CPU, ${Math.round(p.memory / (1 << 20))} MiB memory, ${p.pids} processes`],
    ["Secrets", s.secrets?.length ? s.secrets.join(", ") : "none"],
    ["Always", "read-only root, no capabilities, non-root user and group, no new privileges, no unix sockets"],
    ["Source", s.verified ? "Bulkhead's built-in catalog (verified)" : "your catalog file (unverified)"],
  ];
  return (
    <Table size="small" aria-label="grants">
      <TableBody>
        {rows.map(([k, v]) => (
          <TableRow key={k}>
            <TableCell sx={{ fontWeight: 600, width: 140 }}>{k}</TableCell>
            <TableCell>{visible(v)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function Logs({ name }: { name: string }) {
  const [log, setLog] = useState<string>();
  const [error, setError] = useState<string>();
  const load = () =>
    get<{ log: string }>(`/servers/${encodeURIComponent(name)}/logs`).then(
      (r) => {
        setLog(r.log);
        setError(undefined);
      },
      (e: ApiError) => setError(e.message),
    );
  useEffect(() => {
    load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [name]);
  return (
    <Stack spacing={1}>
      {error && <Alert severity="info">{error}</Alert>}
      {log !== undefined && <Code testid="server-log">{log || "(empty)"}</Code>}
      <Button sx={{ alignSelf: "start" }} onClick={load}>
        Refresh
      </Button>
    </Stack>
  );
}

function Egress({ name }: { name: string }) {
  const list = useList<EgressEvent[]>(`/egress?server=${encodeURIComponent(name)}&limit=200`, ["egress"]);
  return (
    <Loading list={list} empty="No connection attempted: the server has no network, or has not used it.">
      {(events) => (
        <Table size="small" aria-label="egress events">
          <TableHead>
            <TableRow>
              <TableCell>Time</TableCell>
              <TableCell>Destination</TableCell>
              <TableCell>Verdict</TableCell>
              <TableCell>Why</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {[...events].reverse().map((e) => (
              <TableRow key={e.id}>
                <TableCell>{when(e.at)}</TableCell>
                <TableCell>
                  {visible(e.host)}:{e.port}
                  {e.address && <Typography variant="caption"> ({e.address})</Typography>}
                </TableCell>
                <TableCell>{e.allowed ? "allowed" : "refused"}</TableCell>
                <TableCell>{visible(e.reason ?? "")}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Loading>
  );
}
