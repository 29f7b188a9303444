//! Storage quotas, the database half: what a player stores, which of their
//! versions no rule keeps any more, and pruning them. SQL only; the policy
//! (limits, messages, the files) is `crate::quota`.
//!
//! A version is **kept** (`pruned_at IS NULL`) while any of these holds:
//! it is among its bot's newest `versions_per_bot` (by number), a replay
//! still on disk names it (`replays_kept > 0`, kept by `schema.sql`'s
//! triggers), or a queued or running match seats it. [`prune`] takes the
//! others of a player: a version that never took a seat is deleted, any
//! other is marked pruned (its matches keep naming it). A module that no
//! kept version uses any more is marked deleted (`modules.deleted_at`), or
//! its row deleted when no version at all names it; its file is then to be
//! deleted by the caller, after the commit.

use crate::db::sql::{Connection, OptionalExtension, params};
use std::collections::HashSet;

/// A player's active bots: through `bots`' UNIQUE (owner, name) index.
pub(crate) const ACTIVE_BOTS_OF_OWNER: &str =
    "SELECT COUNT(*) FROM bots WHERE owner = ?1 AND active = 1";
/// Whether a player has a bot of that name: the same index.
pub(crate) const BOT_OF_OWNER: &str = "SELECT 1 FROM bots WHERE owner = ?1 AND name = ?2";

/// The bytes and the number of the modules a player's kept versions use,
/// each module once: a player's bots, then their kept versions.
pub(crate) const STORED: &str = "SELECT COALESCE(SUM(size), 0), COUNT(*) FROM modules
    WHERE hash IN (SELECT v.module FROM bots b
                   JOIN bot_versions v INDEXED BY kept_versions ON v.bot = b.id
                   WHERE b.owner = ?1 AND v.pruned_at IS NULL)";

/// Whether one of a player's kept versions uses a module.
pub(crate) const PLAYER_STORES: &str = "SELECT 1 FROM bot_versions v JOIN bots b ON b.id = v.bot
    WHERE v.module = ?1 AND v.pruned_at IS NULL AND b.owner = ?2 LIMIT 1";

/// A player's kept versions older than their bot's newest `?2` that no
/// replay on disk names, oldest first per bot.
pub(crate) const OLD_VERSIONS: &str = "SELECT v.id, v.module FROM bots b
    JOIN bot_versions v INDEXED BY kept_versions ON v.bot = b.id
    WHERE b.owner = ?1 AND v.pruned_at IS NULL AND v.replays_kept = 0
      AND v.version <= (SELECT MAX(version) FROM bot_versions WHERE bot = b.id) - ?2
    ORDER BY v.bot, v.version";

/// The versions seated in queued and running matches: from the few pending
/// matches (`matches_by_state`), never from a version's every seat.
pub(crate) const PENDING_VERSIONS: &str = "SELECT DISTINCT s.bot_version
    FROM matches m CROSS JOIN match_seats s ON s.match = m.id
    WHERE m.state IN ('queued', 'running')";

/// Whether a version ever took a seat (any match, any state).
pub(crate) const SEATED: &str = "SELECT 1 FROM match_seats WHERE bot_version = ?1 LIMIT 1";
pub(crate) const DELETE_VERSION: &str = "DELETE FROM bot_versions WHERE id = ?1";
pub(crate) const MARK_VERSION: &str = "UPDATE bot_versions SET pruned_at = ?2 WHERE id = ?1";
/// Whether a kept version uses a module: `versions_by_module`.
pub(crate) const MODULE_KEPT: &str =
    "SELECT 1 FROM bot_versions WHERE module = ?1 AND pruned_at IS NULL LIMIT 1";
/// Whether any version names a module: the same index.
pub(crate) const MODULE_NAMED: &str = "SELECT 1 FROM bot_versions WHERE module = ?1 LIMIT 1";
pub(crate) const DELETE_MODULE: &str = "DELETE FROM modules WHERE hash = ?1";
pub(crate) const MARK_MODULE: &str =
    "UPDATE modules SET deleted_at = ?2 WHERE hash = ?1 AND deleted_at IS NULL";
/// A module's row: whether it is there, and when its file was deleted.
pub(crate) const MODULE_STATE: &str = "SELECT deleted_at FROM modules WHERE hash = ?1";
/// One version of a bot with its module's state.
pub(crate) const VERSION_STATE: &str = "SELECT v.id, v.module, v.pruned_at, m.deleted_at
    FROM bot_versions v JOIN modules m ON m.hash = v.module
    WHERE v.bot = ?1 AND v.version = ?2";
/// The deleted modules of a match's seats, in seat order.
pub(crate) const DELETED_SEAT_MODULES: &str =
    "SELECT s.seat, v.version, m.hash, m.deleted_at FROM match_seats s
     JOIN bot_versions v ON v.id = s.bot_version JOIN modules m ON m.hash = v.module
     WHERE s.match = ?1 AND m.deleted_at IS NOT NULL ORDER BY s.seat";

