// Shapes of the API's answers (backend/api/openapi.yaml).

export interface Sandbox {
  id: string;
  name: string;
  state: string;
  status: string;
  image: string;
}

export interface Server {
  name: string;
  title: string;
  publisher: string;
  description?: string;
  image: string;
  transport: string;
  secrets?: string[];
  permissions: {
    network: string | string[];
    mounts?: { host: string; container: string; write?: boolean }[];
    cpu: number;
    memory: number;
    pids: number;
    tmpfs: number;
  };
  verified: boolean;
  enabled: boolean;
  state: "running" | "stopped" | "blocked";
  blocked?: string;
  withheld: number;
  changed: boolean;
  imagePin?: { id: string; repoDigest?: string; approvedAt: string; approvedBy: string; volumes?: string[] };
  sandboxes: Sandbox[];
}

export interface Finding {
  rule: string;
  severity: number | string;
  field: string;
  excerpt: string;
  reason: string;
}

// A held call. Its raw "arguments" are left out on purpose: JSON.parse
// rounds big numbers and drops duplicate keys. argumentsShown is the bytes
// the call runs with, escaped by the backend as the CLI shows them.
export interface Approval {
  id: number;
  server: string;
  tool: string;
  argumentsShown?: string;
  argumentWarnings: string[];
  argsHash: string;
  client: string;
  session: string;
  reason: string;
  findings: Finding[];
  createdAt: string;
  deadline: string;
  state: "pending" | "expired" | "decided";
  decision?: string;
  decidedBy?: string;
}

export interface FieldChange {
  path: string;
  old: string;
  new: string;
}

export interface Change {
  server: string;
  kind: string;
  name: string;
  hash: string;
  reason: string;
  findings: Finding[];
  seenAt: string;
  pinned: string;
  proposed: string;
  fields: FieldChange[];
}

export interface AuditEntry {
  id: number;
  at: string;
  client: string;
  server: string;
  tool: string;
  argsDigest: string;
  arguments?: string;
  decision: string;
  decidedBy: string;
  approvalId?: number;
  latencyMs: number;
  status: string;
  detail: string;
}

export interface Setting {
  key: string;
  value: string;
  help: string;
}

export interface Rule {
  server: string;
  tool?: string;
  argsHash?: string;
  action: string;
  setBy?: string;
}

export interface Policy {
  rules: Rule[];
  admin: Rule[];
  defaults: string;
}

export type Decision = "allow_once" | "allow_session" | "allow_always" | "allow_always_exact" | "deny";

export interface EgressEvent {
  id: number;
  server: string;
  at: string;
  method: string;
  host: string;
  port: number;
  address?: string;
  allowed: boolean;
  reason?: string;
}

export interface ClientEntry {
  id: string;
  name: string;
  path?: string;
  document: string;
  error?: string;
}
