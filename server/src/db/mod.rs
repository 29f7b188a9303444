//! The database: one SQLite file in WAL mode, opened with the schema applied.

pub mod bots;
pub mod matches;
pub mod players;
pub mod retention;
pub mod settings;

use rusqlite::Connection;
use std::path::Path;

const SCHEMA: &str = include_str!("schema.sql");

/// Opens (creating if needed) the database at `path`: WAL journal, foreign
/// keys on, `synchronous = FULL` so a committed transaction survives a crash
/// or power loss, and the schema applied.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.execute_batch(SCHEMA)?;
    upgrade(&conn)?;
    Ok(conn)
}

/// Brings a database made by an earlier build up to the schema: columns
/// added since are added (`CREATE TABLE IF NOT EXISTS` leaves an existing
/// table as it was), then the indexes that use them.
fn upgrade(conn: &Connection) -> rusqlite::Result<()> {
    let has_pruned: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info('matches') WHERE name = 'replay_pruned_at'",
        [],
        |r| r.get(0),
    )?;
    if !has_pruned {
        conn.execute(
            "ALTER TABLE matches ADD COLUMN replay_pruned_at INTEGER",
            [],
        )?;
    }
    // The finished matches that still have a replay file: the pruner's
    // candidates, a small set however many matches there are.
    conn.execute(
        "CREATE INDEX IF NOT EXISTS matches_with_replay ON matches (id)
         WHERE state = 'finished' AND replay_pruned_at IS NULL",
        [],
    )?;
    Ok(())
}

/// Now, in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_schema_applies_twice() {
        let dir = std::env::temp_dir().join(format!("lockstep-db-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        drop(super::open(&path).unwrap());
        let conn = super::open(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_database_from_an_earlier_build_is_upgraded() {
        let dir = std::env::temp_dir().join(format!("lockstep-db-up-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("old.db");
        let old = rusqlite::Connection::open(&path).unwrap();
        let before = super::SCHEMA.replace("    replay_pruned_at INTEGER,\n", "");
        assert_ne!(before, super::SCHEMA, "the column's line is in the schema");
        old.execute_batch(&before).unwrap();
        old.execute(
            "INSERT INTO matches (kind, state, map, seed, created_at)
             VALUES ('ladder', 'finished', 'duel', 1, 0)",
            [],
        )
        .unwrap();
        drop(old);
        let conn = super::open(&path).unwrap();
        let pruned: Option<i64> = conn
            .query_row("SELECT replay_pruned_at FROM matches", [], |r| r.get(0))
            .unwrap();
        assert_eq!(pruned, None, "the old row is kept, its replay not pruned");
        drop(conn);
        drop(super::open(&path).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
