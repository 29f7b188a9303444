//! `kill -9` in the middle of matches and uploads, then a restart on the
//! same data folder: no finished match lost, none left running, the
//! interrupted ones played again, no partial module or replay referenced.

mod support;

use lockstep_server::db::sql::Connection;
use lockstep_sim::replay::ReplayReader;
use lockstep_sim::sandbox::Sandbox;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use support::{Server, agent, bundled_wasm, wait_for, with_custom_section};

/// Matches long enough (a few hundred ms each) to be caught running.
const CONFIG: &str = "ladder_maps = [\"duel\"]\nladder_workers = 2\n[match]\nmax_ticks = 300\n";

/// Every match id with its state and replay hash.
fn all_matches(conn: &Connection) -> BTreeMap<i64, (String, Option<String>)> {
    let mut stmt = conn
        .prepare("SELECT id, state, replay_hash FROM matches ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn files_ending(dir: &Path, suffix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(suffix))
                .collect()
        })
        .unwrap_or_default()
}

/// Plays the replay of finished match `id` again with the data folder's
/// modules, and checks its hash is the row's. One sandbox for all, so each
/// module is compiled once.
fn verify(sandbox: &mut Option<Sandbox>, data: &Path, id: i64, replay_hash: &str) {
    let path = data.join("replays").join(format!("{id}.replay"));
    let reader = ReplayReader::open(&path).unwrap_or_else(|e| panic!("match {id}'s replay: {e}"));
    let sandbox =
        sandbox.get_or_insert_with(|| Sandbox::new(reader.header().sandbox.to_config()).unwrap());
    let modules = data.join("modules");
    let find = |hash: &[u8; 32]| {
        let hex = blake3::Hash::from_bytes(*hash).to_hex();
        std::fs::read(modules.join(format!("{hex}.wasm"))).ok()
    };
    let report = lockstep_sim::replay::verify_in(sandbox, reader, &find, 1).unwrap();
    assert!(
        report.divergence.is_none(),
        "match {id}: {:?}",
        report.divergence
    );
    let summary = report.summary.unwrap();
    assert_eq!(
        blake3::Hash::from_bytes(summary.replay_hash)
            .to_hex()
            .as_str(),
        replay_hash,
        "match {id}"
    );
}

