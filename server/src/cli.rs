//! The `lockstep-server` command line.

use crate::config::ServerConfig;
use crate::serve::{self, Options};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  lockstep-server
  lockstep-server --config server.toml
  RUST_LOG=debug lockstep-server --config server.toml

The first line on stdout is `listening on http://ADDR`; logs go to stderr.
On the first start the admin's API token is written to DATA/admin-token
(mode 0600). SIGINT or SIGTERM stops the server gracefully. docs/server.md
lists every config key; docs/api.md is the HTTP API.

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
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Give the admin a new API token, written to the admin token file
    /// (`DATA/admin-token` by default); the old token stops working.
    #[arg(long)]
    new_admin_token: bool,

    /// Stop when stdin closes (for test harnesses; see serve::Options).
    #[arg(long, hide = true)]
    stop_on_stdin_eof: bool,
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
    };
    match serve::run(config, options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
