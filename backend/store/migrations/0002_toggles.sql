-- Which servers the gateway serves and which of their tools it shows.
-- tool = '' stands for the server itself. A server is off until enabled; the
-- tools of an enabled server are shown unless disabled.
CREATE TABLE toggles (
    server     TEXT NOT NULL,
    tool       TEXT NOT NULL DEFAULT '',
    enabled    INTEGER NOT NULL,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (server, tool)
);
