//! What a match is played with. Everything that can change a game is here, so
//! the same `MatchConfig` and modules always give the same match.

use crate::json::Json;

/// What happens to a bot whose call ran out of fuel, was stopped by the
/// watchdog, or trapped. `docs/limits.md` ("Budgets and overrun policies")
/// says exactly what a bot observes under each.
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
    /// handled as under `skip`. Budgets are granted in whole segments of
    /// `tick_fuel`: a tick whose budget is larger (tick 0's init remainder,
    /// the bucket) runs as many whole segments as fit. A call still
    /// suspended when the match ends is dropped.
    Resume,
}

/// A match's settings. `Default` is what `lockstep match` uses without flags.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MatchConfig {
    /// The game, by its registry name (`lockstep games`). Default `cores`,
    /// the reference game.
    pub game: String,
    /// A map as the game names them: a bundled map's name, a path to a map
    /// file, a generator spec such as `random:WxH`. Default `duel` (the
    /// reference game's); [`MatchConfig::for_game`] takes the game's own.
    pub map: String,
    /// Seeds the random map generator and each bot's `MatchInfo::seed`.
    /// Default 0.
    pub seed: u64,
    /// Fuel for each `lockstep_tick` call (its `lockstep_alloc` included):
    /// the budget of every tick, before the bucket and the init remainder.
    /// Under `resume`, also the size of a segment. Default 20,000,000: about
    /// 1.3 ms of ordinary code on the reference machine, several times what
    /// the bundled path-finder needs on a 64x64 map.
    pub tick_fuel: u64,
    /// Fuel for instantiation (the start function) and for `lockstep_init`,
    /// each. What `lockstep_init` leaves unused (the init remainder) is added
    /// to the budget of the next tick's call only: tick 0, or the tick after
    /// a `reset`'s re-initialisation. Default 200,000,000: room to precompute
    /// tables once, whether in `lockstep_init` or in the first tick.
    pub init_fuel: u64,
    /// The most fuel a bot's bucket holds. Each tick the bot may spend
    /// `tick_fuel` plus its whole bucket; afterwards the bucket becomes
    /// `min(bucket_cap, bucket + tick_fuel - used)` (fuel from the init
    /// remainder counts as spent first, and never fills the bucket). So a bot
    /// that uses less than `tick_fuel` on quiet ticks saves up for a burst.
    /// Ticks a bot does not play (out of the match) fill nothing. Default 0:
    /// no bucket, every tick gets exactly `tick_fuel`, the simplest rule.
    pub bucket_cap: u64,
    /// Threads running bot calls. Any value gives the same game; 1 runs the
    /// bots on the calling thread. Default 1. Not recorded in replays: it
    /// cannot change a game.
    #[serde(skip, default = "one_thread")]
    pub threads: usize,
    /// What to do with a bot that runs out of fuel or traps. Default `skip`:
    /// the cheapest (plain calls, no fibers) and the easiest for a bot to
    /// reason about: every tick is a fresh call with the current observation.
    pub overrun: OverrunPolicy,
    /// The game's own settings (its rules' numbers, its tick limit, ...),
    /// a JSON object of the keys its docs list; missing keys take the
    /// game's defaults, and `Null` means every default. The game checks
    /// them when the match starts; a replay records them with every
    /// default filled in.
    pub settings: Json,
}

impl MatchConfig {
    /// The defaults for `game`, on its default map.
    pub fn for_game(game: &dyn lockstep_game_api::GameDef) -> MatchConfig {
        MatchConfig {
            game: game.name().to_string(),
            map: game.default_map().to_string(),
            ..MatchConfig::default()
        }
    }

    /// The most ticks a match with this config can last (the game's
    /// [`max_ticks`](lockstep_game_api::Game::max_ticks)), or `u32::MAX` for
    /// an unknown game or settings it refuses: an upper bound either way,
    /// since a fair-share charge made from it must never be too small.
    pub fn max_ticks(&self) -> u32 {
        crate::games::find(&self.game)
            .ok()
            .and_then(|game| game.max_ticks(&self.settings.0).ok())
            .unwrap_or(u32::MAX)
    }

    /// Sets the game's `max_ticks` setting (every bundled game has one).
    pub fn with_max_ticks(mut self, max_ticks: u32) -> MatchConfig {
        self.settings.set("max_ticks", max_ticks);
        self
    }
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            game: crate::games::DEFAULT_GAME.to_string(),
            map: "duel".to_string(),
            seed: 0,
            tick_fuel: 20_000_000,
            init_fuel: 200_000_000,
            bucket_cap: 0,
            threads: 1,
            overrun: OverrunPolicy::Skip,
            settings: Json::default(),
        }
    }
}

fn one_thread() -> usize {
    1
}
