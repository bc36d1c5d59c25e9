-- Secret values, sealed with AES-256-GCM under a key kept outside this
-- database (<home>/secrets.key); the server and name are bound in as
-- additional data, so a sealed value cannot be moved to another.
CREATE TABLE secrets (
    server     TEXT NOT NULL,
    name       TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (server, name)
);
