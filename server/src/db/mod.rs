//! The database: one SQLite file in WAL mode, opened with the schema applied.

pub mod bots;
pub mod matches;
pub mod migrate;
mod pg_schema;
#[cfg(test)]
mod plans;
#[cfg(test)]
mod plans_pg;
pub mod players;
pub mod queue;
pub mod quota;
pub mod ratelimit;
pub mod retention;
pub mod settings;

pub mod sql;

pub use pg_schema::open_postgres;
use sql::Connection;
use std::path::Path;

const SCHEMA: &str = include_str!("schema.sql");

/// Opens (creating if needed) the database at `path`: WAL journal, foreign
/// keys on, `synchronous = FULL` so a committed transaction survives a crash
/// or power loss, and the schema applied. The files are private to their
/// owner ([`private_files`]).
pub fn open(path: &Path) -> sql::Result<Connection> {
    Ok(Connection::from_sqlite(open_sqlite(path)?))
}

/// The database `config` names: the SQLite file in the data folder, or
/// PostgreSQL.
pub fn connect(config: &crate::config::ServerConfig) -> Result<Connection, String> {
    use crate::config::{Database, redact};
    match &config.database {
        Database::Sqlite => {
            let path = config.db_path();
            open(&path).map_err(|e| format!("cannot open the database {}: {e}", path.display()))
        }
        Database::Postgres(url) => open_postgres(url).map_err(|e| {
            format!(
                "cannot open the database {}: {e} (is PostgreSQL running there, and may this \
                 user create tables in that database?)",
                redact(url)
            )
        }),
    }
}

/// [`open`]'s SQLite connection itself.
fn open_sqlite(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    private_files(path);
    let mut conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.execute_batch(SCHEMA)?;
    upgrade(&mut conn)?;
    Ok(conn)
}

/// The database holds every player's token hash, so its files are mode
/// 0600, whatever the umask: a new database file is created so before
/// SQLite opens it (SQLite gives its `-wal` and `-shm` files the database
/// file's mode). An existing file, `-wal` or `-shm` that the group or others
/// may read or write (a database made by an earlier build, which left that
/// to the umask, or copied in by hand) is made 0600, with a warning naming
/// it and its old mode; if that fails, a warning says what to run. Never an
/// error: the server runs as it did.
pub fn private_files(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        if created.is_ok() {
            return;
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_os_string();
            name.push(suffix);
            let file = std::path::PathBuf::from(name);
            let Ok(meta) = std::fs::metadata(&file) else {
                continue;
            };
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 == 0 {
                continue;
            }
            let file_name = file.display().to_string();
            let old = format!("{mode:04o}");
            match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
                Ok(()) => tracing::warn!(
                    file = %file_name, old_mode = %old,
                    "the database file was open to other users (it holds token hashes): made 0600"
                ),
                Err(e) => tracing::warn!(
                    file = %file_name, old_mode = %old, error = %e,
                    "the database file is open to other users (it holds token hashes) and \
                     could not be made 0600: run `chmod 600` on it"
                ),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Brings a database made by an earlier build up to the schema: columns
/// added since are added (`CREATE TABLE IF NOT EXISTS` leaves an existing
/// table as it was), then the indexes that use them; counters that the
/// schema's triggers keep from now on are filled once from the rows already
/// there, in the same transaction as their columns.
fn upgrade(conn: &mut rusqlite::Connection) -> rusqlite::Result<()> {
    // Deferred: a database already up to date is only read (another
    // process may hold it open).
    let tx = conn.transaction()?;
    if !has_column(&tx, "matches", "replay_pruned_at")? {
        tx.execute(
            "ALTER TABLE matches ADD COLUMN replay_pruned_at INTEGER",
            [],
        )?;
    }
    if !has_column(&tx, "matches", "played_with")? {
        tx.execute("ALTER TABLE matches ADD COLUMN played_with TEXT", [])?;
    }
    for column in [
        "requested_from TEXT",
        "replay_restored_at INTEGER",
        "worker TEXT",
        "lease_until INTEGER",
    ] {
        let name = column.split(' ').next().unwrap_or(column);
        if !has_column(&tx, "matches", name)? {
            tx.execute(&format!("ALTER TABLE matches ADD COLUMN {column}"), [])?;
        }
    }
    // The finished matches that still have a replay file: the pruner's
    // candidates, a small set however many matches there are.
    tx.execute(
        "CREATE INDEX IF NOT EXISTS matches_with_replay ON matches (id)
         WHERE state = 'finished' AND replay_pruned_at IS NULL",
        [],
    )?;
    if !has_column(&tx, "bots", "wins")? {
        for column in ["wins", "draws", "losses"] {
            tx.execute(
                &format!("ALTER TABLE bots ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0"),
                [],
            )?;
        }
        tx.execute(BACKFILL_RECORDS, [])?;
    }
    if !has_column(&tx, "bot_versions", "played")? {
        tx.execute(
            "ALTER TABLE bot_versions ADD COLUMN played INTEGER NOT NULL DEFAULT 0",
            [],
        )?;
        tx.execute(BACKFILL_PLAYED, [])?;
    }
    if !has_column(&tx, "bot_versions", "replays_kept")? {
        tx.execute(
            "ALTER TABLE bot_versions ADD COLUMN replays_kept INTEGER NOT NULL DEFAULT 0",
            [],
        )?;
        tx.execute(BACKFILL_REPLAYS_KEPT, [])?;
    }
    if !has_column(&tx, "bot_versions", "pruned_at")? {
        tx.execute("ALTER TABLE bot_versions ADD COLUMN pruned_at INTEGER", [])?;
    }
    if !has_column(&tx, "modules", "deleted_at")? {
        tx.execute("ALTER TABLE modules ADD COLUMN deleted_at INTEGER", [])?;
    }
    // Whether a module is still used (by a kept version, by any), and each
    // bot's kept versions: what db/quota.rs looks up at every upload.
    tx.execute(
        "CREATE INDEX IF NOT EXISTS versions_by_module ON bot_versions (module, pruned_at)",
        [],
    )?;
    tx.execute(
        "CREATE INDEX IF NOT EXISTS kept_versions ON bot_versions (bot, version)
         WHERE pruned_at IS NULL",
        [],
    )?;
    // Empty while matches exist only before the triggers kept it (they
    // leave a row per state once seen, even at 0).
    let uncounted: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM matches)
                AND NOT EXISTS (SELECT 1 FROM match_state_counts)",
        [],
        |r| r.get(0),
    )?;
    if uncounted {
        tx.execute(BACKFILL_STATE_COUNTS, [])?;
    }
    tx.commit()
}

