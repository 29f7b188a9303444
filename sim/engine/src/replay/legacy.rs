//! Replays of formats 1 to 3, written before the engine hosted more than one
//! game: the reference game's settings, map rows and orders stood in the
//! records as its own types. They are read into this format's records here,
//! through frozen copies of those types' wire shape as engine 0.2 wrote them
//! (`SettingsV3`, `ActionV3`): the engine depends on no game's crate, and a
//! file's format never changes after it is written.
//!
//! Format 1 and 2 headers give the native stack's size where format 3 gives
//! `stack_units`; format 2 added the `exited` outcome (a string in
//! [`OutcomeRecord`], so nothing to convert).

use super::format::{
    InitRecord, OutcomeRecord, PlayerRecord, ReplayHeader, STATE_HASH_BYTES, SandboxLimits,
    Summary, TickRecord,
};
use crate::json::Json;
use crate::match_loop::{MatchConfig, OverrunPolicy};
use lockstep_game_api::RecordedMap;
use serde::{Deserialize, Serialize};

/// The reference game's settings (`GameConfig`, rules version 1) as formats
/// 1 to 3 hold them: the same fields in the same order, so the same postcard
/// bytes and the same JSON keys.
#[derive(Deserialize, Serialize)]
struct SettingsV3 {
    rules: RulesV3,
    max_ticks: u32,
    max_actions: u32,
}

#[derive(Deserialize, Serialize)]
struct RulesV3 {
    core_hp: u16,
    unit_hp: u16,
    unit_damage: u16,
    unit_cost: u32,
    start_energy: u32,
    core_income: u32,
    harvest_amount: u32,
    unit_vision2: u32,
    core_vision2: u32,
    max_units: u16,
}

/// One order of the reference game (`lockstep_sdk::Action`) as formats 1 to
/// 3 hold it. A unit id and a direction (an enum of four unit variants) are
/// both a postcard varint, so re-encoding gives the very bytes read: the
/// reference game's canonical bytes of the list.
#[derive(Deserialize, Serialize)]
enum ActionV3 {
    Spawn { dir: u32 },
    Move { unit: u32, dir: u32 },
    Attack { unit: u32, dir: u32 },
    Harvest { unit: u32, dir: u32 },
}

/// The reference game's name, which every older file played.
const GAME: &str = "cores";

#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
pub(super) struct HeaderV3<L> {
    engine_version: String,
    wasmtime_version: String,
    rules_version: u32,
    abi_version: u32,
    config: ConfigV3,
    sandbox: L,
    map: MapV3,
    players: Vec<PlayerV4>,
}

/// Formats 1 to 4: a player had no script runtime.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
pub(super) struct PlayerV4 {
    bot: String,
    module_hash: [u8; 32],
    encoding: String,
}

impl From<PlayerV4> for PlayerRecord {
    fn from(old: PlayerV4) -> PlayerRecord {
        PlayerRecord {
            bot: old.bot,
            module_hash: old.module_hash,
            encoding: old.encoding,
            runtime: None,
        }
    }
}

/// Format 4: today's header, but for its players.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
pub(super) struct HeaderV4 {
    engine_version: String,
    wasmtime_version: String,
    rules_version: u32,
    abi_version: u32,
    config: MatchConfig,
    sandbox: SandboxLimits,
    map: RecordedMap,
    players: Vec<PlayerV4>,
}

