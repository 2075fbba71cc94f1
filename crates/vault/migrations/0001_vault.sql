-- Tend vault, format 1. Only opaque ids, keyed tags and hour-rounded time keys are in clear;
-- everything about the patient is in the `sealed` columns (AES-256-GCM).

-- Small named values: format version, key protection, nonce counter, key check, wrapped key.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value ANY
) STRICT;

INSERT INTO meta (key, value) VALUES ('format_version', 1), ('nonce_next', 0);

-- A time series is one metric from one device; `tag` is a keyed hash of both, `sealed` names them.
CREATE TABLE series (
    id     INTEGER PRIMARY KEY,
    tag    BLOB NOT NULL UNIQUE,
    sealed BLOB NOT NULL
) STRICT;

-- Sealed runs of samples. The hours bound the samples inside, for range scans.
CREATE TABLE chunk (
    id         INTEGER PRIMARY KEY,
    series_id  INTEGER NOT NULL REFERENCES series (id),
    first_hour INTEGER NOT NULL,
    last_hour  INTEGER NOT NULL,
    sealed     BLOB NOT NULL
) STRICT;
CREATE INDEX chunk_by_time ON chunk (series_id, first_hour, last_hour);

-- Live readings, one sealed row each, durable the moment they are acknowledged; compacted into
-- chunks in batches.
CREATE TABLE pending (
    id        INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES series (id),
    hour      INTEGER NOT NULL,
    sealed    BLOB NOT NULL
) STRICT;
CREATE INDEX pending_by_time ON pending (series_id, hour);

-- Sealed blocks of min/max/sum/count per minute, hour or day, so long ranges chart without
-- opening every sample.
CREATE TABLE rollup (
    series_id INTEGER NOT NULL REFERENCES series (id),
    level     INTEGER NOT NULL,
    block     INTEGER NOT NULL,
    sealed    BLOB NOT NULL,
    PRIMARY KEY (series_id, level, block)
) STRICT, WITHOUT ROWID;

-- Devices, medications, dose events, care teams, consents: sealed documents under keyed tags.
CREATE TABLE record (
    kind_tag BLOB NOT NULL,
    tag      BLOB NOT NULL,
    sealed   BLOB NOT NULL,
    PRIMARY KEY (kind_tag, tag)
) STRICT, WITHOUT ROWID;

-- What was shared, when, with whom: append-only, each entry sealed with its predecessor's digest.
CREATE TABLE audit (
    seq    INTEGER PRIMARY KEY,
    sealed BLOB NOT NULL
) STRICT;

-- Items waiting to be sent to a care team. `dedupe_tag` keeps one item per thing to send.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    dedupe_tag      BLOB NOT NULL UNIQUE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sealed          BLOB NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox (next_attempt_at);
