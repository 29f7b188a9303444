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
    fails_with(
        &["match", "rusher"],
        "a match of cores needs 2 to 8 bots, not 1",
    );
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
        "bytes (limit 4,194,304)\n",
        "\n  loaded             ",
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
    // Compiled, or read from the tests' compiled-module cache.
    let from = json["loaded"]["from"].as_str().unwrap();
    assert!(["compiled", "disk cache"].contains(&from), "{json}");
    assert!(json["loaded"]["total_ms"].as_f64().unwrap() > 0.0, "{json}");
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
        "\n  - import `env.abort` has type () -> (); expected (i32, i32, i32, i32) -> ()\n",
        "\n  - the memory starts at 2,000 pages (125 MiB); the limit is 1,024 pages (64 MiB) (at byte 0x",
        "\n  - missing export `lockstep_tick`\n",
        // `env.abort` is AssemblyScript's: the fix in its terms.
        "\n  hint: this looks like AssemblyScript output (it imports `env.abort` or exports \
         AssemblyScript's runtime): export each function from the entry file",
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
    assert_eq!(kinds, ["abi", "limit", "abi", "advice"]);
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
        "bad.toml': line 2: [limits] memory_bytes = 12 is out of range: allowed 65536 to 4294967296",
    );
    std::fs::write(&bad, "[budget]\nticks = 5\n").unwrap();
    fails_with(
        &["check", "rusher", "--config", bad.to_str().unwrap()],
        "bad.toml': line 2: [budget] has no key `ticks`: the keys of [budget] are `tick_fuel`, `init_fuel`",
    );
}

#[test]
fn every_problem_of_a_config_file_is_one_error_line_with_file_line_and_key() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_config_problems");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("admin.toml");
    std::fs::write(
        &file,
        "[budget]\ntick_fuel = \"lots\"\n\n[match]\nthreads = 0\nmax_ticks = 9\nthreds = 2\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = lockstep(&["match", "rusher", "idle", "--config", path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    let at = |line: u32| format!("error: config '{path}': line {line}: ");
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].starts_with(&format!(
            "{}[budget] tick_fuel = \"lots\" is not a fuel amount",
            at(2)
        )),
        "{err}"
    );
    assert!(lines[0].contains("allowed 1 to "), "{err}");
    assert_eq!(
        lines[1],
        format!(
            "{}[match] threads = 0 is out of range: allowed 1 to 1024",
            at(5)
        )
    );
    assert!(
        lines[2].starts_with(&format!("{}[match] has no key `threds`", at(7))),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    // Fuel keys take the command line's forms too.
    std::fs::write(&file, "[budget]\ntick_fuel = \"3M\"\n").unwrap();
    let out = lockstep(&[
        "match", "rusher", "idle", "--config", path, "--ticks", "2", "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["tick_fuel"], 3_000_000);
}

#[test]
fn every_fuel_flag_takes_suffixes() {
    let out = lockstep(&[
        "match",
        "rusher",
        "idle",
        "--ticks",
        "2",
        "--json",
        "--fuel",
        "5M",
        "--init-fuel",
        "1.5G",
        "--bucket",
        "40k",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["tick_fuel"], 5_000_000);
    assert_eq!(json["bucket_cap"], 40_000);
    for (flag, value) in [("--fuel", "0"), ("--init-fuel", "5X"), ("--bucket", "-1")] {
        let out = lockstep(&["match", "rusher", "idle", &format!("{flag}={value}")]);
        assert_eq!(out.status.code(), Some(1), "{flag} {value}");
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!("error: {flag}: '{value}' is not a fuel amount (")),
            "{err}"
        );
        assert!(err.contains("suffix k, M or G"), "{err}");
    }
    // A bucket may be off.
    let out = lockstep(&["match", "rusher", "idle", "--ticks", "2", "--bucket", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn help_examples_are_whole_lines_on_an_80_column_terminal() {
    // clap wraps --help at the terminal's width (100 when not a terminal): an
    // example longer than 80 columns would break mid-argument on a usual one.
    for command in ["match", "tournament", "tune", "replay", "check", "new"] {
        let out = lockstep(&[command, "--help"]);
        assert!(out.status.success(), "{command}: {}", stderr(&out));
        let text = stdout(&out);
        let Some((_, examples)) = text.split_once("Examples:\n") else {
            panic!("`lockstep {command} --help` has no examples:\n{text}");
        };
        for line in examples.lines().take_while(|l| !l.is_empty()) {
            assert!(
                line.chars().count() <= 80,
                "`lockstep {command} --help`: {} columns: {line}",
                line.chars().count()
            );
        }
    }
}

#[test]
fn check_says_what_a_file_that_is_not_a_module_is() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_check_not_wasm");
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.wasm");
    std::fs::write(&empty, b"").unwrap();
    let out = lockstep(&["check", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains(
            "  - not a valid WebAssembly module: the file is empty (0 bytes), not a WebAssembly \
             module; did the build fail, or write the module somewhere else?\n"
        ),
        "{}",
        stdout(&out)
    );
    // What `cargo build` without `--target wasm32-unknown-unknown` makes.
    let native = dir.join("libbot.so");
    std::fs::write(&native, b"\x7fELF\x02\x01\x01\0rest of a shared library").unwrap();
    let out = lockstep(&["check", native.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains(
            "(found `7f 45 4c 46 02 01 01 00`, 32 bytes in all); it is an ELF native binary: \
             build for wasm, e.g. `cargo build --release --target wasm32-unknown-unknown`\n"
        ),
        "{}",
        stdout(&out)
    );
}
