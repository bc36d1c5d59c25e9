-- A person's word that a catalog entry resembling a verified server is the
-- one they mean. It holds for what they were shown (the entry's name, title
-- and image and each resemblance, hashed): any change asks again.
CREATE TABLE lookalike_confirmations (
    server       TEXT PRIMARY KEY,
    shown        TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL
);
