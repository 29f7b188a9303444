//! Playing a match with its replay, tick by tick, so that it can stop
//! between two ticks: `lockstep_sim::replay::play_recorded` with a `stop`
//! check before each tick. The ladder's worker stops when the replay can no
//! longer be written (the disk is full: no use playing on), a recording of
//! a pruned replay when no client waits for it any more.
//!
//! Stopping never changes a match that is played to its end: the same
//! calls in the same order, so the same replay hash (a recording again is
//! served only if its hash is the first recording's).

use lockstep_sim::match_loop::{
    BotTick, Entrant, Match, MatchConfig, MatchError, MatchObserver, MatchResult, StateHash,
};
use lockstep_sim::replay::{RecordError, ReplayHeader, ReplayWriter};
use lockstep_sim::sandbox::{CallReport, Sandbox};
use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// Why a recording ended without a result.
#[derive(Debug)]
pub enum Ended {
    /// `stop` said so before the tick it names (ticks played so far).
    Stopped(u32),
    /// The match could not be played, or its replay not written.
    Failed(RecordError),
}

impl From<MatchError> for Ended {
    fn from(e: MatchError) -> Ended {
        Ended::Failed(e.into())
    }
}

impl From<io::Error> for Ended {
    fn from(e: io::Error) -> Ended {
        Ended::Failed(e.into())
    }
}

/// Plays `entrants` under `config` (its map and seed included), writing the
/// replay to `out` as each tick ends and telling `observer` too; before
/// each tick, `stop(tick)` may end it. Returns the result and the replay
/// hash, as `play_recorded` does.
pub fn record<W: Write>(
    sandbox: &Sandbox,
    entrants: &[Entrant],
    config: &MatchConfig,
    out: W,
    observer: &mut dyn MatchObserver,
    stop: &mut dyn FnMut(u32) -> bool,
) -> Result<(MatchResult, [u8; 32]), Ended> {
    let mut game = Match::new(sandbox, entrants, config)?;
    let header = ReplayHeader::new(&game, sandbox, entrants);
    let mut writer = ReplayWriter::new(out, &header)?;
    let mut tick = 0;
    while !game.is_over() {
        if stop(tick) {
            return Err(Ended::Stopped(tick));
        }
        game.play_tick(&mut Both(&mut writer, observer))?;
        tick += 1;
    }
    let result = game.finish();
    let (_, hash) = writer.finish(&result)?;
    Ok((result, hash))
}

/// Two observers, told in turn (the writer first, as `play_recorded` does).
struct Both<'a, 'b>(&'a mut dyn MatchObserver, &'b mut dyn MatchObserver);

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

/// A writer that keeps a copy of its first error where the match loop can
/// see it (the replay writer keeps its own until the match ends).
pub struct Watched<W> {
    inner: W,
    error: Arc<Mutex<Option<io::Error>>>,
}

impl<W> Watched<W> {
    /// `inner`, and where its first error will be.
    pub fn new(inner: W) -> (Watched<W>, Arc<Mutex<Option<io::Error>>>) {
        let error = Arc::new(Mutex::new(None));
        let watched = Watched {
            inner,
            error: error.clone(),
        };
        (watched, error)
    }

    pub fn into_inner(self) -> W {
        self.inner
    }

    fn note<T>(&self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result {
            let mut first = self.error.lock().unwrap_or_else(PoisonError::into_inner);
            if first.is_none() {
                *first = Some(io::Error::new(e.kind(), e.to_string()));
                if let Some(code) = e.raw_os_error() {
                    *first = Some(io::Error::from_raw_os_error(code));
                }
            }
        }
        result
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accepts `room` bytes, then fails as a full disk does.
    struct Full(usize);

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::from_raw_os_error(28));
            }
            let n = buf.len().min(self.0);
            self.0 -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_first_error_is_seen_and_kept() {
        let (mut out, error) = Watched::new(Full(3));
        assert!(out.write_all(b"ab").is_ok());
        assert!(error.lock().unwrap().is_none());
        assert!(out.write_all(b"cdef").is_err());
        assert!(out.write_all(b"g").is_err());
        let seen = error.lock().unwrap().take().unwrap();
        assert_eq!(seen.raw_os_error(), Some(28));
        assert_eq!(
            crate::storage::Fault::of_io(&seen),
            Some(crate::storage::Fault::OutOfSpace)
        );
    }
}
