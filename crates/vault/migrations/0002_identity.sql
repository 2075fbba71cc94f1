-- Tend vault, format 2: every sealed piece is bound to its row and version, and a sealed head
-- counts what the file must hold. Records and rollup blocks get a version (a number never
-- reused) so an older copy of one cannot stand in for the current one. The pieces themselves are
-- re-sealed by the code that holds the key, when the vault is next unlocked.
ALTER TABLE record ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
