-- Every connection a server's egress proxy allowed or refused.
CREATE TABLE egress_events (
    id       INTEGER PRIMARY KEY,
    server   TEXT NOT NULL,
    at       TEXT NOT NULL,
    method   TEXT NOT NULL,
    host     TEXT NOT NULL,
    port     INTEGER NOT NULL,
    address  TEXT NOT NULL,
    allowed  INTEGER NOT NULL,
    reason   TEXT NOT NULL
);
CREATE INDEX egress_events_server ON egress_events (server, id);
