//! The starter kits' bots that `scripts/build-kits` built into
//! `target/kits`, for the tests that play them (`sim/tests/kits.rs`, the
//! server's `tests/languages.rs`). With `LOCKSTEP_REQUIRE_KITS=1` (as
//! `scripts/test` sets) a module that is missing fails the test; otherwise
//! the caller skips it, and a note says so.

use std::path::PathBuf;

/// `target/kits`, wherever the target folder is.
pub fn kits_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_relative() {
                root.join(dir)
            } else {
                dir
            }
        })
        .unwrap_or_else(|| root.join("target"));
    target.join("kits")
}

/// The module `target/kits/NAME.wasm`, or `None` when it was not built and
/// the kits are not required.
pub fn kit_module(name: &str) -> Option<Vec<u8>> {
    let path = kits_dir().join(format!("{name}.wasm"));
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if std::env::var("LOCKSTEP_REQUIRE_KITS").as_deref() == Ok("1") => {
            panic!("{}: {e}; run scripts/build-kits", path.display())
        }
        Err(_) => {
            eprintln!(
                "skipped: {} is not built (scripts/build-kits)",
                path.display()
            );
            None
        }
    }
}
