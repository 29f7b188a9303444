//! What a replay holds: the records, as written (postcard) inside frames.
//! Files of formats 1 to 3 (the reference game only) are read through
//! `legacy.rs` into these same records.
//! `docs/replay.md` is the byte-level description; keep the two in step, and
//! bump `FORMAT_VERSION` for any change that an older reader would misread.

use crate::json::Json;
use crate::match_loop::{BotTick, MatchConfig};
use crate::sandbox::{CallReport, Outcome, SandboxConfig};
use lockstep_game_api::RecordedMap;
use serde::{Deserialize, Serialize};

/// Everything needed to play the match again: versions, the game and its
/// settings, the map as played, and who sat where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayHeader {
    /// `lockstep-sim`'s version: the match loop and sandbox that recorded it.
    pub engine_version: String,
    /// The wasmtime version: compiled code and fuel counts follow it.
    pub wasmtime_version: String,
    /// The game's rules version (`Game::RULES_VERSION` of `config.game`).
    pub rules_version: u32,
    /// The bot ABI the bots were called with.
    pub abi_version: u32,
    /// The match settings: the game's name, the map spec, seed, budgets,
    /// policy, and the game's settings with every default filled in.
    pub config: MatchConfig,
    /// The sandbox limits the bots ran under.
    pub sandbox: SandboxLimits,
    /// The map as played, so a replay does not depend on a file or generator.
    pub map: RecordedMap,
    pub players: Vec<PlayerRecord>,
}

/// The sandbox settings a bot can observe (the validator's upload limits and
/// the wall-clock watchdog are left out: they cannot change a finished game).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxLimits {
    pub memory_limit: u64,
    pub table_limit: u64,
    /// The deterministic stack limit, in units (`SandboxConfig::stack_units`);
    /// 0 in files of format 1 and 2, recorded under the native stack limit.
    pub stack_units: u32,
    pub max_output_bytes: u32,
    pub max_log_lines: u32,
    pub max_log_line_bytes: u32,
}

impl SandboxLimits {
    pub fn of(config: &SandboxConfig) -> SandboxLimits {
        SandboxLimits {
            memory_limit: config.memory_limit as u64,
            table_limit: config.table_limit as u64,
            stack_units: config.stack_units,
            max_output_bytes: config.max_output_bytes,
            max_log_lines: config.max_log_lines,
            max_log_line_bytes: config.max_log_line_bytes,
        }
    }

    /// A sandbox config with these limits and defaults for the rest.
    pub fn to_config(&self) -> SandboxConfig {
        SandboxConfig {
            memory_limit: self.memory_limit as usize,
            table_limit: self.table_limit as usize,
            stack_units: self.stack_units,
            max_output_bytes: self.max_output_bytes,
            max_log_lines: self.max_log_lines,
            max_log_line_bytes: self.max_log_line_bytes,
            ..SandboxConfig::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerRecord {
    /// The name the bot was entered under (a bundled name or a file name).
    pub bot: String,
    /// blake3 of the module's bytes: what `verify` looks for.
    pub module_hash: [u8; 32],
    /// "postcard" or "json".
    pub encoding: String,
    /// A script bot's runtime (format 5 on; `None` for a wasm module):
    /// `module_hash` is then the script bytes' hash, and `verify` needs
    /// this runtime too.
    pub runtime: Option<RuntimeRecord>,
}

/// The runtime a script bot ran on (`lockstep_sandbox::script`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeRecord {
    /// `javascript`.
    pub language: String,
    /// What interpreted the script, with its version: `QuickJS-ng 0.16.2`.
    pub interpreter: String,
    /// blake3 of the runtime's module.
    pub hash: [u8; 32],
}

impl RuntimeRecord {
    pub fn of(module: &crate::sandbox::BotModule) -> Option<RuntimeRecord> {
        let script = module.script.as_ref()?;
        Some(RuntimeRecord {
            language: script.runtime.language.to_string(),
            interpreter: script.runtime.interpreter.to_string(),
            hash: script.runtime_hash.0,
        })
    }
}

/// One tick: what each bot did and the world's hash after the step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickRecord {
    pub tick: u32,
    /// Instantiations and `lockstep_init` calls made before this tick's calls
    /// (tick 0, and the ticks after a `reset`).
    pub inits: Vec<InitRecord>,
    /// One per bot call this tick, in seat order; seats not called (out of
    /// the game, or without an instance) have none.
    pub bots: Vec<BotRecord>,
    /// The first [`STATE_HASH_BYTES`] bytes of `Game::state_hash` after the step.
    pub state_hash: [u8; STATE_HASH_BYTES],
}

/// Bytes of each tick's state hash kept: 128 bits find any divergence; the
/// whole 32-byte hash of the last tick is in the [`Summary`].
pub const STATE_HASH_BYTES: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitRecord {
    pub seat: u8,
    pub outcome: OutcomeRecord,
    pub fuel: u64,
    pub logs: Vec<String>,
    pub logs_dropped: u32,
}

impl InitRecord {
    pub fn new(seat: usize, report: &CallReport) -> InitRecord {
        InitRecord {
            seat: seat as u8,
            outcome: OutcomeRecord::of(&report.outcome),
            fuel: report.fuel_used,
            logs: report.logs.clone(),
            logs_dropped: report.logs_dropped,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotRecord {
    pub seat: u8,
    /// The fuel the call could spend this tick.
    pub budget: u64,
    pub fuel: u64,
    pub outcome: OutcomeRecord,
    /// The orders submitted to the game, as its canonical bytes (postcard
    /// of the list; an empty list unless the outcome is ok).
    pub actions: Vec<u8>,
    pub logs: Vec<String>,
    pub logs_dropped: u32,
}

impl BotRecord {
    pub fn new(call: &BotTick<'_>) -> BotRecord {
        BotRecord {
            seat: call.seat as u8,
            budget: call.budget,
            fuel: call.report.fuel_used,
            outcome: OutcomeRecord::of(call.outcome),
            actions: call.actions.canonical().to_vec(),
            logs: call.report.logs.clone(),
            logs_dropped: call.report.logs_dropped,
        }
    }
}

/// An [`Outcome`] as recorded: its kind, plus the detail as displayed (trap
/// kind, pointer values, ...). Compared whole by `verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeRecord {
    pub kind: String,
    pub detail: String,
}

impl OutcomeRecord {
    pub fn of(outcome: &Outcome) -> OutcomeRecord {
        let kind = serde_json::to_value(outcome)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str().map(str::to_string)))
            .unwrap_or_else(|| "unknown".to_string());
        let detail = if outcome.is_ok() {
            String::new()
        } else {
            outcome.to_string()
        };
        OutcomeRecord { kind, detail }
    }

    pub fn is_ok(&self) -> bool {
        self.kind == "ok"
    }
}

impl std::fmt::Display for OutcomeRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.detail.is_empty() {
            f.write_str(&self.kind)
        } else {
            f.write_str(&self.detail)
        }
    }
}

/// The last frame: how the match ended, and a hash of everything before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Ticks played.
    pub ticks: u32,
    /// The winner's seat; `None` on a draw.
    pub winner: Option<u8>,
    /// Each seat's place (0 first, ties share), by seat; empty in files of
    /// format 1 to 3, which recorded only the winner.
    pub ranking: Vec<u32>,
    /// The whole state hash at the end (the result's `final_hash`).
    pub final_hash: [u8; 32],
    /// Each seat's score as the game gives it, by seat.
    pub scores: Vec<Json>,
    /// blake3 of every byte of the file before this frame.
    pub replay_hash: [u8; 32],
}
