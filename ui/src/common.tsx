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

// hidden matches what Go's sandbox.EscapeControl escapes (the CLI, and the
// arguments the API sends escaped already): controls, format characters
// (zero-width, bidi, tags), separators but space, private use, unassigned,
// lone surrogates, variation selectors, the other default-ignorable code
// points and the blank Braille pattern.
const hidden = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Variation_Selector}\u2800]|[^\P{Zs} ]/gu;

// visible shows each hidden character as the escape the CLI writes
// (\x1b, \u200b, \U000e0041); tabs and line breaks stay.
export function visible(s: string): string {
  return s.replace(hidden, (c) => {
    if (c === "\t" || c === "\n") return c;
    const cp = c.codePointAt(0)!;
    if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, "0")}`;
    if (cp > 0xffff) return `\\U${cp.toString(16).padStart(8, "0")}`;
    return `\\u${cp.toString(16).padStart(4, "0")}`;
  });
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
