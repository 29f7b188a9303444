//! # Pack: a starter bot
//!
//! Strategy: units hunt together. Every unit does one of three jobs:
//!
//! - **miner** (the first [`MINERS`] units): walks to a floor cell next to an
//!   energy source near home and harvests there every tick, which doubles
//!   and then triples the core's income of 1 energy a tick.
//! - **pack** (the rest): waits a few steps out from the core, on the side
//!   facing the enemy, until [`PACK_SIZE`] units are waiting. Then they leave
//!   together and walk to the nearest enemy core, the leaders holding back
//!   until the rear catches up, so they arrive as one group and fight as one.
//!   Late in the match, or at the unit cap, they leave whatever their number.
//! - **everyone** hunts: a unit that sees an enemy unit within
//!   [`HUNT_STEPS`] steps goes for it, and a unit next to enemies hits the
//!   weakest of them (units before cores: a core does not hit back), so the
//!   pack wins its fights by numbers and kills wanderers on its way.
//!
//! The core spawns a unit whenever it can afford one.
//!
//! Everything is computed from `MatchInfo` once (walking distances from home
//! and to each enemy core, the cells to mine from) and from the `Observation`
//! each tick (where the enemies are). The SDK's `nav` helpers do the searches
//! (`Grid::bfs_field`) and keep our own orders from colliding (`Plan`).
//!
//! Change anything: `cargo test` checks the behaviour natively, and
//! `lockstep match <folder>.wasm random-walker` plays it for real.

use lockstep_sdk::nav::{Grid, INF, Plan};
use lockstep_sdk::{Action, Bot, MatchInfo, Observation, PlayerId, Pos, UnitId};

extern crate alloc;
use alloc::vec;
use alloc::vec::Vec;

/// Units that mine (the first ones spawned; replaced when they die).
const MINERS: usize = 2;
/// Miners only go to sources at most this many steps from the core.
const MINE_STEPS: u32 = 10;
/// Waiting pack units stand this many steps out from the core.
const WAIT_STEPS: u32 = 3;
/// Pack units waiting before the pack leaves.
const PACK_SIZE: usize = 6;
/// A marching unit waits for the pack unless half of it is this many steps
/// behind it or closer.
const SPREAD: u32 = 3;
/// A unit goes for an enemy unit this many steps away or closer.
const HUNT_STEPS: u32 = 4;
/// The pack leaves anyway when the tick limit is this close, beyond the walk.
const LATE_MARGIN: u32 = 40;

pub struct Pack {
    me: PlayerId,
    grid: Grid,
    core: Pos,
    unit_cost: u32,
    max_units: usize,
    max_ticks: u32,
    /// Steps from the floor around our core.
    home: Vec<u32>,
    /// Enemy cores, nearest first, each with the steps to the floor around it.
    targets: Vec<(PlayerId, Vec<u32>)>,
    /// Whether each cell is an energy source.
    source: Vec<bool>,
    /// Floor cells next to a source, near home and not cut cells (a miner
    /// standing there walls nothing off), nearest first.
    mine_cells: Vec<Pos>,
    /// Steps to the nearest cell where the pack waits, for the current
    /// target (its owner), computed when the target changes.
    wait: (Option<PlayerId>, Vec<u32>),
    /// Cut cells of the floor: a unit settling there would wall off the rest.
    cut: Vec<bool>,
    /// Miners and the cell each one mines from.
    miners: Vec<(UnitId, Pos)>,
    /// Pack units that have left home.
    marching: Vec<UnitId>,
    /// Steps to the nearest visible enemy unit, this tick.
    prey: Vec<u32>,
    plan: Plan,
}

