//! Running the `lockstep` binary as a user does, for the CLI test targets
//! (each includes this file by path and uses the part it needs).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The compiled-module cache of every binary a test runs: under the target
/// folder, never the user's own (`LOCKSTEP_CACHE_DIR`, docs/limits.md).
pub const CACHE_DIR: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/compiled-modules");

/// `lockstep ARGS…`, run to its end.
pub fn lockstep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .env("LOCKSTEP_CACHE_DIR", CACHE_DIR)
        .args(args)
        .output()
        .expect("the lockstep binary runs")
}

/// `lockstep ARGS…` run in the folder `dir`, to its end.
pub fn lockstep_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .env("LOCKSTEP_CACHE_DIR", CACHE_DIR)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the lockstep binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
