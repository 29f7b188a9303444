//! Bots, their versions and the modules they point at.
//!
//! A bot is a name under a player; each accepted upload of different bytes
//! is a new version; a bot is only retired, never deleted. A version is
//! kept while a rule keeps it (its bot's newest, named by a replay on disk
//! or a waiting match: `db/quota.rs`), pruned otherwise. A `modules` row is
//! written only after its file is in place (`storage.rs`), in the same
//! transaction as the version.

use super::quota::{self, Pruned};
use crate::db::sql::{Connection, OptionalExtension, params};

/// Weng-Lin's starting rating (skillratings' `WengLinRating::new()`), given
/// to a new bot and to each new version.
pub const INITIAL_MU: f64 = 25.0;
pub const INITIAL_SIGMA: f64 = 25.0 / 3.0;

/// A bot with its owner's name and its current (latest) version.
#[derive(Clone, Debug)]
pub struct Bot {
    pub id: i64,
    pub owner_id: i64,
    pub owner: String,
    pub name: String,
    pub active: bool,
    pub rating_mu: f64,
    pub rating_sigma: f64,
    pub games: i64,
    /// Finished rated matches (over all its versions) won, drawn and lost.
    pub wins: i64,
    pub draws: i64,
    pub losses: i64,
    pub created_at: i64,
    /// The latest version number, 0 if none (never the case for an uploaded bot).
    pub version: i64,
    /// The latest version's module hash.
    pub module: Option<String>,
}

impl Bot {
    /// `mu - 3 sigma`: the rating the leaderboard sorts by.
    pub fn conservative_rating(&self) -> f64 {
        self.rating_mu - 3.0 * self.rating_sigma
    }
}

/// One version of a bot, with its module's size and encoding.
#[derive(Clone, Debug)]
pub struct Version {
    pub version: i64,
    pub module: String,
    pub size: i64,
    pub encoding: String,
    pub created_at: i64,
    /// When it was pruned (`[server] versions_per_bot`, or deleted by its
    /// owner); `None` while kept.
    pub pruned_at: Option<i64>,
    /// When its module's file was deleted (no kept version used it any
    /// more); `None` while it can be downloaded.
    pub module_deleted_at: Option<i64>,
}

/// A validated module about to be recorded (its file already in place).
#[derive(Clone, Debug)]
pub struct NewModule {
    pub hash: String,
    pub size: usize,
    pub encoding: String,
    /// The validator's summary as JSON text.
    pub summary: String,
}

/// What an upload did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub bot_id: i64,
    pub version: i64,
    /// The bot did not exist before.
    pub new_bot: bool,
    /// A version was added (false: the module equals the current version's).
    pub new_version: bool,
    /// The player's versions that no rule keeps any more, pruned by this
    /// upload's transaction (`db/quota.rs`).
    pub pruned: Vec<Pruned>,
}

const BOT_SELECT: &str = "
    SELECT b.id, b.owner, p.name, b.name, b.active, b.rating_mu, b.rating_sigma, b.games,
           b.created_at, COALESCE(v.version, 0), v.module, b.wins, b.draws, b.losses
    FROM bots b
    JOIN players p ON p.id = b.owner
    LEFT JOIN bot_versions v
      ON v.bot = b.id AND v.version = (SELECT MAX(version) FROM bot_versions WHERE bot = b.id)";

/// `BOT_SELECT` and what follows, as the functions below run it.
pub(crate) fn bot_select(rest: &str) -> String {
    format!("{BOT_SELECT} {rest}")
}

pub(crate) const GET: &str = "WHERE b.id = ?1";
pub(crate) const FIND: &str = "WHERE b.owner = ?1 AND b.name = ?2";
/// Every bot: a scan of `bots`, which the answer is.
pub(crate) const LIST_ALL: &str = "ORDER BY b.id";
/// One owner's: `players(name)` then `bots(owner, name)`.
pub(crate) const LIST_OF_OWNER: &str = "WHERE p.name = ?1 ORDER BY b.id";
/// Every active bot: a scan of `bots`, which the answer nearly is.
pub(crate) const LEADERBOARD: &str = "WHERE b.active = 1 AND v.module IS NOT NULL
    ORDER BY b.rating_mu - 3.0 * b.rating_sigma DESC, b.games DESC, b.id";

