//! Writing a replay while the match is played.

use super::format::{
    PlayerRecord, ReplayHeader, RuntimeRecord, SandboxLimits, Summary, TickRecord,
};
use super::frame::{FrameKind, FrameWriter};
use super::recorder::TickRecorder;
use super::{ENGINE_VERSION, WASMTIME_VERSION};
use crate::json::Json;
use crate::match_loop::{BotTick, Entrant, Match, MatchConfig, MatchError, MatchObserver};
use crate::match_loop::{MatchResult, StateHash};
use crate::sandbox::{CallReport, Sandbox};
use std::io::{self, Write};

/// Writes each tick as it ends: memory stays flat however long the match.
/// I/O errors cannot stop the match from inside an observer; the first one is
/// kept and returned by [`Self::finish`].
pub struct ReplayWriter<W: Write> {
    frames: FrameWriter<W>,
    recorder: TickRecorder,
    ticks: u32,
    error: Option<io::Error>,
}

impl ReplayHeader {
    /// The header of `game` (a match set up, not yet played) in `sandbox`:
    /// the map as the game resolved it and its settings with every default.
    pub fn new(game: &Match<'_>, sandbox: &Sandbox, entrants: &[Entrant]) -> ReplayHeader {
        let played = game.game();
        let mut config = game.config().clone();
        config.settings = Json(played.settings());
        ReplayHeader {
            engine_version: ENGINE_VERSION.to_string(),
            wasmtime_version: WASMTIME_VERSION.to_string(),
            rules_version: played.rules_version(),
            abi_version: lockstep_game_api::ABI_VERSION.into(),
            config,
            sandbox: SandboxLimits::of(sandbox.config()),
            map: played.recorded_map(),
            players: entrants
                .iter()
                .map(|e| PlayerRecord {
                    bot: e.name.clone(),
                    module_hash: e.module.hash.0,
                    encoding: e.module.encoding.to_string(),
                    runtime: RuntimeRecord::of(&e.module),
                })
                .collect(),
        }
    }
}

impl<W: Write> ReplayWriter<W> {
    pub fn new(inner: W, header: &ReplayHeader) -> io::Result<ReplayWriter<W>> {
        let mut frames = FrameWriter::new(inner)?;
        frames.write(FrameKind::Header, header)?;
        Ok(ReplayWriter {
            frames,
            recorder: TickRecorder::default(),
            ticks: 0,
            error: None,
        })
    }

    /// Writes one tick frame (the observer does this by itself).
    pub fn write_tick(&mut self, record: &TickRecord) -> io::Result<()> {
        self.frames.write(FrameKind::Tick, record)?;
        self.ticks = record.tick + 1;
        Ok(())
    }

    /// Writes the summary and flushes. Returns the writer and the replay hash.
    pub fn finish(mut self, result: &MatchResult) -> io::Result<(W, [u8; 32])> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let replay_hash = self.frames.hash();
        let summary = Summary {
            ticks: self.ticks,
            winner: result.winner.map(|w| w as u8),
            ranking: result.players.iter().map(|p| p.rank).collect(),
            final_hash: parse_hex(&result.final_hash).ok_or_else(|| {
                io::Error::other("the result's final hash is not 32 bytes of hex")
            })?,
            scores: result.players.iter().map(|p| p.score.clone()).collect(),
            replay_hash,
        };
        self.frames.write(FrameKind::Summary, &summary)?;
        let mut inner = self.frames.into_inner();
        inner.flush()?;
        Ok((inner, replay_hash))
    }
}

pub(crate) fn parse_hex(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

impl<W: Write> MatchObserver for ReplayWriter<W> {
    fn bot_init(&mut self, tick: u32, seat: usize, report: &CallReport) {
        self.recorder.bot_init(tick, seat, report);
    }

    fn bot_tick(&mut self, call: &BotTick<'_>) {
        self.recorder.bot_tick(call);
    }

    fn tick_end(&mut self, tick: u32, state_hash: &StateHash<'_>) {
        self.recorder.tick_end(tick, state_hash);
        if let Some(record) = self.recorder.take()
            && self.error.is_none()
            && let Err(e) = self.write_tick(&record)
        {
            self.error = Some(e);
        }
    }
}

/// A recorded match could not be played or written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Match(#[from] MatchError),
    #[error("could not write the replay: {0}")]
    Io(#[from] io::Error),
}

/// Plays a match, writing its replay to `out` as it goes. Returns the result
/// and the replay hash (blake3 of the file before its summary frame), which is
/// the same for the same modules and config on any machine, with any
/// `config.threads`.
pub fn play_recorded<W: Write>(
    sandbox: &Sandbox,
    entrants: &[Entrant],
    config: &MatchConfig,
    out: W,
    observer: &mut dyn MatchObserver,
) -> Result<(MatchResult, [u8; 32]), RecordError> {
    let mut game = Match::new(sandbox, entrants, config)?;
    let header = ReplayHeader::new(&game, sandbox, entrants);
    let mut writer = ReplayWriter::new(out, &header)?;
    let mut both = Both(&mut writer, observer);
    while !game.is_over() {
        game.play_tick(&mut both)?;
    }
    let result = game.finish();
    let (_, hash) = writer.finish(&result)?;
    Ok((result, hash))
}

/// Two observers, told in turn.
pub(crate) struct Both<'a, 'b>(pub &'a mut dyn MatchObserver, pub &'b mut dyn MatchObserver);

impl MatchObserver for Both<'_, '_> {
    fn bot_init(&mut self, tick: u32, seat: usize, report: &CallReport) {
        self.0.bot_init(tick, seat, report);
        self.1.bot_init(tick, seat, report);
    }

    fn bot_tick(&mut self, call: &BotTick<'_>) {
        self.0.bot_tick(call);
        self.1.bot_tick(call);
    }

    fn tick_end(&mut self, tick: u32, state_hash: &StateHash<'_>) {
        self.0.tick_end(tick, state_hash);
        self.1.tick_end(tick, state_hash);
    }
}
