//! Command-line parsing and the commands' output. The work itself is in the library.

mod bots;
mod check;
mod match_cmd;
mod replay_cmd;
mod replay_show;
mod table;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Play Lockstep bot matches on this machine.
///
/// Bots are WebAssembly modules (ABI v1, see docs/abi.md) limited by a fuel
/// budget per tick, so the same bots, map and seed give the same match on any
/// machine, with any number of threads.
#[derive(Parser)]
#[command(name = "lockstep", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Play one match between two or more bots and print the standings.
    Match(match_cmd::MatchArgs),
    /// Check, inspect or watch a recorded match (`lockstep match --replay FILE`).
    Replay(replay_cmd::ReplayArgs),
    /// Check a bot module as an upload would be checked: `ok`, or every problem.
    Check(check::CheckArgs),
    /// List the bots bundled in this binary.
    Bots,
    /// List the maps bundled in this binary.
    Maps,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let outcome = match cli.command {
        Command::Match(args) => match_cmd::run(args).map(|()| ExitCode::SUCCESS),
        Command::Replay(args) => replay_cmd::run(args),
        Command::Check(args) => check::run(args),
        Command::Bots => bots::list_bots().map(|()| ExitCode::SUCCESS),
        Command::Maps => bots::list_maps().map(|()| ExitCode::SUCCESS),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings only), so
/// `--json` output on stdout stays clean.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
