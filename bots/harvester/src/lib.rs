//! # Harvester: economy first, then waves
//!
//! Strategy. Every new unit gets a role for life:
//! - **harvester** (first, up to the number of source-side cells, capped where
//!   more income could not be spent, since the core spawns at most one unit a
//!   tick): a BFS from the unit finds the nearest unclaimed floor cell next to
//!   an energy source. The unit claims it, walks there (a fresh BFS each tick)
//!   and harvests every tick. It hits back at an enemy unit next to it.
//! - **defender** (about one unit in four, up to six): holds a guard post two
//!   steps from the core, facing the enemy, and rushes any enemy unit that
//!   comes within a few steps of the core (down a BFS field from the intruders).
//! - **soldier** (the rest): waits on its own rally cell a few steps out and
//!   answers intruders too. When eight are waiting, they all march to the
//!   nearest enemy core and hit it. They march down a weighted field computed
//!   each tick (Dial's algorithm; our units are soft obstacles), so the wave
//!   spreads round the core. Late in the match, or at the unit cap, soldiers
//!   leave whatever their number, so the enemy core is hit before the limit.
//!
//! The core spawns every tick it can afford a unit, onto a free cell.
//!
//! Keeping its own units from jamming: settled units (harvesting, on guard,
//! waiting) never stand on a cut cell of the map, and a unit that finds a
//! settled one in its way asks it to step aside for a tick. A move that lost a
//! contest with an enemy unit last tick (from `obs.rejected`) becomes an attack
//! on that cell, which hits the enemy if it steps in.
//!
//! Pecking order of the example bots: `harvester` > `rusher` > `random-walker`.
//! The order was checked over many seeds in native arena runs on generated
//! maps (180-0 against each, 5% to 28% walls, 24x24 to 64x64) and in
//! `lockstep match` runs. The rusher's units arrive one by one, so the
//! defenders and waiting soldiers win each small fight at home while income
//! grows; then a full wave walks into a base the rusher never defends.

mod layout;
mod paths;

use layout::Target;
use lockstep_sdk::nav::{Grid, INF, Plan};
use lockstep_sdk::{Action, Bot, Direction, MatchInfo, Observation, PlayerId, Pos, UnitId};
use paths::Search;

/// Soldiers gathered before a wave leaves.
const WAVE_SIZE: usize = 8;
/// At most this many defenders.
const MAX_DEFENDERS: usize = 6;
/// Enemy units this many steps from the core (or closer) are intruders.
const THREAT_STEPS: u32 = 7;
/// Waiting soldiers stand this many steps out from the core, or more.
const RALLY_STEPS: u32 = 4;
/// Extra march cost of a cell one of our moving units stands on.
const OWN_PENALTY: u32 = 3;
/// Extra march cost of a cell an enemy unit stands on.
const ENEMY_PENALTY: u32 = 4;
/// Extra march cost of a cell one of our settled units (harvesting, on guard)
/// stands on: it will not move, so go round unless that is a long way.
const SETTLED_PENALTY: u32 = 12;
/// A wave leaves anyway when the tick limit is this close, beyond the march.
const LATE_MARGIN: u32 = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Harvester,
    Defender,
    Soldier { marching: bool },
}

pub struct Harvester {
    me: PlayerId,
    grid: Grid,
    core: Pos,
    unit_cost: u32,
    max_units: u16,
    max_ticks: u32,
    /// Floor cells next to a source, reachable from the core, with the source's side.
    spots: Vec<(Pos, Direction)>,
    /// 1 + index into `spots` of each cell; 0 = not a spot.
    spot_at: Vec<u16>,
    max_harvesters: usize,
    /// Guard posts, most exposed first.
    posts: Vec<Pos>,
    /// Where waiting soldiers stand, nearest the enemy first.
    rally: Vec<Pos>,
    /// Steps from the floor around our core.
    home: Vec<u32>,
    /// Enemy cores, nearest first.
    targets: Vec<Target>,
    /// Live units' roles, and the spot or post each one holds, by unit id.
    roles: Vec<(UnitId, Role, Option<usize>)>,
    plan: Plan,
    /// Cells a walking unit's BFS must route around (enemies, settled units).
    solid: Vec<bool>,
    threat: Vec<u32>,
    /// Cells whose settled unit was asked last tick to step aside (a moving
    /// unit of ours found it in the way), and this tick's requests.
    pushed: Vec<Pos>,
    push_next: Vec<Pos>,
    no_solid: Vec<bool>,
    /// This tick's weighted distance to the target core, for marching soldiers.
    march: Vec<u32>,
    buckets: Vec<Vec<u32>>,
    search: Search,
}

