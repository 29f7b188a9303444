//! The schema's upgrades and counters, on SQLite.
use super::matches::{self, Finished, NewMatch};
use crate::db::sql::{Connection, params};

fn temp(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lockstep-db-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_schema_applies_twice() {
    let dir = temp("twice");
    let path = dir.join("t.db");
    drop(super::open(&path).unwrap());
    let conn = super::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn the_files_are_private_new_or_old() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp("modes");
    let path = dir.join("t.db");
    let mode = |suffix: &str| {
        let file = dir.join(format!("t.db{suffix}"));
        std::fs::metadata(file).unwrap().permissions().mode() & 0o777
    };
    let conn = super::open(&path).unwrap();
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES ('a', '1', 0)",
        [],
    )
    .unwrap();
    for suffix in ["", "-wal", "-shm"] {
        assert_eq!(mode(suffix), 0o600, "t.db{suffix}");
    }
    drop(conn);
    // A database left open to others by an earlier build: made private.
    let loose = std::fs::Permissions::from_mode(0o644);
    std::fs::set_permissions(&path, loose).unwrap();
    let conn = super::open(&path).unwrap();
    assert_eq!(mode(""), 0o600);
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The schema as the build before the counters had it: without the
/// columns added since, the counts table and the triggers.
fn earlier_schema() -> String {
    let cut = super::SCHEMA
        .find("\n-- How many matches are in each state")
        .expect("the counters come last");
    let later = [
        "replay_pruned_at ",
        "played_with ",
        "wins ",
        "draws ",
        "losses ",
        "played ",
        "requested_from ",
        "replay_restored_at ",
        "replays_kept ",
        "pruned_at ",
        "deleted_at ",
        "worker ",
        "lease_until ",
    ];
    super::SCHEMA[..cut]
        .lines()
        .filter(|line| !later.iter().any(|c| line.trim_start().starts_with(c)))
        // Without comments, a column that was last leaves its comma
        // right before the `);`.
        .filter(|line| !line.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(",\n);", "\n);")
}

/// Wins, draws and losses as the pages counted them on each load.
pub(super) const COUNTED_RECORDS: &str = "
    SELECT s.bot,
           COALESCE(SUM(m.winner_seat = s.seat), 0),
           COALESCE(SUM(m.winner_seat IS NULL), 0),
           COALESCE(SUM(m.winner_seat IS NOT NULL AND m.winner_seat != s.seat), 0)
    FROM match_seats s JOIN matches m ON m.id = s.match
    WHERE m.state = 'finished' AND m.rated = 1 AND (?1 IS NULL OR s.bot = ?1)
    GROUP BY s.bot";

/// Finished matches per version, as the bot page counted them.
pub(super) const COUNTED_PLAYED: &str = "
    SELECT v.id, COUNT(m.id) FROM bot_versions v
    JOIN match_seats s ON s.bot_version = v.id
    JOIN matches m ON m.id = s.match AND m.state = 'finished'
    GROUP BY v.id";

/// Seats in finished matches whose replay is kept, per version.
const COUNTED_REPLAYS_KEPT: &str = "
    SELECT v.id, COUNT(m.id) FROM bot_versions v
    JOIN match_seats s ON s.bot_version = v.id
    JOIN matches m ON m.id = s.match AND m.state = 'finished'
         AND m.replay_pruned_at IS NULL
    GROUP BY v.id";

fn rows(conn: &Connection, sql: &str) -> Vec<Vec<i64>> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| (0..r.column_count()).map(|n| r.get(n)).collect())
        .unwrap()
        .collect::<crate::db::sql::Result<_>>()
        .unwrap()
}

/// The kept counters equal the counts they replace.
fn assert_counters_match(conn: &Connection) {
    let counted = rows(conn, &COUNTED_RECORDS.replace("?1", "NULL"));
    let kept = rows(
        conn,
        "SELECT id, wins, draws, losses FROM bots
         WHERE wins + draws + losses > 0 ORDER BY id",
    );
    assert_eq!(kept, counted, "wins, draws, losses per bot");
    let counted = rows(conn, COUNTED_PLAYED);
    let kept = rows(
        conn,
        "SELECT id, played FROM bot_versions WHERE played > 0 ORDER BY id",
    );
    assert_eq!(kept, counted, "finished matches per version");
    let counted = rows(conn, COUNTED_REPLAYS_KEPT);
    let kept = rows(
        conn,
        "SELECT id, replays_kept FROM bot_versions WHERE replays_kept != 0 ORDER BY id",
    );
    assert_eq!(
        kept, counted,
        "seats in matches whose replay is kept, per version"
    );
    let states = |sql: &str| -> Vec<(String, i64)> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<crate::db::sql::Result<_>>()
            .unwrap()
    };
    assert_eq!(
        states(matches::STATE_COUNTS),
        states("SELECT state, COUNT(*) FROM matches GROUP BY state ORDER BY state"),
        "matches per state"
    );
}