fn bot_row(r: &crate::db::sql::Row) -> crate::db::sql::Result<Bot> {
    Ok(Bot {
        id: r.get(0)?,
        owner_id: r.get(1)?,
        owner: r.get(2)?,
        name: r.get(3)?,
        active: r.get::<_, i64>(4)? != 0,
        rating_mu: r.get(5)?,
        rating_sigma: r.get(6)?,
        games: r.get(7)?,
        created_at: r.get(8)?,
        version: r.get(9)?,
        module: r.get(10)?,
        wins: r.get(11)?,
        draws: r.get(12)?,
        losses: r.get(13)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> crate::db::sql::Result<Option<Bot>> {
    conn.query_row(&bot_select(GET), [id], bot_row).optional()
}

pub fn find(conn: &Connection, owner_id: i64, name: &str) -> crate::db::sql::Result<Option<Bot>> {
    conn.query_row(&bot_select(FIND), params![owner_id, name], bot_row)
        .optional()
}

/// Every bot, or one owner's, by id.
pub fn list(conn: &Connection, owner: Option<&str>) -> crate::db::sql::Result<Vec<Bot>> {
    match owner {
        None => conn
            .prepare_cached(&bot_select(LIST_ALL))?
            .query_map([], bot_row)?
            .collect(),
        Some(owner) => conn
            .prepare_cached(&bot_select(LIST_OF_OWNER))?
            .query_map([owner], bot_row)?
            .collect(),
    }
}

pub(crate) const IDS_BY_OWNER_AND_NAME: &str = "SELECT b.id FROM bots b
    JOIN players p ON p.id = b.owner WHERE p.name = ?1 AND b.name = ?2";
/// `bots(name)`.
pub(crate) const IDS_BY_NAME: &str = "SELECT id FROM bots WHERE name = ?1 ORDER BY id";

/// The ids of the bots named `name`, by id: `owner`'s (at most one), or
/// every player's when `owner` is `None`.
pub fn ids_named(
    conn: &Connection,
    owner: Option<&str>,
    name: &str,
) -> crate::db::sql::Result<Vec<i64>> {
    match owner {
        Some(owner) => conn
            .prepare_cached(IDS_BY_OWNER_AND_NAME)?
            .query_map([owner, name], |r| r.get(0))?
            .collect(),
        None => conn
            .prepare_cached(IDS_BY_NAME)?
            .query_map([name], |r| r.get(0))?
            .collect(),
    }
}

/// Active bots with a version, best conservative rating (`mu - 3 sigma`)
/// first; ties by more games, then by id.
pub fn leaderboard(conn: &Connection) -> crate::db::sql::Result<Vec<Bot>> {
    let mut statement = conn.prepare_cached(&bot_select(LEADERBOARD))?;
    statement.query_map([], bot_row)?.collect()
}

pub(crate) const VERSIONS: &str = "SELECT v.version, v.module, m.size, m.encoding, v.created_at,
           v.pruned_at, m.deleted_at
    FROM bot_versions v JOIN modules m ON m.hash = v.module
    WHERE v.bot = ?1 ORDER BY v.version";

/// Each of a bot's versions with its finished matches (the counter that
/// `schema.sql`'s triggers keep), for the bot's page.
pub(crate) const VERSIONS_PLAYED: &str =
    "SELECT v.version, v.played FROM bot_versions v WHERE v.bot = ?1";

/// A bot's versions, oldest first.
pub fn versions(conn: &Connection, bot: i64) -> crate::db::sql::Result<Vec<Version>> {
    let mut statement = conn.prepare_cached(VERSIONS)?;
    statement
        .query_map([bot], |r| {
            Ok(Version {
                version: r.get(0)?,
                module: r.get(1)?,
                size: r.get(2)?,
                encoding: r.get(3)?,
                created_at: r.get(4)?,
                pruned_at: r.get(5)?,
                module_deleted_at: r.get(6)?,
            })
        })?
        .collect()
}

pub(crate) const MODULE_SUMMARY: &str = "SELECT summary FROM modules WHERE hash = ?1";

/// A module's summary (JSON text), as the validator gave it.
pub fn module_summary(conn: &Connection, hash: &str) -> crate::db::sql::Result<Option<String>> {
    conn.query_row(MODULE_SUMMARY, [hash], |r| r.get(0))
        .optional()
}

pub(crate) const SET_ACTIVE: &str = "UPDATE bots SET active = ?1 WHERE id = ?2";

/// Retires (`false`) or reactivates (`true`) a bot; false if there is no such bot.
pub fn set_active(conn: &Connection, id: i64, active: bool) -> crate::db::sql::Result<bool> {
    let changed = conn.execute(SET_ACTIVE, params![active as i64, id])?;
    Ok(changed > 0)
}

/// A module deleted earlier (`deleted_at`) is back: its file was written again.
pub(crate) const INSERT_MODULE: &str =
    "INSERT INTO modules (hash, size, encoding, summary, created_at)
     VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (hash) DO UPDATE SET deleted_at = NULL WHERE modules.deleted_at IS NOT NULL";
pub(crate) const INSERT_BOT: &str =
    "INSERT INTO bots (owner, name, active, rating_mu, rating_sigma, games, created_at)
     VALUES (?1, ?2, 1, ?3, ?4, 0, ?5)";
pub(crate) const INSERT_VERSION: &str =
    "INSERT INTO bot_versions (bot, version, module, created_at) VALUES (?1, ?2, ?3, ?4)";
pub(crate) const RESET_RATING: &str =
    "UPDATE bots SET rating_mu = ?1, rating_sigma = ?2 WHERE id = ?3";

/// Records an upload, in the caller's transaction (`quota::record` checks
/// the player's quota in it before the commit): the module row (if new, or
/// back), the bot (if new), and a version unless `module` is already the
/// current one; then prunes the owner's versions that no rule keeps any
/// more, with `newest` versions of each bot always kept (their module files
/// are the caller's to delete, after the commit). A new version starts from
/// the initial rating (the rating is the current version's); `games` and
/// `active` are kept.
pub fn record_upload(
    tx: &Connection,
    owner_id: i64,
    name: &str,
    module: &NewModule,
    newest: u64,
    now: i64,
) -> crate::db::sql::Result<Upload> {
    tx.execute(
        INSERT_MODULE,
        params![
            module.hash,
            module.size as i64,
            module.encoding,
            module.summary,
            now
        ],
    )?;
    let existing = find(tx, owner_id, name)?;
    let (bot_id, new_bot) = match &existing {
        Some(bot) => (bot.id, false),
        None => {
            tx.execute(
                INSERT_BOT,
                params![owner_id, name, INITIAL_MU, INITIAL_SIGMA, now],
            )?;
            (tx.last_insert_rowid()?, true)
        }
    };
    let current = existing.as_ref().map_or(0, |bot| bot.version);
    let unchanged = existing
        .as_ref()
        .is_some_and(|bot| bot.module.as_deref() == Some(module.hash.as_str()));
    let version = if unchanged {
        current
    } else {
        tx.execute(
            INSERT_VERSION,
            params![bot_id, current + 1, module.hash, now],
        )?;
        if !new_bot {
            tx.execute(RESET_RATING, params![INITIAL_MU, INITIAL_SIGMA, bot_id])?;
        }
        current + 1
    };
    Ok(Upload {
        bot_id,
        version,
        new_bot,
        new_version: !unchanged,
        pruned: quota::prune(tx, owner_id, newest, now)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut raw = rusqlite::Connection::open_in_memory().unwrap();
        raw.execute_batch(include_str!("schema.sql")).unwrap();
        super::super::upgrade(&mut raw).unwrap();
        let conn = Connection::from_sqlite(raw);
        conn.execute(
            "INSERT INTO players (name, token_hash, role, created_at) VALUES ('ann', 'h', 'player', 0)",
            [],
        )
        .unwrap();
        conn
    }

    /// `record_upload` in a transaction of its own, 1,000 versions kept.
    fn record(conn: &mut Connection, owner: i64, name: &str, module: &NewModule) -> Upload {
        let tx = conn.transaction().unwrap();
        let upload = record_upload(&tx, owner, name, module, 1000, 0).unwrap();
        tx.commit().unwrap();
        upload
    }

    fn module(hash: &str) -> NewModule {
        NewModule {
            hash: hash.into(),
            size: 10,
            encoding: "postcard".into(),
            summary: "{}".into(),
        }
    }

    #[test]
    fn uploads_make_versions_and_the_same_bytes_do_not() {
        let mut conn = db();
        let up = record(&mut conn, 1, "b", &module("aa"));
        assert_eq!((up.version, up.new_bot, up.new_version), (1, true, true));
        let up = record(&mut conn, 1, "b", &module("aa"));
        assert_eq!((up.version, up.new_bot, up.new_version), (1, false, false));
        let up = record(&mut conn, 1, "b", &module("bb"));
        assert_eq!((up.version, up.new_version), (2, true));
        // Back to the first bytes: a third version, pointing at the same module.
        let up = record(&mut conn, 1, "b", &module("aa"));
        assert_eq!(up.version, 3);
        let versions = versions(&conn, up.bot_id).unwrap();
        let hashes: Vec<&str> = versions.iter().map(|v| v.module.as_str()).collect();
        assert_eq!(hashes, ["aa", "bb", "aa"]);
        let bot = get(&conn, up.bot_id).unwrap().unwrap();
        assert_eq!((bot.version, bot.module.as_deref()), (3, Some("aa")));
        let v2 = quota::version_state(&conn, up.bot_id, 2).unwrap().unwrap();
        assert_eq!((v2.module.as_str(), v2.pruned_at), ("bb", None));
    }

    #[test]
    fn the_leaderboard_sorts_by_conservative_rating_and_skips_retired_bots() {
        let mut conn = db();
        for (name, mu, sigma) in [
            ("low", 20.0, 1.0),
            ("high", 30.0, 1.0),
            ("unsure", 40.0, 8.0),
        ] {
            let up = record(&mut conn, 1, name, &module(name));
            conn.execute(
                "UPDATE bots SET rating_mu = ?1, rating_sigma = ?2 WHERE id = ?3",
                params![mu, sigma, up.bot_id],
            )
            .unwrap();
        }
        let names = |conn: &Connection| -> Vec<String> {
            leaderboard(conn)
                .unwrap()
                .into_iter()
                .map(|b| b.name)
                .collect()
        };
        // 30 - 3 = 27, 20 - 3 = 17, 40 - 24 = 16.
        assert_eq!(names(&conn), ["high", "low", "unsure"]);
        let low = find(&conn, 1, "low").unwrap().unwrap();
        assert!(set_active(&conn, low.id, false).unwrap());
        assert_eq!(names(&conn), ["high", "unsure"]);
    }
}