impl HeaderV4 {
    pub(super) fn upgrade(self) -> ReplayHeader {
        ReplayHeader {
            engine_version: self.engine_version,
            wasmtime_version: self.wasmtime_version,
            rules_version: self.rules_version,
            abi_version: self.abi_version,
            config: self.config,
            sandbox: self.sandbox,
            map: self.map,
            players: self.players.into_iter().map(PlayerRecord::from).collect(),
        }
    }
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct ConfigV3 {
    map: String,
    seed: u64,
    tick_fuel: u64,
    init_fuel: u64,
    bucket_cap: u64,
    overrun: OverrunPolicy,
    game: SettingsV3,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct MapV3 {
    name: String,
    rows: Vec<String>,
}

/// Formats 1 and 2: the native stack in bytes.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
pub(super) struct LimitsV2 {
    memory_limit: u64,
    table_limit: u64,
    _max_wasm_stack: u64,
    max_output_bytes: u32,
    max_log_lines: u32,
    max_log_line_bytes: u32,
}

impl From<LimitsV2> for SandboxLimits {
    /// `stack_units` 0: there was no deterministic stack limit (such a file
    /// is refused by `verify` anyway: it names an older engine).
    fn from(old: LimitsV2) -> SandboxLimits {
        SandboxLimits {
            memory_limit: old.memory_limit,
            table_limit: old.table_limit,
            stack_units: 0,
            max_output_bytes: old.max_output_bytes,
            max_log_lines: old.max_log_lines,
            max_log_line_bytes: old.max_log_line_bytes,
        }
    }
}

impl<L: Into<SandboxLimits>> HeaderV3<L> {
    pub(super) fn upgrade(self) -> ReplayHeader {
        let old = self.config;
        ReplayHeader {
            engine_version: self.engine_version,
            wasmtime_version: self.wasmtime_version,
            rules_version: self.rules_version,
            abi_version: self.abi_version,
            config: MatchConfig {
                game: GAME.to_string(),
                map: old.map,
                seed: old.seed,
                tick_fuel: old.tick_fuel,
                init_fuel: old.init_fuel,
                bucket_cap: old.bucket_cap,
                threads: 1,
                overrun: old.overrun,
                settings: Json(serde_json::to_value(&old.game).unwrap_or_default()),
            },
            sandbox: self.sandbox.into(),
            map: RecordedMap {
                name: self.map.name,
                data: self.map.rows.join("\n"),
            },
            players: self.players.into_iter().map(PlayerRecord::from).collect(),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct TickV3 {
    tick: u32,
    inits: Vec<InitRecord>,
    bots: Vec<BotV3>,
    state_hash: [u8; STATE_HASH_BYTES],
}

#[derive(Deserialize)]
struct BotV3 {
    seat: u8,
    budget: u64,
    fuel: u64,
    outcome: OutcomeRecord,
    actions: Vec<ActionV3>,
    logs: Vec<String>,
    logs_dropped: u32,
}

impl TickV3 {
    /// The orders become their canonical bytes: the postcard of the list.
    pub(super) fn upgrade(self) -> TickRecord {
        TickRecord {
            tick: self.tick,
            inits: self.inits,
            bots: self
                .bots
                .into_iter()
                .map(|b| super::format::BotRecord {
                    seat: b.seat,
                    budget: b.budget,
                    fuel: b.fuel,
                    outcome: b.outcome,
                    actions: postcard::to_allocvec(&b.actions).unwrap_or_default(),
                    logs: b.logs,
                    logs_dropped: b.logs_dropped,
                })
                .collect(),
            state_hash: self.state_hash,
        }
    }
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
pub(super) struct SummaryV3 {
    ticks: u32,
    winner: Option<u8>,
    final_hash: [u8; 32],
    scores: Vec<ScoreV3>,
    replay_hash: [u8; 32],
}

/// The reference game's score, as `DynGame::scores` gives it today.
#[derive(Deserialize, Serialize)]
struct ScoreV3 {
    alive: bool,
    eliminated_at: Option<u32>,
    core_hp: u16,
    units: u32,
    energy: u32,
}

impl SummaryV3 {
    pub(super) fn upgrade(self) -> Summary {
        Summary {
            ticks: self.ticks,
            winner: self.winner,
            ranking: Vec::new(),
            final_hash: self.final_hash,
            scores: (self.scores.iter())
                .map(|s| Json(serde_json::to_value(s).unwrap_or_default()))
                .collect(),
            replay_hash: self.replay_hash,
        }
    }
}

#[cfg(test)]
#[path = "legacy_tests.rs"]
mod tests;