impl Bot for Harvester {
    fn new(info: &MatchInfo) -> Self {
        let grid = Grid::new(info);
        let core = info.my_core();
        let mut home = Vec::new();
        grid.bfs_field(grid.floor_around(core).map(|(_, p)| p), &mut home);

        let cut = grid.cut_cells();
        let (spots, spot_at) = layout::source_spots(&grid, info, &home, &cut);
        let targets = layout::enemy_targets(&grid, info, core);
        let posts = layout::guard_posts(&grid, &home, &spot_at, &cut, &targets);
        let rally = layout::rally_cells(&grid, &home, &spot_at, &cut, &posts, &targets);

        let r = &info.rules;
        let max_harvesters = spots
            .len()
            .min((r.unit_cost / r.harvest_amount.max(1)).max(2) as usize);
        lockstep_sdk::log!(
            "harvester: player {}, {} source-side cells, {} guard posts",
            info.you.0,
            spots.len(),
            posts.len()
        );
        Harvester {
            me: info.you,
            plan: Plan::new(info.you, &grid),
            solid: vec![false; grid.cell_count()],
            threat: Vec::new(),
            pushed: Vec::new(),
            push_next: Vec::new(),
            no_solid: vec![false; grid.cell_count()],
            march: Vec::new(),
            buckets: Vec::new(),
            search: Search::new(grid.cell_count()),
            grid,
            core,
            unit_cost: r.unit_cost,
            max_units: r.max_units,
            max_ticks: info.limits.max_ticks,
            spots,
            spot_at,
            max_harvesters,
            posts,
            rally,
            home,
            targets,
            roles: Vec::new(),
        }
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        self.plan.begin(&self.grid, obs);
        self.pushed = core::mem::take(&mut self.push_next);
        self.assign_roles(obs);
        self.mark_solid(obs);
        let threatened = self.find_threats(obs);
        self.maybe_launch_wave(obs);

        let target = self
            .targets
            .iter()
            .position(|t| !obs.eliminated.contains(&t.owner));
        let marching = self
            .roles
            .iter()
            .any(|r| r.1 == Role::Soldier { marching: true });
        if let (Some(t), true) = (target, marching) {
            self.march_field(obs, self.targets[t].pos);
        }
        // Marching soldiers first, front to back, so a column moves as one.
        let mut order: Vec<(u32, usize)> = Vec::with_capacity(self.roles.len());
        for (n, &(id, role, _)) in self.roles.iter().enumerate() {
            let Some(u) = obs.units.iter().find(|u| u.id == id) else {
                continue;
            };
            let key = match (role, target) {
                (Role::Soldier { marching: true }, Some(_)) => self.march[self.grid.idx(u.pos)],
                _ => INF,
            };
            order.push((key, n));
        }
        order.sort_unstable();
        for (_, n) in order {
            let (id, role, _) = self.roles[n];
            let pos = obs.units.iter().find(|u| u.id == id).map(|u| u.pos);
            if let Some(pos) = pos.filter(|&p| self.grid.walkable(p)) {
                self.act(obs, n, id, role, pos, threatened);
            }
        }
        self.spawn(obs, target);
        core::mem::take(&mut self.plan.actions)
    }
}

