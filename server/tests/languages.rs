//! Bots in other languages on the server: the Go, C-with-wasi-libc and
//! AssemblyScript starter kits' bots, built from source by their real
//! toolchains (`scripts/build-kits`), are uploaded through the API with the
//! default limits, play on the ladder, and their replays verify with the
//! modules the API serves. With `LOCKSTEP_REQUIRE_KITS=1` (as `scripts/test`
//! sets) a missing module fails the test; otherwise it is skipped. The
//! JavaScript and Python kits' scripts are uploaded as they are, raw and as
//! a form's file, and play a Rust bot on the ladder.

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

/// A script kit's bot as a player uploads it: the source file, raw (its
/// media type) or as a form's file named by its extension; refused with its
/// place when it does not parse; then it plays `rusher` on the ladder, the
/// replay verifies with the modules the API serves, and the version's
/// download gives the source back.
fn a_script_bot_plays_on_the_ladder(language: &str, kit: &str, media: &'static str, broken: &[u8]) {
    let runtime = lockstep_sim::sandbox::script::by_language(language).unwrap();
    if let Err(e) = runtime.wasm() {
        assert_ne!(
            std::env::var("LOCKSTEP_REQUIRE_KITS").as_deref(),
            Ok("1"),
            "{e}"
        );
        eprintln!("skipped: {e}");
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let source = std::fs::read(root.join(kit)).unwrap();
    let file_name = format!("bot.{}", runtime.extensions[0]);
    let server = Server::start(FAST);
    let token = server.register("scripter");

    let refused = server.request(
        "POST",
        "/api/bots/broken",
        Some(&token),
        support::Body::Bytes(media, broken.to_vec()),
    );
    assert_eq!(refused.status, 422, "{}", refused.text());
    let problems = refused.json()["error"]["problems"].to_string();
    assert!(
        problems.contains(&format!("{}:1", runtime.script_name)),
        "{problems}"
    );
    assert!(problems.contains("SyntaxError"), "{problems}");

    let raw = server.request(
        "POST",
        "/api/bots/scripted",
        Some(&token),
        support::Body::Bytes(media, source.clone()),
    );
    assert_eq!(raw.status, 201, "{}", raw.text());
    let answer = raw.json();
    assert_eq!(
        answer["summary"]["script"]["language"], language,
        "{answer}"
    );
    let bot = answer["bot"]["id"].as_i64().unwrap();
    // A form's file named by its extension (sent as application/wasm, as a
    // careless client would): the name says what it is.
    let body = support::multipart::close(vec![support::multipart::part(
        "module",
        Some(&file_name),
        &source,
    )]);
    let form = server.request(
        "POST",
        "/api/bots/scripted",
        Some(&token),
        support::Body::Bytes(support::multipart::FORM_TYPE, body),
    );
    assert_eq!(form.status, 200, "the same source again: {}", form.text());

    let download = server.get(&format!("/api/bots/{bot}/versions/1/module"));
    assert_eq!(download.status, 200, "{}", download.text());
    assert_eq!(download.body, source);
    let disposition = download.header("content-disposition").unwrap().to_string();
    assert!(
        disposition.ends_with(&format!(".{}\"", runtime.extensions[0])),
        "{disposition}"
    );

    let rusher = server.register("rustacean");
    let rust_bot = lockstep_sim::bundled::bundled_bot("rusher").unwrap().wasm;
    assert_eq!(server.upload(&rusher, "rusher", rust_bot).status, 201);
    let played = wait_for(
        Duration::from_secs(240),
        &format!("a finished ladder match of the {language} bot"),
        || {
            let done = finished_matches_of(&server, bot);
            (!done.is_empty()).then_some(done)
        },
    );
    let id = played[0]["id"].as_i64().unwrap();
    let one = server.get(&format!("/api/matches/{id}")).json();
    let seat = one["seats"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s["bot_id"] == bot)
        .unwrap();
    let player = &one["result"]["players"][seat];
    assert_eq!(player["traps"], 0, "{player}");
    assert_eq!(player["cutoffs"], 0, "{player}");
    assert_eq!(player["init"]["kind"], "ok", "{player}");
    verify_through_the_api(&server, id);
}

#[test]
fn a_javascript_bot_is_uploaded_as_its_source_and_plays_on_the_ladder() {
    a_script_bot_plays_on_the_ladder(
        "javascript",
        "kits/javascript/bot.js",
        "text/javascript; charset=utf-8",
        b"function tick( {",
    );
}

#[test]
fn a_python_bot_is_uploaded_as_its_source_and_plays_on_the_ladder() {
    a_script_bot_plays_on_the_ladder(
        "python",
        "kits/python/bot.py",
        "text/x-python",
        b"def tick(o) return []\n",
    );
}