/// What a player stores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub bytes: u64,
    pub modules: u64,
}

/// The modules `player`'s kept versions use, each once.
pub fn stored(conn: &Connection, player: i64) -> crate::db::sql::Result<Stored> {
    conn.prepare_cached(STORED)?.query_row([player], |r| {
        Ok(Stored {
            bytes: r.get::<_, i64>(0)?.max(0) as u64,
            modules: r.get::<_, i64>(1)?.max(0) as u64,
        })
    })
}

/// A version that [`prune`] or [`prune_version`] took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pruned {
    pub version_id: i64,
    pub module: String,
    /// It never took a seat, so its row went too.
    pub row_deleted: bool,
    /// No kept version uses its module any more: the file is to go.
    pub module_deleted: bool,
}

/// Prunes every version of `player` that no rule keeps (see the top of
/// this file), with `newest` versions of each bot always kept, at `now`.
/// Run it in the transaction that records an upload: the caller deletes
/// the files of the modules marked deleted after the commit.
pub fn prune(
    conn: &Connection,
    player: i64,
    newest: u64,
    now: i64,
) -> crate::db::sql::Result<Vec<Pruned>> {
    let newest = i64::try_from(newest).unwrap_or(i64::MAX);
    let old: Vec<(i64, String)> = conn
        .prepare_cached(OLD_VERSIONS)?
        .query_map(params![player, newest], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::sql::Result<_>>()?;
    if old.is_empty() {
        return Ok(Vec::new());
    }
    let pending = pending_versions(conn)?;
    let mut pruned = Vec::new();
    for (id, module) in old {
        if !pending.contains(&id) {
            pruned.push(prune_version(conn, id, &module, now)?);
        }
    }
    Ok(pruned)
}

/// The versions that queued and running matches seat.
pub fn pending_versions(conn: &Connection) -> crate::db::sql::Result<HashSet<i64>> {
    conn.prepare_cached(PENDING_VERSIONS)?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// Prunes version `id` (of module `module`), whatever keeps it: deleted if
/// it never took a seat, else marked; then its module marked deleted (or
/// its row deleted) if no kept version uses it.
pub fn prune_version(
    conn: &Connection,
    id: i64,
    module: &str,
    now: i64,
) -> crate::db::sql::Result<Pruned> {
    let seated = conn
        .prepare_cached(SEATED)?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some();
    if seated {
        conn.prepare_cached(MARK_VERSION)?
            .execute(params![id, now])?;
    } else {
        conn.prepare_cached(DELETE_VERSION)?.execute([id])?;
    }
    let used = |sql: &str| -> crate::db::sql::Result<bool> {
        let found = conn.prepare_cached(sql)?.query_row([module], |_| Ok(()));
        Ok(found.optional()?.is_some())
    };
    let module_deleted = !used(MODULE_KEPT)?;
    if module_deleted {
        if used(MODULE_NAMED)? {
            conn.prepare_cached(MARK_MODULE)?
                .execute(params![module, now])?;
        } else {
            conn.prepare_cached(DELETE_MODULE)?.execute([module])?;
        }
    }
    Ok(Pruned {
        version_id: id,
        module: module.to_string(),
        row_deleted: !seated,
        module_deleted,
    })
}

/// A module's row: `None` if there is none, else when its file was
/// deleted (`Some(None)`: the file is there).
pub fn module_state(conn: &Connection, hash: &str) -> crate::db::sql::Result<Option<Option<i64>>> {
    conn.prepare_cached(MODULE_STATE)?
        .query_row([hash], |r| r.get(0))
        .optional()
}

/// One version of a bot: its row id, module, when it was pruned and when
/// its module's file was deleted. `None` if there is no such version.
pub struct VersionState {
    pub id: i64,
    pub module: String,
    pub pruned_at: Option<i64>,
    pub module_deleted_at: Option<i64>,
}

pub fn version_state(
    conn: &Connection,
    bot: i64,
    version: i64,
) -> crate::db::sql::Result<Option<VersionState>> {
    conn.prepare_cached(VERSION_STATE)?
        .query_row(params![bot, version], |r| {
            Ok(VersionState {
                id: r.get(0)?,
                module: r.get(1)?,
                pruned_at: r.get(2)?,
                module_deleted_at: r.get(3)?,
            })
        })
        .optional()
}

/// A seat of a match whose version's module file was deleted: (seat,
/// version number, module hash, when), in seat order.
pub fn deleted_seat_modules(
    conn: &Connection,
    match_id: i64,
) -> crate::db::sql::Result<Vec<(i64, i64, String, i64)>> {
    conn.prepare_cached(DELETED_SEAT_MODULES)?
        .query_map([match_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect()
}

#[cfg(test)]
mod tests;
