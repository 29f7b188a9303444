//! Replay retention through the real binary: with the ladder playing, old
//! replays are deleted while the newest matches and a player's challenge
//! keep theirs; a pruned replay is recorded again to the same replay hash
//! (410, saying why, where it cannot be); a file a crash left behind is
//! deleted at the next start.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;
use support::{Server, wait_for};

/// A fast ladder that keeps the 4 newest replays, and each player's newest
/// challenge.
const KEEP: &str = "ladder_maps = [\"duel\"]\nreplays_kept = 4\nreplays_kept_per_bot = 0\n\
                    challenges_kept_per_player = 1\n[match]\nmax_ticks = 20\n";

fn finished(server: &Server) -> Vec<Value> {
    let response = server.get("/api/matches?state=finished&limit=100");
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()["matches"].as_array().unwrap().clone()
}

fn ids_where(matches: &[Value], pruned: bool) -> BTreeSet<i64> {
    matches
        .iter()
        .filter(|m| m["replay_pruned_at"].is_null() != pruned)
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

/// The match ids of the replay files on disk.
fn files(server: &Server) -> BTreeSet<i64> {
    std::fs::read_dir(server.data_dir().join("replays"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".replay")?.parse().ok()
        })
        .collect()
}

/// The replay hash a replay's summary records (of every byte before it).
fn replay_hash_of(replay: &[u8]) -> String {
    let reader = lockstep_sim::replay::ReplayReader::new(replay).unwrap();
    let (_, summary) = reader.finish().unwrap();
    blake3::Hash::from_bytes(summary.replay_hash)
        .to_hex()
        .to_string()
}

