//! Running the `lockstep` binary as a user does, for the CLI test targets
//! (each includes this file by path and uses the part it needs).
#![allow(dead_code)]

use std::process::{Command, Output};

/// `lockstep ARGS…`, run to its end.
pub fn lockstep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
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
