//! The admin's changes to the settings, one row per key (`budget.tick_fuel`),
//! each value a TOML value as the config file would hold it.

use rusqlite::{Connection, params};

/// Every stored change, by key.
pub fn overrides(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut statement = conn.prepare("SELECT key, value FROM settings ORDER BY key")?;
    statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Applies changes in one transaction: `Some(value)` sets a key, `None`
/// removes the change (back to the config file's value).
pub fn store(
    conn: &mut Connection,
    by: i64,
    changes: &[(String, Option<String>)],
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let now = super::now_ms();
    for (key, value) in changes {
        match value {
            Some(value) => tx.execute(
                "INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET value = ?2, updated_by = ?3, updated_at = ?4",
                params![key, value, by, now],
            )?,
            None => tx.execute("DELETE FROM settings WHERE key = ?1", [key])?,
        };
    }
    tx.commit()
}
