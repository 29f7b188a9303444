//! `lockstep match`.

use super::bots::load_entrant;
use super::table;
use clap::{Args, ValueEnum};
use lockstep_sim::match_loop::{MatchConfig, OverrunPolicy, run_match};
use lockstep_sim::sandbox::{Sandbox, SandboxConfig};

const EXAMPLES: &str = "\
Examples:
  lockstep match rusher harvester
  lockstep match rusher random-walker --map random:48x48 --seed 7
  lockstep match my_bot.wasm rusher harvester random-walker --map crossroads --json
  lockstep match my_bot.wasm idle --fuel 5000000 --ticks 100

Exit status: 0 when the match completes, whatever the bots did (crashes, time-outs
and bad output are reported per bot); 1 for a bad argument, map or module; 2 for
a usage error.";

#[derive(Args)]
#[command(after_long_help = EXAMPLES)]
pub struct MatchArgs {
    /// Two to eight bots: bundled names (see `lockstep bots`) or paths to .wasm files.
    /// Seats are given in order: the first bot is player 0 (core A).
    #[arg(required = true, num_args = 2..=8, value_name = "BOT")]
    bots: Vec<String>,

    /// A bundled map's name (see `lockstep maps`), a map file, or random:WxH.
    #[arg(long, default_value = "duel")]
    map: String,

    /// Seeds random maps and each bot's own random numbers.
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Tick limit; the score decides a match still running then. [default: 500]
    #[arg(long)]
    ticks: Option<u32>,

    /// Fuel budget for each bot's tick. About 15 units per nanosecond of
    /// ordinary code; the count is the same on every machine.
    #[arg(long, default_value_t = MatchConfig::default().tick_fuel)]
    fuel: u64,

    /// Fuel budget for instantiation and for `lockstep_init`, each.
    #[arg(long, default_value_t = MatchConfig::default().init_fuel)]
    init_fuel: u64,

    /// Threads running the bots. Any value plays the same match.
    #[arg(long, default_value_t = 1)]
    threads: usize,

    /// What happens to a bot that runs out of fuel or traps.
    #[arg(long, value_enum, default_value_t = Overrun::Skip)]
    overrun: Overrun,

    /// Print the result as one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Overrun {
    /// Drop the tick's orders; keep the instance.
    Skip,
    /// Drop the tick's orders; start a fresh instance next tick.
    Reset,
}

pub fn run(args: MatchArgs) -> Result<(), String> {
    if args.threads == 0 {
        return Err("--threads must be at least 1".into());
    }
    let mut config = MatchConfig {
        map: args.map,
        seed: args.seed,
        tick_fuel: args.fuel,
        init_fuel: args.init_fuel,
        threads: args.threads,
        overrun: match args.overrun {
            Overrun::Skip => OverrunPolicy::Skip,
            Overrun::Reset => OverrunPolicy::Reset,
        },
        ..MatchConfig::default()
    };
    if let Some(ticks) = args.ticks {
        if ticks == 0 {
            return Err("--ticks must be at least 1".into());
        }
        config.game.max_ticks = ticks;
    }
    let sandbox = Sandbox::new(SandboxConfig::default())?;
    let entrants = args
        .bots
        .iter()
        .map(|bot| load_entrant(&sandbox, bot))
        .collect::<Result<Vec<_>, _>>()?;
    let result = run_match(&sandbox, &entrants, &config).map_err(|e| e.to_string())?;
    if args.json {
        let json = serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?;
        println!("{json}");
    } else {
        print!("{}", table::standings(&result));
    }
    Ok(())
}
