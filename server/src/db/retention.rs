//! Which replays the retention rule removes: the database half of pruning.
//!
//! A finished match keeps its replay file while any rule of
//! [`Retention`] keeps it: it is among the newest `kept` finished matches,
//! or among the newest `kept_per_bot` finished matches of one of its bots, or
//! among the newest `challenges_kept_per_player` challenges of the player who
//! asked for it. "Newest" is by match id (the order matches were queued).
//! A pruned replay recorded again and written back (`ladder::rerecord`) is
//! kept for [`RESTORED_KEPT_MS`] after that, then the rules apply again.
//!
//! [`mark_pruned`] marks a batch of the others pruned in one transaction;
//! only after it commits are their files deleted (`crate::retention`), so a
//! row never claims a replay that is gone. The match row itself, with its
//! result, seed, module hashes and replay hash, is never deleted.

use crate::config::Retention;
use crate::db::sql::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::HashMap;

/// Matches looked at per query while searching for replays to prune.
const PAGE: i64 = 500;

// The statements, for db/plans.rs.
pub(crate) const MARK: &str = "UPDATE matches SET replay_pruned_at = ?2 WHERE id = ?1";
pub(crate) const NTH_NEWEST_FINISHED: &str =
    "SELECT id FROM matches WHERE state = 'finished' ORDER BY id DESC LIMIT 1 OFFSET ?1";
pub(crate) const OLDER_REPLAYS: &str =
    "SELECT id, kind, requested_by, replay_restored_at FROM matches INDEXED BY matches_with_replay
     WHERE state = 'finished' AND replay_pruned_at IS NULL AND id > ?1 AND id < ?2
     ORDER BY id LIMIT ?3";
pub(crate) const SEATED_BOTS: &str = "SELECT bot FROM match_seats WHERE match = ?1";
pub(crate) const BOT_THRESHOLD: &str =
    "SELECT s.match FROM match_seats s JOIN matches m ON m.id = s.match
     WHERE s.bot = ?1 AND m.state = 'finished'
     ORDER BY s.match DESC LIMIT 1 OFFSET ?2";
pub(crate) const PLAYER_THRESHOLD: &str = "SELECT id FROM matches
     WHERE requested_by = ?1 AND kind = 'challenge' AND state = 'finished'
     ORDER BY id DESC LIMIT 1 OFFSET ?2";
/// A pruned replay recorded again and written back (`ladder::rerecord`).
pub(crate) const RESTORE: &str =
    "UPDATE matches SET replay_pruned_at = NULL, replay_restored_at = ?2
     WHERE id = ?1 AND state = 'finished' AND replay_pruned_at IS NOT NULL";

/// A replay recorded again is kept this long after it was written back,
/// whatever the rules say: its next viewers get the file, not another
/// recording.
pub const RESTORED_KEPT_MS: i64 = 3_600_000;

/// Match `id`'s replay is on disk again (recorded again, written back):
/// kept for [`RESTORED_KEPT_MS`] at least, then the rules apply. `false`
/// if it was not pruned.
pub fn restore(conn: &Connection, id: i64, now: i64) -> crate::db::sql::Result<bool> {
    Ok(conn.execute(RESTORE, params![id, now])? > 0)
}

/// Marks match `id`'s replay pruned at `now` (its file is gone).
pub fn mark_one(conn: &Connection, id: i64, now: i64) -> crate::db::sql::Result<()> {
    conn.execute(MARK, params![id, now]).map(drop)
}

pub(crate) const HAS_REPLAY: &str = "SELECT COUNT(*) FROM matches
     WHERE id = ?1 AND state = 'finished' AND replay_pruned_at IS NULL";

