//! Building messages by hand, to unit-test a bot natively: a `MatchInfo` from
//! map rows, and the views an `Observation` holds.
//!
//! ```
//! use lockstep_sdk::testing::{match_info, observation, unit};
//! use lockstep_sdk::{Bot, PlayerId};
//! let info = match_info(&["A.....", "......", ".....B"], PlayerId(0));
//! let obs = observation(0, 30, vec![unit(1, 0, 1, 0)], vec![]);
//! assert_eq!(info.cores.len(), 2);
//! assert_eq!(obs.units.len(), 1);
//! ```

use crate::types::*;
use alloc::string::ToString;
use alloc::vec::Vec;

/// A `MatchInfo` for the map `rows` (`#` `.` `*` `A`..`H`, as in map files),
/// with the v1 rules and generous limits. Sources and cores are read off the
/// rows; the player count is the number of cores; the seed is 7.
pub fn match_info(rows: &[&str], you: PlayerId) -> MatchInfo {
    let mut sources = Vec::new();
    let mut cores = Vec::new();
    for (y, row) in rows.iter().enumerate() {
        for (x, c) in row.bytes().enumerate() {
            let pos = Pos::new(x as u16, y as u16);
            match c {
                b'*' => sources.push(pos),
                b'A'..=b'H' => cores.push(CoreInfo {
                    owner: PlayerId(c - b'A'),
                    pos,
                }),
                _ => {}
            }
        }
    }
    cores.sort_by_key(|c| c.owner);
    MatchInfo {
        abi_version: crate::ABI_VERSION,
        you,
        players: cores.len() as u8,
        seed: 7,
        width: rows.first().map_or(0, |r| r.len()) as u16,
        height: rows.len() as u16,
        rows: rows.iter().map(|r| r.to_string()).collect(),
        sources,
        cores,
        rules: Rules::default(),
        limits: Limits {
            max_ticks: 500,
            init_fuel: 200_000_000,
            tick_fuel: 20_000_000,
            max_actions: 256,
            max_output_bytes: 64 << 10,
            max_log_lines: 16,
            max_log_line_bytes: 256,
            max_memory_bytes: 64 << 20,
        },
    }
}

/// A unit at full v1 health (10 hp).
pub fn unit(id: u32, owner: u8, x: u16, y: u16) -> UnitView {
    UnitView {
        id: UnitId(id),
        owner: PlayerId(owner),
        pos: Pos::new(x, y),
        hp: Rules::default().unit_hp,
    }
}

/// A core at full v1 health (200 hp).
pub fn core(owner: u8, x: u16, y: u16) -> CoreView {
    CoreView {
        owner: PlayerId(owner),
        pos: Pos::new(x, y),
        hp: Rules::default().core_hp,
    }
}

/// An observation with no rejections.
pub fn observation(
    tick: u32,
    energy: u32,
    units: Vec<UnitView>,
    cores: Vec<CoreView>,
) -> Observation {
    Observation {
        tick,
        energy,
        units,
        cores,
        rejected: Vec::new(),
        eliminated: Vec::new(),
    }
}
