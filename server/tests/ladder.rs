//! The ladder through the real binary: house bots play rated matches by
//! themselves, a challenge is played by its own worker and unrated, every
//! replay downloads and verifies against modules downloaded from the API,
//! and `/metrics` counts it all.

mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::{Server, bundled_wasm, verify_through_the_api, wait_for, with_custom_section};

/// Short matches on one small map.
const FAST: &str = "ladder_maps = [\"duel\"]\nladder_workers = 2\n[match]\nmax_ticks = 40\n";

fn matches(server: &Server, query: &str) -> Vec<Value> {
    let response = server.get(&format!("/api/matches?{query}"));
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()["matches"].as_array().unwrap().clone()
}

#[test]
fn the_ladder_plays_house_bots_rates_them_and_keeps_verifiable_replays() {
    let server = Server::start(FAST);
    let finished = wait_for(Duration::from_secs(90), "6 finished matches", || {
        let done = matches(&server, "state=finished&limit=100");
        (done.len() >= 6).then_some(done)
    });
    for m in &finished {
        assert_eq!(m["kind"], "ladder");
        assert_eq!(m["rated"], true);
        assert_eq!(m["map"], "duel");
        assert!(m["ticks"].as_i64().unwrap() <= 40, "{m}");
        let seats = m["seats"].as_array().unwrap();
        assert_eq!(seats.len(), 2);
        assert_ne!(seats[0]["bot_id"], seats[1]["bot_id"], "{m}");
        assert_eq!(seats[0]["owner"], "house");
    }

    // Ratings and game counts moved, and the rated matches say how.
    let board = server.get("/api/leaderboard").json()["leaderboard"].clone();
    let games: i64 = board
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["games"].as_i64().unwrap())
        .sum();
    assert!(games >= 12, "two games per finished match: {board}");
    assert!(
        board
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["rating"]["mu"].as_f64().unwrap() != 25.0),
        "{board}"
    );

    // One match in full, its replay verified with modules from the API.
    let id = finished[0]["id"].as_i64().unwrap();
    let one = server.get(&format!("/api/matches/{id}")).json();
    assert_eq!(one["state"], "finished");
    assert!(
        one["result"]["players"].as_array().unwrap().len() == 2,
        "{one}"
    );
    assert!(one["seats"][0]["mu_after"].is_number(), "{one}");
    assert_eq!(one["seats"][0]["module_hash"].as_str().unwrap().len(), 64);
    let summary = verify_through_the_api(&server, id);
    assert_eq!(
        blake3::Hash::from_bytes(summary.replay_hash)
            .to_hex()
            .as_str(),
        one["replay_hash"].as_str().unwrap()
    );
    assert_eq!(Some(summary.ticks as i64), one["ticks"].as_i64());
    let viewer = server.get(&format!("/api/matches/{id}/viewer.json"));
    assert_eq!(viewer.status, 200);
    assert!(
        viewer
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let viewer = viewer.json();
    assert_eq!(viewer["format"], "lockstep-viewer/1");
    assert_eq!(
        viewer["ticks"].as_array().unwrap().len() as i64,
        one["ticks"].as_i64().unwrap()
    );

    // A bot's matches; paging; bad queries.
    let bot = one["seats"][0]["bot_id"].as_i64().unwrap();
    let mine = matches(&server, &format!("bot={bot}&limit=3"));
    assert!(!mine.is_empty() && mine.len() <= 3);
    assert!(mine.iter().all(|m| {
        m["seats"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["bot_id"] == bot)
    }));
    let older = matches(&server, &format!("before={id}&limit=100"));
    assert!(older.iter().all(|m| m["id"].as_i64().unwrap() < id));
    for (query, status) in [
        ("limit=0", 400),
        ("limit=101", 400),
        ("state=done", 400),
        ("bot=999999", 404),
        ("bot=abc", 400),
    ] {
        let response = server.get(&format!("/api/matches?{query}"));
        assert_eq!(response.status, status, "{query}: {}", response.text());
        response.error_message();
    }
    for path in ["/api/matches/999999", "/api/matches/999999/replay"] {
        assert_eq!(server.get(path).status, 404, "{path}");
    }
    assert_eq!(server.get("/api/matches/x").status, 400);

    // The log has one line per match with its outcome.
    let log = server.log();
    assert!(log.contains("match finished"), "{log}");
    assert!(log.contains("ladder match scheduled"), "{log}");
}

