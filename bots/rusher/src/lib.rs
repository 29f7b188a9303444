//! # Rusher: the reference path-finding bot
//!
//! Strategy: no economy, all aggression. The core spawns a unit every tick it
//! can afford one, and every unit walks to the nearest living enemy core and
//! hits it. A unit next to an enemy core attacks the core; a unit next to an
//! enemy unit attacks the weakest one (so blockers and defenders get cleared);
//! otherwise it steps down a distance field towards the core.
//!
//! Per-tick work (this is the bot the sandbox is benchmarked with, natively and
//! in wasm, so the work is real): one weighted multi-source search per tick over
//! the whole map (Dial's bucket queue, up to 64x64 = 4096 cells), seeded from the
//! floor cells around the target core. Entering a cell costs 1, plus 3 if one of
//! our own units stands there (a soft obstacle: the swarm spreads over all sides
//! of the core instead of queueing in one corridor) or 4 for an enemy unit (it has
//! to be killed first). Units then move closest-first, so a column of units
//! follows its leader in the same tick without any two being sent into one cell.
//! The one concession to defence: when enemy units stand at our door (two
//! steps from the core or closer), units still near home turn back for them.
//! A unit whose move collided last tick (from `obs.rejected`) with an enemy
//! wanting the same cell holds and attacks that cell half the time instead of
//! bumping again (seeded from `MatchInfo::seed`).
//!
//! Pecking order of the example bots: `harvester` > `rusher` > `random-walker`.
//! The order was checked over many seeds in native arena runs on generated
//! maps and in `lockstep match` runs. The rusher streams units one by one into
//! a defended base, which the harvester's defenders and growing economy absorb.
//! Against the random walker, whose units wander off and leave its core bare,
//! the stream wins easily.

use lockstep_sdk::nav::{Grid, INF, Plan};
use lockstep_sdk::{Action, Bot, CoreInfo, MatchInfo, Observation, PlayerId, Pos, UnitId};

/// Extra cost of a cell one of our units stands on (soft obstacle).
const OWN_PENALTY: u32 = 3;
/// Extra cost of a cell an enemy unit stands on (it must die first).
const ENEMY_PENALTY: u32 = 4;
/// Enemy units this many steps from our core (or closer) are at the door.
const DOOR_STEPS: u32 = 2;
/// Our units this many steps from our core (or closer) answer them.
const GUARD_STEPS: u32 = 8;

pub struct Rusher {
    me: PlayerId,
    grid: Grid,
    core: Pos,
    unit_cost: u32,
    max_units: u16,
    /// Steps from the floor around our core.
    home: Vec<u32>,
    /// BFS field from enemy units at our door, when there are any.
    door: Vec<u32>,
    /// Enemy cores, nearest first by walking distance from our core.
    targets: Vec<CoreInfo>,
    field: Vec<u32>,
    buckets: Vec<Vec<u32>>,
    plan: Plan,
    rng: SplitMix64,
    /// (distance, id, index into obs.units) of our units, this tick.
    order: Vec<(u32, UnitId, usize)>,
}

impl Bot for Rusher {
    fn new(info: &MatchInfo) -> Self {
        let grid = Grid::new(info);
        let core = info.my_core();
        let mut home = Vec::new();
        grid.bfs_field(grid.floor_around(core).map(|(_, p)| p), &mut home);
        let walk = |c: &CoreInfo| {
            grid.floor_around(c.pos)
                .map(|(_, p)| home[grid.idx(p)])
                .min()
                .unwrap_or(INF)
        };
        let mut targets: Vec<(u32, CoreInfo)> = info
            .cores
            .iter()
            .filter(|c| c.owner != info.you)
            .map(|c| (walk(c), *c))
            .collect();
        targets.sort_by_key(|&(d, c)| (d, c.owner));
        if let Some((d, c)) = targets.first() {
            lockstep_sdk::log!(
                "rusher: player {} rushing core of player {} at ({}, {}), {} steps",
                info.you.0,
                c.owner.0,
                c.pos.x,
                c.pos.y,
                d
            );
        }
        Rusher {
            me: info.you,
            plan: Plan::new(info.you, &grid),
            grid,
            core,
            unit_cost: info.rules.unit_cost,
            max_units: info.rules.max_units,
            targets: targets.into_iter().map(|(_, c)| c).collect(),
            home,
            door: Vec::new(),
            field: Vec::new(),
            buckets: Vec::new(),
            order: Vec::new(),
            rng: SplitMix64(info.seed),
        }
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        self.plan.begin(&self.grid, obs);
        let target = self
            .targets
            .iter()
            .find(|c| !obs.eliminated.contains(&c.owner))
            .map(|c| c.pos);
        match target {
            Some(t) => {
                // Own units are soft obstacles, enemy units a little harder.
                let (plan, me) = (&self.plan, self.me);
                let penalty = |cell| match plan.unit_at_cell(cell) {
                    None => 0,
                    Some(k) if obs.units[k].owner == me => OWN_PENALTY,
                    Some(_) => ENEMY_PENALTY,
                };
                let (field, buckets) = (&mut self.field, &mut self.buckets);
                self.grid
                    .weighted_field(t, ENEMY_PENALTY, penalty, field, buckets);
            }
            None => {
                self.field.clear();
                self.field.resize(self.grid.cell_count(), INF);
            }
        }

        let intruders: Vec<Pos> = obs
            .enemy_units(self.me)
            .map(|u| u.pos)
            .filter(|&p| self.grid.walkable(p) && self.home[self.grid.idx(p)] <= DOOR_STEPS)
            .collect();
        let defend = !intruders.is_empty();
        if defend {
            self.grid.bfs_field(intruders, &mut self.door);
        }

        self.order.clear();
        for (k, u) in obs.units.iter().enumerate() {
            if u.owner == self.me && self.grid.walkable(u.pos) {
                self.order.push((self.field[self.grid.idx(u.pos)], u.id, k));
            }
        }
        self.order.sort_unstable();
        for n in 0..self.order.len() {
            let (_, id, k) = self.order[n];
            self.act(obs, id, obs.units[k].pos, defend);
        }
        self.spawn(obs);
        core::mem::take(&mut self.plan.actions)
    }
}

