import { useEffect, useState } from "react";
import { Alert, Box, Button, Card, CardActions, CardContent, Chip, Stack, Typography } from "@mui/material";
import { ApiError, post } from "./api";
import { Code, Findings, Loading, visible, when } from "./common";
import type { Loaded } from "./data";
import type { Approval, Decision } from "./types";

const choices: { decision: Decision; label: string; key: string; color: "success" | "primary" | "error" }[] = [
  { decision: "allow_once", label: "Allow once", key: "a", color: "success" },
  { decision: "allow_session", label: "Allow for session", key: "s", color: "primary" },
  { decision: "allow_always", label: "Always allow", key: "l", color: "primary" },
  { decision: "deny", label: "Deny", key: "d", color: "error" },
];

// Approvals is the live queue of held calls. Keys act on the oldest call
// still waiting: a allow once, s allow for the session, l always allow, d
// deny. A call past its deadline is shown expired, with nothing to decide.
export function Approvals({ list }: { list: Loaded<Approval[]> }) {
  const [error, setError] = useState<string>();
  const decide = async (a: Approval, decision: Decision) => {
    setError(undefined);
    try {
      await post(`/approvals/${a.id}/decision`, { decision });
    } catch (e) {
      setError((e as ApiError).message);
    }
    list.reload();
  };
  const waiting = list.data?.filter((a) => a.state === "pending") ?? [];
  const first = waiting[waiting.length - 1];
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (!first || ev.ctrlKey || ev.metaKey || ev.altKey || (ev.target as HTMLElement).closest("input, textarea")) return;
      const c = choices.find((c) => c.key === ev.key);
      if (c) decide(first, c.decision);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });
  // Nobody may be left to time a call out (its gateway stopped): ask the
  // API again when the next deadline passes, and it says expired.
  const next = Math.min(...waiting.map((a) => Date.parse(a.deadline)));
  useEffect(() => {
    if (!Number.isFinite(next)) return;
    const timer = setTimeout(list.reload, Math.min(Math.max(next - Date.now(), 0) + 250, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [next, list.reload]);
  return (
    <Stack spacing={2}>
      {error && <Alert severity="error">{error}</Alert>}
      <Loading list={list} empty="No tool call is waiting for you.">
        {(held) => (
          <Stack spacing={2}>
            <Typography variant="body2" color="text.secondary">
              Keys act on the oldest waiting call: a allow once, s allow for the session, l always allow, d deny.
            </Typography>
            {[...held].reverse().map((a) => (
              <Held key={a.id} approval={a} decide={decide} />
            ))}
          </Stack>
        )}
      </Loading>
    </Stack>
  );
}

function Held({ approval: a, decide }: { approval: Approval; decide: (a: Approval, d: Decision) => void }) {
  const expired = a.state === "expired";
  return (
    <Card variant="outlined" data-testid={`held-${a.id}`} sx={expired ? { opacity: 0.7 } : undefined}>
      <CardContent>
        <Stack direction="row" spacing={1} alignItems="center" sx={{ mb: 1 }}>
          <Typography variant="h6" component="h2">
            {visible(a.tool)}
          </Typography>
          <Chip size="small" label={`server ${a.server}`} />
          <Chip size="small" variant="outlined" label={visible(a.client)} />
          {expired && <Chip size="small" color="default" label="expired" data-testid="expired" />}
        </Stack>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }} data-testid="state">
          {expired
            ? `Held ${when(a.createdAt)} because ${a.reason}; expired at ${when(a.deadline)} without a decision: nothing can allow it now.`
            : `Held ${when(a.createdAt)} because ${a.reason}; denied unless decided by ${when(a.deadline)}.`}
        </Typography>
        {a.argumentWarnings.length > 0 && (
          <Alert severity="error" sx={{ mb: 1 }} data-testid="argument-warnings">
            The arguments may not mean to the server what they seem to:
            <Box component="ul" sx={{ m: 0, pl: 2 }}>
              {a.argumentWarnings.map((w, i) => (
                <li key={i}>{visible(w)}</li>
              ))}
            </Box>
          </Alert>
        )}
        {a.findings.length > 0 && (
          <Alert severity="warning" sx={{ mb: 1 }} data-testid="findings">
            The scanner found in the arguments:
            <Findings findings={a.findings} />
          </Alert>
        )}
        <Code testid="arguments">{a.argumentsShown ?? ""}</Code>
      </CardContent>
      {!expired && (
        <CardActions>
          {choices.map((c) => (
            <Button key={c.decision} color={c.color} variant={c.decision === "allow_once" ? "contained" : "outlined"} onClick={() => decide(a, c.decision)}>
              {c.label} ({c.key})
            </Button>
          ))}
        </CardActions>
      )}
    </Card>
  );
}
