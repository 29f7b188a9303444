//! # Hostile on purpose: loops forever
//!
//! A test fixture for the sandbox, not a player. It plays like `idle` (no
//! orders) for ticks 0, 1 and 2; from tick 3 on, `tick` never returns. The loop
//! reads a volatile static every turn, so the optimiser cannot prove it has no
//! effect and delete it. In the sandbox the call runs until its fuel is gone;
//! what happens next is the admin's `skip` / `reset` / `resume` policy.
//! Never run it natively past tick 2.

use lockstep_sdk::{Action, Bot, MatchInfo, Observation};

/// The tick from which `tick` never returns.
pub const LOOP_FROM_TICK: u32 = 3;

static SPIN: u32 = 0;

pub struct HostileLoop;

impl Bot for HostileLoop {
    fn new(_info: &MatchInfo) -> Self {
        HostileLoop
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        if obs.tick >= LOOP_FROM_TICK {
            let mut turns = 0u64;
            // SAFETY: a plain read of a static; volatile so it cannot be elided.
            while unsafe { core::ptr::read_volatile(&SPIN) } == 0 {
                turns = core::hint::black_box(turns.wrapping_add(1));
            }
        }
        Vec::new()
    }
}

lockstep_sdk::export_bot!(HostileLoop);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_before_tick_3() {
        let info: MatchInfo = lockstep_sdk::decode(
            lockstep_sdk::Encoding::Json,
            br#"{"abi_version":1,"you":0,"players":2,"seed":0,"width":1,"height":1,"rows":["A"],"sources":[],"cores":[],"rules":{"core_hp":1,"unit_hp":1,"unit_damage":1,"unit_cost":1,"start_energy":0,"core_income":0,"harvest_amount":0,"unit_vision2":0,"core_vision2":0,"max_units":0},"limits":{"max_ticks":5,"init_fuel":1,"tick_fuel":1,"max_actions":1,"max_output_bytes":1,"max_log_lines":1,"max_log_line_bytes":1,"max_memory_bytes":1}}"#,
        )
        .unwrap();
        let mut bot = HostileLoop::new(&info);
        for tick in 0..LOOP_FROM_TICK {
            let obs = Observation {
                tick,
                ..Observation::default()
            };
            assert!(bot.tick(&obs).is_empty());
        }
    }
}
