//! Pruning and what a player stores, on a real SQLite file.

use super::*;
use crate::db::bots::{self, NewModule, Upload};
use crate::db::{matches, retention};

/// A fresh database with players 1 (`ann`) and 2 (`bob`).
fn database(tag: &str) -> (std::path::PathBuf, Connection) {
    let dir = std::env::temp_dir().join(format!("lockstep-quota-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let conn = crate::db::open(&dir.join("q.db")).unwrap();
    for (id, name) in [(1, "ann"), (2, "bob")] {
        conn.execute(
            "INSERT INTO players (id, name, token_hash, role, created_at)
             VALUES (?1, ?2, ?2, 'player', 0)",
            params![id, name],
        )
        .unwrap();
    }
    (dir, conn)
}

/// Player `owner` uploads module `hash` (`size` bytes) as bot `name`, the
/// newest `keep` versions of each bot kept.
fn upload(
    conn: &mut Connection,
    owner: i64,
    name: &str,
    hash: &str,
    size: usize,
    keep: u64,
) -> Upload {
    let module = NewModule {
        hash: hash.to_string(),
        size,
        encoding: "postcard".into(),
        summary: "{}".into(),
    };
    let tx = conn.transaction().unwrap();
    let up = bots::record_upload(&tx, owner, name, &module, keep, 7).unwrap();
    tx.commit().unwrap();
    up
}

/// A match of two seats (version ids), in `state`.
fn a_match(conn: &mut Connection, seats: [(i64, i64); 2], finished: bool) -> i64 {
    let new = matches::NewMatch {
        kind: "ladder",
        rated: false,
        requested_by: None,
        map: "duel".into(),
        seed: 1,
        seats: seats.to_vec(),
    };
    let tx = conn.transaction().unwrap();
    let id = matches::insert(&tx, &new, 0).unwrap();
    let job = finished.then(|| matches::start(&tx, id, 0).unwrap());
    tx.commit().unwrap();
    if let Some(job) = job {
        let done = matches::Finished {
            winner: None,
            ticks: 1,
            final_hash: "f".into(),
            replay_hash: "r".into(),
            result: "{}".into(),
            played_with: "{}".into(),
        };
        matches::finish(conn, &job, &done, 0).unwrap();
    }
    id
}

/// `(version, pruned, module deleted)` of each of bot `bot`'s versions.
fn versions(conn: &Connection, bot: i64) -> Vec<(i64, bool, bool)> {
    bots::versions(conn, bot)
        .unwrap()
        .into_iter()
        .map(|v| {
            (
                v.version,
                v.pruned_at.is_some(),
                v.module_deleted_at.is_some(),
            )
        })
        .collect()
}

fn version_id(conn: &Connection, bot: i64, version: i64) -> i64 {
    version_state(conn, bot, version).unwrap().unwrap().id
}

#[test]
fn old_versions_go_unless_a_replay_or_a_waiting_match_needs_them() {
    let (dir, mut conn) = database("prune");
    // Only the newest version is kept for its own sake. Version 1 plays a
    // finished match (its replay kept), version 2 has a seat in a queued
    // one, versions 3 and 4 never play.
    let bot = upload(&mut conn, 1, "b", "m1", 100, 1).bot_id;
    let v1 = version_id(&conn, bot, 1);
    let finished = a_match(&mut conn, [(bot, v1), (bot, v1)], true);
    assert!(upload(&mut conn, 1, "b", "m2", 100, 1).pruned.is_empty());
    let v2 = version_id(&conn, bot, 2);
    a_match(&mut conn, [(bot, v2), (bot, v2)], false);
    assert!(upload(&mut conn, 1, "b", "m3", 100, 1).pruned.is_empty());
    let up = upload(&mut conn, 1, "b", "m4", 100, 1);
    // Version 3 goes, row and all: no match names it.
    assert_eq!(up.pruned.len(), 1, "{:?}", up.pruned);
    assert!(up.pruned[0].row_deleted && up.pruned[0].module_deleted);
    assert_eq!(
        versions(&conn, bot),
        [(1, false, false), (2, false, false), (4, false, false)]
    );
    assert_eq!(
        module_state(&conn, "m3").unwrap(),
        None,
        "no version names it"
    );
    // Its replay pruned, version 1 goes at the next upload: marked (its
    // match still names it), its module's row kept and marked deleted.
    conn.execute(retention::MARK, params![finished, 9]).unwrap();
    let up = upload(&mut conn, 1, "b", "m5", 100, 1);
    let gone: Vec<(bool, bool)> = up
        .pruned
        .iter()
        .map(|p| (p.row_deleted, p.module_deleted))
        .collect();
    assert_eq!(gone, [(false, true), (true, true)], "versions 1 and 4");
    assert_eq!(
        versions(&conn, bot),
        [(1, true, true), (2, false, false), (5, false, false)]
    );
    assert_eq!(module_state(&conn, "m1").unwrap(), Some(Some(7)));
    assert_eq!(deleted_seat_modules(&conn, finished).unwrap().len(), 2);
    // Stored: the kept versions' modules, each once.
    assert_eq!(
        stored(&conn, 1).unwrap(),
        Stored {
            bytes: 200,
            modules: 2
        }
    );
    // The same bytes uploaded again: the module is back.
    upload(&mut conn, 1, "b", "m1", 100, 1);
    assert_eq!(module_state(&conn, "m1").unwrap(), Some(None));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_module_others_use_stays_and_counts_once_per_player() {
    let (dir, mut conn) = database("shared");
    // Ann's two bots and Bob's bot share module "s".
    upload(&mut conn, 1, "one", "s", 1000, 1);
    upload(&mut conn, 1, "two", "s", 1000, 1);
    upload(&mut conn, 2, "his", "s", 1000, 1);
    assert_eq!(
        stored(&conn, 1).unwrap(),
        Stored {
            bytes: 1000,
            modules: 1
        }
    );
    assert_eq!(
        stored(&conn, 2).unwrap(),
        Stored {
            bytes: 1000,
            modules: 1
        }
    );
    // Ann moves bot "one" on: its version 1 is pruned, the module stays.
    let up = upload(&mut conn, 1, "one", "t", 10, 1);
    assert_eq!(up.pruned.len(), 1);
    assert!(!up.pruned[0].module_deleted, "bot two and bob still use it");
    assert_eq!(
        stored(&conn, 1).unwrap(),
        Stored {
            bytes: 1010,
            modules: 2
        }
    );
    upload(&mut conn, 1, "two", "u", 10, 1);
    assert_eq!(
        stored(&conn, 1).unwrap(),
        Stored {
            bytes: 20,
            modules: 2
        }
    );
    assert_eq!(module_state(&conn, "s").unwrap(), Some(None), "bob's");
    // Bob moves on too: nobody keeps "s" any more.
    let up = upload(&mut conn, 2, "his", "v", 10, 1);
    assert!(up.pruned[0].module_deleted);
    assert_eq!(module_state(&conn, "s").unwrap(), None);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_replays_kept_counter_follows_finish_and_prune() {
    let (dir, mut conn) = database("counter");
    let bot = upload(&mut conn, 1, "b", "m", 1, 5).bot_id;
    let v = version_id(&conn, bot, 1);
    let kept = |conn: &Connection| -> i64 {
        conn.query_row(
            "SELECT replays_kept FROM bot_versions WHERE id = ?1",
            [v],
            |r| r.get(0),
        )
        .unwrap()
    };
    let a = a_match(&mut conn, [(bot, v), (bot, v)], true);
    let b = a_match(&mut conn, [(bot, v), (bot, v)], true);
    a_match(&mut conn, [(bot, v), (bot, v)], false);
    assert_eq!(kept(&conn), 4, "two seats in each finished match");
    conn.execute(retention::MARK, params![a, 1]).unwrap();
    conn.execute(retention::MARK, params![a, 2]).unwrap();
    assert_eq!(kept(&conn), 2);
    conn.execute(retention::MARK, params![b, 1]).unwrap();
    assert_eq!(kept(&conn), 0);
    assert!(pending_versions(&conn).unwrap().contains(&v));
    let _ = std::fs::remove_dir_all(&dir);
}
