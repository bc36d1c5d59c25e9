-- Results the gateway keeps from a client until a person decides: what the
-- scanner found (secrets by kind and length, never their text) and the
-- decision. The result itself stays in the gateway's memory only.
CREATE TABLE holds (
    id         INTEGER PRIMARY KEY,
    server     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    findings   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decision   TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL DEFAULT ''
);
