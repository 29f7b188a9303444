//! # Random walker: the weakest honest bot
//!
//! Strategy: none, on purpose. The core spawns a unit whenever it can afford
//! one, onto a random free cell next to it. Each unit hits an adjacent enemy
//! core or unit if there is one; otherwise it wanders: it keeps its heading most
//! of the time, sometimes turns or pauses, and never walks into a wall or into a
//! cell another of our units holds or is heading for.
//!
//! All randomness comes from a splitmix64 stream seeded from `MatchInfo::seed`,
//! so the same seed gives the same play and different seeds give different
//! play (a native test checks both).
//!
//! Pecking order of the example bots: `harvester` > `rusher` > `random-walker`.
//! This bot is the floor: both real strategies must beat it clearly over many
//! seeds, because its units drift away and its core is left undefended, and it
//! never harvests.

use lockstep_sdk::nav::{Grid, Plan};
use lockstep_sdk::{Action, Bot, Direction, MatchInfo, Observation, PlayerId, Pos, UnitId};

/// splitmix64: tiny, fast, and good enough for wandering.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * n as u64) >> 32) as u32
    }
}

/// Chance, in percent, that a unit keeps its heading when it can.
const KEEP_HEADING: u32 = 70;
/// Chance, in percent, that a unit stands still this tick.
const PAUSE: u32 = 10;

pub struct RandomWalker {
    me: PlayerId,
    grid: Grid,
    core: Pos,
    unit_cost: u32,
    max_units: u16,
    rng: SplitMix64,
    /// Each live unit's current heading, by id.
    headings: Vec<(UnitId, Direction)>,
    plan: Plan,
}

impl Bot for RandomWalker {
    fn new(info: &MatchInfo) -> Self {
        lockstep_sdk::log!(
            "random-walker: player {}, seed {:#x}",
            info.you.0,
            info.seed
        );
        let grid = Grid::new(info);
        RandomWalker {
            me: info.you,
            plan: Plan::new(info.you, &grid),
            grid,
            core: info.my_core(),
            unit_cost: info.rules.unit_cost,
            max_units: info.rules.max_units,
            rng: SplitMix64::new(info.seed),
            headings: Vec::new(),
        }
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        self.plan.begin(&self.grid, obs);
        let old = core::mem::take(&mut self.headings);
        let me = self.me;
        let mut mine = 0;
        for u in obs.units.iter().filter(|u| u.owner == me) {
            mine += 1;
            if !self.grid.walkable(u.pos) {
                continue;
            }
            let heading = old.iter().find(|(id, _)| *id == u.id).map(|&(_, d)| d);
            if let Some(d) = self.act(obs, u.id, u.pos, heading) {
                self.headings.push((u.id, d));
            }
        }
        if obs.energy >= self.unit_cost && mine < self.max_units as usize {
            let free: Vec<Direction> = self
                .grid
                .floor_around(self.core)
                .filter(|&(_, p)| self.plan.is_free(&self.grid, p))
                .map(|(d, _)| d)
                .collect();
            if !free.is_empty() {
                let dir = free[self.rng.below(free.len() as u32) as usize];
                self.plan.order_spawn(&self.grid, self.core, dir);
            }
        }
        core::mem::take(&mut self.plan.actions)
    }
}

impl RandomWalker {
    /// Orders one unit; returns the heading it keeps.
    fn act(
        &mut self,
        obs: &Observation,
        unit: UnitId,
        pos: Pos,
        heading: Option<Direction>,
    ) -> Option<Direction> {
        let (g, plan) = (&self.grid, &mut self.plan);
        if let Some(dir) = plan.enemy_core_next_to(obs, pos) {
            plan.order_stay(Action::Attack { unit, dir });
            return heading;
        }
        if let Some(dir) = plan.weakest_enemy_next_to(g, obs, pos) {
            plan.order_stay(Action::Attack { unit, dir });
            return heading;
        }
        if self.rng.below(100) < PAUSE {
            return heading;
        }
        let open = |d: Direction| g.step(pos, d).is_some_and(|n| plan.can_enter(g, n));
        let dir = match heading {
            Some(d) if open(d) && self.rng.below(100) < KEEP_HEADING => Some(d),
            _ => {
                let choices: Vec<Direction> =
                    Direction::ALL.into_iter().filter(|&d| open(d)).collect();
                (!choices.is_empty())
                    .then(|| choices[self.rng.below(choices.len() as u32) as usize])
            }
        };
        match dir {
            Some(d) => {
                plan.order_move(g, unit, pos, d);
                Some(d)
            }
            None => heading,
        }
    }
}

lockstep_sdk::export_bot!(RandomWalker);

#[cfg(test)]
mod tests;
