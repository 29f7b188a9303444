//! A replay file's bytes: read frame by frame, and the recorded orders
//! replayed through the game (as `replay show --tick` and `replay html` do).
//! Any bytes give ticks or a `ReplayError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lockstep_sim::replay::{ReplayReader, Resim};

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = ReplayReader::new(data) else { return };
    let mut resim = Resim::new(reader.header()).ok();
    while let Ok(Some(record)) = reader.next_tick() {
        if let Some(game) = resim.as_mut()
            && game.apply(&record).is_err()
        {
            resim = None;
        }
    }
});
