//! `lockstep match`.

use super::bots::load_entrants;
use super::fuel_flag;
use super::game_choice::choose_game;
use super::table;
use clap::{Args, ValueEnum};
use lockstep_sim::fuel;
use lockstep_sim::match_loop::{Entrant, MatchConfig, MatchResult, OverrunPolicy, run_match};
use lockstep_sim::replay::play_recorded;
use lockstep_sim::sandbox::{Sandbox, SandboxConfig};
use lockstep_sim::settings::Settings;
use std::io::BufWriter;
use std::path::Path;

const EXAMPLES: &str = "\
Examples:
  lockstep match rusher harvester
  lockstep match rusher random-walker --map random:48x48 --seed 7
  lockstep match my_bot.wasm rusher harvester random-walker \\
      --map crossroads --json
  lockstep match my_bot.wasm idle --fuel 5M --ticks 100
  lockstep match my_bot.wasm rusher --overrun resume --bucket 40M
  lockstep match --game connect-four connect-four-negamax connect-four-first

Exit status: 0 when the match completes, whatever the bots did (crashes, time-outs
and bad output are reported per bot); 1 for a bad argument, map or module; 2 for
a usage error.";

#[derive(Args)]
#[command(after_long_help = EXAMPLES)]
pub struct MatchArgs {
    /// The bots, as many as the game seats (2 to 8 for the reference game):
    /// bundled names (see `lockstep bots`) or paths to .wasm files or scripts
    /// (.js, .py: run by Lockstep's own runtimes). Seats are
    /// given in order: the first bot is seat 0 (the reference game's core A).
    #[arg(required = true, num_args = 1..=8, value_name = "BOT")]
    bots: Vec<String>,

    /// The game to play (see `lockstep games`). [default: the game every
    /// bot named plays, if they are all bundled bots of one game; else the
    /// config's `[match] game`, cores, the reference game]
    #[arg(long, value_name = "NAME")]
    game: Option<String>,

    /// A map as the game names them: a bundled map (see `lockstep games`),
    /// a map file, or a generator spec such as random:WxH.
    /// [default: the game's own, duel for the reference game]
    #[arg(long)]
    map: Option<String>,

    /// Seeds random maps and each bot's own random numbers.
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Tick limit (the game's `max_ticks` setting); the score decides a
    /// match still running then. [default: the config's `[match] max_ticks`, 500]
    #[arg(long)]
    ticks: Option<u32>,

    /// Fuel budget for each bot's tick. About 15 units per nanosecond of
    /// ordinary code; the count is the same on every machine. A whole number
    /// with an optional suffix k, M or G: 20000000, 20_000_000 and 20M are
    /// the same. [default: the config's `[budget] tick_fuel`, 20M]
    #[arg(long, value_name = "FUEL")]
    fuel: Option<String>,

    /// Fuel budget for instantiation and for `lockstep_init`, each (suffixes
    /// as for --fuel). What `lockstep_init` leaves is added to the bot's
    /// first tick. [default: the config's `[budget] init_fuel`, 200M]
    #[arg(long, value_name = "FUEL")]
    init_fuel: Option<String>,

    /// Most fuel a bot may save up (suffixes as for --fuel): unused tick fuel
    /// goes into its bucket, and a tick may spend --fuel plus the whole
    /// bucket. 0 turns it off. [default: the config's `[budget] bucket_cap`, 0]
    #[arg(long, value_name = "FUEL")]
    bucket: Option<String>,

    /// Threads running the bots. Any value plays the same match.
    /// [default: the config's `[match] threads`, 1]
    #[arg(long)]
    threads: Option<usize>,

    /// What happens to a bot that runs out of fuel or traps (docs/limits.md).
    /// [default: the config's `[budget] overrun`, skip]
    #[arg(long, value_enum)]
    overrun: Option<Overrun>,

    /// Print the result as one JSON object instead of a table.
    #[arg(long)]
    json: bool,

    /// Record the match to FILE as it is played (see docs/replay.md), to check
    /// with `lockstep replay verify` or watch with `lockstep replay html`.
    #[arg(long, value_name = "FILE")]
    replay: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Overrun {
    /// Drop the tick's orders; keep the instance.
    Skip,
    /// Drop the tick's orders; start a fresh instance next tick.
    Reset,
    /// Out of fuel: suspend the call and continue it next tick; its orders
    /// count on the tick it finishes. Traps: as skip.
    Resume,
}

pub fn run(args: MatchArgs, settings: &Settings) -> Result<(), String> {
    let mut config = MatchConfig {
        seed: args.seed,
        ..settings.match_config.clone()
    };
    choose_game(&mut config, args.game.as_deref(), &args.bots)?;
    if let Some(map) = &args.map {
        config.map = map.clone();
    }
    if let Some(fuel) = fuel_flag("--fuel", args.fuel.as_deref(), fuel::parse_fuel)? {
        config.tick_fuel = fuel;
    }
    if let Some(fuel) = fuel_flag("--init-fuel", args.init_fuel.as_deref(), fuel::parse_fuel)? {
        config.init_fuel = fuel;
    }
    let bucket = fuel_flag("--bucket", args.bucket.as_deref(), fuel::parse_fuel_amount)?;
    if let Some(cap) = bucket {
        config.bucket_cap = cap;
    }
    if let Some(threads) = args.threads {
        config.threads = threads;
    }
    if let Some(overrun) = args.overrun {
        config.overrun = match overrun {
            Overrun::Skip => OverrunPolicy::Skip,
            Overrun::Reset => OverrunPolicy::Reset,
            Overrun::Resume => OverrunPolicy::Resume,
        };
    }
    if let Some(ticks) = args.ticks {
        config.settings.set("max_ticks", ticks);
    }
    for (flag, zero) in [
        ("--threads", config.threads == 0),
        ("--ticks", args.ticks == Some(0)),
        ("--fuel", config.tick_fuel == 0),
        ("--init-fuel", config.init_fuel == 0),
    ] {
        if zero {
            return Err(format!("{flag} must be at least 1"));
        }
    }
    let sandbox = Sandbox::new(SandboxConfig {
        // Modules are checked with the budget they will start on.
        start_fuel: config.init_fuel,
        ..settings.sandbox.clone()
    })?;
    let entrants = load_entrants(&sandbox, &args.bots)?;
    let result = match &args.replay {
        None => run_match(&sandbox, &entrants, &config).map_err(|e| e.to_string())?,
        Some(path) => record(&sandbox, &entrants, &config, path)?,
    };
    if args.json {
        let json = serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?;
        println!("{json}");
    } else {
        print!("{}", table::standings(&result));
    }
    Ok(())
}

/// Plays the match writing its replay to `FILE.part`, renamed to `FILE` once
/// complete: a crash or a failed match leaves no half-written replay at `FILE`.
fn record(
    sandbox: &Sandbox,
    entrants: &[Entrant],
    config: &MatchConfig,
    path: &Path,
) -> Result<MatchResult, String> {
    let partial = super::replay_cmd::partial_path(path);
    let cannot = |e: std::io::Error| format!("cannot write replay '{}': {e}", path.display());
    let file = std::fs::File::create(&partial).map_err(cannot)?;
    let recorded = play_recorded(sandbox, entrants, config, BufWriter::new(file), &mut ());
    let (result, hash) = match recorded {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(format!("replay '{}': {e}", path.display()));
        }
    };
    std::fs::rename(&partial, path).map_err(cannot)?;
    eprintln!(
        "replay written to {} (replay hash {})",
        path.display(),
        lockstep_sim::sandbox::ModuleHash(hash).to_hex()
    );
    Ok(result)
}
