//! `lockstep match --replay` and `lockstep replay …` as a user runs them.

use std::path::{Path, PathBuf};
#[path = "support/cli.rs"]
mod cli;
use cli::{lockstep, lockstep_in};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh folder under the target dir for this test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn record(dir: &Path) -> PathBuf {
    let file = dir.join("game.replay");
    let out = lockstep(&[
        "match",
        "rusher",
        "harvester",
        "--seed",
        "2",
        "--ticks",
        "50",
        "--replay",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("replay written to"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.join("game.replay.part").exists());
    file
}

#[test]
fn record_verify_show_and_html() {
    let dir = scratch("record_verify_show_and_html");
    let file = record(&dir);
    let path = file.to_str().unwrap();

    let out = lockstep(&["replay", "verify", path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("ok: all 50 ticks match"),
        "{}",
        text(&out.stdout)
    );

    let out = lockstep(&["replay", "show", path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    for expected in [
        "wasmtime 48.0.8",
        "rules v1",
        "duel (24x24), seed 2",
        "rusher",
        "harvester",
        "replay hash",
    ] {
        assert!(summary.contains(expected), "{expected:?} in:\n{summary}");
    }

    let out = lockstep(&["replay", "show", path, "--tick", "20"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tick = text(&out.stdout);
    assert!(tick.starts_with("tick 20 of duel"), "{tick}");
    assert!(
        tick.contains("call: ok,") && tick.contains("order: "),
        "{tick}"
    );

    // Every hash in full: the state hash after the last tick is the final hash.
    let hash_after = |tick: &str| {
        let out = lockstep(&["replay", "show", path, "--tick", tick]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let shown = text(&out.stdout);
        let hash = shown
            .lines()
            .find_map(|l| l.strip_prefix("state hash after the tick: "))
            .unwrap_or_else(|| panic!("no state hash in:\n{shown}"))
            .to_string();
        assert_eq!(hash.len(), 64, "{hash}");
        (shown, hash)
    };
    let (_, last) = hash_after("49");
    assert!(
        summary.contains(&format!("final hash  {last}\n")),
        "{summary}"
    );
    // Tick 0 shows each bot's start: lockstep_init's outcome and its log.
    let (first, _) = hash_after("0");
    assert!(first.contains("  (re)started: ok, "), "{first}");
    assert!(
        first.contains("  init log: rusher: player 0 rushing"),
        "{first}"
    );

    let out = lockstep(&["replay", "show", path, "--tick", "99"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("has ticks 0 to 49; there is no tick 99"));

    // The viewer's data has each seat's start on tick 0, and whole hashes.
    let json_file = dir.join("game.json");
    let out = lockstep(&["replay", "json", path, "-o", json_file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
    let init = &data["ticks"][0]["bots"][0]["init"];
    assert_eq!(init["outcome"], "ok", "{init}");
    assert!(init["fuel"].as_u64().unwrap() > 0, "{init}");
    let line = init["logs"][0].as_str().unwrap_or_default();
    assert!(line.starts_with("rusher: player 0 rushing"), "{init}");
    assert!(data["ticks"][1]["bots"][0]["init"].is_null());
    assert_eq!(data["ticks"][49]["hash"].as_str(), Some(last.as_str()));

    let page = dir.join("game.html");
    let out = lockstep(&["replay", "html", path, "-o", page.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("lockstep-viewer/1"), "the data is inlined");
    assert!(
        !html.contains("src=\"viewer.js\""),
        "the scripts are inlined"
    );
}

#[test]
fn one_tampered_byte_is_named_with_its_place() {
    let dir = scratch("one_tampered_byte");
    let file = record(&dir);
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    let tampered = dir.join("tampered.replay");
    std::fs::write(&tampered, &bytes).unwrap();
    let out = lockstep(&["replay", "verify", tampered.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("tampered.replay': corrupted at byte "),
        "{err}"
    );
    assert!(err.contains("fails its checksum"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let cut = dir.join("cut.replay");
    std::fs::write(&cut, &bytes[..at]).unwrap();
    let out = lockstep(&["replay", "show", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("truncated at byte"), "{err}");

    let out = lockstep(&[
        "replay",
        "verify",
        dir.join("missing.replay").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("missing.replay': could not read it"));
}

#[test]
fn a_bot_from_a_file_is_found_again_with_bots_dir() {
    let dir = scratch("bots_dir");
    let bots = dir.join("bots");
    std::fs::create_dir_all(&bots).unwrap();
    // A bundled bot plus a custom section: the same bot, a module of its own.
    let mut wasm = lockstep_sim::bundled::bundled_bot("random-walker")
        .unwrap()
        .wasm
        .to_vec();
    wasm.extend_from_slice(&[0, 5, 4, b'n', b'o', b't', b'e']);
    let wasm = &wasm[..];
    let module = dir.join("mine.wasm");
    std::fs::write(&module, wasm).unwrap();
    std::fs::write(bots.join("renamed.wasm"), wasm).unwrap();
    let file = dir.join("game.replay");
    let out = lockstep(&[
        "match",
        module.to_str().unwrap(),
        "idle",
        "--ticks",
        "20",
        "--replay",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = lockstep(&["replay", "verify", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("seat 0 (mine): no module with hash"), "{err}");
    let out = lockstep(&[
        "replay",
        "verify",
        file.to_str().unwrap(),
        "--bots",
        bots.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn another_module_at_the_recorded_path_is_named_with_its_hash() {
    let dir = scratch("another_module");
    // A bot of one's own: the random walker with a custom section "v1".
    let walker = lockstep_sim::bundled::bundled_bot("random-walker")
        .unwrap()
        .wasm;
    let version = |v: u8| [walker, &[0, 3, 2, b'v', v]].concat();
    let played = version(b'1');
    std::fs::write(dir.join("mine.wasm"), &played).unwrap();
    let out = lockstep_in(
        &dir,
        &[
            "match",
            "mine.wasm",
            "idle",
            "--ticks",
            "10",
            "--replay",
            "game.replay",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The bot is rebuilt after the match: the same name, another module.
    let rebuilt = version(b'2');
    std::fs::write(dir.join("mine.wasm"), &rebuilt).unwrap();
    let new_hash = lockstep_sim::sandbox::ModuleHash::of(&rebuilt).to_hex();
    let out = lockstep_in(&dir, &["replay", "verify", "game.replay"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("seat 0 (mine): no module with hash "), "{err}");
    assert!(
        err.contains(&format!(
            "\n  mine.wasm is another module, with hash {new_hash}: was it rebuilt or changed \
             since the match? --bots DIR needs the very module the match was played with"
        )),
        "{err}"
    );
    // The module it was played with, in a folder: verified.
    std::fs::create_dir_all(dir.join("kept")).unwrap();
    std::fs::write(dir.join("kept/mine.wasm"), &played).unwrap();
    let out = lockstep_in(&dir, &["replay", "verify", "game.replay", "--bots", "kept"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Which modules a replay's verification admits is the config's `[upload]`
/// policy: a module outside it is refused by name, and the same replay
/// verifies under limits that admit it (a runtime needing raised limits
/// verifies under the config that raised them).
#[test]
fn verify_admits_modules_under_the_configs_upload_limits() {
    let dir = scratch("verify_upload_limits");
    let file = record(&dir);
    let tight = dir.join("tight.toml");
    std::fs::write(&tight, "[upload]\nfunctions = 5\n").unwrap();
    let out = lockstep(&[
        "replay",
        "verify",
        file.to_str().unwrap(),
        "--config",
        tight.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("functions"), "{err}");
    let out = lockstep(&["replay", "verify", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
