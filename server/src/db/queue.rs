//! What waits to be played, as the scheduler and the challenge API see it:
//! the next queued ladder match, the queued challenges with their players
//! and client addresses (the fair order of `ladder/claim.rs` picks among
//! them), the challenges running per player, the counts the queue limits
//! check, and putting a match back in the queue (the ladder on a full disk).
//!
//! Every statement walks `matches_by_state` over the queued or running
//! matches only: a small range however many matches there are (checked by
//! `db/plans.rs`).

use crate::db::sql::{Connection, OptionalExtension, params};
use std::collections::HashMap;

pub(crate) const NEXT_QUEUED_LADDER: &str = "SELECT id FROM matches
     WHERE state = 'queued' AND kind = 'ladder' ORDER BY id LIMIT 1";

/// The oldest queued ladder match (put back by a restart or a full disk).
pub fn next_queued_ladder(conn: &Connection) -> crate::db::sql::Result<Option<i64>> {
    conn.query_row(NEXT_QUEUED_LADDER, [], |r| r.get(0))
        .optional()
}

pub(crate) const QUEUED_CHALLENGES: &str = "SELECT m.id, m.requested_by, m.requested_from,
            (SELECT COUNT(*) FROM match_seats s WHERE s.match = m.id)
     FROM matches m WHERE m.state = 'queued' AND m.kind = 'challenge' ORDER BY m.id";

/// A challenge waiting for a worker.
#[derive(Clone, Debug, PartialEq)]
pub struct Queued {
    pub id: i64,
    pub player: Option<i64>,
    /// The client address that asked for it (`Client::key`), if known.
    pub address: Option<String>,
    pub seats: usize,
}

/// Every queued challenge, oldest first.
pub fn queued_challenges(conn: &Connection) -> crate::db::sql::Result<Vec<Queued>> {
    let mut stmt = conn.prepare_cached(QUEUED_CHALLENGES)?;
    stmt.query_map([], |r| {
        Ok(Queued {
            id: r.get(0)?,
            player: r.get(1)?,
            address: r.get(2)?,
            seats: r.get::<_, i64>(3)? as usize,
        })
    })?
    .collect()
}

pub(crate) const RUNNING_CHALLENGES: &str = "SELECT requested_by, COUNT(*) FROM matches
     WHERE state = 'running' AND kind = 'challenge' GROUP BY requested_by";

/// Running challenges per player.
pub fn running_challenges(conn: &Connection) -> crate::db::sql::Result<HashMap<i64, u64>> {
    let mut stmt = conn.prepare_cached(RUNNING_CHALLENGES)?;
    stmt.query_map([], |r| {
        Ok((
            r.get::<_, Option<i64>>(0)?.unwrap_or(0),
            r.get::<_, i64>(1)? as u64,
        ))
    })?
    .collect()
}

pub(crate) const CHALLENGE_COUNTS: &str = "SELECT COUNT(*),
            COALESCE(SUM(CASE WHEN requested_by = ?1 THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN requested_from = ?2 THEN 1 ELSE 0 END), 0)
     FROM matches WHERE state = 'queued' AND kind = 'challenge'";

/// Queued challenges: in all, `player`'s, and those asked for from
/// `address`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub all: u64,
    pub player: u64,
    pub address: u64,
}

/// How many challenges are waiting, in all, `player`'s and `address`'s.
pub fn waiting(conn: &Connection, player: i64, address: &str) -> crate::db::sql::Result<Waiting> {
    conn.query_row(CHALLENGE_COUNTS, params![player, address], |r| {
        Ok(Waiting {
            all: r.get::<_, i64>(0)? as u64,
            player: r.get::<_, i64>(1)? as u64,
            address: r.get::<_, i64>(2)? as u64,
        })
    })
}

pub(crate) const SET_ORIGIN: &str = "UPDATE matches SET requested_from = ?2 WHERE id = ?1";

