//! `lockstep-server migrate`: a SQLite server's rows into PostgreSQL.
//!
//! Every table is copied with its ids, in the order its references need, in
//! one PostgreSQL transaction: a failure leaves the target as it was. The
//! triggers fire while the rows go in and would count each finished match
//! again, so the counters (`bots.wins`..., `bot_versions.played`,
//! `replays_kept`, `match_state_counts`) are then set to the source's
//! values, and the identity sequences past the largest id. At the end each
//! table's row count is compared with the source's.

use super::sql::{Connection, Value, params_from_iter};
use crate::config::{Database, ServerConfig, redact};
use std::path::Path;
use std::time::Instant;

/// The tables, parents before children.
const TABLES: &[&str] = &[
    "players",
    "modules",
    "bots",
    "bot_versions",
    "matches",
    "match_seats",
    "settings",
    "folder",
    "rate_events",
];

/// Tables whose `id` is an identity column: their sequences continue after
/// the copied ids.
const IDENTITIES: &[&str] = &["players", "bots", "bot_versions", "matches", "rate_events"];

/// Rows per INSERT statement.
const BATCH: usize = 200;

/// Runs the command; a message for the operator on failure.
pub fn run(config: &ServerConfig, from: Option<&Path>) -> Result<(), String> {
    let Database::Postgres(url) = &config.database else {
        return Err(
            "migrate copies into PostgreSQL, and this config has no [server] database: \
             add database = \"postgres://user@host/db\" to its [server] table (an empty \
             database), keep data_dir as it is, and run this again"
                .into(),
        );
    };
    let source_path = from.map_or_else(|| config.db_path(), Path::to_path_buf);
    if !source_path.is_file() {
        return Err(format!(
            "there is no SQLite database at {}: give the server's file with --from FILE \
             (DATA/lockstep.db of its data folder)",
            source_path.display()
        ));
    }
    let source = super::open(&source_path)
        .map_err(|e| format!("cannot open {}: {e}", source_path.display()))?;
    let mut target =
        super::open_postgres(url).map_err(|e| format!("cannot open {}: {e}", redact(url)))?;
    let started = Instant::now();
    let copied = copy(&source, &mut target)
        .map_err(|e| format!("nothing was written to {}: {e}", redact(url)))?;
    for (table, rows) in &copied {
        println!("{table:>14}  {rows} rows");
    }
    println!(
        "copied {} into {} in {:.1} s; start the server with this config",
        source_path.display(),
        redact(url),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Copies every table of `source` into `target`, which must be empty;
/// returns each table's row count.
pub fn copy(source: &Connection, target: &mut Connection) -> Result<Vec<(String, i64)>, String> {
    let err = |e: super::sql::Error| e.to_string();
    for table in ["players", "modules", "matches"] {
        let rows: i64 = target
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(err)?;
        if rows > 0 {
            return Err(format!(
                "the PostgreSQL database is not empty ({table} has {rows} rows): migrate into \
                 a new, empty database (CREATE DATABASE …), never over a live one"
            ));
        }
    }
    let tx = target.transaction().map_err(err)?;
    let mut counts = Vec::new();
    for table in TABLES {
        let columns = columns(&tx, table).map_err(err)?;
        let list = columns.join(", ");
        let mut stmt = source
            .prepare(&format!("SELECT {list} FROM {table}"))
            .map_err(err)?;
        let rows: Vec<Vec<Value>> = stmt
            .query_map([], |r| (0..columns.len()).map(|i| r.get(i)).collect())
            .map_err(err)?
            .collect::<Result<_, _>>()
            .map_err(err)?;
        for chunk in rows.chunks(BATCH) {
            let width = columns.len();
            let tuples: Vec<String> = (0..chunk.len())
                .map(|row| {
                    let marks: Vec<String> = (1..=width)
                        .map(|c| format!("?{}", row * width + c))
                        .collect();
                    format!("({})", marks.join(", "))
                })
                .collect();
            let sql = format!("INSERT INTO {table} ({list}) VALUES {}", tuples.join(", "));
            tx.execute(&sql, params_from_iter(chunk.iter().flatten()))
                .map_err(|e| format!("copying {table}: {e}"))?;
        }
        counts.push((table.to_string(), rows.len() as i64));
    }
    // The counters as the source kept them (the triggers counted again).
    tx.execute("DELETE FROM match_state_counts", [])
        .map_err(err)?;
    copy_rows(
        source,
        &tx,
        "SELECT state, n FROM match_state_counts",
        |_| "INSERT INTO match_state_counts (state, n) VALUES (?1, ?2)",
    )?;
    copy_rows(
        source,
        &tx,
        "SELECT wins, draws, losses, id FROM bots",
        |_| "UPDATE bots SET wins = ?1, draws = ?2, losses = ?3 WHERE id = ?4",
    )?;
    copy_rows(
        source,
        &tx,
        "SELECT played, replays_kept, id FROM bot_versions",
        |_| "UPDATE bot_versions SET played = ?1, replays_kept = ?2 WHERE id = ?3",
    )?;
    for table in IDENTITIES {
        tx.execute_batch(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                           COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ))
        .map_err(err)?;
    }
    for (table, expected) in &counts {
        let rows: i64 = tx
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(err)?;
        if rows != *expected {
            return Err(format!("{table}: {rows} rows copied of {expected}"));
        }
    }
    tx.commit().map_err(err)?;
    Ok(counts)
}

/// The target table's columns (PostgreSQL's own `worker` and `lease_until`
/// included: the SQLite file has them since the same build).
fn columns(conn: &Connection, table: &str) -> super::sql::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT column_name FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
    )?;
    stmt.query_map([table], |r| r.get(0))?.collect()
}

/// Each row of `select` on `source`, run through `write` on `target`.
fn copy_rows(
    source: &Connection,
    target: &Connection,
    select: &str,
    write: impl Fn(&[Value]) -> &'static str,
) -> Result<(), String> {
    let mut stmt = source.prepare(select).map_err(|e| e.to_string())?;
    let rows: Vec<Vec<Value>> = stmt
        .query_map([], |r| (0..r.column_count()).map(|i| r.get(i)).collect())
        .map_err(|e| e.to_string())?
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    for row in rows {
        target
            .execute(write(&row), params_from_iter(row.iter()))
            .map_err(|e| format!("{select}: {e}"))?;
    }
    Ok(())
}