impl Harvester {
    /// Forgets dead units, gives new ones a role, frees spots and posts.
    fn assign_roles(&mut self, obs: &Observation) {
        let old = core::mem::take(&mut self.roles);
        let live = obs.my_units(self.me).count();
        for u in obs.my_units(self.me) {
            match old.iter().find(|r| r.0 == u.id) {
                Some(&r) => self.roles.push(r),
                None => {
                    let count =
                        |f: fn(&Role) -> bool| self.roles.iter().filter(|r| f(&r.1)).count();
                    let defenders = count(|r| *r == Role::Defender);
                    let harvesters = count(|r| *r == Role::Harvester);
                    let wanted = if live < 3 { 0 } else { (live / 4).max(1) };
                    let role = if defenders < wanted.min(self.posts.len()) {
                        Role::Defender
                    } else if harvesters < self.max_harvesters {
                        Role::Harvester
                    } else {
                        Role::Soldier { marching: false }
                    };
                    self.roles.push((u.id, role, None));
                }
            }
        }
        // Posts for new defenders and rally cells for new soldiers (a dead
        // unit's cell is free again).
        for n in 0..self.roles.len() {
            let (_, role, slot) = self.roles[n];
            let cells = match role {
                Role::Defender => self.posts.len(),
                Role::Soldier { marching: false } => self.rally.len(),
                _ => continue,
            };
            if slot.is_none() {
                self.roles[n].2 =
                    (0..cells).find(|&k| !self.roles.iter().any(|r| r.1 == role && r.2 == Some(k)));
            }
        }
    }

    /// Enemy units and our units that have arrived (harvesting, on post) are
    /// what a walking unit's path must go around.
    fn mark_solid(&mut self, obs: &Observation) {
        self.solid.fill(false);
        for u in &obs.units {
            if !self.grid.walkable(u.pos) {
                continue;
            }
            let settled = u.owner != self.me
                || self.roles.iter().any(|&(id, role, slot)| {
                    id == u.id
                        && match (role, slot) {
                            (Role::Harvester, Some(k)) => self.spots[k].0 == u.pos,
                            (Role::Defender, Some(k)) => self.posts[k] == u.pos,
                            (Role::Soldier { marching: false }, Some(k)) => self.rally[k] == u.pos,
                            _ => false,
                        }
                });
            if settled {
                self.solid[self.grid.idx(u.pos)] = true;
            }
        }
    }

    /// The BFS field from enemy units near our core, if there are any.
    fn find_threats(&mut self, obs: &Observation) -> bool {
        let (g, home) = (&self.grid, &self.home);
        let near = |p: Pos| g.walkable(p) && home[g.idx(p)] <= THREAT_STEPS;
        let intruders: Vec<Pos> = obs
            .enemy_units(self.me)
            .map(|u| u.pos)
            .filter(|&p| near(p))
            .collect();
        if intruders.is_empty() {
            return false;
        }
        g.bfs_field(intruders, &mut self.threat);
        true
    }