/// Records the client address that asked for challenge `id`.
pub fn set_origin(conn: &Connection, id: i64, address: &str) -> crate::db::sql::Result<()> {
    conn.execute(SET_ORIGIN, params![id, address]).map(drop)
}

pub(crate) const REQUEUE_ONE: &str = "UPDATE matches SET state = 'queued', started_at = NULL,
            attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
            worker = NULL, lease_until = NULL
     WHERE id = ?1 AND state = 'running' AND worker = ?2";

/// Puts running match `id` back in the queue, as if it had not been taken
/// (its attempt is not counted: it was stopped by the disk, not by a crash
/// of its own). `false` if it was not running.
pub fn requeue(conn: &Connection, id: i64) -> crate::db::sql::Result<bool> {
    let worker = crate::ladder::lease::this_process();
    Ok(conn.execute(REQUEUE_ONE, params![id, worker])? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::matches::{self, NewMatch};

    #[test]
    fn queued_challenges_counts_and_requeue() {
        let dir = std::env::temp_dir().join(format!("lockstep-queue-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut conn = crate::db::open(&dir.join("q.db")).unwrap();
        conn.execute_batch(
            "INSERT INTO players (id, name, token_hash, role, created_at)
             VALUES (1, 'house', 'h', 'house', 0), (2, 'ann', 'a', 'player', 0),
                    (3, 'bob', 'b', 'player', 0);
             INSERT INTO modules (hash, size, encoding, summary, created_at)
             VALUES ('m', 1, 'json', '{}', 0);
             INSERT INTO bots (id, owner, name, rating_mu, rating_sigma, created_at)
             VALUES (1, 1, 'a', 25, 8, 0);
             INSERT INTO bot_versions (id, bot, version, module, created_at)
             VALUES (1, 1, 1, 'm', 0);",
        )
        .unwrap();
        let tx = conn.transaction().unwrap();
        let mut ids = Vec::new();
        for (player, address, seats) in [(2, "1.2.3.4", 2), (3, "1.2.3.4", 3), (2, "5.6.7.8", 8)] {
            let new = NewMatch {
                kind: "challenge",
                rated: false,
                requested_by: Some(player),
                map: "duel".into(),
                seed: 1,
                seats: vec![(1, 1); seats],
            };
            let id = matches::insert(&tx, &new, 0).unwrap();
            set_origin(&tx, id, address).unwrap();
            ids.push(id);
        }
        let ladder = NewMatch {
            kind: "ladder",
            rated: true,
            requested_by: None,
            map: "duel".into(),
            seed: 1,
            seats: vec![(1, 1), (1, 1)],
        };
        let ladder = matches::insert(&tx, &ladder, 0).unwrap();
        tx.commit().unwrap();
        assert_eq!(next_queued_ladder(&conn).unwrap(), Some(ladder));
        let queued = queued_challenges(&conn).unwrap();
        assert_eq!(queued.iter().map(|q| q.id).collect::<Vec<_>>(), ids);
        assert_eq!(
            queued[1],
            Queued {
                id: ids[1],
                player: Some(3),
                address: Some("1.2.3.4".into()),
                seats: 3
            }
        );
        let counts = waiting(&conn, 2, "1.2.3.4").unwrap();
        assert_eq!(
            counts,
            Waiting {
                all: 3,
                player: 2,
                address: 2
            }
        );
        // Taken, then put back: queued again, its attempt not counted.
        let tx = conn.transaction().unwrap();
        matches::start(&tx, ids[0], 5).unwrap();
        tx.commit().unwrap();
        assert_eq!(running_challenges(&conn).unwrap(), HashMap::from([(2, 1)]));
        assert_eq!(waiting(&conn, 2, "x").unwrap().all, 2);
        assert!(requeue(&conn, ids[0]).unwrap());
        assert!(!requeue(&conn, ids[0]).unwrap(), "no longer running");
        let (state, attempts): (String, i64) = conn
            .query_row(
                "SELECT state, attempts FROM matches WHERE id = ?1",
                [ids[0]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((state.as_str(), attempts), ("queued", 0));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
