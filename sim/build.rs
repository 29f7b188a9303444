//! Builds every bot crate under `bots/` for wasm32 and embeds the modules, so
//! `lockstep match rusher harvester` works from a fresh clone with no extra step.
//!
//! The bots are built by a nested `cargo build` into `target/bots-wasm`, always
//! with the `bot` profile whatever the host's profile, so a debug and a release
//! host embed byte-identical modules (and the same module hashes).
//!
//! It also embeds the starter kits of `kits/`, file by file, for `lockstep
//! new` (`build/kits.rs`).

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

// The starter kits of kits/, for `lockstep new`.
#[path = "build/kits.rs"]
mod kits;

/// The target bots are built for, unless their manifest says otherwise
/// (`[package.metadata.lockstep] wasm-target = "wasm32-wasip1"`).
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The game bots play, unless their manifest says otherwise
/// (`[package.metadata.lockstep] game = "connect-four"`): the reference
/// game's registry name.
const DEFAULT_GAME: &str = "cores";

struct BotCrate {
    /// Directory name under bots/: the bundled bot's name.
    name: String,
    package: String,
    description: String,
    target: String,
    /// The registry name of the game the bot plays.
    game: String,
}

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir
        .parent()
        .expect("sim/ sits in the workspace root");
    for watched in ["bots", "sdk", "Cargo.lock", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    let bots = find_bots(&root.join("bots"));
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_relative() {
                root.join(dir)
            } else {
                dir
            }
        })
        .unwrap_or_else(|| root.join("target"))
        .join("bots-wasm");
    build_bots(root, &bots, &target_dir);

    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let mut table = String::from("&[\n");
    for bot in &bots {
        let built = target_dir
            .join(&bot.target)
            .join("bot")
            .join(format!("{}.wasm", bot.package.replace('-', "_")));
        let embedded = out_dir.join(format!("{}.wasm", bot.name));
        fs::copy(&built, &embedded).unwrap_or_else(|e| panic!("copying {}: {e}", built.display()));
        writeln!(
            table,
            "    BundledBot {{ name: {:?}, description: {:?}, game: {:?}, wasm: include_bytes!({:?}) }},",
            bot.name,
            bot.description,
            bot.game,
            embedded.display().to_string()
        )
        .unwrap();
    }
    table.push(']');
    fs::write(out_dir.join("bundled_bots.rs"), table).unwrap();
    kits::embed(root, &out_dir);
}

/// Every `bots/<name>/Cargo.toml`, sorted by name so the table is stable.
fn find_bots(bots_dir: &Path) -> Vec<BotCrate> {
    let mut bots: Vec<BotCrate> = fs::read_dir(bots_dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", bots_dir.display()))
        .filter_map(|entry| {
            let dir = entry.ok()?.path();
            let manifest = fs::read_to_string(dir.join("Cargo.toml")).ok()?;
            Some(BotCrate {
                name: dir.file_name()?.to_str()?.to_string(),
                package: manifest_value(&manifest, "name")?,
                description: manifest_value(&manifest, "description").unwrap_or_default(),
                target: manifest_value(&manifest, "wasm-target")
                    .unwrap_or_else(|| WASM_TARGET.to_string()),
                game: lockstep_metadata_value(&manifest, "game")
                    .unwrap_or_else(|| DEFAULT_GAME.to_string()),
            })
        })
        .collect();
    bots.sort_by(|a, b| a.name.cmp(&b.name));
    bots
}

/// The string value of `key = "..."` in a Cargo.toml (first occurrence).
fn manifest_value(manifest: &str, key: &str) -> Option<String> {
    manifest.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The string value of `key = "..."` in the manifest's
/// `[package.metadata.lockstep]` table.
fn lockstep_metadata_value(manifest: &str, key: &str) -> Option<String> {
    let mut in_table = false;
    manifest.lines().find_map(|line| {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = line == "[package.metadata.lockstep]";
            return None;
        }
        let (k, v) = line.split_once('=')?;
        (in_table && k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// One cargo run per bot: in a single run cargo would unify the SDK's features
/// across all bots, and one JSON bot would put the JSON codec in every module.
fn build_bots(root: &Path, bots: &[BotCrate], target_dir: &Path) {
    for bot in bots {
        build_bot(root, bot, target_dir);
    }
}

fn build_bot(root: &Path, bot: &BotCrate, target_dir: &Path) {
    // `cargo` from PATH (rustup's proxy) run in the workspace root, with the
    // outer build's toolchain variables removed: the bots are always built by
    // the toolchain pinned in rust-toolchain.toml, so their bytes and hashes
    // never depend on the toolchain that builds the host (e.g. nightly for
    // `cargo fuzz`).
    let mut command = Command::new("cargo");
    command
        .current_dir(root)
        .args(["build", "--profile", "bot", "--target", &bot.target])
        .arg("--target-dir")
        .arg(target_dir)
        .args(["-p", &bot.package]);
    // The outer build's settings (its rustflags, wrappers such as clippy-driver,
    // profile overrides, jobserver) must not leak into the bots' build.
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy();
        let keep = matches!(
            key.as_ref(),
            "PATH" | "HOME" | "CARGO_HOME" | "RUSTUP_HOME" | "TMPDIR"
        ) || key.starts_with("CARGO_NET_")
            || key.starts_with("CARGO_HTTP_")
            || key.starts_with("CARGO_REGISTRIES_")
            || key.to_ascii_lowercase().ends_with("_proxy");
        if !keep {
            command.env_remove(key.as_ref());
        }
    }
    let output = match command.output() {
        // No `cargo` on PATH (cargo run by absolute path): fall back to the
        // cargo running this build, which rust-toolchain.toml still steers
        // when it is rustup's proxy.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let outer = env::var_os("CARGO").expect("cargo sets CARGO for build scripts");
            let mut fallback = Command::new(outer);
            fallback.args(command.get_args()).current_dir(root);
            for (key, value) in command.get_envs() {
                match value {
                    Some(value) => fallback.env(key, value),
                    None => fallback.env_remove(key),
                };
            }
            // Without rustup's proxy on PATH the outer toolchain is the only one known.
            for key in ["RUSTC", "RUSTUP_TOOLCHAIN"] {
                if let Some(value) = env::var_os(key) {
                    fallback.env(key, value);
                }
            }
            fallback.output()
        }
        other => other,
    }
    .unwrap_or_else(|e| panic!("could not run cargo to build the bots: {e}"));
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let hint = if stderr.contains("target may not be installed")
            || stderr.contains("can't find crate for `core`")
            || stderr.contains("can't find crate for `std`")
        {
            format!(
                "\nThe {} target is missing. Run `scripts/setup` \
                 (or `rustup target add {}`) and build again.\n",
                bot.target, bot.target
            )
        } else {
            String::new()
        };
        panic!(
            "building the bundled bot '{}' for {} failed:{hint}\n{stderr}",
            bot.name, bot.target
        );
    }
}
