//! `verify`: play the recorded match again with the same modules, and compare
//! every tick with the recording.

use super::format::{BotRecord, InitRecord, ReplayHeader, SandboxLimits, Summary, TickRecord};
use super::reader::ReplayReader;
use super::recorder::TickRecorder;
use super::{ENGINE_VERSION, ReplayError, WASMTIME_VERSION};
use crate::match_loop::{Entrant, Match, MatchError, MatchResult};
use crate::sandbox::{CompiledCache, ModuleHash, Sandbox, SandboxConfig};
use lockstep_game_api::GameDef;
use std::io::Read;

/// The first difference between the recording and the match played again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    pub tick: u32,
    /// What differs, with both values.
    pub what: String,
}

#[derive(Clone, Debug)]
pub struct VerifyReport {
    /// Ticks that matched the recording exactly.
    pub ticks_matched: u32,
    /// `None` when every tick and the summary matched.
    pub divergence: Option<Divergence>,
    /// The replay's summary (when the whole file was read).
    pub summary: Option<Summary>,
    /// The match as played again.
    pub result: MatchResult,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(
        "it was recorded with {what} {recorded}, but this lockstep has {ours}, so it cannot be \
         re-run exactly here; verify it with lockstep {engine_hint}"
    )]
    Incompatible {
        what: &'static str,
        recorded: String,
        ours: String,
        engine_hint: String,
    },
    #[error(
        "seat {seat} ({bot}): no module with hash {hash} was found; pass the folder of the \
         bot's .wasm, .js or .py file with --bots DIR"
    )]
    MissingModule {
        seat: usize,
        bot: String,
        hash: String,
    },
    #[error("seat {seat} ({bot}): the module no longer loads: {error}")]
    Module {
        seat: usize,
        bot: String,
        error: String,
    },
    #[error("could not start the sandbox: {0}")]
    Sandbox(String),
    #[error(transparent)]
    Match(#[from] MatchError),
}

