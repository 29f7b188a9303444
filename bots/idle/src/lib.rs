//! The idle bot: decodes every observation and orders nothing.

use lockstep_sdk::{Action, Bot, MatchInfo, Observation};

pub struct Idle;

impl Bot for Idle {
    fn new(_info: &MatchInfo) -> Self {
        Idle
    }

    fn tick(&mut self, _obs: &Observation) -> Vec<Action> {
        Vec::new()
    }
}

lockstep_sdk::export_bot!(Idle);