/// Marks up to `limit` replays that no rule keeps as pruned at `now`, oldest
/// first, in one transaction; returns their match ids (their files are to
/// be deleted now). Empty: nothing is left to prune.
pub fn mark_pruned(
    conn: &mut Connection,
    rule: &Retention,
    now: i64,
    limit: usize,
) -> crate::db::sql::Result<Vec<i64>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(newest_kept) = nth_newest_finished(&tx, rule.kept)? else {
        return Ok(Vec::new());
    };
    let mut per_bot: HashMap<i64, Option<i64>> = HashMap::new();
    let mut per_player: HashMap<i64, Option<i64>> = HashMap::new();
    let mut pruned = Vec::new();
    let mut after = 0;
    'pages: loop {
        let page = older_replays(&tx, after, newest_kept)?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.id;
        for candidate in page {
            if candidate
                .restored_at
                .is_some_and(|at| at > now - RESTORED_KEPT_MS)
            {
                continue;
            }
            if kept_by_a_bot(&tx, rule, candidate.id, &mut per_bot)?
                || kept_for_its_player(&tx, rule, &candidate, &mut per_player)?
            {
                continue;
            }
            tx.execute(MARK, params![candidate.id, now])?;
            pruned.push(candidate.id);
            if pruned.len() >= limit {
                break 'pages;
            }
        }
    }
    tx.commit()?;
    Ok(pruned)
}

/// The id of the `n`th newest finished match (`n` >= 1): matches older than
/// it are past the overall rule. `None` while there are fewer than `n`.
fn nth_newest_finished(conn: &Connection, n: u64) -> crate::db::sql::Result<Option<i64>> {
    let offset = i64::try_from(n.saturating_sub(1)).unwrap_or(i64::MAX);
    conn.query_row(NTH_NEWEST_FINISHED, [offset], |r| r.get(0))
        .optional()
}

struct Candidate {
    id: i64,
    kind: String,
    requested_by: Option<i64>,
    /// When it was recorded again and written back, if it was.
    restored_at: Option<i64>,
}

/// Finished matches with their replay still on disk, ids in
/// `after+1 .. before`, oldest first, one page.
fn older_replays(
    conn: &Connection,
    after: i64,
    before: i64,
) -> crate::db::sql::Result<Vec<Candidate>> {
    let mut stmt = conn.prepare_cached(OLDER_REPLAYS)?;
    stmt.query_map(params![after, before, PAGE], |r| {
        Ok(Candidate {
            id: r.get(0)?,
            kind: r.get(1)?,
            requested_by: r.get(2)?,
            restored_at: r.get(3)?,
        })
    })?
    .collect()
}

