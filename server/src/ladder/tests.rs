//! The scheduler's transactions on a real SQLite file: claiming, finishing
//! with ratings, restart recovery, abandoned matches.

use super::{LadderConfig, MAX_ATTEMPTS, claim};
use crate::db::matches::{self, Finished, NewMatch};
use crate::ladder::pairing::Rng;
use rusqlite::{Connection, params};
use std::time::Duration;

fn db(name: &str) -> Connection {
    let dir = std::env::temp_dir().join(format!("lockstep-ladder-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let conn = crate::db::open(&dir.join("t.db")).unwrap();
    conn.execute(
        "INSERT INTO players (id, name, token_hash, role, created_at)
         VALUES (1, 'house', 'h', 'house', 0), (2, 'ann', 'a', 'player', 0)",
        [],
    )
    .unwrap();
    conn
}

/// A bot with one version (module `m<id>`); returns its id.
fn bot(conn: &Connection, id: i64, mu: f64, games: i64) -> i64 {
    conn.execute(
        "INSERT OR IGNORE INTO modules (hash, size, encoding, summary, created_at)
         VALUES (?1, 1, 'postcard', '{}', 0)",
        [format!("m{id}")],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO bots (id, owner, name, rating_mu, rating_sigma, games, created_at)
         VALUES (?1, 1, ?2, ?3, 8.333, ?4, 0)",
        params![id, format!("bot{id}"), mu, games],
    )
    .unwrap();
    version(conn, id, 1);
    id
}

fn version(conn: &Connection, bot: i64, version: i64) {
    conn.execute(
        "INSERT INTO bot_versions (bot, version, module, created_at) VALUES (?1, ?2, ?3, 0)",
        params![bot, version, format!("m{bot}")],
    )
    .unwrap();
}

fn ladder(enabled: bool) -> LadderConfig {
    LadderConfig {
        enabled,
        workers: 1,
        maps: vec!["duel".to_string()],
        pause: Duration::ZERO,
    }
}

fn state_of(conn: &Connection, id: i64) -> String {
    conn.query_row("SELECT state FROM matches WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .unwrap()
}

fn rating(conn: &Connection, bot: i64) -> (f64, i64) {
    conn.query_row(
        "SELECT rating_mu, games FROM bots WHERE id = ?1",
        [bot],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

fn done(winner: Option<usize>) -> Finished {
    Finished {
        winner,
        ticks: 40,
        final_hash: "f".repeat(64),
        replay_hash: "r".repeat(64),
        result: "{\"ticks\":40}".to_string(),
        played_with: "{}".to_string(),
    }
}

#[test]
fn nothing_to_play_without_two_bots_or_with_the_ladder_off() {
    let mut conn = db("empty");
    let mut rng = Rng::new(1);
    assert!(claim(&mut conn, &ladder(true), &mut rng).unwrap().is_none());
    bot(&conn, 1, 25.0, 0);
    assert!(claim(&mut conn, &ladder(true), &mut rng).unwrap().is_none());
    bot(&conn, 2, 25.0, 0);
    assert!(
        claim(&mut conn, &ladder(false), &mut rng)
            .unwrap()
            .is_none()
    );
    let job = claim(&mut conn, &ladder(true), &mut rng).unwrap().unwrap();
    assert_eq!(job.seats.len(), 2);
    assert_eq!(job.kind, "ladder");
    assert!(job.rated);
    assert_eq!(job.attempts, 1);
    assert_eq!(state_of(&conn, job.id), "running");
    let mut modules: Vec<&str> = job.seats.iter().map(|s| s.module.as_str()).collect();
    modules.sort();
    assert_eq!(modules, ["m1", "m2"]);
    assert!(job.seats[0].name.starts_with("house/bot"));
}

#[test]
fn challenges_are_played_before_queued_ladder_matches() {
    let mut conn = db("priority");
    bot(&conn, 1, 25.0, 0);
    bot(&conn, 2, 25.0, 0);
    let tx = conn.transaction().unwrap();
    let mut new = NewMatch {
        kind: "ladder",
        rated: true,
        requested_by: None,
        map: "duel".to_string(),
        seed: 1,
        seats: vec![(1, 1), (2, 2)],
    };
    let ladder_id = matches::insert(&tx, &new, 0).unwrap();
    new.kind = "challenge";
    new.rated = false;
    new.requested_by = Some(2);
    let challenge_id = matches::insert(&tx, &new, 0).unwrap();
    tx.commit().unwrap();
    let mut rng = Rng::new(2);
    let first = claim(&mut conn, &ladder(true), &mut rng).unwrap().unwrap();
    assert_eq!(first.id, challenge_id);
    assert!(!first.rated);
    let second = claim(&mut conn, &ladder(true), &mut rng).unwrap().unwrap();
    assert_eq!(second.id, ladder_id);
    assert_eq!(matches::pending_challenges(&conn, 2).unwrap(), (1, 1));
}

#[test]
fn finishing_updates_ratings_once_and_only_for_rated_current_versions() {
    let mut conn = db("finish");
    bot(&conn, 1, 25.0, 0);
    bot(&conn, 2, 25.0, 0);
    let mut rng = Rng::new(3);
    let job = claim(&mut conn, &ladder(true), &mut rng).unwrap().unwrap();
    let winner_bot = job.seats[0].bot;
    let loser_bot = job.seats[1].bot;
    let changes = matches::finish(&mut conn, &job, &done(Some(0)), 5)
        .unwrap()
        .unwrap();
    assert_eq!(changes.len(), 2);
    assert!(rating(&conn, winner_bot).0 > 25.0);
    assert!(rating(&conn, loser_bot).0 < 25.0);
    assert_eq!(rating(&conn, winner_bot).1, 1);
    assert_eq!(state_of(&conn, job.id), "finished");
    let view = matches::get(&conn, job.id).unwrap().unwrap();
    assert_eq!(view.winner_seat, Some(0));
    assert_eq!(view.seats[0].mu_before, Some(25.0));
    assert_eq!(view.result, Some(serde_json::json!({"ticks": 40})));
    // A second finish of the same match writes nothing.
    assert!(
        matches::finish(&mut conn, &job, &done(Some(1)), 6)
            .unwrap()
            .is_none()
    );
    assert_eq!(rating(&conn, winner_bot).1, 1);

    // A new version of a seated bot while the match runs: stored, unrated.
    let job = claim(&mut conn, &ladder(true), &mut rng).unwrap().unwrap();
    version(&conn, job.seats[1].bot, 2);
    let before = (rating(&conn, 1), rating(&conn, 2));
    let changes = matches::finish(&mut conn, &job, &done(None), 7)
        .unwrap()
        .unwrap();
    assert!(changes.is_empty());
    assert_eq!((rating(&conn, 1), rating(&conn, 2)), before);
    assert_eq!(state_of(&conn, job.id), "finished");
}

#[test]
fn running_matches_are_requeued_and_abandoned_after_repeated_crashes() {
    let mut conn = db("recover");
    bot(&conn, 1, 25.0, 0);
    bot(&conn, 2, 25.0, 0);
    let mut rng = Rng::new(4);
    let job = claim(&mut conn, &ladder(false), &mut rng).unwrap();
    assert!(job.is_none());
    let job = claim(&mut conn, &ladder(true), &mut rng).unwrap().unwrap();
    for attempt in 2..=MAX_ATTEMPTS {
        assert_eq!(matches::requeue_running(&mut conn).unwrap(), [job.id]);
        assert_eq!(state_of(&conn, job.id), "queued");
        let again = claim(&mut conn, &ladder(false), &mut rng).unwrap().unwrap();
        assert_eq!((again.id, again.attempts), (job.id, attempt));
    }
    matches::requeue_running(&mut conn).unwrap();
    assert!(
        claim(&mut conn, &ladder(false), &mut rng)
            .unwrap()
            .is_none()
    );
    assert_eq!(state_of(&conn, job.id), "failed");
    let view = matches::get(&conn, job.id).unwrap().unwrap();
    assert!(view.error.unwrap().starts_with("abandoned"));
    assert_eq!(matches::queue_counts(&mut conn).unwrap(), (0, 0));
}

#[test]
fn pending_matches_spread_parallel_workers_over_the_bots() {
    let mut conn = db("spread");
    for id in 1..=4 {
        bot(&conn, id, 25.0, 0);
    }
    let mut rng = Rng::new(5);
    let a = claim(&mut conn, &ladder(true), &mut rng).unwrap().unwrap();
    let b = claim(&mut conn, &ladder(true), &mut rng).unwrap().unwrap();
    let mut bots: Vec<i64> = a.seats.iter().chain(&b.seats).map(|s| s.bot).collect();
    bots.sort();
    // The second pick starts from a bot with no pending match.
    assert!(
        bots.windows(2).filter(|w| w[0] == w[1]).count() <= 1,
        "{bots:?}"
    );
    assert_eq!(matches::queue_counts(&mut conn).unwrap(), (0, 2));
}
