//! `lockstep match --replay` and `lockstep replay …` as a user runs them.

use std::path::{Path, PathBuf};
#[path = "support/cli.rs"]
mod cli;
use cli::lockstep;

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

    let out = lockstep(&["replay", "show", path, "--tick", "99"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("has ticks 0 to 49; there is no tick 99"));

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