/// Whether match `id` is among the newest `kept_per_bot` finished matches
/// of one of its seated bots. `thresholds` caches each bot's oldest kept id
/// (`None`: the bot has fewer finished matches than that, all kept).
fn kept_by_a_bot(
    conn: &Connection,
    rule: &Retention,
    id: i64,
    thresholds: &mut HashMap<i64, Option<i64>>,
) -> crate::db::sql::Result<bool> {
    if rule.kept_per_bot == 0 {
        return Ok(false);
    }
    let offset = i64::try_from(rule.kept_per_bot - 1).unwrap_or(i64::MAX);
    let bots = {
        let mut stmt = conn.prepare_cached(SEATED_BOTS)?;
        stmt.query_map([id], |r| r.get::<_, i64>(0))?
            .collect::<crate::db::sql::Result<Vec<_>>>()?
    };
    for bot in bots {
        let threshold = match thresholds.get(&bot) {
            Some(known) => *known,
            None => {
                let found = conn
                    .query_row(BOT_THRESHOLD, params![bot, offset], |r| r.get::<_, i64>(0))
                    .optional()?;
                thresholds.insert(bot, found);
                found
            }
        };
        if threshold.is_none_or(|oldest_kept| id >= oldest_kept) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether `candidate` is a challenge among the newest
/// `challenges_kept_per_player` finished challenges of its player.
fn kept_for_its_player(
    conn: &Connection,
    rule: &Retention,
    candidate: &Candidate,
    thresholds: &mut HashMap<i64, Option<i64>>,
) -> crate::db::sql::Result<bool> {
    let (true, Some(player)) = (candidate.kind == "challenge", candidate.requested_by) else {
        return Ok(false);
    };
    if rule.challenges_kept_per_player == 0 {
        return Ok(false);
    }
    let offset = i64::try_from(rule.challenges_kept_per_player - 1).unwrap_or(i64::MAX);
    let threshold = match thresholds.get(&player) {
        Some(known) => *known,
        None => {
            let found = conn
                .query_row(PLAYER_THRESHOLD, params![player, offset], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?;
            thresholds.insert(player, found);
            found
        }
    };
    Ok(threshold.is_none_or(|oldest_kept| candidate.id >= oldest_kept))
}

/// Whether match `id`'s replay file should be on disk: it is finished and
/// not pruned. Start-up deletes any other file in the replays folder.
pub fn has_replay(conn: &Connection, id: i64) -> crate::db::sql::Result<bool> {
    conn.query_row(HAS_REPLAY, [id], |r| r.get::<_, i64>(0))
        .map(|n| n > 0)
}

pub(crate) const PLAYED_WITH: &str =
    "SELECT played_with, replay_hash FROM matches WHERE id = ?1 AND state = 'finished'";

/// What finished match `id` was played with (JSON) and its replay hash: what
/// recording a pruned replay again needs (`ladder::rerecord`). `None` if it
/// is not a finished match.
pub fn played_with(
    conn: &Connection,
    id: i64,
) -> crate::db::sql::Result<Option<(Option<String>, Option<String>)>> {
    conn.query_row(PLAYED_WITH, [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database with players 1 (house) and 2, 3; bots 1..=4 (bot b owned by
    /// player 1), one version each.
    fn database() -> Connection {
        let dir = std::env::temp_dir().join(format!(
            "lockstep-retention-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.db");
        let _ = std::fs::remove_file(&path);
        let conn = crate::db::open(&path).unwrap();
        for (id, name) in [(1, "house"), (2, "ann"), (3, "bob")] {
            conn.execute(
                "INSERT INTO players (id, name, token_hash, role, created_at)
                 VALUES (?1, ?2, ?2, 'player', 0)",
                params![id, name],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO modules (hash, size, encoding, summary, created_at)
             VALUES ('m', 1, 'json', '{}', 0)",
            [],
        )
        .unwrap();
        for bot in 1..=4 {
            conn.execute(
                "INSERT INTO bots (id, owner, name, rating_mu, rating_sigma, created_at)
                 VALUES (?1, 1, ?1, 25, 8, 0)",
                [bot],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO bot_versions (id, bot, version, module, created_at)
                 VALUES (?1, ?1, 1, 'm', 0)",
                [bot],
            )
            .unwrap();
        }
        conn
    }

    /// Adds a finished match between `bots`, a challenge when `requested_by`.
    fn played(conn: &Connection, bots: (i64, i64), requested_by: Option<i64>) -> i64 {
        let kind = if requested_by.is_some() {
            "challenge"
        } else {
            "ladder"
        };
        conn.execute(
            "INSERT INTO matches (kind, state, requested_by, map, seed, created_at)
             VALUES (?1, 'finished', ?2, 'duel', 1, 0)",
            params![kind, requested_by],
        )
        .unwrap();
        let id = conn.last_insert_rowid().unwrap();
        for (seat, bot) in [bots.0, bots.1].into_iter().enumerate() {
            conn.execute(
                "INSERT INTO match_seats (match, seat, bot_version, bot) VALUES (?1, ?2, ?3, ?3)",
                params![id, seat as i64, bot],
            )
            .unwrap();
        }
        id
    }

    fn rule(kept: u64, kept_per_bot: u64, challenges_kept_per_player: u64) -> Retention {
        Retention {
            kept,
            kept_per_bot,
            challenges_kept_per_player,
        }
    }

    fn kept_ids(conn: &Connection) -> Vec<i64> {
        let mut stmt = conn
            .prepare("SELECT id FROM matches WHERE replay_pruned_at IS NULL ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<crate::db::sql::Result<_>>()
            .unwrap()
    }

    #[test]
    fn the_newest_matches_are_kept_and_the_rest_pruned_oldest_first() {
        let mut conn = database();
        let ids: Vec<i64> = (0..10).map(|_| played(&conn, (1, 2), None)).collect();
        assert_eq!(
            mark_pruned(&mut conn, &rule(4, 0, 0), 7, 2).unwrap(),
            ids[..2]
        );
        assert_eq!(
            mark_pruned(&mut conn, &rule(4, 0, 0), 8, 100).unwrap(),
            ids[2..6]
        );
        assert_eq!(kept_ids(&conn), ids[6..]);
        assert!(
            mark_pruned(&mut conn, &rule(4, 0, 0), 9, 100)
                .unwrap()
                .is_empty()
        );
        let when: i64 = conn
            .query_row(
                "SELECT replay_pruned_at FROM matches WHERE id = ?1",
                [ids[0]],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(when, 7);
        assert!(!has_replay(&conn, ids[0]).unwrap());
        assert!(has_replay(&conn, ids[9]).unwrap());
    }

    #[test]
    fn fewer_matches_than_kept_prunes_nothing_and_unfinished_ones_are_not_touched() {
        let mut conn = database();
        let ids: Vec<i64> = (0..3).map(|_| played(&conn, (1, 2), None)).collect();
        assert!(
            mark_pruned(&mut conn, &rule(3, 0, 0), 1, 100)
                .unwrap()
                .is_empty()
        );
        conn.execute(
            "UPDATE matches SET state = 'failed' WHERE id = ?1",
            [ids[0]],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO matches (kind, state, map, seed, created_at)
             VALUES ('ladder', 'queued', 'duel', 1, 0)",
            [],
        )
        .unwrap();
        assert!(mark_pruned(&mut conn, &rule(1, 0, 0), 1, 100).unwrap() == [ids[1]]);
        assert!(
            !has_replay(&conn, ids[0]).unwrap(),
            "a failed match has none"
        );
    }

    #[test]
    fn each_bot_keeps_its_newest_matches() {
        let mut conn = database();
        // Bot 3 plays once, early; bots 1 and 2 play on and on.
        let rare = played(&conn, (3, 1), None);
        let busy: Vec<i64> = (0..8).map(|_| played(&conn, (1, 2), None)).collect();
        let pruned = mark_pruned(&mut conn, &rule(2, 3, 0), 1, 100).unwrap();
        assert_eq!(pruned, busy[..5], "bots 1 and 2 keep their 3 newest");
        assert_eq!(kept_ids(&conn), [&[rare][..], &busy[5..]].concat());
    }

    #[test]
    fn each_player_keeps_their_newest_challenges() {
        let mut conn = database();
        let ann: Vec<i64> = (0..4).map(|_| played(&conn, (1, 2), Some(2))).collect();
        let bob = played(&conn, (1, 2), Some(3));
        let ladder: Vec<i64> = (0..5).map(|_| played(&conn, (1, 2), None)).collect();
        let pruned = mark_pruned(&mut conn, &rule(1, 0, 2), 1, 100).unwrap();
        assert_eq!(pruned, [&ann[..2], &ladder[..4]].concat());
        assert_eq!(kept_ids(&conn), [ann[2], ann[3], bob, ladder[4]]);
    }

    #[test]
    fn kept_matches_do_not_stop_the_search_for_older_ones() {
        let mut conn = database();
        // More kept challenges than one page, all older than the prunable
        // ladder matches: the search must page past them.
        let kept = PAGE + 20;
        let challenges: Vec<i64> = (0..kept).map(|_| played(&conn, (3, 4), Some(2))).collect();
        let ladder: Vec<i64> = (0..30).map(|_| played(&conn, (1, 2), None)).collect();
        let pruned = mark_pruned(&mut conn, &rule(1, 0, kept as u64), 1, 1000).unwrap();
        assert_eq!(pruned, ladder[..29]);
        assert_eq!(kept_ids(&conn), [&challenges[..], &ladder[29..]].concat());
    }
}
