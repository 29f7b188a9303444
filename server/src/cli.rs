//! The `lockstep-server` command line.

use crate::config::ServerConfig;
use crate::serve::{self, Options};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  lockstep-server
  lockstep-server --config server.toml
  RUST_LOG=debug lockstep-server --config server.toml
  lockstep-server worker --config server.toml        (another host, PostgreSQL)
  lockstep-server migrate --config server.toml       (SQLite rows into PostgreSQL)

The first line on stdout is `listening on http://ADDR`; logs go to stderr.
On the first start the admin's API token is written to DATA/admin-token
(mode 0600). SIGINT or SIGTERM stops the server gracefully. docs/server.md
lists every config key; docs/api.md is the HTTP API; docs/scale-out.md runs
a server on PostgreSQL with ladder workers on other hosts.

Exit status: 0 after a stop by signal; 1 when the config is bad or the server
cannot start (the reason is on stderr); 2 for a usage error.";

/// Run the Lockstep game server.
///
/// Starts with an embedded SQLite database (one file in the data folder, WAL
/// mode) and the bundled bots as house players, listening on loopback.
#[derive(Parser)]
#[command(name = "lockstep-server", version, after_long_help = EXAMPLES)]
struct Args {
    /// The config file: the admin config (assets/lockstep.toml) plus a
    /// `[server]` table (see docs/server.md). Without it, the built-in defaults.
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,

    /// Give the admin a new API token, written to the admin token file
    /// (`DATA/admin-token` by default); the old token stops working.
    #[arg(long)]
    new_admin_token: bool,

    /// Stop when stdin closes (for test harnesses; see serve::Options).
    #[arg(long, hide = true, global = true)]
    stop_on_stdin_eof: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Play ladder matches and challenges from the server's queue, with no
    /// web server: a worker on another host (or this one) for a server whose
    /// rows are in PostgreSQL (`[server] database = "postgres://…"`). Give
    /// it the server's config; its `data_dir` must be the same folder as the
    /// server's (a shared mount), since modules and replays are files there.
    /// `ladder_workers` sets how many matches it plays at once. Stops on
    /// SIGINT or SIGTERM; a match it was playing is played again by another
    /// process once its lease runs out (30 s).
    Worker,
    /// Copy a SQLite server's rows (players, bots, versions, matches, seats,
    /// settings, counters) into the PostgreSQL database of `[server]
    /// database`, which must be empty. Stop the server first. The data
    /// folder's module and replay files stay where they are: keep the same
    /// `data_dir`. Prints what it copied; nothing is written to PostgreSQL
    /// unless everything is (one transaction).
    Migrate {
        /// The SQLite file to read. Default: `DATA/lockstep.db` of the config.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    let config = match ServerConfig::load(args.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = Options {
        new_admin_token: args.new_admin_token,
        stop_on_stdin_eof: args.stop_on_stdin_eof,
        worker: false,
    };
    let result = match args.command {
        None => serve::run(config, options),
        Some(Command::Worker) => serve::run_worker(config, options),
        Some(Command::Migrate { from }) => crate::db::migrate::run(&config, from.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