impl Bot for Pack {
    fn new(info: &MatchInfo) -> Self {
        let grid = Grid::new(info);
        let core = info.my_core();
        let mut home = Vec::new();
        grid.bfs_field(grid.floor_around(core).map(|(_, p)| p), &mut home);
        let mut targets: Vec<(u32, PlayerId, Vec<u32>)> = info
            .cores
            .iter()
            .filter(|c| c.owner != info.you)
            .map(|c| {
                let mut field = Vec::new();
                grid.bfs_field(grid.floor_around(c.pos).map(|(_, p)| p), &mut field);
                let walk = grid
                    .floor_around(core)
                    .map(|(_, p)| field[grid.idx(p)])
                    .min()
                    .unwrap_or(INF);
                (walk, c.owner, field)
            })
            .collect();
        targets.sort_by_key(|(walk, owner, _)| (*walk, *owner));
        let cut = grid.cut_cells();
        let mut mine_cells: Vec<Pos> = Vec::new();
        for &source in &info.sources {
            for (_, p) in grid.floor_around(source) {
                let i = grid.idx(p);
                if home[i] <= MINE_STEPS && !cut[i] && !mine_cells.contains(&p) {
                    mine_cells.push(p);
                }
            }
        }
        mine_cells.sort_by_key(|&p| (home[grid.idx(p)], p.y, p.x));
        let mut source = vec![false; grid.cell_count()];
        for &p in &info.sources {
            source[grid.idx(p)] = true;
        }
        lockstep_sdk::log!(
            "pack: player {}, {} enemy cores, {} cells to mine from near home",
            info.you.0,
            targets.len(),
            mine_cells.len()
        );
        Pack {
            me: info.you,
            plan: Plan::new(info.you, &grid),
            core,
            unit_cost: info.rules.unit_cost,
            max_units: info.rules.max_units as usize,
            max_ticks: info.limits.max_ticks,
            home,
            targets: targets.into_iter().map(|(_, o, f)| (o, f)).collect(),
            mine_cells,
            source,
            wait: (None, Vec::new()),
            cut,
            miners: Vec::new(),
            marching: Vec::new(),
            prey: Vec::new(),
            grid,
        }
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        self.plan.begin(&self.grid, obs);
        // Forget the dead, and the targets already out of the match.
        let alive = |id: UnitId| obs.units.iter().any(|u| u.id == id);
        self.miners.retain(|&(id, _)| alive(id));
        self.marching.retain(|&id| alive(id));
        self.targets
            .retain(|(owner, _)| !obs.eliminated.contains(owner));
        self.update_wait();
        let me = self.me;
        let enemies: Vec<Pos> = obs.enemy_units(me).map(|u| u.pos).collect();
        self.grid.bfs_field(enemies, &mut self.prey);

        let mut mine: Vec<(u32, UnitId, Pos)> = obs
            .my_units(me)
            .filter(|u| self.grid.walkable(u.pos))
            .map(|u| (self.to_target(u.pos), u.id, u.pos))
            .collect();
        // Nearest the target first: a column moves in one tick, no collisions.
        mine.sort_unstable();
        self.assign_miners(&mine);
        self.decide_march(&mine, obs.tick);
        // How far each marching unit is from the target, nearest first.
        let pack: Vec<u32> = mine
            .iter()
            .filter(|(_, id, _)| self.marching.contains(id))
            .map(|&(d, _, _)| d)
            .collect();
        for &(_, id, pos) in &mine {
            self.act(obs, id, pos, &pack);
        }
        self.spawn(obs, mine.len());
        core::mem::take(&mut self.plan.actions)
    }
}

impl Pack {
    /// Steps from `p` to the current target core (INF with no target).
    fn to_target(&self, p: Pos) -> u32 {
        self.targets
            .first()
            .map_or(INF, |(_, field)| field[self.grid.idx(p)])
    }

    /// Tops the miners up to `MINERS`: the free cell nearest home goes to
    /// the unit nearest it that is not marching.
    fn assign_miners(&mut self, mine: &[(u32, UnitId, Pos)]) {
        while self.miners.len() < MINERS.min(self.mine_cells.len()) {
            let free_cell = self
                .mine_cells
                .iter()
                .find(|&&c| self.miners.iter().all(|&(_, m)| m != c));
            let Some(&cell) = free_cell else { return };
            let recruit = mine
                .iter()
                .filter(|(_, id, _)| !self.is_miner(*id) && !self.marching.contains(id))
                .min_by_key(|&&(_, id, pos)| (pos.manhattan(cell), id));
            match recruit {
                Some(&(_, id, _)) => self.miners.push((id, cell)),
                None => return,
            }
        }
    }

    fn is_miner(&self, id: UnitId) -> bool {
        self.miners.iter().any(|&(m, _)| m == id)
    }

    /// The waiting pack leaves when it is big enough, when the units are all
    /// out, or when the match is about to end.
    fn decide_march(&mut self, mine: &[(u32, UnitId, Pos)], tick: u32) {
        let waiting: Vec<(u32, UnitId)> = mine
            .iter()
            .filter(|(_, id, _)| !self.is_miner(*id) && !self.marching.contains(id))
            .map(|&(d, id, _)| (d, id))
            .collect();
        let Some(walk) = waiting.iter().map(|&(d, _)| d).filter(|&d| d != INF).max() else {
            return;
        };
        let late = tick + walk + LATE_MARGIN >= self.max_ticks;
        if waiting.len() >= PACK_SIZE || mine.len() >= self.max_units || late {
            self.marching.extend(waiting.iter().map(|&(_, id)| id));
        }
    }

