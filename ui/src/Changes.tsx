import { useState } from "react";
import { Alert, Box, Button, Card, CardActions, CardContent, Chip, Stack, Typography } from "@mui/material";
import { ApiError, post } from "./api";
import { Code, Findings, Loading, visible, when } from "./common";
import type { Loaded } from "./data";
import type { Change } from "./types";

// Changes lists definitions withheld because they are new, changed since a
// person approved them, or flagged, each field beside its approved value.
export function Changes({ list }: { list: Loaded<Change[]> }) {
  const [error, setError] = useState<string>();
  const approve = async (c: Change) => {
    setError(undefined);
    try {
      await post("/changes/approve", { server: c.server, kind: c.kind, name: c.name, hash: c.hash });
    } catch (e) {
      setError((e as ApiError).message);
    }
    list.reload();
  };
  return (
    <Stack spacing={2}>
      {error && <Alert severity="error">{error}</Alert>}
      <Loading list={list} empty="Nothing is withheld: every definition clients see is one you (or first use) approved.">
        {(changes) => (
          <Stack spacing={2}>
            {changes.map((c) => (
              <Card key={`${c.server}/${c.kind}/${c.name}`} variant="outlined" data-testid={`change-${c.server}-${c.name}`}>
                <CardContent>
                  <Stack direction="row" spacing={1} alignItems="center" sx={{ mb: 1 }}>
                    <Typography variant="h6" component="h2">
                      {c.kind} {visible(c.name)}
                    </Typography>
                    <Chip size="small" label={`server ${c.server}`} />
                    <Chip size="small" color={c.reason === "changed" ? "warning" : c.reason === "flagged" ? "error" : "default"} label={c.reason} />
                    <Typography variant="caption" color="text.secondary">
                      seen {when(c.seenAt)}
                    </Typography>
                  </Stack>
                  {c.findings.length > 0 && (
                    <Alert severity="error" sx={{ mb: 1 }}>
                      The scanner found:
                      <Findings findings={c.findings} />
                    </Alert>
                  )}
                  <Box sx={{ display: "grid", gridTemplateColumns: "minmax(8rem, max-content) 1fr 1fr", gap: 1, alignItems: "start" }}>
                    <Typography variant="overline">field</Typography>
                    <Typography variant="overline">approved</Typography>
                    <Typography variant="overline">{c.reason === "new" ? "new" : "now"}</Typography>
                    {c.fields.map((f) => (
                      <Field key={f.path} path={f.path} old={f.old} now={f.new} />
                    ))}
                  </Box>
                </CardContent>
                <CardActions>
                  <Button variant="contained" color="warning" onClick={() => approve(c)}>
                    Approve this version
                  </Button>
                  <Typography variant="caption" color="text.secondary">
                    Until you do, clients do not see it. Approving covers exactly this version ({c.hash.slice(0, 12)}).
                  </Typography>
                </CardActions>
              </Card>
            ))}
          </Stack>
        )}
      </Loading>
    </Stack>
  );
}

function Field({ path, old, now }: { path: string; old: string; now: string }) {
  return (
    <>
      <Typography variant="body2" sx={{ fontFamily: "monospace", pt: 1 }}>
        {visible(path)}
      </Typography>
      <Box data-testid="old">{old ? <Code>{pretty(old)}</Code> : <Typography color="text.secondary">—</Typography>}</Box>
      <Box data-testid="new">{now ? <Code>{pretty(now)}</Code> : <Typography color="text.secondary">—</Typography>}</Box>
    </>
  );
}

// pretty shows a JSON string value as its text, anything else as JSON.
function pretty(json: string): string {
  try {
    const v = JSON.parse(json);
    return typeof v === "string" ? v : JSON.stringify(v, null, 2);
  } catch {
    return json;
  }
}
