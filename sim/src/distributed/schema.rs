//! The tables, as numbered migrations run at connect: a database holds any
//! number of tournaments, and any number of workers share it.

use postgres::Client;

/// Each migration once, in order; `lockstep_schema` records the ones run.
const MIGRATIONS: &[(i32, &str)] = &[(
    1,
    "
    CREATE TABLE tournaments (
        id          text PRIMARY KEY,
        -- The plan as JSON text, exactly as `Plan` serialises it.
        plan        text NOT NULL,
        matches     bigint NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE modules (
        hash   bytea PRIMARY KEY,
        bytes  bytea NOT NULL
    );
    CREATE TABLE tournament_bots (
        tournament   text NOT NULL REFERENCES tournaments,
        bot          integer NOT NULL,
        name         text NOT NULL,
        module_hash  bytea NOT NULL REFERENCES modules,
        PRIMARY KEY (tournament, bot)
    );
    CREATE TABLE matches (
        tournament   text NOT NULL REFERENCES tournaments,
        idx          bigint NOT NULL,
        -- The `MatchSpec` as JSON text.
        spec         text NOT NULL,
        state        text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'done')),
        worker       text,
        lease_until  timestamptz,
        attempts     integer NOT NULL DEFAULT 0,
        PRIMARY KEY (tournament, idx)
    );
    -- What a claim scans: matches not done, in canonical order.
    CREATE INDEX matches_open ON matches (tournament, idx) WHERE state <> 'done';
    CREATE TABLE results (
        tournament   text NOT NULL,
        idx          bigint NOT NULL,
        -- The `MatchRecord` as JSON text: re-read, it hashes as written.
        record       text NOT NULL,
        worker       text NOT NULL,
        finished_at  timestamptz NOT NULL DEFAULT now(),
        -- Exactly once per match.
        PRIMARY KEY (tournament, idx),
        FOREIGN KEY (tournament, idx) REFERENCES matches
    );
    ",
)];

/// Runs the migrations this database has not had, each in its own
/// transaction, under an advisory lock so that two processes starting at
/// once do not both run one.
pub fn migrate(client: &mut Client) -> Result<(), postgres::Error> {
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS lockstep_schema (
             version     integer PRIMARY KEY,
             applied_at  timestamptz NOT NULL DEFAULT now()
         )",
    )?;
    let mut tx = client.transaction()?;
    // Any constant key: one migrating process at a time.
    tx.execute("SELECT pg_advisory_xact_lock(7318455)", &[])?;
    for &(version, sql) in MIGRATIONS {
        let done = tx
            .query_opt(
                "SELECT 1 FROM lockstep_schema WHERE version = $1",
                &[&version],
            )?
            .is_some();
        if !done {
            tx.batch_execute(sql)?;
            tx.execute(
                "INSERT INTO lockstep_schema (version) VALUES ($1)",
                &[&version],
            )?;
        }
    }
    tx.commit()
}
