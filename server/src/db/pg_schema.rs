//! PostgreSQL's schema: numbered migrations, applied at connect.

use super::now_ms;
use super::sql::{self, Connection, params};

/// PostgreSQL's migrations, in order: the n-th is version n. A migration is
/// never edited once released; a change to the schema is a new one.
const PG_MIGRATIONS: &[&str] = &[include_str!("schema_pg.sql")];

/// Connects to PostgreSQL at `url` and brings its schema up to date: each
/// migration not applied yet, in order, in one transaction with its row in
/// `schema_migrations`. The transaction holds the writers' lock
/// ([`sql`]), so hosts starting together apply each migration once.
pub fn open_postgres(url: &str) -> sql::Result<Connection> {
    let mut conn = Connection::open_postgres(url)?;
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version BIGINT PRIMARY KEY,
             applied_at BIGINT NOT NULL
         )",
    )?;
    let applied: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    if applied > PG_MIGRATIONS.len() as i64 {
        return Err(sql::Error::Conversion(format!(
            "the database's schema is version {applied}, made by a newer build than this one \
             (which knows versions up to {}): run that build, or a newer one",
            PG_MIGRATIONS.len()
        )));
    }
    for (n, migration) in PG_MIGRATIONS.iter().enumerate().skip(applied as usize) {
        tx.execute_batch(migration)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![n as i64 + 1, now_ms()],
        )?;
        tracing::info!(version = n + 1, "PostgreSQL schema migrated");
    }
    tx.commit()?;
    Ok(conn)
}