    fn maybe_launch_wave(&mut self, obs: &Observation) {
        let Some(t) = self
            .targets
            .iter()
            .find(|t| !obs.eliminated.contains(&t.owner))
        else {
            return;
        };
        let waiting = self
            .roles
            .iter()
            .filter(|r| r.1 == Role::Soldier { marching: false })
            .count();
        let march = self
            .grid
            .floor_around(self.core)
            .map(|(_, p)| t.field[self.grid.idx(p)]);
        let march = march.min().unwrap_or(INF);
        let late = obs.tick.saturating_add(march.saturating_add(LATE_MARGIN)) >= self.max_ticks;
        let full = obs.my_units(self.me).count() + 1 >= self.max_units as usize;
        if waiting > 0 && (waiting >= WAVE_SIZE || late || full) {
            if waiting > 1 {
                lockstep_sdk::log!("harvester: tick {}, a wave of {waiting} leaves", obs.tick);
            }
            for r in &mut self.roles {
                if r.1 == (Role::Soldier { marching: false }) {
                    *r = (r.0, Role::Soldier { marching: true }, None);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn act(
        &mut self,
        obs: &Observation,
        n: usize,
        unit: UnitId,
        role: Role,
        pos: Pos,
        threatened: bool,
    ) {
        let (g, plan) = (&self.grid, &mut self.plan);
        if let Some(dir) = plan.enemy_core_next_to(obs, pos) {
            return plan.order_stay(Action::Attack { unit, dir });
        }
        if let Some(dir) = plan.weakest_enemy_next_to(g, obs, pos) {
            return plan.order_stay(Action::Attack { unit, dir });
        }
        if self.pushed.contains(&pos) && self.solid[g.idx(pos)] {
            // In someone's way: step aside for a tick, come back later.
            let aside = g.neighbours(pos).find(|&(_, p)| plan.can_enter(g, p));
            if let Some((dir, _)) = aside {
                return self.step(obs, unit, pos, dir);
            }
        }
        match role {
            Role::Harvester => self.harvest(obs, n, unit, pos),
            Role::Defender | Role::Soldier { marching: false } if threatened => {
                self.downhill(obs, unit, pos, |s: &Self, p| s.threat[s.grid.idx(p)]);
            }
            Role::Defender => {
                let post = self.roles[n].2.map(|k| self.posts[k]);
                if !post.is_some_and(|p| self.walk_to(obs, unit, pos, p)) {
                    self.clear_spawn_cells(obs, unit, pos);
                }
            }
            Role::Soldier { marching: true } => self.march_step(obs, unit, pos),
            Role::Soldier { marching: false } => {
                let cell = self.roles[n].2.map(|k| self.rally[k]);
                if !cell.is_some_and(|p| self.walk_to(obs, unit, pos, p)) {
                    self.clear_spawn_cells(obs, unit, pos);
                }
            }
        }
    }

    fn harvest(&mut self, obs: &Observation, n: usize, unit: UnitId, pos: Pos) {
        if let Some(k) = self.roles[n].2 {
            let (spot, dir) = self.spots[k];
            if spot == pos {
                return self.plan.order_stay(Action::Harvest { unit, dir });
            }
        }
        // Walk to our spot, or claim the nearest free one on the way.
        let mine = self.roles[n].2;
        let (roles, spot_at) = (&self.roles, &self.spot_at);
        let goal = |i: usize| match spot_at[i] {
            0 => false,
            s => {
                let k = s as usize - 1;
                mine == Some(k)
                    || (mine.is_none()
                        && !roles
                            .iter()
                            .any(|r| r.1 == Role::Harvester && r.2 == Some(k)))
            }
        };
        let claim = self
            .search
            .run(&self.grid, pos, &self.solid, |_| true, goal);
        let Some((at, first)) = claim else {
            // Nothing reachable now: fight instead, for good.
            if mine.is_none() {
                self.roles[n].1 = Role::Soldier { marching: false };
            }
            return;
        };
        let k = self.spot_at[self.grid.idx(at)] as usize - 1;
        self.roles[n].2 = Some(k);
        if first.is_none() {
            let dir = self.spots[k].1;
            return self.plan.order_stay(Action::Harvest { unit, dir });
        }
        if !self.walk_to(obs, unit, pos, at) {
            self.clear_spawn_cells(obs, unit, pos);
        }
    }

    /// One step of a BFS path to `to`, routing around solid cells.
    /// Returns false when no path exists now.
    fn walk_to(&mut self, obs: &Observation, unit: UnitId, pos: Pos, to: Pos) -> bool {
        let goal = self.grid.idx(to);
        let (g, plan) = (&self.grid, &self.plan);
        let first_ok = |p: Pos| plan.can_enter(g, p);
        let found = self
            .search
            .run(g, pos, &self.solid, first_ok, |i| i == goal);
        if let Some((_, Some(dir))) = found {
            self.step(obs, unit, pos, dir);
            return true;
        }
        if found.is_some() {
            return true;
        }
        // Walled off by our own settled units? Path through them, and ask the
        // first one in the way to step aside.
        let (solid, me) = (&self.solid, self.me);
        let pushable = |p: Pos| {
            solid[g.idx(p)] && plan.unit_at(g, p).is_some_and(|k| obs.units[k].owner == me)
        };
        let first_ok = |p: Pos| plan.can_enter(g, p) || pushable(p);
        let found = self
            .search
            .run(g, pos, &self.no_solid, first_ok, |i| i == goal);
        let Some((_, Some(dir))) = found else {
            return false;
        };
        let next = g.step(pos, dir).expect("on the grid");
        if self.plan.can_enter(g, next) {
            self.step(obs, unit, pos, dir);
        } else {
            self.push_next.push(next);
        }
        true
    }

    /// Without anywhere to go, at least keep off the cells the core spawns on.
    fn clear_spawn_cells(&mut self, obs: &Observation, unit: UnitId, pos: Pos) {
        self.downhill(obs, unit, pos, |s: &Self, p| {
            RALLY_STEPS.saturating_sub(s.home[s.grid.idx(p)])
        });
    }

    /// Steps to the enterable neighbour with the lowest `value`, if it beats ours.
    fn downhill(
        &mut self,
        obs: &Observation,
        unit: UnitId,
        pos: Pos,
        value: impl Fn(&Self, Pos) -> u32,
    ) {
        let here = value(self, pos);
        let best = self
            .grid
            .neighbours(pos)
            .filter(|&(_, p)| self.plan.can_enter(&self.grid, p))
            .map(|(d, p)| (value(self, p), d))
            .min();
        if let Some((_, dir)) = best.filter(|&(v, _)| v < here) {
            self.step(obs, unit, pos, dir);
        }
    }

    /// Moves, unless the same move lost a contest with an enemy last tick: then
    /// holds and hits the cell, so whoever steps in is hit first.
    fn step(&mut self, obs: &Observation, unit: UnitId, pos: Pos, dir: Direction) {
        if self.plan.contested(&self.grid, obs, unit, pos, dir) {
            self.plan.order_ambush(&self.grid, unit, pos, dir);
        } else {
            self.plan.order_move(&self.grid, unit, pos, dir);
        }
    }

    /// One step down the march field; a step must beat the true cost of
    /// staying (our own cell carries our own penalty).
    fn march_step(&mut self, obs: &Observation, unit: UnitId, pos: Pos) {
        let (g, plan) = (&self.grid, &self.plan);
        let here = self.march[g.idx(pos)];
        if here == INF {
            return;
        }
        let base = here.saturating_sub(OWN_PENALTY);
        let mut best = None;
        let mut blocker = None;
        for (dir, n) in g.neighbours(pos) {
            if !plan.can_enter(g, n) {
                let v = self.march[g.idx(n)].saturating_sub(SETTLED_PENALTY);
                if self.pushable(obs, n) && v < base && blocker.is_none_or(|(b, _)| v < b) {
                    blocker = Some((v, n));
                }
                continue;
            }
            let mut v = self.march[g.idx(n)];
            if plan.unit_at(g, n).is_some() {
                v = v.saturating_sub(OWN_PENALTY); // being left this tick
            }
            if v < base && best.is_none_or(|(b, _)| v < b) {
                best = Some((v, dir));
            }
        }
        match (best, blocker) {
            (Some((_, dir)), _) => self.step(obs, unit, pos, dir),
            (None, Some((_, cell))) => self.push_next.push(cell),
            (None, None) => {}
        }
    }

    /// Whether one of our settled units stands at `p` (it can be asked to move).
    fn pushable(&self, obs: &Observation, p: Pos) -> bool {
        let g = &self.grid;
        self.solid[g.idx(p)]
            && self
                .plan
                .unit_at(g, p)
                .is_some_and(|k| obs.units[k].owner == self.me)
    }

    /// This tick's march field to `target`: our moving units are soft
    /// obstacles, enemy units a little harder, settled units of ours hard, so
    /// the wave spreads round the core and round our own harvesters.
    fn march_field(&mut self, obs: &Observation, target: Pos) {
        let (g, plan, solid) = (&self.grid, &self.plan, &self.solid);
        let penalty = |cell| match plan.unit_at_cell(cell) {
            None => 0,
            Some(k) if obs.units[k].owner != self.me => ENEMY_PENALTY,
            Some(_) if solid[cell] => SETTLED_PENALTY,
            Some(_) => OWN_PENALTY,
        };
        g.weighted_field(
            target,
            SETTLED_PENALTY,
            penalty,
            &mut self.march,
            &mut self.buckets,
        );
    }

    fn spawn(&mut self, obs: &Observation, target: Option<usize>) {
        let mine = obs.my_units(self.me).count();
        if obs.energy < self.unit_cost || mine >= self.max_units as usize {
            return;
        }
        let g = &self.grid;
        let towards = |p: Pos| target.map_or(0, |t| self.targets[t].field[g.idx(p)]);
        let dir = g
            .floor_around(self.core)
            .filter(|&(_, p)| self.plan.is_free(g, p))
            .min_by_key(|&(_, p)| towards(p))
            .map(|(d, _)| d);
        if let Some(dir) = dir {
            self.plan.order_spawn(&self.grid, self.core, dir);
        }
    }
}

lockstep_sdk::export_bot!(Harvester);

#[cfg(test)]
mod tests;
