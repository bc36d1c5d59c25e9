import { Component, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { Alert, AlertTitle, Badge, Box, CircularProgress, Stack, Tab, Tabs, Typography } from "@mui/material";
import { ApiError, get, watch } from "./api";
import { Events, useList } from "./data";
import type { Approval, Change } from "./types";
import { Catalog } from "./Catalog";
import { Approvals } from "./Approvals";
import { Changes } from "./Changes";
import { Audit } from "./Audit";
import { Settings } from "./Settings";

const tabs = ["catalog", "approvals", "changes", "audit", "settings"] as const;
type TabName = (typeof tabs)[number];

export function App() {
  const listeners = useRef(new Set<(name: string) => void>());
  const subscribe = useCallback((f: (name: string) => void) => {
    listeners.current.add(f);
    return () => listeners.current.delete(f);
  }, []);
  const events = useMemo(() => ({ subscribe }), [subscribe]);
  useEffect(() => watch((name) => listeners.current.forEach((f) => f(name))), []);

  return (
    <Failsafe>
      <Events.Provider value={events}>
        <Backend>
          <Main />
        </Backend>
      </Events.Provider>
    </Failsafe>
  );
}

// Failsafe shows what broke instead of a blank page.
class Failsafe extends Component<{ children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Box sx={{ m: 4 }}>
        <Alert severity="error">
          <AlertTitle>The page failed</AlertTitle>
          {this.state.error.message}. Reload the page; Bulkhead itself keeps running.
        </Alert>
      </Box>
    );
  }
}

// Backend shows why there is nothing to show yet: the backend starting, or
// a missing token; never a blank page.
function Backend({ children }: { children: ReactNode }) {
  const [state, setState] = useState<"checking" | "up" | ApiError>("checking");
  useEffect(() => {
    let stopped = false;
    const check = () =>
      get("/settings").then(
        () => !stopped && setState("up"),
        (e: ApiError) => {
          if (stopped) return;
          setState(e);
          if (e.status === 0 || e.status >= 500) setTimeout(check, 1000);
        },
      );
    check();
    return () => {
      stopped = true;
    };
  }, []);
  if (state === "up") return <>{children}</>;
  if (state === "checking" || state.status === 0 || state.status >= 500) {
    return (
      <Stack alignItems="center" spacing={2} sx={{ mt: 10 }} role="status">
        <CircularProgress />
        <Typography>Waiting for Bulkhead to start…</Typography>
      </Stack>
    );
  }
  return (
    <Box sx={{ m: 4 }}>
      <Alert severity="error">
        <AlertTitle>Bulkhead refused this page</AlertTitle>
        {state.code === "unauthorized"
          ? "The API token is missing or wrong. Open the address that `bulkhead serve` printed, with its #token=…"
          : state.message}
      </Alert>
    </Box>
  );
}

function Main() {
  const [tab, setTab] = useState<TabName>(() => {
    const t = new URLSearchParams(window.location.search).get("tab") as TabName;
    return tabs.includes(t) ? t : "catalog";
  });
  const pending = useList<Approval[]>("/approvals", ["approvals"]);
  const changes = useList<Change[]>("/changes", ["changes"]);
  return (
    <Box sx={{ p: 2 }}>
      <Stack direction="row" alignItems="baseline" spacing={2} sx={{ mb: 1 }}>
        <Typography variant="h3" component="h1">
          Bulkhead
        </Typography>
        <Typography variant="body2" color="text.secondary">
          MCP servers in locked-down sandboxes, with you deciding what they may do
        </Typography>
      </Stack>
      <Tabs value={tab} onChange={(_, t) => setTab(t)} sx={{ mb: 2 }}>
        <Tab value="catalog" label="Catalog" />
        <Tab
          value="approvals"
          label={
            <Badge color="warning" badgeContent={pending.data?.filter((a) => a.state === "pending").length ?? 0} data-testid="pending-count">
              <Box sx={{ pr: 1.5 }}>Approvals</Box>
            </Badge>
          }
        />
        <Tab
          value="changes"
          label={
            <Badge color="error" badgeContent={changes.data?.length ?? 0}>
              <Box sx={{ pr: 1.5 }}>Changes</Box>
            </Badge>
          }
        />
        <Tab value="audit" label="Audit log" />
        <Tab value="settings" label="Settings" />
      </Tabs>
      {tab === "catalog" && <Catalog />}
      {tab === "approvals" && <Approvals list={pending} />}
      {tab === "changes" && <Changes list={changes} />}
      {tab === "audit" && <Audit />}
      {tab === "settings" && <Settings />}
    </Box>
  );
}
