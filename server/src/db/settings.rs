//! The admin's changes to the settings, one row per key (`budget.tick_fuel`),
//! each value a TOML value as the config file would hold it; and the game
//! the data folder was made for.

use crate::db::sql::{Connection, OptionalExtension, params};

/// The game a data folder's database was made for: the one recorded at its
/// first start; else, for a database made by a build that recorded none
/// (which played the reference game only) and has players, `cores`;
/// else (a new database) `game`, recorded now.
pub fn folder_game(conn: &Connection, game: &str) -> crate::db::sql::Result<String> {
    let recorded: Option<String> = conn
        .query_row("SELECT value FROM folder WHERE key = 'game'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(recorded) = recorded {
        return Ok(recorded);
    }
    let older: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM players)", [], |r| r.get(0))?;
    let game = if older {
        lockstep_sim::games::DEFAULT_GAME
    } else {
        game
    };
    conn.execute(
        "INSERT INTO folder (key, value) VALUES ('game', ?1)",
        [game],
    )?;
    Ok(game.to_string())
}

/// Every stored change, by key.
pub fn overrides(conn: &Connection) -> crate::db::sql::Result<Vec<(String, String)>> {
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
) -> crate::db::sql::Result<()> {
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