/// Uploads new versions of `churn` until told to stop, counting the 201s;
/// errors (the server killed under it) are expected.
fn churn_uploads(base: String, token: String, stop: Arc<AtomicBool>, ok: Arc<AtomicU64>) {
    let agent = agent();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let bytes = with_custom_section(bundled_wasm("harvester"), &format!("churn-{i}"));
        let sent = agent
            .post(format!("{base}/api/bots/churn"))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/wasm")
            .send(&bytes[..]);
        match sent {
            Ok(response) if response.status().as_u16() == 201 => {
                ok.fetch_add(1, Ordering::Relaxed);
            }
            Ok(response) => panic!("upload {i}: {}", response.status()),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

#[test]
fn kill_9_during_matches_and_uploads_loses_nothing_and_replays_the_interrupted() {
    let mut server = Server::start(CONFIG);
    let data = server.data_dir();
    let token = server.register("ann");

    // Uploads keep going while matches are played and finished.
    let stop = Arc::new(AtomicBool::new(false));
    let accepted = Arc::new(AtomicU64::new(0));
    let churn = {
        let (base, token) = (server.url(""), token.clone());
        let (stop, accepted) = (stop.clone(), accepted.clone());
        std::thread::spawn(move || churn_uploads(base, token, stop, accepted))
    };
    wait_for(
        Duration::from_secs(120),
        "finished matches and uploads",
        || {
            let conn = server.db();
            let states = all_matches(&conn);
            let finished = states.values().filter(|(s, _)| s == "finished").count();
            (finished >= 4 && accepted.load(Ordering::Relaxed) >= 2).then_some(())
        },
    );
    wait_for(Duration::from_secs(30), "a running match", || {
        let running = all_matches(&server.db())
            .values()
            .any(|(s, _)| s == "running");
        running.then_some(())
    });
    // An upload takes a second or more here (validation and compilation):
    // this lands the kill in the middle of the next one.
    std::thread::sleep(Duration::from_millis(500));
    server.kill9();
    stop.store(true, Ordering::Relaxed);
    churn.join().unwrap();
    let uploads_answered = accepted.load(Ordering::Relaxed);

    // What the dead server left: finished rows are the commit points.
    let at_kill = all_matches(&server.db());
    let finished_at_kill: BTreeMap<i64, String> = at_kill
        .iter()
        .filter(|(_, (state, _))| state == "finished")
        .map(|(id, (_, hash))| {
            (
                *id,
                hash.clone().expect("a finished match has a replay hash"),
            )
        })
        .collect();
    let running_at_kill: Vec<i64> = at_kill
        .iter()
        .filter(|(_, (state, _))| state == "running")
        .map(|(id, _)| *id)
        .collect();
    assert!(
        !running_at_kill.is_empty(),
        "killed while matches ran: {at_kill:?}"
    );
    let parts = files_ending(&data.join("replays"), ".part");
    eprintln!(
        "at the kill: {} finished, running {running_at_kill:?}, partial replays {parts:?}, \
         {uploads_answered} uploads answered",
        finished_at_kill.len()
    );

    server.restart();
    let after = wait_for(Duration::from_secs(120), "the interrupted matches", || {
        let now = all_matches(&server.db());
        let replayed = running_at_kill
            .iter()
            .all(|id| now.get(id).is_some_and(|(state, _)| state == "finished"));
        replayed.then_some(now)
    });
    let log = server.log();
    assert!(log.contains("queued again"), "{log}");

    // Nothing finished before the kill changed or went missing.
    for (id, hash) in &finished_at_kill {
        let (state, now_hash) = &after[id];
        assert_eq!(
            (state.as_str(), now_hash.as_deref()),
            ("finished", Some(hash.as_str()))
        );
    }
    // Each verifies; so do the matches played again.
    let mut sandbox = None;
    for (id, hash) in finished_at_kill.iter().rev().take(2) {
        verify(&mut sandbox, &data, *id, hash);
    }
    let conn = server.db();
    for id in &running_at_kill {
        let (hash, attempts): (String, i64) = conn
            .query_row(
                "SELECT replay_hash, attempts FROM matches WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(attempts >= 2, "match {id} was played again");
        verify(&mut sandbox, &data, *id, &hash);
    }

    // No replay file is partial but a running match's; every finished match
    // has one. The server still plays: the files are listed before the rows
    // are read (a match's row is written before its recording starts), and
    // a partial file gone by then belonged to a match that finished since.
    let parts = files_ending(&data.join("replays"), ".part");
    let now = all_matches(&conn);
    for part in parts {
        let id: i64 = part.trim_end_matches(".replay.part").parse().unwrap();
        if !data.join("replays").join(&part).exists() {
            continue;
        }
        assert_eq!(now[&id].0, "running", "{part} is left over");
    }
    // (A running match may have its replay renamed into place already, its
    // commit a moment away: the server still plays.)
    for (id, (state, _)) in &now {
        let replay = data.join("replays").join(format!("{id}.replay"));
        match state.as_str() {
            "finished" => assert!(replay.exists(), "match {id} (finished) has no replay"),
            "running" => {}
            _ => assert!(!replay.exists(), "match {id} ({state}) has a replay"),
        }
    }

    // No partial bot: every module row's file is whole, every version's module is a row.
    let mut stmt = conn.prepare("SELECT hash FROM modules").unwrap();
    let hashes: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for hash in &hashes {
        let bytes = std::fs::read(data.join("modules").join(format!("{hash}.wasm")))
            .unwrap_or_else(|e| panic!("module {hash}: {e}"));
        assert_eq!(blake3::hash(&bytes).to_hex().as_str(), hash);
    }
    let orphans: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM bot_versions WHERE module NOT IN (SELECT hash FROM modules)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    let churn_versions: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM bot_versions v JOIN bots b ON b.id = v.bot
             WHERE b.name = 'churn'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        (uploads_answered as i64..=uploads_answered as i64 + 1).contains(&churn_versions),
        "{churn_versions} versions for {uploads_answered} answered uploads"
    );
    // And the server goes on: new matches after the replayed ones.
    let last = *now.keys().last().unwrap();
    wait_for(
        Duration::from_secs(60),
        "a new match after the restart",
        || {
            let newer = all_matches(&server.db())
                .into_iter()
                .any(|(id, (state, _))| id > last && state == "finished");
            newer.then_some(())
        },
    );
}
