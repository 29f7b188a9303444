//! Turns a match's observer events into [`TickRecord`]s: shared by the writer
//! (which stores them) and `verify` (which compares them).

use super::format::{BotRecord, InitRecord, STATE_HASH_BYTES, TickRecord};
use crate::match_loop::{BotTick, MatchObserver, StateHash};
use crate::sandbox::CallReport;

/// Collects the current tick's events; [`Self::take`] hands over each tick
/// once it has ended.
#[derive(Default)]
pub struct TickRecorder {
    current: TickRecord,
    done: Option<TickRecord>,
}

impl TickRecorder {
    /// The last ended tick, if not taken yet.
    pub fn take(&mut self) -> Option<TickRecord> {
        self.done.take()
    }
}

impl MatchObserver for TickRecorder {
    fn bot_init(&mut self, tick: u32, seat: usize, report: &CallReport) {
        self.current.tick = tick;
        self.current.inits.push(InitRecord::new(seat, report));
    }

    fn bot_tick(&mut self, call: &BotTick<'_>) {
        self.current.tick = call.tick;
        self.current.bots.push(BotRecord::new(call));
    }

    fn tick_end(&mut self, tick: u32, state_hash: &StateHash<'_>) {
        let mut record = std::mem::take(&mut self.current);
        record.tick = tick;
        record
            .state_hash
            .copy_from_slice(&state_hash.get()[..STATE_HASH_BYTES]);
        self.done = Some(record);
    }
}