/// Refuses a replay made by another engine, wasmtime, rules or ABI version:
/// fuel counts and rules may differ there, so a re-run proves nothing.
pub fn check_compatible(header: &ReplayHeader) -> Result<(), VerifyError> {
    let hint = format!(
        "{} (wasmtime {})",
        header.engine_version, header.wasmtime_version
    );
    let game = crate::games::find(&header.config.game).map_err(MatchError::from)?;
    let checks: [(&'static str, String, String); 4] = [
        (
            "rules version",
            header.rules_version.to_string(),
            game.rules_version().to_string(),
        ),
        (
            "ABI version",
            header.abi_version.to_string(),
            lockstep_game_api::ABI_VERSION.to_string(),
        ),
        (
            "engine version",
            header.engine_version.clone(),
            ENGINE_VERSION.to_string(),
        ),
        (
            "wasmtime",
            header.wasmtime_version.clone(),
            WASMTIME_VERSION.to_string(),
        ),
    ];
    for (what, recorded, ours) in checks {
        if recorded != ours {
            return Err(VerifyError::Incompatible {
                what,
                recorded,
                ours,
                engine_hint: hint,
            });
        }
    }
    for recorded in header.players.iter().filter_map(|p| p.runtime.as_ref()) {
        let runtime = crate::sandbox::script::by_language(&recorded.language);
        let ours = runtime.and_then(|r| r.hash());
        if ours.map(|h| h.0) != Some(recorded.hash) {
            let short = |hash: &[u8; 32]| ModuleHash(*hash).to_hex()[..16].to_string();
            return Err(VerifyError::Incompatible {
                what: "script runtime",
                recorded: format!(
                    "{} {} ({})",
                    recorded.language,
                    recorded.interpreter,
                    short(&recorded.hash)
                ),
                ours: match (runtime, ours) {
                    (Some(r), Some(h)) => format!("{} ({})", r.interpreter, short(&h.0)),
                    (Some(_), None) => "none (built without it)".to_string(),
                    (None, _) => "no runtime for that language".to_string(),
                },
                engine_hint: hint,
            });
        }
    }
    Ok(())
}

/// Plays the recorded match again and compares it tick by tick, in a new
/// sandbox with the recorded limits. `find_module` returns the bytes of a
/// module with the given blake3 hash. `threads` does not change the match; it
/// is here to prove exactly that.
pub fn verify<R: Read>(
    reader: ReplayReader<R>,
    find_module: &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
    threads: usize,
) -> Result<VerifyReport, VerifyError> {
    check_compatible(reader.header())?;
    let config = sandbox_config_for(reader.header(), CompiledCache::default());
    let sandbox = Sandbox::new(config).map_err(VerifyError::Sandbox)?;
    verify_in(&sandbox, reader, find_module, threads)
}

/// The sandbox a replay is verified in: its recorded limits, its init
/// budget for the modules' start-up checks, and `compiled_cache`, which
/// only says where compiled code is kept, never what it does.
pub fn sandbox_config_for(header: &ReplayHeader, compiled_cache: CompiledCache) -> SandboxConfig {
    SandboxConfig {
        start_fuel: header.config.init_fuel,
        compiled_cache,
        ..header.sandbox.to_config()
    }
}

/// [`verify`] in an existing sandbox (its compiled-module cache is reused),
/// which must have the recorded limits.
pub fn verify_in<R: Read>(
    sandbox: &Sandbox,
    mut reader: ReplayReader<R>,
    find_module: &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
    threads: usize,
) -> Result<VerifyReport, VerifyError> {
    let header = reader.header().clone();
    check_compatible(&header)?;
    let ours = SandboxLimits::of(sandbox.config());
    if ours != header.sandbox {
        return Err(VerifyError::Sandbox(format!(
            "the replay was recorded under sandbox limits {:?}, this sandbox has {ours:?}",
            header.sandbox
        )));
    }
    let mut entrants = Vec::new();
    for (seat, player) in header.players.iter().enumerate() {
        let hash = ModuleHash(player.module_hash);
        let bytes = find_module(&player.module_hash).ok_or_else(|| VerifyError::MissingModule {
            seat,
            bot: player.bot.clone(),
            hash: hash.to_hex(),
        })?;
        let module = sandbox.load(&bytes).map_err(|e| VerifyError::Module {
            seat,
            bot: player.bot.clone(),
            error: e.to_string(),
        })?;
        entrants.push(Entrant {
            name: player.bot.clone(),
            module,
        });
    }
    let mut config = header.config.clone();
    config.threads = threads.max(1);
    let mut game = Match::on_recorded_map(sandbox, &entrants, &config, &header.map)?;
    let def = crate::games::find(&header.config.game).map_err(MatchError::from)?;
    let mut recorder = TickRecorder::default();
    let mut matched = 0;
    let mut divergence = None;
    while !game.is_over() {
        game.play_tick(&mut recorder)?;
        let replayed = recorder.take().unwrap_or_default();
        let Some(recorded) = reader.next_tick()? else {
            divergence = Some(Divergence {
                tick: replayed.tick,
                what: format!(
                    "the recording ends after {} ticks, but the match goes on",
                    matched
                ),
            });
            break;
        };
        if let Some(what) = diff_tick(def, &header, &recorded, &replayed) {
            divergence = Some(Divergence {
                tick: recorded.tick,
                what,
            });
            break;
        }
        matched += 1;
    }
    let result = game.finish();
    if divergence.is_none() {
        if let Some(extra) = reader.next_tick()? {
            divergence = Some(Divergence {
                tick: extra.tick,
                what: format!(
                    "the match ends after {} ticks, but the recording goes on",
                    result.ticks
                ),
            });
        } else if let Some(summary) = reader.summary() {
            divergence = diff_summary(summary, &result);
        }
    }
    Ok(VerifyReport {
        ticks_matched: matched,
        divergence,
        summary: reader.summary().cloned(),
        result,
    })
}

fn diff_summary(summary: &Summary, result: &MatchResult) -> Option<Divergence> {
    let tick = result.ticks.saturating_sub(1);
    let ours = super::writer::parse_hex(&result.final_hash).unwrap_or_default();
    if summary.final_hash != ours {
        return Some(Divergence {
            tick,
            what: format!(
                "the final state hash differs: recorded {}, now {}",
                ModuleHash(summary.final_hash).to_hex(),
                result.final_hash
            ),
        });
    }
    let winner = result.winner.map(|w| w as u8);
    (summary.winner != winner).then(|| Divergence {
        tick,
        what: format!(
            "the winner differs: recorded {:?}, now {:?}",
            summary.winner, winner
        ),
    })
}

/// The first difference between two records of the same tick, in words.
pub(crate) fn diff_tick(
    def: &dyn GameDef,
    header: &ReplayHeader,
    recorded: &TickRecord,
    replayed: &TickRecord,
) -> Option<String> {
    let who = |seat: u8| {
        let bot = header
            .players
            .get(seat as usize)
            .map_or("?", |p| p.bot.as_str());
        format!("seat {seat} ({bot})")
    };
    if let Some(what) = diff_inits(&recorded.inits, &replayed.inits, &who) {
        return Some(what);
    }
    let seats = |r: &TickRecord| r.bots.iter().map(|b| b.seat).collect::<Vec<_>>();
    if seats(recorded) != seats(replayed) {
        return Some(format!(
            "different bots were called: recorded seats {:?}, now {:?}",
            seats(recorded),
            seats(replayed)
        ));
    }
    for (a, b) in recorded.bots.iter().zip(&replayed.bots) {
        if let Some(what) = diff_bot(def, a, b) {
            return Some(format!("{}: {what}", who(a.seat)));
        }
    }
    (recorded.state_hash != replayed.state_hash).then(|| {
        format!(
            "the world state hash differs (recorded {}, now {}) although every bot did the same",
            hex(&recorded.state_hash),
            hex(&replayed.state_hash)
        )
    })
}

fn diff_inits(
    recorded: &[InitRecord],
    replayed: &[InitRecord],
    who: &dyn Fn(u8) -> String,
) -> Option<String> {
    let seats = |r: &[InitRecord]| r.iter().map(|i| i.seat).collect::<Vec<_>>();
    if seats(recorded) != seats(replayed) {
        return Some(format!(
            "different bots were (re)started: recorded seats {:?}, now {:?}",
            seats(recorded),
            seats(replayed)
        ));
    }
    for (a, b) in recorded.iter().zip(replayed) {
        let what = if a.outcome != b.outcome {
            format!(
                "init outcome differs: recorded {}, now {}",
                a.outcome, b.outcome
            )
        } else if a.fuel != b.fuel {
            format!(
                "init fuel used differs: recorded {}, now {}",
                a.fuel, b.fuel
            )
        } else if a.logs != b.logs || a.logs_dropped != b.logs_dropped {
            "init log lines differ".to_string()
        } else {
            continue;
        };
        return Some(format!("{}: {what}", who(a.seat)));
    }
    None
}

fn diff_bot(def: &dyn GameDef, a: &BotRecord, b: &BotRecord) -> Option<String> {
    if a.budget != b.budget {
        return Some(format!(
            "budget differs: recorded {}, now {}",
            a.budget, b.budget
        ));
    }
    if a.outcome != b.outcome {
        return Some(format!(
            "outcome differs: recorded {}, now {}",
            a.outcome, b.outcome
        ));
    }
    if a.fuel != b.fuel {
        return Some(format!(
            "fuel used differs: recorded {}, now {}",
            a.fuel, b.fuel
        ));
    }
    if a.actions != b.actions {
        let words = |bytes: &[u8]| def.describe_actions(bytes).unwrap_or_default();
        let (recorded, now) = (words(&a.actions), words(&b.actions));
        let at = (recorded.iter().zip(&now))
            .position(|(x, y)| x != y)
            .unwrap_or(recorded.len().min(now.len()));
        return Some(format!(
            "orders differ from order #{at}: recorded {:?}, now {:?} ({} vs {} orders)",
            recorded.get(at),
            now.get(at),
            recorded.len(),
            now.len()
        ));
    }
    if a.logs != b.logs || a.logs_dropped != b.logs_dropped {
        let at = (a.logs.iter().zip(&b.logs))
            .position(|(x, y)| x != y)
            .unwrap_or(a.logs.len().min(b.logs.len()));
        return Some(format!(
            "log line #{at} differs: recorded {:?}, now {:?}",
            a.logs.get(at),
            b.logs.get(at)
        ));
    }
    None
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