#[test]
fn a_challenge_is_played_unrated_and_its_replay_verifies() {
    let server = Server::start(&format!("ladder_enabled = false\n{FAST}"));
    let token = server.register("ann");
    let mine = with_custom_section(bundled_wasm("rusher"), "ann");
    let uploaded = server.upload(&token, "dasher", &mine);
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    let dasher = uploaded.json()["bot"]["id"].as_i64().unwrap();

    // Refusals first.
    let body = json!({"bots": ["ann/dasher", "house/harvester"], "map": "duel", "seed": 7});
    let refused = server.post_json("/api/matches", None, &body);
    assert_eq!(refused.status, 401, "{}", refused.text());
    for (bad, status, says) in [
        (json!({"bots": ["ann/dasher"]}), 400, "2 to 8 bots"),
        (json!({"bots": "dasher"}), 400, "JSON"),
        (
            json!({"bots": [dasher, "nobody/nothing"]}),
            404,
            "does not exist",
        ),
        (json!({"bots": [dasher, 999999]}), 404, "does not exist"),
        (
            json!({"bots": [dasher, "harvester"], "map": "/etc/passwd"}),
            400,
            "unknown map",
        ),
        (
            json!({"bots": [dasher, "harvester"], "map": "random:2x2"}),
            400,
            "random map size 2x2 out of range",
        ),
        (
            json!({"bots": [dasher, "harvester", "rusher"], "map": "duel"}),
            400,
            "map 'duel' has 2 cores but 3 players",
        ),
        (
            json!({"bots": [dasher, "harvester"], "colour": "red"}),
            400,
            "colour",
        ),
    ] {
        let response = server.post_json("/api/matches", Some(&token), &bad);
        assert_eq!(response.status, status, "{bad}: {}", response.text());
        assert!(
            response.error_message().contains(says),
            "{bad}: {}",
            response.text()
        );
    }

    let queued = server.post_json("/api/matches", Some(&token), &body);
    assert_eq!(queued.status, 201, "{}", queued.text());
    let m = queued.json();
    let id = m["id"].as_i64().unwrap();
    assert_eq!(
        queued.header("location"),
        Some(format!("/api/matches/{id}").as_str())
    );
    assert_eq!(
        (m["kind"].as_str(), m["rated"].as_bool()),
        (Some("challenge"), Some(false))
    );
    assert_eq!(
        (m["seed"].as_i64(), m["requested_by"].as_str()),
        (Some(7), Some("ann"))
    );
    assert_eq!(m["seats"][0]["bot_id"], dasher);
    assert_eq!(m["seats"][1]["bot"], "harvester");

    let done = wait_for(Duration::from_secs(60), "the challenge", || {
        let m = server.get(&format!("/api/matches/{id}")).json();
        (m["state"] == "finished").then_some(m)
    });
    assert!(done["seats"][0]["mu_after"].is_null(), "unrated: {done}");
    verify_through_the_api(&server, id);
    // The replay's modules are the data folder's too.
    let hash = done["seats"][0]["module_hash"].as_str().unwrap();
    let file = server
        .data_dir()
        .join("modules")
        .join(format!("{hash}.wasm"));
    assert_eq!(std::fs::read(file).unwrap(), mine);
    let bot = server.get(&format!("/api/bots/{dasher}")).json();
    assert_eq!(bot["games"], 0, "challenges are not rated: {bot}");
    assert_eq!(matches(&server, "state=queued").len(), 0);

    // The metrics saw it.
    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = metrics.text();
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
    };
    assert_eq!(value("lockstep_matches_total{state=\"finished\"}"), 1.0);
    assert!(value("lockstep_bot_ticks_total") >= 2.0 * done["ticks"].as_f64().unwrap());
    assert!(value("lockstep_tick_seconds_count") >= done["ticks"].as_f64().unwrap());
    assert!(value("lockstep_fuel_per_bot_tick_sum") > 0.0);
    assert!(value("lockstep_uploads_total") >= 1.0);
    assert!(value("lockstep_http_requests_total{status=\"201\"}") >= 2.0);
    assert!(value("lockstep_http_requests_total{status=\"400\"}") >= 6.0);
    assert_eq!(value("lockstep_matches_queued"), 0.0);
    assert!(text.contains("lockstep_cutoffs_total 0\n") && text.contains("lockstep_traps_total"));
}

#[test]
fn challenges_beyond_the_queue_limit_are_refused_with_429() {
    // No challenge worker; one ladder worker (with nothing to pair, it plays
    // challenges) that rests a minute after its first match: the rest wait.
    let server = Server::start(&format!(
        "ladder_enabled = false\nladder_pause_ms = 60000\nchallenge_workers = 0\n{FAST}"
    ));
    let token = server.register("bea");
    let body = json!({"bots": ["rusher", "harvester"]});
    let mut accepted = 0;
    let refused = loop {
        let response = server.post_json("/api/matches", Some(&token), &body);
        match response.status {
            201 => accepted += 1,
            429 => break response,
            other => panic!("{other}: {}", response.text()),
        }
        assert!(accepted <= 12, "never refused");
    };
    assert!((10..=12).contains(&accepted), "{accepted}");
    assert_eq!(refused.header("retry-after"), Some("5"));
    assert!(refused.error_message().contains("challenges waiting"));
    // Others may still challenge.
    let other = server.register("cid");
    let response = server.post_json("/api/matches", Some(&other), &body);
    assert_eq!(response.status, 201, "{}", response.text());
}
