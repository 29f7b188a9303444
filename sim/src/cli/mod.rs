//! Command-line parsing and the commands' output. The work itself is in the library.

mod bots;
mod check;
mod distributed_cmd;
mod game_choice;
mod match_cmd;
mod new_cmd;
mod replay_cmd;
mod replay_show;
mod table;
mod tournament_cmd;
mod tournament_table;
mod tune_cmd;

use clap::{Parser, Subcommand};
use lockstep_sim::settings::Settings;
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

    /// The admin config: budgets, overrun policy, tick limit, threads and
    /// limits (see assets/lockstep.toml, which holds the defaults and says
    /// what each key does). Flags of a command override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Play one match between two or more bots and print the standings.
    Match(match_cmd::MatchArgs),
    /// Check, inspect or watch a recorded match (`lockstep match --replay FILE`).
    Replay(replay_cmd::ReplayArgs),
    /// Check a bot module as an upload would be checked: `ok`, or every problem.
    Check(check::CheckArgs),
    /// Measure bots' fuel per tick and this machine's speed; recommend a tick budget.
    Tune(tune_cmd::TuneArgs),
    /// Play many matches between bots, in parallel, and rank them (resumable).
    Tournament(tournament_cmd::TournamentArgs),
    /// Play matches of tournaments in a PostgreSQL database, on this host,
    /// beside any number of other workers (see `tournament --db`).
    Worker(distributed_cmd::WorkerArgs),
    /// List the games this binary hosts: seats, maps, settings, bots.
    Games,
    /// List the bots bundled in this binary, by game.
    Bots(GameFilter),
    /// List the maps bundled in this binary, by game.
    Maps(GameFilter),
    /// Start a bot of your own: a folder from a starter kit, ready to build.
    New(new_cmd::NewArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let settings = match Settings::load_or_defaults(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) => {
            // Every problem of the file, one per line.
            for line in e.to_string().lines() {
                eprintln!("error: {line}");
            }
            return ExitCode::FAILURE;
        }
    };
    let outcome = match cli.command {
        Command::Match(args) => match_cmd::run(args, &settings).map(|()| ExitCode::SUCCESS),
        Command::Replay(args) => replay_cmd::run(args, &settings),
        Command::Check(args) => check::run(args, &settings),
        Command::Tune(args) => tune_cmd::run(args, &settings).map(|()| ExitCode::SUCCESS),
        Command::Worker(args) => {
            distributed_cmd::worker(args, &settings).map(|()| ExitCode::SUCCESS)
        }
        Command::Tournament(args) => {
            tournament_cmd::run(args, &settings).map(|()| ExitCode::SUCCESS)
        }
        Command::Games => bots::list_games().map(|()| ExitCode::SUCCESS),
        Command::Bots(f) => bots::list_bots(f.game.as_deref()).map(|()| ExitCode::SUCCESS),
        Command::Maps(f) => bots::list_maps(f.game.as_deref()).map(|()| ExitCode::SUCCESS),
        Command::New(args) => new_cmd::run(args).map(|()| ExitCode::SUCCESS),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A fuel flag's value read by one of `lockstep_sim::fuel`'s parsers (the
/// same forms everywhere: `20000000`, `20_000_000`, `20M`), its error naming
/// the flag: `--fuel: '5X' is not a fuel amount (...)`.
pub(crate) fn fuel_flag(
    flag: &str,
    value: Option<&str>,
    parse: fn(&str) -> Result<u64, String>,
) -> Result<Option<u64>, String> {
    value
        .map(parse)
        .transpose()
        .map_err(|e| format!("{flag}: {e}"))
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

/// `--game NAME`, to list one game's bots or maps.
#[derive(clap::Args)]
pub struct GameFilter {
    /// Only this game's (see `lockstep games`).
    #[arg(long, value_name = "NAME")]
    game: Option<String>,
}
