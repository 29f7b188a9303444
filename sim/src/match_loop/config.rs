//! What a match is played with. Everything that can change a game is here, so
//! the same `MatchConfig` and modules always give the same match.

use lockstep_game::GameConfig;

/// What happens to a bot whose call ran out of fuel, was stopped by the
/// watchdog, or trapped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrunPolicy {
    /// The tick's orders are dropped; the same instance is called next tick,
    /// with whatever state the interrupted call left in its memory.
    #[default]
    Skip,
    /// The tick's orders are dropped; the instance is thrown away and a fresh
    /// one is instantiated and re-initialised (under the init budget) before
    /// its next tick. State kept between ticks is lost.
    Reset,
    /// Running out of fuel suspends the call instead of ending it: it
    /// continues next tick with a fresh budget, and its orders are applied on
    /// the tick it finishes (Battlecode semantics). The bot is not called
    /// with new observations while suspended. Traps and the watchdog are
    /// handled as under `skip`.
    Resume,
}

/// A match's settings. `Default` is what `lockstep match` uses without flags.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MatchConfig {
    /// A bundled map's name, a path to a map file, or `random:WxH`.
    /// Default `duel`.
    pub map: String,
    /// Seeds the random map generator and each bot's `MatchInfo::seed`.
    /// Default 0.
    pub seed: u64,
    /// Fuel for each `lockstep_tick` call (its `lockstep_alloc` included).
    /// Default 20,000,000: about 1.3 ms of ordinary code on the reference
    /// machine, several times what the bundled path-finder needs on a 64x64 map.
    pub tick_fuel: u64,
    /// Fuel for instantiation (the start function) and for `lockstep_init`,
    /// each; what `lockstep_init` leaves unused is added to tick 0's budget.
    /// Default 200,000,000: room to precompute tables once.
    pub init_fuel: u64,
    /// Unused tick fuel carries over into a per-bot bucket holding at most
    /// this much; a tick may spend `tick_fuel` plus the whole bucket. 0 (the
    /// default) turns the bucket off: every tick gets exactly `tick_fuel`.
    pub bucket_cap: u64,
    /// Threads running bot calls. Any value gives the same game; 1 runs the
    /// bots on the calling thread. Default 1. Not recorded in replays: it
    /// cannot change a game.
    #[serde(skip, default = "one_thread")]
    pub threads: usize,
    /// What to do with a bot that runs out of fuel or traps. Default `skip`.
    pub overrun: OverrunPolicy,
    /// The rules' numbers, the tick limit and the per-tick order cap.
    pub game: GameConfig,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            map: "duel".to_string(),
            seed: 0,
            tick_fuel: 20_000_000,
            init_fuel: 200_000_000,
            bucket_cap: 0,
            threads: 1,
            overrun: OverrunPolicy::Skip,
            game: GameConfig::default(),
        }
    }
}

fn one_thread() -> usize {
    1
}
