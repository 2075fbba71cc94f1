-- Tend vault, format 3: imports come in batches. A chunk or rollup block written by an import
-- carries its batch's number (0: a device's or the patient's own readings), bound into its seal
-- and counted in the head with it, so undoing an import removes exactly its pieces and a piece
-- moved between a batch and a device's data fails its check. A batch is written in one
-- transaction: it is there whole, or not at all.
ALTER TABLE chunk ADD COLUMN batch INTEGER NOT NULL DEFAULT 0;
CREATE INDEX chunk_by_batch ON chunk (batch) WHERE batch <> 0;

-- Rollup blocks are kept per batch too (an import's summaries are dropped with it, never
-- subtracted from another's), so the batch joins the key.
CREATE TABLE rollup_by_batch (
    series_id INTEGER NOT NULL REFERENCES series (id),
    level     INTEGER NOT NULL,
    block     INTEGER NOT NULL,
    batch     INTEGER NOT NULL DEFAULT 0,
    version   INTEGER NOT NULL DEFAULT 0,
    sealed    BLOB NOT NULL,
    PRIMARY KEY (series_id, level, block, batch)
) STRICT, WITHOUT ROWID;
INSERT INTO rollup_by_batch (series_id, level, block, batch, version, sealed)
    SELECT series_id, level, block, 0, version, sealed FROM rollup;
DROP TABLE rollup;
ALTER TABLE rollup_by_batch RENAME TO rollup;
CREATE INDEX rollup_by_batch_number ON rollup (batch) WHERE batch <> 0;

-- A format-2 vault needs nothing re-sealed: its pieces are batch 0, sealed as before. A format-1
-- vault stays at 1 here and is re-sealed by the code that holds the key.
UPDATE meta SET value = 3 WHERE key = 'format_version' AND value = 2;
