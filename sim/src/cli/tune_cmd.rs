//! `lockstep tune`.

use super::bots::load_entrants;
use super::game_choice::choose_game;
use clap::Args;
use lockstep_sim::fuel;
use lockstep_sim::sandbox::Sandbox;
use lockstep_sim::settings::Settings;
use lockstep_sim::tune::{TuneSpec, default_probe_fuel, maps_for, tune};
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
What it does:
  1. Plays --matches matches with a generous probe budget, recording every
     bot-tick's fuel (fuel counts are the same on every machine).
  2. Prints per bot and overall fuel per tick (p50/p90/p99/max, nearest rank;
     tick 0 left out, as it may also spend what lockstep_init left), and for
     each candidate budget the share of bot-ticks it would cut off.
  3. Measures this machine's wall time per unit of fuel on the reference bot
     (rusher), with its spread, and projects each budget's tick time for
     --players bots on --threads threads: worst case ceil(N/T) x budget x ns
     per fuel, plus the engine's own work. Also measures the worst pattern
     known, a pointer chase over the whole memory cap (about 150 times the
     reference's wall time per fuel), and gives each budget's cost if bots
     spend it that way: one call, and the tick.
  4. Recommends the largest budget whose worst case meets --target-tick-ms,
     says how many recorded bot-ticks it cuts off, what that budget costs on
     the pointer chase, and whether the fuel or the watchdog
     ([limits] watchdog_ms) ends such a call first; prints the [budget]
     lines to paste into the admin config. Writes a chart to --plot.

Examples:
  lockstep tune my_bot.wasm
  lockstep tune rusher harvester random-walker --matches 12 --threads 2
  lockstep tune my_bot.wasm rusher --maps arena,random:48x48 --players 4
  lockstep tune rusher harvester --budgets 2M,5M,10M,20M --target-tick-ms 10
  lockstep tune my_bot.wasm --probe-fuel 2G --json > tune.json
  lockstep --config server.toml tune rusher harvester --plot budgets.svg

Measure in a release build (target/release/lockstep): a debug build's wall
times are not a server's. Exit status: 0 when the report is written; 1 for a
bad argument, map or module; 2 for a usage error.";

#[derive(Args)]
#[command(after_long_help = EXAMPLES)]
pub struct TuneArgs {
    /// Bots to measure: bundled names (see `lockstep bots`) or paths to .wasm
    /// files. Each match seats --players of them in rotation; a single bot
    /// plays itself.
    #[arg(value_name = "BOT")]
    bots: Vec<String>,

    /// The game the bots play (see `lockstep games`). [default: the game
    /// every bot named plays, if they are all bundled bots of one game; else
    /// the config's `[match] game`, cores]
    #[arg(long, value_name = "NAME")]
    game: Option<String>,

    /// Maps to play on, in turn, comma-separated: bundled names, map files or
    /// random:WxH. [default: every bundled map with room for --players]
    #[arg(long, value_delimiter = ',', value_name = "MAP,...")]
    maps: Vec<String>,

    /// Sampling matches to play. More matches, more bot-ticks, steadier tails.
    #[arg(long, default_value_t = 6)]
    matches: usize,

    /// Seats in each sampling match (2 to 8 in the reference game), and the N of the projected tick
    /// time "N players on T threads".
    #[arg(long, default_value_t = 2)]
    players: usize,

    /// Match i uses seed SEED + i (random maps and the bots' own seeds).
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Tick limit of each sampling match. [default: the config's `[match] max_ticks`]
    #[arg(long)]
    ticks: Option<u32>,

    /// Candidate tick budgets, comma-separated, with optional suffix k, M or
    /// G (e.g. 5M,10M,20M,40M). [default: 1-2-5 steps from the observed p90
    /// to twice the max, the config's tick_fuel, and the largest budget that
    /// meets --target-tick-ms]
    #[arg(long, value_name = "LIST")]
    budgets: Option<String>,

    /// The tick wall time the recommended budget must meet, in milliseconds,
    /// when every bot spends its whole budget.
    #[arg(long, value_name = "MS", default_value_t = 50.0)]
    target_tick_ms: f64,

    /// Matches played at once here, and the T of the projected tick time
    /// "N players on T threads" (the threads a server runs one match's bots
    /// on). [default: the config's `[match] threads`]
    #[arg(long)]
    threads: Option<usize>,

    /// The generous tick budget of the sampling matches, so that bots are
    /// measured rather than cut off (suffixes k, M, G allowed). A bot-tick
    /// that runs out even of this is reported: its need is only known to be
    /// at least this. [default: 10 x the config's tick_fuel]
    #[arg(long, value_name = "FUEL")]
    probe_fuel: Option<String>,

    /// About how long to calibrate wall time per fuel, in milliseconds (at
    /// least three repetitions of the reference game are timed), and a
    /// quarter of that more on the pointer chase (at least five calls).
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    calibrate_ms: u64,

    /// Where to write the chart of the fuel distributions with the budget
    /// lines (SVG).
    #[arg(long, value_name = "FILE", default_value = "tune.svg")]
    plot: PathBuf,

    /// Print the whole report as one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

pub fn run(args: TuneArgs, settings: &Settings) -> Result<(), String> {
    if args.bots.is_empty() {
        return Err(
            "no bots to tune: give at least one BOT (a bundled name, a .wasm file or a .js script)"
                .into(),
        );
    }
    match args.plot.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("svg") => {}
        _ => {
            return Err(format!(
                "--plot '{}': the chart is SVG, give a file name ending in .svg",
                args.plot.display()
            ));
        }
    }
    let mut config = settings.match_config.clone();
    choose_game(&mut config, args.game.as_deref(), &args.bots)?;
    if let Some(ticks) = args.ticks {
        if ticks == 0 {
            return Err("--ticks must be at least 1".into());
        }
        config.settings.set("max_ticks", ticks);
    }
    let budgets = args
        .budgets
        .as_deref()
        .map(fuel::parse_fuel_list)
        .transpose()
        .map_err(|e| format!("--budgets: {e}"))?;
    let probe_fuel =
        super::fuel_flag("--probe-fuel", args.probe_fuel.as_deref(), fuel::parse_fuel)?
            .unwrap_or_else(|| default_probe_fuel(&config));
    let maps = if args.maps.is_empty() {
        maps_for(&config, args.players)
    } else {
        args.maps.iter().map(|m| m.trim().to_string()).collect()
    };
    if maps.iter().any(String::is_empty) {
        return Err("--maps: an empty map name (write names separated by single commas)".into());
    }
    let mut spec = TuneSpec {
        bots: Vec::new(),
        maps,
        matches: args.matches,
        players: args.players,
        seed: args.seed,
        probe_fuel,
        threads: args.threads.unwrap_or(config.threads),
        budgets,
        target_tick_ms: args.target_tick_ms,
        calibrate: Duration::from_millis(args.calibrate_ms),
        config,
    };
    spec.check_settings()?;
    let sandbox = Sandbox::new(settings.sandbox.clone())?;
    spec.bots = load_entrants(&sandbox, &args.bots)?;
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: this is a debug build of lockstep; its wall times are not a release \
             build's (use target/release/lockstep)"
        );
    }
    let report = tune(&sandbox, &spec, &|line| eprintln!("{line}"))?;
    std::fs::write(&args.plot, report.svg())
        .map_err(|e| format!("cannot write the plot '{}': {e}", args.plot.display()))?;
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{json}");
        eprintln!("plot written to {}", args.plot.display());
    } else {
        print!("{}", report.text());
        println!("\nplot written to {}", args.plot.display());
    }
    Ok(())
}
