//! `lockstep new` as a user runs it: every kit written as it is in `kits/`,
//! executable bits kept, the next commands printed; refusals; and the Rust
//! kit built for real and played.

use std::path::{Path, PathBuf};
#[path = "support/cli.rs"]
mod cli;
use cli::{lockstep, lockstep_in, stderr, stdout};
use lockstep_sim::kits::{self, KitFile};

/// A fresh folder under the target dir for this test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli_new-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The repository's `kits/<lang>/`.
fn kit_dir(lang: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kits")
        .join(lang)
}

/// Every file under `dir`, relative, `/`-separated, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let name = entry.file_name().into_string().unwrap();
            if entry.path().is_dir() {
                walk(&entry.path(), &format!("{prefix}{name}/"), out);
            } else {
                out.push(format!("{prefix}{name}"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out.sort();
    out
}

#[cfg(unix)]
fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn executable(_path: &Path) -> bool {
    false
}

#[test]
fn every_language_writes_a_folder_whose_files_are_the_kits() {
    let languages = kits::languages();
    for lang in [
        "rust",
        "c",
        "zig",
        "assemblyscript",
        "go",
        "javascript",
        "python",
    ] {
        assert!(languages.contains(&lang), "no {lang} kit in {languages:?}");
    }
    let dir = scratch("every_language");
    for lang in languages {
        let name = format!("{lang}-bot");
        let out = lockstep_in(&dir, &["new", &name, "--lang", lang]);
        assert!(out.status.success(), "{lang}: {}", stderr(&out));
        let written = dir.join(&name);
        let kit: Vec<&KitFile> = kits::files(lang).collect();
        let mut expected: Vec<String> = kit.iter().map(|f| f.path.to_string()).collect();
        expected.sort();
        assert_eq!(files_under(&written), expected, "{lang}");
        // A script kit's bot is its script: nothing to build.
        let script = ["javascript", "python"]
            .contains(&lang)
            .then(|| if lang == "python" { "bot.py" } else { "bot.js" });
        assert!(
            script.is_some() || expected.iter().any(|p| p == "build.sh"),
            "{lang} has no build.sh"
        );
        assert!(
            expected.iter().any(|p| p == "README.md"),
            "{lang} has no README.md"
        );
        for file in kit {
            let path = written.join(file.path);
            let source = kit_dir(lang).join(file.path);
            let bytes = std::fs::read(&path).unwrap();
            if lang == "rust" && file.path == "Cargo.toml" {
                // The one rewritten file: the package's name and the SDK's path.
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.contains("name = \"rust-bot\"\n"), "{text}");
                assert!(
                    text.contains(&format!("path = '{}'", kits::SDK_DIR)),
                    "{text}"
                );
            } else {
                // As in the repository (the embedded copy is the source's).
                assert!(
                    bytes == std::fs::read(&source).unwrap(),
                    "{lang}/{} differs from {}",
                    file.path,
                    source.display()
                );
            }
            assert_eq!(
                executable(&path),
                executable(&source),
                "{lang}/{}",
                file.path
            );
        }
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with(&format!("wrote {name} ({lang} kit, ")),
            "{text}"
        );
        if let Some(file) = script {
            assert!(
                lines[1].ends_with(&format!("check {name}/{file}")),
                "{text}"
            );
            assert!(
                lines[2].ends_with(&format!("match {name}/{file} random-walker")),
                "{text}"
            );
            let check = lockstep_in(&dir, &["check", &format!("{name}/{file}")]);
            assert!(check.status.success(), "{}", stdout(&check));
            continue;
        }
        assert!(executable(&written.join("build.sh")), "{lang}: build.sh");
        assert_eq!(lines[1], format!("  cd {name} && ./build.sh"), "{text}");
        assert!(
            lines[2].ends_with(&format!("lockstep match {name}.wasm random-walker")),
            "{text}"
        );
    }
}

#[test]
fn refusals_say_why_and_touch_nothing() {
    let dir = scratch("refusals");
    let taken = dir.join("taken");
    std::fs::create_dir_all(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    let out = lockstep(&["new", taken.to_str().unwrap(), "--lang", "rust"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: '{}' already exists and is not empty: lockstep new only writes into a new \
             or empty folder, so that it never overwrites your files; choose another NAME\n",
            taken.display()
        )
    );
    assert_eq!(files_under(&taken), ["notes.txt"]);

    let out = lockstep_in(&dir, &["new", "cobol-bot", "--lang", "cobol"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("invalid value 'cobol' for '--lang <LANG>'"),
        "{err}"
    );
    assert!(
        err.contains("[possible values: assemblyscript, c, go, javascript, python, rust, zig]"),
        "{err}"
    );
    assert!(!dir.join("cobol-bot").exists());

    let out = lockstep_in(&dir, &["new", "my bot", "--lang", "c"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: 'my bot' cannot name a bot: the folder's name becomes"),
        "{}",
        stderr(&out)
    );
    let out = lockstep_in(&dir, &["new", "test", "--lang", "rust"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cargo reserves it"),
        "{}",
        stderr(&out)
    );

    // An empty folder is taken.
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    let out = lockstep_in(&dir, &["new", "empty", "--lang", "zig"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The Rust kit as a user gets it: built by its build.sh (offline, with the
/// workspace's registry cache), checked, and played against random-walker.
#[test]
fn the_rust_kit_builds_and_wins_a_match() {
    let dir = scratch("rust_build");
    let out = lockstep_in(&dir, &["new", "pack", "--lang", "rust"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Shared by runs, so that only the first one compiles the SDK.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_new-rust-target");
    let build = std::process::Command::new(dir.join("pack/build.sh"))
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_NET_OFFLINE", "true")
        // The outer cargo's settings must not steer the kit's own build.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&build.stdout).into_owned();
    assert!(
        build.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let module = dir.join("pack/pack.wasm");
    let size = std::fs::metadata(&module).unwrap().len();
    assert_eq!(said, format!("wrote {} ({size} bytes)\n", module.display()));
    // The bot profile's size, not a debug-info-laden one's.
    assert!(size < 200_000, "{size} bytes");
    let out = lockstep(&["check", module.to_str().unwrap()]);
    assert!(stdout(&out).starts_with("ok\n"), "{}", stdout(&out));
    for seats in [
        ["pack.wasm", "random-walker"],
        ["random-walker", "pack.wasm"],
    ] {
        let out = lockstep_in(
            &dir.join("pack"),
            &["match", seats[0], seats[1], "--seed", "3", "--json"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["winner_bot"], "pack", "{seats:?}");
    }
}
