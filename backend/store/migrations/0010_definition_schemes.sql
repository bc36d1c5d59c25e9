-- Which canonical scheme made each pinned or withheld hash (the trust
-- package's): 1 sorted every array but tuples, the scheme of every pin
-- made before this column; later schemes keep lists in order. A pin of an
-- older scheme is re-pinned under the current one only while what the
-- server offers is, by the older scheme, exactly what was approved.
ALTER TABLE definition_pins ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
ALTER TABLE definition_changes ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
