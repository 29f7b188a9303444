//! The `lockstep-server` command line.

use crate::config::ServerConfig;
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Run the Lockstep game server.
///
/// Starts with an embedded SQLite database (one file in the data folder, WAL
/// mode) and the bundled bots as house players, listening on loopback.
#[derive(Parser)]
#[command(name = "lockstep-server", version)]
struct Args {
    /// The config file: the admin config (assets/lockstep.toml) plus a
    /// `[server]` table (see docs/server.md). Without it, the built-in defaults.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    match ServerConfig::load(args.config.as_deref()) {
        Ok(config) => {
            println!(
                "lockstep-server: config ok (would listen on {})",
                config.listen
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