/// Each bot's wins, draws and losses, counted from every finished rated
/// match: what the triggers of `schema.sql` keep from then on (and what
/// the pages counted on each load before).
const BACKFILL_RECORDS: &str = "
    UPDATE bots SET (wins, draws, losses) = (
        SELECT COALESCE(SUM(m.winner_seat = s.seat), 0),
               COALESCE(SUM(m.winner_seat IS NULL), 0),
               COALESCE(SUM(m.winner_seat IS NOT NULL AND m.winner_seat != s.seat), 0)
        FROM match_seats s JOIN matches m ON m.id = s.match
        WHERE s.bot = bots.id AND m.state = 'finished' AND m.rated = 1)";

/// Each version's seats in finished matches.
const BACKFILL_PLAYED: &str = "
    UPDATE bot_versions SET played = (
        SELECT COUNT(*) FROM match_seats s JOIN matches m ON m.id = s.match
        WHERE s.bot_version = bot_versions.id AND m.state = 'finished')";

/// Each version's seats in finished matches whose replay is kept.
const BACKFILL_REPLAYS_KEPT: &str = "
    UPDATE bot_versions SET replays_kept = (
        SELECT COUNT(*) FROM match_seats s JOIN matches m ON m.id = s.match
        WHERE s.bot_version = bot_versions.id AND m.state = 'finished'
          AND m.replay_pruned_at IS NULL)";

const BACKFILL_STATE_COUNTS: &str = "
    INSERT INTO match_state_counts (state, n)
    SELECT state, COUNT(*) FROM matches WHERE true GROUP BY state
    ON CONFLICT (state) DO UPDATE SET n = excluded.n";

fn has_column(conn: &rusqlite::Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2",
        rusqlite::params![table, column],
        |r| r.get(0),
    )
}

/// Now, in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
