import { Alert, Box, CircularProgress, Stack, Typography } from "@mui/material";
import type { ReactNode } from "react";
import type { Loaded } from "./data";
import type { Finding } from "./types";

// Loading shows a list's states: loading, failed, empty, or its content,
// under a warning when fetching it again failed (the engine went away, say),
// so what was last loaded is never taken for the present.
export function Loading<T>({ list, empty, children }: { list: Loaded<T[]>; empty: ReactNode; children: (data: T[]) => ReactNode }) {
  if (list.error && !list.data) return <Alert severity="error">{list.error.message}</Alert>;
  if (!list.data)
    return (
      <Stack alignItems="center" sx={{ mt: 4 }}>
        <CircularProgress size={28} />
      </Stack>
    );
  if (list.data.length === 0)
    return (
      <Box sx={{ mt: 4, textAlign: "center" }}>
        <Typography color="text.secondary">{empty}</Typography>
      </Box>
    );
  return (
    <>
      {list.error && (
        <Alert severity="warning" sx={{ mb: 1 }} data-testid="stale">
          Showing what was last loaded: {list.error.message}
        </Alert>
      )}
      {children(list.data)}
    </>
  );
}

// Code shows text a server or client chose, as text, never markup, with
// invisible and control characters made visible.
export function Code({ children, testid }: { children: string; testid?: string }) {
  return (
    <Box
      component="pre"
      data-testid={testid}
      sx={{ m: 0, p: 1, bgcolor: "action.hover", borderRadius: 1, whiteSpace: "pre-wrap", wordBreak: "break-all", fontSize: 13, maxHeight: 320, overflow: "auto" }}
    >
      {visible(children)}
    </Box>
  );
}

// visible escapes control, bidirectional and zero-width characters, the
// ones that hide instructions from a person reading.
export function visible(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g, (c) =>
    `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

// Findings lists what the scanner found, one line each, with the text it
// matched (escaped by the scanner already).
export function Findings({ findings }: { findings: Finding[] }) {
  return (
    <Box component="ul" sx={{ m: 0, pl: 2 }}>
      {findings.map((f, i) => (
        <li key={i}>
          <b>{f.rule}</b> in {visible(f.field || "the arguments")}: {visible(f.reason)} <code>{visible(f.excerpt)}</code>
        </li>
      ))}
    </Box>
  );
}

export function when(iso: string): string {
  return new Date(iso).toLocaleString();
}
