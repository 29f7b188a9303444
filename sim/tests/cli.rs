//! The `lockstep` binary as a user runs it: output, exit codes, error messages.

#[path = "support/cli.rs"]
mod cli;
use cli::{lockstep, stderr, stdout};

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

#[test]
fn check_says_ok_with_a_summary_for_a_good_bot() {
    let out = lockstep(&["check", "rusher"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("ok\n"), "{text}");
    for expected in [
        "\n  bot                rusher\n",
        "\n  abi                version 1, postcard encoding\n",
        "bytes (limit 524,288)\n",
        "MiB) initial, no maximum (growth stops at the 1,024-page limit)\n",
        "\n  exports            memory, lockstep_abi, lockstep_alloc, lockstep_init, lockstep_tick",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }

    let out = lockstep(&["check", "json-walker", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["problems"], serde_json::json!([]));
    let summary = &json["summary"];
    assert_eq!(summary["abi_version"], 1);
    assert_eq!(summary["encoding"], "json");
    assert!(summary["memory"]["initial_pages"].as_u64().unwrap() >= 1);
    assert!(summary["size"].as_u64().unwrap() > 1000);
    let exports = summary["exports"].as_array().unwrap();
    assert!(exports.contains(&serde_json::json!({"name": "lockstep_tick", "kind": "func"})));
}

#[test]
fn check_lists_every_problem_and_exits_one() {
    let dir = std::env::temp_dir().join(format!("lockstep-cli-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.wasm");
    let module = r#"(module
        (import "env" "abort" (func))
        (memory (export "memory") 2000)
        (func (export "lockstep_abi") (result i32) i32.const 256)
        (func (export "lockstep_alloc") (param i32) (result i32) i32.const 0)
        (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0))"#;
    std::fs::write(&bad, wat::parse_str(module).unwrap()).unwrap();
    let path = bad.to_str().unwrap();

    let out = lockstep(&["check", path]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("refused: bad has 3 problems\n"), "{text}");
    for expected in [
        "\n  - import `env.abort` is not allowed: the only import a bot may have is `lockstep.log`\n",
        "\n  - the memory starts at 2,000 pages (125 MiB); the limit is 1,024 pages (64 MiB) (at byte 0x",
        "\n  - missing export `lockstep_tick`\n",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }

    let out = lockstep(&["check", path, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert!(json["summary"].is_null());
    let problems = json["problems"].as_array().unwrap();
    let kinds: Vec<&str> = problems
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["abi", "limit", "abi"]);
    assert_eq!(problems[1]["limit"], "memory_limit");
    assert!(problems[0].get("limit").is_none());
    assert!(
        problems[2]["message"] == "missing export `lockstep_tick`",
        "{problems:?}"
    );

    let junk = dir.join("junk.wasm");
    std::fs::write(&junk, b"\0asm\x01\0\0\0garbage").unwrap();
    let out = lockstep(&["check", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with("refused: junk has 1 problem\n  - not a valid WebAssembly module: "),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();

    fails_with(&["check", "nobody"], "unknown bot 'nobody'");
}

#[test]
fn the_admin_config_applies_and_flags_override_it() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_config");
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        "[budget]\ntick_fuel = 3_000_000\nbucket_cap = 1_000\n[match]\nmax_ticks = 25\n",
    )
    .unwrap();
    let good = good.to_str().unwrap();
    let out = lockstep(&["match", "rusher", "idle", "--config", good, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ticks"], 25);
    assert_eq!(json["tick_fuel"], 3_000_000);
    // A flag wins over the file.
    let out = lockstep(&[
        "--config", good, "match", "rusher", "idle", "--ticks", "7", "--json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ticks"], 7);

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[limits]\nmemory_bytes = 12\n").unwrap();
    fails_with(
        &["match", "rusher", "idle", "--config", bad.to_str().unwrap()],
        "bad.toml': [limits] memory_bytes = 12 is out of range: allowed 65536 to 4294967296",
    );
    std::fs::write(&bad, "[budget]\nticks = 5\n").unwrap();
    fails_with(
        &["check", "rusher", "--config", bad.to_str().unwrap()],
        "line 2, column 1: unknown field `ticks`, expected one of `tick_fuel`, `init_fuel`, `bucket_cap`, `overrun` (in [budget])",
    );
}
