-- What a person decided a server's tools may do: allow, ask or deny. An
-- empty tool is every tool of the server; an empty args_hash any arguments.
CREATE TABLE policy_rules (
    server    TEXT NOT NULL,
    tool      TEXT NOT NULL DEFAULT '',
    args_hash TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL CHECK (action IN ('allow', 'ask', 'deny')),
    set_by    TEXT NOT NULL,
    set_at    TEXT NOT NULL,
    PRIMARY KEY (server, tool, args_hash)
);

-- Tool calls held for a person. arguments is emptied once the call is over:
-- from then on only the digest stays.
CREATE TABLE approvals (
    id         INTEGER PRIMARY KEY,
    owner      TEXT NOT NULL,              -- the gateway process waiting on it
    server     TEXT NOT NULL,
    tool       TEXT NOT NULL,
    arguments  TEXT NOT NULL,
    args_hash  TEXT NOT NULL,
    client     TEXT NOT NULL,
    session    TEXT NOT NULL,
    reason     TEXT NOT NULL,              -- why it was held
    findings   TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    deadline   TEXT NOT NULL,
    decision   TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX approvals_pending ON approvals (decision, id);

-- Every tool call, as decided and answered.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    client      TEXT NOT NULL,
    server      TEXT NOT NULL,
    tool        TEXT NOT NULL,
    args_digest TEXT NOT NULL,
    arguments   TEXT,                      -- only where the user enabled it
    decision    TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    approval_id INTEGER,
    latency_ms  INTEGER NOT NULL,
    status      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    findings    TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_server ON audit (server, at);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);