    /// One unit's order: fight, hunt, then do its job.
    fn act(&mut self, obs: &Observation, unit: UnitId, pos: Pos, pack: &[u32]) {
        let (g, plan) = (&self.grid, &mut self.plan);
        if let Some(dir) = plan.weakest_enemy_next_to(g, obs, pos) {
            return plan.order_stay(Action::Attack { unit, dir });
        }
        if let Some(dir) = plan.enemy_core_next_to(obs, pos) {
            return plan.order_stay(Action::Attack { unit, dir });
        }
        let miner = self
            .miners
            .iter()
            .find(|&&(m, _)| m == unit)
            .map(|&(_, c)| c);
        if let Some(cell) = miner {
            if pos == cell {
                // Harvest from a source next to the cell (there is one).
                let source = g
                    .neighbours(pos)
                    .find(|&(_, n)| self.source[g.idx(n)])
                    .map(|(d, _)| d);
                if let Some(dir) = source {
                    self.plan.order_stay(Action::Harvest { unit, dir });
                }
                return;
            }
            let mut to_cell = Vec::new();
            g.bfs_field([cell], &mut to_cell);
            return self.step_down(unit, pos, &to_cell);
        }
        // Hunt: an enemy unit a few steps away.
        if self.prey[g.idx(pos)] <= HUNT_STEPS {
            let field = core::mem::take(&mut self.prey);
            self.step_down(unit, pos, &field);
            self.prey = field;
            return;
        }
        let Some((_, target)) = self.targets.first() else {
            return;
        };
        let here = target[g.idx(pos)];
        if self.marching.contains(&unit) {
            // A leader waits until half the pack is within SPREAD steps of it.
            let close = pack
                .iter()
                .filter(|&&d| d <= here.saturating_add(SPREAD))
                .count();
            if close * 2 < pack.len() {
                return;
            }
            let field = core::mem::take(&mut self.targets[0].1);
            self.step_down(unit, pos, &field);
            self.targets[0].1 = field;
        } else {
            let field = core::mem::take(&mut self.wait.1);
            self.step_down(unit, pos, &field);
            self.wait.1 = field;
        }
    }

    /// Where the pack waits for the current target: the cells `WAIT_STEPS`
    /// from home that are nearest the target (within a few steps of the
    /// nearest), leaving out cut cells. Recomputed when the target changes.
    fn update_wait(&mut self) {
        let Some((owner, target)) = self.targets.first() else {
            return;
        };
        if self.wait.0 == Some(*owner) {
            return;
        }
        let g = &self.grid;
        let ring: Vec<usize> = (0..g.cell_count())
            .filter(|&i| self.home[i] == WAIT_STEPS && target[i] != INF && !self.cut[i])
            .collect();
        let nearest = ring.iter().map(|&i| target[i]).min().unwrap_or(INF);
        let spots = ring
            .into_iter()
            .filter(|&i| target[i] <= nearest.saturating_add(WAIT_STEPS))
            .map(|i| g.pos(i));
        let mut field = Vec::new();
        g.bfs_field(spots, &mut field);
        self.wait = (Some(*owner), field);
    }

    /// Moves `unit` one step down `field` (to the lowest free neighbour
    /// below its own cell); stays if there is none.
    fn step_down(&mut self, unit: UnitId, pos: Pos, field: &[u32]) {
        let (g, plan) = (&self.grid, &mut self.plan);
        let here = field[g.idx(pos)];
        let best = g
            .neighbours(pos)
            .filter(|&(_, n)| plan.can_enter(g, n))
            .map(|(d, n)| (field[g.idx(n)], d))
            .filter(|&(v, _)| v < here)
            .min();
        if let Some((_, dir)) = best {
            plan.order_move(g, unit, pos, dir);
        }
    }

    /// A new unit, whenever there is energy for it, on the free cell next to
    /// the core that is nearest the target.
    fn spawn(&mut self, obs: &Observation, units: usize) {
        if obs.energy < self.unit_cost || units >= self.max_units {
            return;
        }
        let (g, plan) = (&self.grid, &self.plan);
        let best = g
            .floor_around(self.core)
            .filter(|&(_, p)| plan.is_free(g, p) && !plan.enemy_next_to(g, obs, p))
            .min_by_key(|&(_, p)| self.to_target(p))
            .map(|(d, _)| d);
        if let Some(dir) = best {
            self.plan.order_spawn(&self.grid, self.core, dir);
        }
    }
}

lockstep_sdk::export_bot!(Pack);

#[cfg(test)]
mod tests;
