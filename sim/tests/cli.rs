//! The `lockstep` binary as a user runs it: output, exit codes, error messages.

use std::process::{Command, Output};

fn lockstep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(args)
        .output()
        .expect("the lockstep binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn match_prints_standings_and_exits_zero() {
    let out = lockstep(&[
        "match",
        "rusher",
        "random-walker",
        "--ticks",
        "60",
        "--seed",
        "3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("map duel, seed 3"), "{text}");
    assert!(
        text.contains("rusher") && text.contains("random-walker"),
        "{text}"
    );
    assert!(text.contains("final state hash "), "{text}");
}

#[test]
fn json_output_has_the_documented_fields() {
    let out = lockstep(&["match", "harvester", "rusher", "--ticks", "40", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.get("winner").is_some());
    assert_eq!(json["ticks"], 40);
    let hash = json["final_hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
    let players = json["players"].as_array().unwrap();
    assert_eq!(players.len(), 2);
    for key in [
        "bot",
        "module_hash",
        "score",
        "fuel_total",
        "fuel_max_tick",
        "cutoffs",
        "traps",
        "invalid_actions",
    ] {
        assert!(players[0].get(key).is_some(), "missing {key}");
    }
    assert_eq!(players[0]["bot"], "harvester");
}

#[test]
fn the_same_command_prints_the_same_hash_at_any_thread_count() {
    let hash = |threads: &str| {
        let out = lockstep(&[
            "match",
            "rusher",
            "harvester",
            "random-walker",
            "--map",
            "crossroads",
            "--ticks",
            "80",
            "--json",
            "--threads",
            threads,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["final_hash"].as_str().unwrap().to_string()
    };
    assert_eq!(hash("1"), hash("3"));
}

#[test]
fn a_hostile_bot_still_exits_zero() {
    let out = lockstep(&["match", "rusher", "hostile-loop", "--ticks", "10"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("out of fuel"), "{}", stdout(&out));
}

fn fails_with(args: &[&str], expected: &str) {
    let out = lockstep(args);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = stderr(&out);
    assert!(
        err.contains(expected),
        "{args:?}: expected {expected:?} in:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_gets_one_clear_message() {
    fails_with(&["match", "rusher", "nobody"], "unknown bot 'nobody'");
    fails_with(
        &["match", "rusher", "/no/such/bot.wasm"],
        "cannot read bot file '/no/such/bot.wasm'",
    );
    fails_with(
        &["match", "rusher", "harvester", "--map", "atlantis"],
        "atlantis",
    );
    fails_with(
        &["match", "rusher", "harvester", "--map", "random:3x900"],
        "3x900",
    );
    fails_with(
        &["match", "rusher", "harvester", "--threads", "0"],
        "--threads",
    );
    fails_with(&["match", "rusher"], "BOT");
    fails_with(
        &["match", "rusher", "harvester", "--fuel", "lots"],
        "--fuel",
    );
}

#[test]
fn a_file_that_is_not_a_bot_is_refused_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("lockstep-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.wasm");
    std::fs::write(&junk, b"\0asm\x01\0\0\0garbage").unwrap();
    let path = junk.to_str().unwrap();
    fails_with(
        &["match", "rusher", path],
        "was refused: not a valid WebAssembly module",
    );

    let no_exports = dir.join("empty.wasm");
    std::fs::write(&no_exports, wat::parse_str("(module)").unwrap()).unwrap();
    fails_with(
        &["match", no_exports.to_str().unwrap(), "rusher"],
        "missing export `lockstep_tick`",
    );

    let map = dir.join("broken.txt");
    std::fs::write(&map, "A.........\n....x.....\n").unwrap();
    fails_with(
        &[
            "match",
            "rusher",
            "harvester",
            "--map",
            map.to_str().unwrap(),
        ],
        "line 2",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bots_and_maps_are_listed() {
    let out = lockstep(&["bots"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for bot in ["rusher", "harvester", "random-walker", "hostile-loop"] {
        assert!(text.contains(bot), "{text}");
    }
    let out = lockstep(&["maps"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for map in ["duel", "crossroads", "arena", "random:WxH"] {
        assert!(text.contains(map), "{text}");
    }
}