impl Rusher {
    fn act(&mut self, obs: &Observation, unit: UnitId, pos: Pos, defend: bool) {
        let (g, plan) = (&self.grid, &mut self.plan);
        if let Some(dir) = plan.enemy_core_next_to(obs, pos) {
            return plan.order_stay(Action::Attack { unit, dir });
        }
        if let Some(dir) = plan.weakest_enemy_next_to(g, obs, pos) {
            return plan.order_stay(Action::Attack { unit, dir });
        }
        if defend && self.home[g.idx(pos)] <= GUARD_STEPS {
            // Enemies at our door: units still near home turn back for them.
            let here = self.door[g.idx(pos)];
            let best = g
                .neighbours(pos)
                .filter(|&(_, n)| plan.can_enter(g, n))
                .map(|(d, n)| (self.door[g.idx(n)], d))
                .min();
            if let Some((_, dir)) = best.filter(|&(v, _)| v < here) {
                plan.order_move(g, unit, pos, dir);
            }
            return;
        }
        let here = self.field[g.idx(pos)];
        if here == INF {
            return;
        }
        // Our own cell carries our own penalty; a step must beat the true cost.
        let base = here.saturating_sub(OWN_PENALTY);
        let mut best = None;
        for (dir, n) in g.neighbours(pos) {
            if !plan.can_enter(g, n) {
                continue;
            }
            let mut v = self.field[g.idx(n)];
            if plan.unit_at(g, n).is_some() {
                // One of ours is leaving it this tick: no longer an obstacle.
                v = v.saturating_sub(OWN_PENALTY);
            }
            if v < base && best.is_none_or(|(b, _)| v < b) {
                best = Some((v, dir));
            }
        }
        if let Some((_, dir)) = best {
            // Lost this very contest last tick? Half the time, hold and hit the
            // cell instead (random, so two rushers cannot lock each other up).
            if plan.contested(g, obs, unit, pos, dir) && self.rng.next_u64() & 1 == 0 {
                plan.order_ambush(g, unit, pos, dir);
            } else {
                plan.order_move(g, unit, pos, dir);
            }
        }
    }

    fn spawn(&mut self, obs: &Observation) {
        let mine = obs.my_units(self.me).count();
        if obs.energy < self.unit_cost || mine >= self.max_units as usize {
            return;
        }
        let (g, plan) = (&self.grid, &self.plan);
        let best = |free: &dyn Fn(Pos) -> bool| {
            g.floor_around(self.core)
                .filter(|&(_, p)| free(p))
                .min_by_key(|&(_, p)| self.field[g.idx(p)])
                .map(|(d, _)| d)
        };
        // Prefer a cell that is empty now and no enemy can step into; else any
        // empty one; else one our own unit is leaving.
        let dir = best(&|p| plan.is_free(g, p) && !plan.enemy_next_to(g, obs, p))
            .or_else(|| best(&|p| plan.is_free(g, p)))
            .or_else(|| best(&|p| plan.can_enter(g, p)));
        if let Some(dir) = dir {
            self.plan.order_spawn(&self.grid, self.core, dir);
        }
    }
}

/// splitmix64, seeded from `MatchInfo::seed`: the only randomness, for
/// breaking ties between two units that keep wanting the same cell.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

lockstep_sdk::export_bot!(Rusher);

#[cfg(test)]
mod tests;