/// Players 1, 2; bots 1..=4 of player 1 with versions 1..=4 (bot 1 also
/// version 5), written as SQL so that an earlier schema takes them too;
/// then matches written in the order a fixture writes them (the match
/// row, finished, before its seats): won, drawn, lost, unrated.
fn fixture(conn: &Connection) {
    conn.execute_batch(
        "INSERT INTO players (id, name, token_hash, role, created_at)
         VALUES (1, 'house', 'h', 'house', 0), (2, 'ann', 'a', 'player', 0);
         INSERT INTO modules (hash, size, encoding, summary, created_at)
         VALUES ('m', 1, 'json', '{}', 0);
         INSERT INTO bots (id, owner, name, rating_mu, rating_sigma, created_at)
         VALUES (1, 1, 'a', 25, 8, 0), (2, 1, 'b', 25, 8, 0), (3, 1, 'c', 25, 8, 0),
                (4, 1, 'd', 25, 8, 0);
         INSERT INTO bot_versions (id, bot, version, module, created_at)
         VALUES (1, 1, 1, 'm', 0), (2, 2, 1, 'm', 0), (3, 3, 1, 'm', 0),
                (4, 4, 1, 'm', 0), (5, 1, 2, 'm', 0);",
    )
    .unwrap();
    type Seats = &'static [(i64, i64)];
    // (winner, rated, state, seats as (version, bot))
    let history: [(Option<i64>, bool, &str, Seats); 9] = [
        (Some(0), true, "finished", &[(1, 1), (2, 2)]),
        (Some(1), true, "finished", &[(2, 2), (3, 3)]),
        (None, true, "finished", &[(3, 3), (5, 1)]),
        (Some(0), false, "finished", &[(4, 4), (5, 1)]),
        (None, false, "finished", &[(4, 4), (4, 4)]),
        (None, true, "failed", &[(1, 1), (4, 4)]),
        (None, true, "queued", &[(5, 1), (2, 2)]),
        (None, false, "running", &[(4, 4), (4, 4)]),
        (Some(2), true, "finished", &[(2, 2), (3, 3), (4, 4)]),
    ];
    for (winner, rated, state, seats) in history {
        conn.execute(
            "INSERT INTO matches (kind, state, rated, map, seed, created_at, winner_seat)
             VALUES ('ladder', ?1, ?2, 'duel', 1, 0, ?3)",
            params![state, rated, winner],
        )
        .unwrap();
        let id = conn.last_insert_rowid().unwrap();
        for (seat, (version, bot)) in seats.iter().enumerate() {
            conn.execute(
                "INSERT INTO match_seats (match, seat, bot_version, bot) VALUES (?1, ?2, ?3, ?4)",
                params![id, seat as i64, version, bot],
            )
            .unwrap();
        }
    }
}

