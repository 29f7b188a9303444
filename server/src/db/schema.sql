-- The server's database. One SQLite file in WAL mode; modules and replays
-- live beside it as files named by content, written before the rows that
-- point at them (see ARCHITECTURE.md, "Nothing lost").
-- Times are unix milliseconds. Hashes are lowercase hex blake3.

CREATE TABLE IF NOT EXISTS players (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    -- blake3 of the API token; the token itself is shown once, never stored.
    token_hash  TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('player', 'admin', 'house')),
    created_at  INTEGER NOT NULL
);

-- A validated module, stored once however many bots use it, at
-- DATA/modules/<hash>.wasm.
CREATE TABLE IF NOT EXISTS modules (
    hash        TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    encoding    TEXT NOT NULL,
    -- The validator's summary (JSON), as `lockstep check --json` prints it.
    summary     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- A bot is a name under a player; each upload is a new version of it.
CREATE TABLE IF NOT EXISTS bots (
    id          INTEGER PRIMARY KEY,
    owner       INTEGER NOT NULL REFERENCES players(id),
    name        TEXT NOT NULL,
    -- 0 once retired: kept, with its matches, but no longer scheduled.
    active      INTEGER NOT NULL DEFAULT 1,
    -- Weng-Lin rating of the bot's current version on the ladder.
    rating_mu    REAL NOT NULL,
    rating_sigma REAL NOT NULL,
    games       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (owner, name)
);

CREATE TABLE IF NOT EXISTS bot_versions (
    id          INTEGER PRIMARY KEY,
    bot         INTEGER NOT NULL REFERENCES bots(id),
    version     INTEGER NOT NULL,
    module      TEXT NOT NULL REFERENCES modules(hash),
    created_at  INTEGER NOT NULL,
    UNIQUE (bot, version)
);

-- A match of the ladder or a challenge (docs/server.md, "Ladder").
CREATE TABLE IF NOT EXISTS matches (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('ladder', 'challenge')),
    -- queued -> running -> finished | failed; a server that restarts puts
    -- 'running' matches back to 'queued'.
    state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'finished', 'failed')),
    -- 1: the result updates the bots' ratings and game counts (ladder
    -- matches); 0: it does not (challenges).
    rated       INTEGER NOT NULL DEFAULT 1,
    requested_by INTEGER REFERENCES players(id),
    map         TEXT NOT NULL,
    seed        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    -- Times a worker took it; one killed by a crash that many times fails.
    attempts    INTEGER NOT NULL DEFAULT 0,
    winner_seat INTEGER,
    ticks       INTEGER,
    final_hash  TEXT,
    -- The replay is DATA/replays/<id>.replay, renamed into place (and synced)
    -- before the row says 'finished'.
    replay_hash TEXT,
    -- When the retention rule deleted the replay file (set before the file
    -- goes); NULL while it is kept. See db/retention.rs.
    replay_pruned_at INTEGER,
    -- The match result as `lockstep match --json` prints it.
    result      TEXT,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS matches_by_state ON matches (state, id);
CREATE INDEX IF NOT EXISTS matches_by_requester ON matches (requested_by, id);

CREATE TABLE IF NOT EXISTS match_seats (
    match       INTEGER NOT NULL REFERENCES matches(id),
    seat        INTEGER NOT NULL,
    bot_version INTEGER NOT NULL REFERENCES bot_versions(id),
    -- bot_version's bot, for "this bot's matches".
    bot         INTEGER NOT NULL REFERENCES bots(id),
    -- The bot's Weng-Lin rating before and after a rated match (NULL until
    -- it finishes, and for a seat whose version was replaced meanwhile).
    mu_before    REAL,
    sigma_before REAL,
    mu_after     REAL,
    sigma_after  REAL,
    PRIMARY KEY (match, seat)
);
CREATE INDEX IF NOT EXISTS seats_by_version ON match_seats (bot_version);
CREATE INDEX IF NOT EXISTS seats_by_bot ON match_seats (bot, match);

-- The admin's changes to the settings in force (PUT /api/admin/settings),
-- laid over the config file's at start-up and at each change: one row per
-- key, e.g. key 'budget.tick_fuel', value '5000000' (a TOML value).
CREATE TABLE IF NOT EXISTS settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_by  INTEGER REFERENCES players(id),
    updated_at  INTEGER NOT NULL
);
