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
    created_at  INTEGER NOT NULL,
    -- When its file was deleted because no kept version used it any more
    -- (quota.rs); NULL while DATA/modules/<hash>.wasm is there. The row
    -- stays while a version names it; an upload of the same bytes brings
    -- the file back and clears this.
    deleted_at  INTEGER
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
    -- Its record in finished rated matches (challenges are not), over all its
    -- versions, from its seats' side: won (winner_seat is its seat), drawn
    -- (no winner), lost. Kept by the triggers below, never counted on read.
    wins        INTEGER NOT NULL DEFAULT 0,
    draws       INTEGER NOT NULL DEFAULT 0,
    losses      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (owner, name)
);
-- A challenge may name a bot by its bare name.
CREATE INDEX IF NOT EXISTS bots_by_name ON bots (name);

CREATE TABLE IF NOT EXISTS bot_versions (
    id          INTEGER PRIMARY KEY,
    bot         INTEGER NOT NULL REFERENCES bots(id),
    version     INTEGER NOT NULL,
    module      TEXT NOT NULL REFERENCES modules(hash),
    created_at  INTEGER NOT NULL,
    -- Seats it took in finished matches (ladder and challenges). Kept by the
    -- triggers below.
    played      INTEGER NOT NULL DEFAULT 0,
    -- Its seats in finished matches whose replay file is still kept: while
    -- above 0 its module is kept (quota.rs). Kept by the triggers below.
    replays_kept INTEGER NOT NULL DEFAULT 0,
    -- When it was pruned (older than the bot's newest `[server]
    -- versions_per_bot` and needed by no kept replay or waiting match, or
    -- deleted by its owner): its module is no longer kept for it, and is
    -- deleted once no kept version uses it. NULL while kept. A version that
    -- never took a seat is deleted instead. See db/quota.rs.
    pruned_at   INTEGER,
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
    -- The client address that asked for a challenge (an IPv4 address or an
    -- IPv6 /64, as ratelimit.rs `Client::key` writes it): queue limits and
    -- the fair order count the players of one address together
    -- (ladder/claim.rs). NULL for ladder matches.
    requested_from TEXT,
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
    -- What it was played with (JSON: {"match": MatchConfig, "limits":
    -- SandboxLimits}), so that a pruned replay can be recorded again
    -- (ladder/rerecord.rs). NULL for matches played by an earlier build.
    played_with TEXT,
    -- When a pruned replay was recorded again and written back
    -- (ladder/rerecord.rs): the retention rule leaves it an hour.
    replay_restored_at INTEGER,
    -- The process that plays a running match ('host:pid:start') and until
    -- when its lease holds (unix ms): ladder/lease.rs. Only that process
    -- may finish it.
    worker      TEXT,
    lease_until INTEGER,
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

-- What the data folder was made for, one row per key: 'game', the game its
-- ladder plays (the config's [match] game), written at its first start. A
-- server configured for another game refuses to start on it (one game per
-- data folder: db/settings.rs folder_game).
CREATE TABLE IF NOT EXISTS folder (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);

-- Per-client allowances (ratelimit.rs, db/ratelimit.rs): one row per
-- counted event, e.g. kind 'registration', client '203.0.113.7' or
-- '2001:db8:1:2::/64', at (unix ms). Kept so that a limit holds across
-- restarts; rows that left their window are deleted at the next event of
-- their kind, and never more than db/ratelimit.rs MAX_EVENTS are kept.
CREATE TABLE IF NOT EXISTS rate_events (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    client      TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_events_by_client ON rate_events (kind, client, at);
CREATE INDEX IF NOT EXISTS rate_events_by_time ON rate_events (kind, at);

-- How many matches are in each state (the leaderboard's footer): kept by
-- the triggers below, so that no page counts `matches`.
CREATE TABLE IF NOT EXISTS match_state_counts (
    state       TEXT PRIMARY KEY,
    n           INTEGER NOT NULL
);

-- The counters above follow the rows whatever writes them (the server, a
-- test's fixture, an admin with the sqlite3 shell), in the writing
-- statement's transaction. They rely on what the server never does: a
-- finished match's state, `rated`, `winner_seat` and seats never change, and
-- no match or seat is deleted (the triggers on delete only keep the state
-- counts). db/mod.rs `upgrade` fills them once for a database made before.
CREATE TRIGGER IF NOT EXISTS match_inserted AFTER INSERT ON matches
BEGIN
    INSERT INTO match_state_counts (state, n) VALUES (NEW.state, 1)
    ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS match_state_changed AFTER UPDATE OF state ON matches
WHEN OLD.state IS NOT NEW.state
BEGIN
    UPDATE match_state_counts SET n = n - 1 WHERE state = OLD.state;
    INSERT INTO match_state_counts (state, n) VALUES (NEW.state, 1)
    ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS match_deleted AFTER DELETE ON matches
BEGIN
    UPDATE match_state_counts SET n = n - 1 WHERE state = OLD.state;
END;

-- A match finishes (db/matches.rs `finish`): its seats' records and
-- versions' counts, in the transaction that finishes it.
CREATE TRIGGER IF NOT EXISTS match_finished AFTER UPDATE OF state ON matches
WHEN NEW.state = 'finished' AND OLD.state IS NOT 'finished'
BEGIN
    UPDATE bots SET
        wins = wins + (SELECT COUNT(*) FROM match_seats s
                       WHERE s.match = NEW.id AND s.bot = bots.id AND s.seat = NEW.winner_seat),
        draws = draws + (SELECT COUNT(*) FROM match_seats s
                         WHERE s.match = NEW.id AND s.bot = bots.id AND NEW.winner_seat IS NULL),
        losses = losses + (SELECT COUNT(*) FROM match_seats s
                           WHERE s.match = NEW.id AND s.bot = bots.id AND s.seat != NEW.winner_seat)
    WHERE NEW.rated = 1 AND id IN (SELECT s.bot FROM match_seats s WHERE s.match = NEW.id);
    UPDATE bot_versions SET
        -- `+`: by the match's seats, never by the version's (seats_by_version).
        played = played + (SELECT COUNT(*) FROM match_seats s
                           WHERE s.match = NEW.id AND +s.bot_version = bot_versions.id)
    WHERE id IN (SELECT s.bot_version FROM match_seats s WHERE s.match = NEW.id);
END;

-- A seat added to a match already finished (rows written in that order,
-- as a fixture does): the same counts for that seat.
CREATE TRIGGER IF NOT EXISTS seat_of_finished_match AFTER INSERT ON match_seats
WHEN (SELECT state = 'finished' FROM matches WHERE id = NEW.match)
BEGIN
    UPDATE bots SET
        wins = wins + (SELECT winner_seat IS NEW.seat FROM matches WHERE id = NEW.match),
        draws = draws + (SELECT winner_seat IS NULL FROM matches WHERE id = NEW.match),
        losses = losses + (SELECT winner_seat IS NOT NULL AND winner_seat IS NOT NEW.seat
                           FROM matches WHERE id = NEW.match)
    WHERE id = NEW.bot AND (SELECT rated = 1 FROM matches WHERE id = NEW.match);
    UPDATE bot_versions SET played = played + 1 WHERE id = NEW.bot_version;
END;

-- A version's seats in finished matches whose replay file is kept
-- (`bot_versions.replays_kept`): up when a match finishes or a seat is
-- added to a finished one, down when the retention rule marks the replay
-- pruned (`replay_pruned_at`, db/retention.rs), in that statement's
-- transaction.
CREATE TRIGGER IF NOT EXISTS replays_kept_on_finish AFTER UPDATE OF state ON matches
WHEN NEW.state = 'finished' AND OLD.state IS NOT 'finished' AND NEW.replay_pruned_at IS NULL
BEGIN
    UPDATE bot_versions SET
        replays_kept = replays_kept + (SELECT COUNT(*) FROM match_seats s
                                       WHERE s.match = NEW.id AND +s.bot_version = bot_versions.id)
    WHERE id IN (SELECT s.bot_version FROM match_seats s WHERE s.match = NEW.id);
END;

CREATE TRIGGER IF NOT EXISTS replays_kept_on_seat AFTER INSERT ON match_seats
WHEN (SELECT state = 'finished' AND replay_pruned_at IS NULL FROM matches WHERE id = NEW.match)
BEGIN
    UPDATE bot_versions SET replays_kept = replays_kept + 1 WHERE id = NEW.bot_version;
END;

CREATE TRIGGER IF NOT EXISTS replays_kept_on_prune AFTER UPDATE OF replay_pruned_at ON matches
WHEN NEW.state = 'finished' AND (OLD.replay_pruned_at IS NULL) != (NEW.replay_pruned_at IS NULL)
BEGIN
    UPDATE bot_versions SET
        replays_kept = replays_kept
            + IIF(NEW.replay_pruned_at IS NULL, 1, -1)
              * (SELECT COUNT(*) FROM match_seats s
                 WHERE s.match = NEW.id AND +s.bot_version = bot_versions.id)
    WHERE id IN (SELECT s.bot_version FROM match_seats s WHERE s.match = NEW.id);
END;
