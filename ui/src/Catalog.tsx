import { useState } from "react";
import { Alert, Button, Chip, Link, Stack, Table, TableBody, TableCell, TableHead, TableRow, Tooltip, Typography } from "@mui/material";
import VerifiedIcon from "@mui/icons-material/Verified";
import { ApiError, post } from "./api";
import { Loading } from "./common";
import { useList } from "./data";
import type { Server } from "./types";
import { ServerDetail } from "./ServerDetail";

export function Catalog() {
  const list = useList<Server[]>("/servers", ["servers", "changes"]);
  const [detail, setDetail] = useState<string>();
  const shown = list.data?.find((s) => s.name === detail);
  return (
    <>
    {shown && <ServerDetail server={shown} onClose={() => setDetail(undefined)} />}
    <Loading list={list} empty="The catalog is empty: add servers to your catalog file (see docs/catalog.md).">
      {(servers) => (
        <Table size="small" aria-label="catalog">
          <TableHead>
            <TableRow>
              <TableCell>Server</TableCell>
              <TableCell>Image</TableCell>
              <TableCell>Permissions</TableCell>
              <TableCell>State</TableCell>
              <TableCell align="right" />
            </TableRow>
          </TableHead>
          <TableBody>
            {servers.map((s) => (
              <ServerRow key={s.name} server={s} reload={list.reload} open={() => setDetail(s.name)} />
            ))}
          </TableBody>
        </Table>
      )}
    </Loading>
    </>
  );
}

function ServerRow({ server: s, reload, open }: { server: Server; reload: () => void; open: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const running = s.state === "running";
  const act = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await post(`/servers/${encodeURIComponent(s.name)}/${running ? "stop" : "start"}`);
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setBusy(false);
      reload();
    }
  };
  return (
    <TableRow data-testid={`server-${s.name}`}>
      <TableCell>
        <Stack direction="row" spacing={1} alignItems="center">
          <Link component="button" variant="body1" fontWeight={600} underline="hover" onClick={open} title="Grants, logs and egress">
            {s.title || s.name}
          </Link>
          {s.verified ? (
            <Tooltip title="From Bulkhead's built-in catalog">
              <Chip size="small" color="success" icon={<VerifiedIcon />} label="verified" />
            </Tooltip>
          ) : (
            <Tooltip title="From your catalog file: nobody vouches for it">
              <Chip size="small" variant="outlined" label="unverified" />
            </Tooltip>
          )}
        </Stack>
        <Typography variant="body2" color="text.secondary">
          {s.name} · {s.publisher}
        </Typography>
        {error && (
          <Alert severity="error" sx={{ mt: 1 }} data-testid="server-error">
            {error}
          </Alert>
        )}
      </TableCell>
      <TableCell>
        <Typography variant="body2">{s.image}</Typography>
        <Typography variant="caption" color="text.secondary">
          {s.imagePin ? `pinned ${short(s.imagePin.repoDigest || s.imagePin.id)}` : "not pinned yet: pinned at first start"}
        </Typography>
      </TableCell>
      <TableCell>
        <Permissions server={s} />
      </TableCell>
      <TableCell>
        <Stack direction="row" spacing={0.5}>
          <Chip size="small" data-testid="state" color={running ? "success" : s.state === "blocked" ? "error" : "default"} label={s.state} />
          {s.changed && (
            <Tooltip title="Definitions wait for your approval: see Changes">
              <Chip size="small" color="warning" label={`changed (${s.withheld})`} />
            </Tooltip>
          )}
        </Stack>
        {s.blocked && (
          <Typography variant="caption" color="error">
            {s.blocked}
          </Typography>
        )}
      </TableCell>
      <TableCell align="right">
        <Button variant={running ? "outlined" : "contained"} loading={busy} disabled={s.state === "blocked"} onClick={act}>
          {running ? "Stop" : "Start"}
        </Button>
      </TableCell>
    </TableRow>
  );
}

function Permissions({ server: s }: { server: Server }) {
  const p = s.permissions;
  const net = Array.isArray(p.network) ? p.network.join(", ") : p.network === "none" ? "no network" : p.network;
  return (
    <Stack spacing={0.25}>
      <Typography variant="body2">{net}</Typography>
      <Typography variant="body2">
        {p.mounts?.length ? p.mounts.map((m) => `${m.host} → ${m.container}${m.write ? " (write)" : ""}`).join(", ") : "no host files"}
      </Typography>
      <Typography variant="caption" color="text.secondary">
        {p.cpu} CPU · {Math.round(p.memory / (1 << 20))} MiB · {p.pids} processes
        {s.secrets?.length ? ` · secrets: ${s.secrets.join(", ")}` : ""}
      </Typography>
    </Stack>
  );
}

function short(digest: string): string {
  const [alg, hex] = digest.includes(":") ? digest.split(":") : ["", digest];
  return `${alg ? alg + ":" : ""}${hex.slice(0, 12)}`;
}
