//! # Hostile on purpose: panics
//!
//! A test fixture for the sandbox, not a player. It plays like `idle` for
//! ticks 0 and 1; from tick 2 on, `tick` panics. Bots are built with
//! `panic = "abort"`, so in wasm the panic is an `unreachable` trap: the host
//! must record it in this bot's report and carry on with the match.

use lockstep_sdk::{Action, Bot, MatchInfo, Observation};

/// The tick from which `tick` panics.
pub const PANIC_FROM_TICK: u32 = 2;

pub struct HostilePanic;

impl Bot for HostilePanic {
    fn new(_info: &MatchInfo) -> Self {
        HostilePanic
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        if obs.tick >= PANIC_FROM_TICK {
            panic!("hostile-panic: panicking on purpose at tick {}", obs.tick);
        }
        Vec::new()
    }
}

lockstep_sdk::export_bot!(HostilePanic);

#[cfg(test)]
mod tests {
    use super::*;

    fn bot() -> HostilePanic {
        HostilePanic
    }

    #[test]
    fn behaves_before_tick_2() {
        let mut b = bot();
        for tick in 0..PANIC_FROM_TICK {
            assert!(
                b.tick(&Observation {
                    tick,
                    ..Observation::default()
                })
                .is_empty()
            );
        }
    }

    #[test]
    #[should_panic(expected = "on purpose")]
    fn panics_from_tick_2() {
        bot().tick(&Observation {
            tick: PANIC_FROM_TICK,
            ..Observation::default()
        });
    }
}