#[test]
fn old_replays_are_pruned_and_the_newest_and_challenges_are_kept() {
    let mut server = Server::start(KEEP);
    let token = server.register("ann");
    let body = json!({"bots": ["house/rusher", "house/harvester"], "map": "duel", "seed": 7});
    let queued = server.post_json("/api/matches", Some(&token), &body);
    assert_eq!(queued.status, 201, "{}", queued.text());
    let challenge = queued.json()["id"].as_i64().unwrap();

    // The ladder plays on; older replays than the newest 4 go.
    let pruned = wait_for(Duration::from_secs(120), "pruned replays", || {
        let done = finished(&server);
        let pruned = ids_where(&done, true);
        (done.len() >= 12 && pruned.len() >= 4).then_some(pruned)
    });
    assert!(!pruned.contains(&challenge), "ann's newest challenge stays");
    // Counted once their files are deleted, just after the rows are marked.
    wait_for(Duration::from_secs(30), "the pruned counter", || {
        let metrics = server.get("/metrics").text();
        let count: u64 = metrics
            .lines()
            .find_map(|l| {
                l.strip_prefix("lockstep_replays_pruned_total ")?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no pruned counter in\n{metrics}"));
        (count >= pruned.len() as u64).then_some(())
    });

    // Stop the ladder (restart with it off) so that the set stops moving,
    // and leave a file as a crash between the commit and the delete would.
    assert!(server.terminate().success());
    let config = std::fs::read_to_string(server.config_path()).unwrap();
    std::fs::write(
        server.config_path(),
        config.replace("[server]\n", "[server]\nladder_enabled = false\n"),
    )
    .unwrap();
    let leftover = *pruned.first().unwrap();
    let leftover_file = server
        .data_dir()
        .join("replays")
        .join(format!("{leftover}.replay"));
    std::fs::write(&leftover_file, b"left by a crash").unwrap();
    server.restart();

    let (kept, gone) = wait_for(Duration::from_secs(60), "the retention rule", || {
        let done = finished(&server);
        let queue = server.get("/api/matches?state=queued").json();
        if !queue["matches"].as_array().unwrap().is_empty() {
            return None;
        }
        let mut newest: Vec<i64> = done.iter().map(|m| m["id"].as_i64().unwrap()).collect();
        newest.sort_unstable_by(|a, b| b.cmp(a));
        let mut expected: BTreeSet<i64> = newest.into_iter().take(4).collect();
        expected.insert(challenge);
        // The list shows the newest 100; the challenge is older.
        let mut kept = ids_where(&done, false);
        let challenged = server.get(&format!("/api/matches/{challenge}")).json();
        if challenged["replay_pruned_at"].is_null() {
            kept.insert(challenge);
        }
        (kept == expected && files(&server) == kept).then(|| (kept, ids_where(&done, true)))
    });
    assert!(
        !leftover_file.exists(),
        "the start deleted the leftover file"
    );
    assert!(kept.contains(&challenge));

    // A pruned replay is recorded again, to the very bytes of the first
    // recording (its replay hash), written back (a file again, kept an
    // hour), and its page shows it in the viewer.
    let old = *gone.first().unwrap();
    let m = server.get(&format!("/api/matches/{old}")).json();
    assert_eq!(m["state"], "finished");
    assert!(m["replay_pruned_at"].as_i64().unwrap() > 0, "{m}");
    assert_eq!(m["replay"], "recorded_again", "{m}");
    assert!(m["result"]["players"].is_array(), "the result stays: {m}");
    let again = server.get(&format!("/api/matches/{old}/replay"));
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.header("x-lockstep-replay"), Some("recorded-again"));
    assert_eq!(
        replay_hash_of(&again.body),
        m["replay_hash"].as_str().unwrap()
    );
    assert!(files(&server).contains(&old), "written back");
    let restored = server.get(&format!("/api/matches/{old}")).json();
    assert_eq!(restored["replay"], "file", "{restored}");
    assert!(restored["replay_pruned_at"].is_null(), "{restored}");
    let viewer = server.get(&format!("/api/matches/{old}/viewer.json"));
    assert_eq!(viewer.status, 200, "{}", viewer.text());
    assert_eq!(viewer.json()["format"], "lockstep-viewer/1");
    let recorded_again = *gone.iter().nth(2).unwrap();
    let html = server.get(&format!("/matches/{recorded_again}")).text();
    assert!(
        html.contains(r#"id="replay-recorded-again""#) && html.contains(r#"id="viewer""#),
        "{html}"
    );
    let fresh = server
        .get(&format!("/api/matches/{}", kept.last().unwrap()))
        .json();
    assert_eq!(fresh["replay"], "file", "{fresh}");

    // Under other sandbox limits it cannot be the same match: 410, saying
    // why. And a match played by a build that kept no settings is gone.
    assert!(server.terminate().success());
    let config = std::fs::read_to_string(server.config_path()).unwrap();
    std::fs::write(
        server.config_path(),
        format!("{config}\n[limits]\nlog_lines = 7\n"),
    )
    .unwrap();
    let older = *gone.iter().nth(1).unwrap();
    let db = server.db_writable();
    db.execute(
        "UPDATE matches SET played_with = NULL WHERE id = ?1",
        [older],
    )
    .unwrap();
    drop(db);
    server.restart();
    for (id, why) in [
        (recorded_again, "other sandbox limits ([limits])"),
        (older, "played by an earlier build"),
    ] {
        for path in [
            format!("/api/matches/{id}/replay"),
            format!("/api/matches/{id}/viewer.json"),
        ] {
            let response = server.get(&path);
            assert_eq!(response.status, 410, "{path}: {}", response.text());
            let error = &response.json()["error"];
            assert_eq!(error["code"], "gone");
            let message = error["message"].as_str().unwrap();
            assert!(
                message.starts_with(&format!(
                    "match {id}'s replay was deleted by the server's retention rule, and \
                     cannot be recorded again here: "
                )) && message.contains(why)
                    && message.ends_with(&format!("still at /api/matches/{id}")),
                "{message}"
            );
        }
    }
    let m = server.get(&format!("/api/matches/{older}")).json();
    assert_eq!(m["replay"], "gone", "{m}");
    let html = server.get(&format!("/matches/{older}")).text();
    assert!(
        html.contains(r#"id="replay-pruned""#) && !html.contains(r#"id="viewer""#),
        "{html}"
    );

    // Kept replays download whole.
    for id in [challenge, *kept.last().unwrap()] {
        let replay = server.get(&format!("/api/matches/{id}/replay"));
        assert_eq!(replay.status, 200, "{id}: {}", replay.text());
        assert_eq!(replay.header("x-lockstep-replay"), Some("file"));
        let m = server.get(&format!("/api/matches/{id}")).json();
        assert_eq!(
            m["replay_hash"].as_str(),
            Some(replay_hash_of(&replay.body).as_str())
        );
        // The viewer's data: built once, then the same bytes from memory.
        let built = server.get(&format!("/api/matches/{id}/viewer.json"));
        assert_eq!(built.status, 200, "{id}: {}", built.text());
        assert_eq!(built.json()["format"], "lockstep-viewer/1");
        let again = server.get(&format!("/api/matches/{id}/viewer.json"));
        assert_eq!(again.body, built.body);
    }
}
