//! Bots in other languages on the server: the Go, C-with-wasi-libc and
//! AssemblyScript starter kits' bots, built from source by their real
//! toolchains (`scripts/build-kits`), are uploaded through the API with the
//! default limits, play on the ladder, and their replays verify with the
//! modules the API serves. With `LOCKSTEP_REQUIRE_KITS=1` (as `scripts/test`
//! sets) a missing module fails the test; otherwise it is skipped.

mod support;

use kits::kit_module;
use serde_json::Value;
use std::time::Duration;
use support::{Server, verify_through_the_api, wait_for};

#[path = "../../sim/tests/support/kits.rs"]
mod kits;

/// Short matches on one small map, three at a time.
const FAST: &str = "ladder_maps = [\"duel\"]\nladder_workers = 3\n[match]\nmax_ticks = 60\n";

/// The kits' modules, by the name they are uploaded under.
const KITS: [(&str, &str); 3] = [
    ("gopher", "go"),
    ("clang", "c-wasi"),
    ("asc", "assemblyscript"),
];

fn finished_matches_of(server: &Server, bot: i64) -> Vec<Value> {
    let response = server.get(&format!("/api/matches?bot={bot}&state=finished&limit=100"));
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()["matches"].as_array().unwrap().clone()
}

#[test]
fn go_c_and_assemblyscript_bots_play_on_the_ladder() {
    let modules: Vec<(&str, Vec<u8>)> = KITS
        .iter()
        .filter_map(|(name, file)| kit_module(file).map(|bytes| (*name, bytes)))
        .collect();
    if modules.is_empty() {
        return;
    }
    let server = Server::start(FAST);
    let mut bots = Vec::new();
    for (name, bytes) in &modules {
        let token = server.register(name);
        let uploaded = server.upload(&token, name, bytes);
        assert_eq!(uploaded.status, 201, "{name}: {}", uploaded.text());
        bots.push((*name, uploaded.json()["bot"]["id"].as_i64().unwrap()));
    }
    for (name, bot) in &bots {
        let played = wait_for(
            Duration::from_secs(240),
            &format!("a finished ladder match of {name}"),
            || {
                let done = finished_matches_of(&server, *bot);
                (!done.is_empty()).then_some(done)
            },
        );
        let id = played[0]["id"].as_i64().unwrap();
        let one = server.get(&format!("/api/matches/{id}")).json();
        let seat = one["seats"]
            .as_array()
            .unwrap()
            .iter()
            .position(|s| s["bot_id"] == *bot)
            .unwrap();
        let player = &one["result"]["players"][seat];
        assert_eq!(player["traps"], 0, "{name}: {player}");
        assert_eq!(player["cutoffs"], 0, "{name}: {player}");
        assert_eq!(player["init"]["kind"], "ok", "{name}: {player}");

        // The replay verifies with the modules the API serves.
        verify_through_the_api(&server, id);
    }
}