#[test]
fn the_counters_equal_the_counts_they_replace() {
    let dir = temp("counters");
    let mut conn = super::open(&dir.join("t.db")).unwrap();
    fixture(&conn);
    assert_counters_match(&conn);
    // Matches played as the ladder plays them: queued, started, then
    // finished (rated or not; a seat whose version was replaced
    // meanwhile keeps its record, not its rating), failed, requeued.
    let play = |conn: &mut Connection, rated: bool, seats: Vec<(i64, i64)>, winner| {
        let new = NewMatch {
            kind: if rated { "ladder" } else { "challenge" },
            rated,
            requested_by: (!rated).then_some(2),
            map: "duel".into(),
            seed: 1,
            seats,
        };
        let tx = conn.transaction().unwrap();
        let id = matches::insert(&tx, &new, 0).unwrap();
        let job = matches::start(&tx, id, 0).unwrap();
        tx.commit().unwrap();
        if let Some(winner) = winner {
            let done = Finished {
                winner,
                ticks: 1,
                final_hash: "f".into(),
                replay_hash: "r".into(),
                result: "{}".into(),
                played_with: "{}".into(),
            };
            assert!(matches::finish(conn, &job, &done, 0).unwrap().is_some());
        }
        id
    };
    play(&mut conn, true, vec![(1, 5), (2, 2)], Some(Some(0)));
    play(&mut conn, true, vec![(1, 5), (3, 3)], Some(None));
    play(&mut conn, true, vec![(2, 2), (1, 1)], Some(Some(0)));
    play(&mut conn, false, vec![(4, 4), (1, 5)], Some(Some(1)));
    play(&mut conn, false, vec![(3, 3), (3, 3)], Some(Some(1)));
    let failed = play(&mut conn, true, vec![(4, 4), (2, 2)], None);
    matches::fail(&conn, failed, "gone", 0).unwrap();
    play(&mut conn, true, vec![(3, 3), (4, 4)], None);
    play(&mut conn, true, vec![(2, 2), (4, 4)], None);
    // These two and the fixture's running match.
    assert_eq!(matches::requeue_running(&mut conn).unwrap().len(), 3);
    assert_counters_match(&conn);
    // Replays pruned by the retention rule (and one marked twice).
    for id in [1, 3, 10, 1] {
        conn.execute(super::retention::MARK, params![id, 5])
            .unwrap();
    }
    assert_counters_match(&conn);
    let record = |bot: i64| -> Vec<i64> {
        rows(
            &conn,
            &format!("SELECT wins, draws, losses FROM bots WHERE id = {bot}"),
        )
        .remove(0)
    };
    // Bot 1: won fixture 1 and ladder 1, drew fixture 3 and ladder 2,
    // lost ladder 3 (its replaced version 1 sat there); challenges not.
    assert_eq!(record(1), [2, 2, 1]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_database_from_an_earlier_build_is_upgraded() {
    let dir = temp("upgrade");
    let path = dir.join("old.db");
    let old = Connection::from_sqlite(rusqlite::Connection::open(&path).unwrap());
    old.execute_batch(&earlier_schema()).unwrap();
    fixture(&old);
    let wins: crate::db::sql::Result<i64> =
        old.query_row("SELECT wins FROM bots", [], |r| r.get(0));
    assert!(wins.is_err(), "the earlier schema has no counters");
    drop(old);
    let conn = super::open(&path).unwrap();
    let pruned: Vec<Vec<i64>> = rows(
        &conn,
        "SELECT COUNT(*) FROM matches WHERE replay_pruned_at IS NULL",
    );
    assert_eq!(
        pruned,
        [[9]],
        "the old rows are kept, their replays not pruned"
    );
    assert_counters_match(&conn);
    let kept: Vec<Vec<i64>> = rows(
        &conn,
        "SELECT COUNT(*) FROM bot_versions WHERE pruned_at IS NULL AND replays_kept > 0",
    );
    assert_eq!(kept, [[5]], "every version kept, each with replays");
    conn.execute(super::retention::MARK, params![2, 5]).unwrap();
    drop(conn);
    // Opened again: nothing counted twice.
    let conn = super::open(&path).unwrap();
    assert_counters_match(&conn);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn each_list_shape_answers_as_the_one_statement_did() {
    let dir = temp("list");
    let conn = super::open(&dir.join("t.db")).unwrap();
    fixture(&conn);
    let mut one = conn
        .prepare(
            "SELECT m.id FROM matches m
             WHERE (?1 IS NULL OR m.id IN (SELECT s.match FROM match_seats s WHERE s.bot = ?1))
               AND (?2 IS NULL OR m.state = ?2) AND (?3 IS NULL OR m.id < ?3)
             ORDER BY m.id DESC LIMIT ?4",
        )
        .unwrap();
    let states = [
        None,
        Some("queued"),
        Some("running"),
        Some("finished"),
        Some("failed"),
    ];
    let mut shown = 0;
    for bot in [None, Some(1), Some(2), Some(4), Some(99)] {
        for state in states {
            for before in [None, Some(1), Some(4), Some(8), Some(100)] {
                for limit in [1u32, 2, 100] {
                    let expected: Vec<i64> = one
                        .query_map(params![bot, state, before, limit], |r| r.get(0))
                        .unwrap()
                        .collect::<crate::db::sql::Result<_>>()
                        .unwrap();
                    let listed = matches::list(&conn, bot, state, before, limit).unwrap();
                    let ids: Vec<i64> = listed.iter().map(|m| m.id).collect();
                    assert_eq!(
                        ids, expected,
                        "bot {bot:?} state {state:?} before {before:?}"
                    );
                    assert!(listed.iter().all(|m| !m.seats.is_empty()));
                    shown += ids.len();
                }
            }
        }
    }
    assert!(shown > 100, "{shown} matches listed in all");
    drop(one);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_pruned_replay_played_before_games_is_gone() {
    let dir = temp("before-games");
    let conn = super::open(&dir.join("t.db")).unwrap();
    fixture(&conn);
    let now = r#"{"match": {"game": "snake", "settings": {}}, "limits": {}}"#;
    let before = r#"{"match": {"game": {"max_ticks": 500, "max_actions": 256}}, "limits": {}}"#;
    for (id, played_with) in [(1, Some(now)), (2, Some(before)), (3, None)] {
        conn.execute(
            "UPDATE matches SET replay_pruned_at = 1, played_with = ?2 WHERE id = ?1",
            params![id, played_with],
        )
        .unwrap();
    }
    let replay = |id: i64| matches::get(&conn, id).unwrap().unwrap().replay;
    assert_eq!(replay(1), Some("recorded_again"));
    assert_eq!(replay(2), Some("gone"), "format 3: never the same bytes");
    assert_eq!(replay(3), Some("gone"));
    assert!(crate::ladder::rerecord::is_before_games(before));
    assert!(!crate::ladder::rerecord::is_before_games(now));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_data_folder_keeps_its_game() {
    let dir = temp("folder-game");
    let conn = super::open(&dir.join("new.db")).unwrap();
    assert_eq!(
        super::settings::folder_game(&conn, "snake").unwrap(),
        "snake"
    );
    assert_eq!(
        super::settings::folder_game(&conn, "cores").unwrap(),
        "snake"
    );
    // A database of an earlier build, with players: the reference game's.
    let conn = super::open(&dir.join("old.db")).unwrap();
    fixture(&conn);
    assert_eq!(
        super::settings::folder_game(&conn, "snake").unwrap(),
        "cores"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
