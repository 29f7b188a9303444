//! The scheduler's transactions on a real SQLite file: claiming (ladder
//! and challenge workers, the fair order, the cost cap), finishing with
//! ratings, restart recovery, abandoned matches.

use super::claim::{Claim, Slot};
use super::fair::Usage;
use super::{LadderConfig, MAX_ATTEMPTS};
use crate::config::Challenges;
use crate::db::matches::{self, Finished, Job, NewMatch};
use crate::db::queue;
use crate::db::sql::{Connection, params};
use crate::ladder::pairing::Rng;
use std::time::Duration;

/// What a ladder worker claims (every challenge charged nothing).
fn claim(
    conn: &mut Connection,
    config: &LadderConfig,
    rng: &mut Rng,
) -> crate::db::sql::Result<Option<Job>> {
    claim_as(conn, config, Slot::Ladder, &Usage::default(), rng)
}

fn claim_as(
    conn: &mut Connection,
    config: &LadderConfig,
    slot: Slot,
    usage: &Usage,
    rng: &mut Rng,
) -> crate::db::sql::Result<Option<Job>> {
    let c = Claim {
        slot,
        ladder: config,
        usage,
        seat_fuel: 1_000,
    };
    super::claim::claim(conn, &c, rng)
}

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
        challenges: Challenges::default(),
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

/// Queues a challenge of `player` from `address` with `seats` seats of bots
/// 1 and 2; returns its id.
fn challenge(conn: &mut Connection, player: i64, address: &str, seats: usize) -> i64 {
    let tx = conn.transaction().unwrap();
    let new = NewMatch {
        kind: "challenge",
        rated: false,
        requested_by: Some(player),
        map: "duel".to_string(),
        seed: 1,
        seats: (0..seats).map(|n| [(1, 1), (2, 2)][n % 2]).collect(),
    };
    let id = matches::insert(&tx, &new, 0).unwrap();
    queue::set_origin(&tx, id, address).unwrap();
    tx.commit().unwrap();
    id
}

#[test]
fn ladder_workers_play_the_ladder_and_challenge_workers_challenges() {
    let mut conn = db("priority");
    bot(&conn, 1, 25.0, 0);
    bot(&conn, 2, 25.0, 0);
    let tx = conn.transaction().unwrap();
    let new = NewMatch {
        kind: "ladder",
        rated: true,
        requested_by: None,
        map: "duel".to_string(),
        seed: 1,
        seats: vec![(1, 1), (2, 2)],
    };
    let ladder_id = matches::insert(&tx, &new, 0).unwrap();
    tx.commit().unwrap();
    let challenge_id = challenge(&mut conn, 2, "1.2.3.4", 2);
    let (usage, mut rng) = (Usage::default(), Rng::new(2));
    // A ladder worker takes the queued ladder match, then pairs anew: never
    // the challenge while it can pair.
    let first = claim(&mut conn, &ladder(true), &mut rng).unwrap().unwrap();
    assert_eq!(first.id, ladder_id);
    let second = claim(&mut conn, &ladder(true), &mut rng).unwrap().unwrap();
    assert_eq!(second.kind, "ladder");
    assert_ne!(second.id, challenge_id);
    // A challenge worker takes the challenge, and charges it.
    let taken = claim_as(&mut conn, &ladder(true), Slot::Challenge, &usage, &mut rng);
    let taken = taken.unwrap().unwrap();
    assert_eq!(
        (taken.id, taken.rated, taken.cost),
        (challenge_id, false, 2_000)
    );
    assert_eq!(taken.requested_from.as_deref(), Some("1.2.3.4"));
    let (address, player) = usage.of(Some(2), Some("1.2.3.4"));
    assert!((address - 2_000.0).abs() < 1.0 && (player - 2_000.0).abs() < 1.0);
    // With nothing left, a challenge worker never pairs.
    let none = claim_as(&mut conn, &ladder(true), Slot::Challenge, &usage, &mut rng);
    assert!(none.unwrap().is_none());
    // A ladder worker that cannot pair plays a challenge (once Ann's first
    // is over: one at a time per player).
    let late = challenge(&mut conn, 2, "1.2.3.4", 2);
    assert!(
        claim(&mut conn, &ladder(false), &mut rng)
            .unwrap()
            .is_none()
    );
    conn.execute(
        "UPDATE matches SET state = 'finished' WHERE id = ?1",
        [challenge_id],
    )
    .unwrap();
    let off = claim(&mut conn, &ladder(false), &mut rng).unwrap().unwrap();
    assert_eq!(off.id, late);
}

#[test]
fn challenges_go_in_the_fair_order_within_the_running_cap_and_the_cost_cap() {
    let mut conn = db("fair");
    bot(&conn, 1, 25.0, 0);
    bot(&conn, 2, 25.0, 0);
    conn.execute(
        "INSERT INTO players (id, name, token_hash, role, created_at)
         VALUES (3, 'bob', 'b', 'player', 0), (4, 'cy', 'c', 'player', 0)",
        [],
    )
    .unwrap();
    let mut config = ladder(true);
    config.challenges.running_per_player = 1;
    let (usage, mut rng) = (Usage::default(), Rng::new(9));
    let mut take = |conn: &mut Connection, usage: &Usage, config: &LadderConfig| {
        claim_as(conn, config, Slot::Challenge, usage, &mut rng)
            .unwrap()
            .map(|job| job.id)
    };
    // Ann (at 1.2.3.4) queues three, then Bob (same address) and Cy (another).
    let ann: Vec<i64> = (0..3)
        .map(|_| challenge(&mut conn, 2, "1.2.3.4", 8))
        .collect();
    let bob = challenge(&mut conn, 3, "1.2.3.4", 2);
    let cy = challenge(&mut conn, 4, "5.6.7.8", 2);
    // Nobody charged yet: the oldest. Then Ann may not run two at once, and
    // her address has been charged: Cy's address has not.
    assert_eq!(take(&mut conn, &usage, &config), Some(ann[0]));
    assert_eq!(take(&mut conn, &usage, &config), Some(cy));
    // Cy's address now has 2,000, Ann's 8,000: Bob (Ann's address, not
    // charged himself) is next; Ann waits for her running one.
    assert_eq!(take(&mut conn, &usage, &config), Some(bob));
    assert_eq!(take(&mut conn, &usage, &config), None);
    // Ann's first ends: her next may start.
    conn.execute(
        "UPDATE matches SET state = 'finished' WHERE id = ?1",
        [ann[0]],
    )
    .unwrap();
    assert_eq!(take(&mut conn, &usage, &config), Some(ann[1]));
    // Over the cost cap under the settings in force: failed, saying so.
    conn.execute(
        "UPDATE matches SET state = 'finished' WHERE id = ?1",
        [ann[1]],
    )
    .unwrap();
    config.challenges.max_fuel = 7_999;
    assert_eq!(take(&mut conn, &usage, &config), None);
    assert_eq!(state_of(&conn, ann[2]), "failed");
    let view = matches::get(&conn, ann[2]).unwrap().unwrap();
    let error = view.error.unwrap();
    assert!(
        error.contains("8,000 fuel") && error.contains("cap of 7,999"),
        "{error}"
    );
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
