//! `lockstep`: play Lockstep bot matches on this machine.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
