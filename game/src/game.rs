//! `Game`: the world, the step schedule, and the calls the match loop makes.

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemState;
use lockstep_sdk::{
    ABI_VERSION, Action, CoreInfo, CoreView, Limits, MatchInfo, Observation, PlayerId, Pos, UnitId,
    UnitView,
};

use crate::encode::Observations;
use crate::hash;
use crate::orders::Submit;
use crate::score::{Score, unique_best};
use crate::state::{
    At, Board, Changes, Clock, Health, Orders, PlayerState, Players, Rejections, Scratch, Settings,
    Tile, Unit, Units, View,
};
use crate::systems::{self, disk, visible};
use crate::{GameConfig, GameError, Map};

/// What `observe` reads, fetched through a cached `SystemState`.
type ObserveParams = (
    Res<'static, Clock>,
    Res<'static, Players>,
    Res<'static, View>,
    Res<'static, Board>,
    Res<'static, Rejections>,
);

/// One match of the reference game. Deterministic: the same map, config and
/// sequence of `submit`/`step` calls give the same `state_hash` after every step.
pub struct Game {
    world: World,
    step: Schedule,
    refresh: Schedule,
    submit: SystemState<Submit<'static>>,
    observe: SystemState<ObserveParams>,
    /// The map as played (extra cores turned to floor).
    map: Map,
    config: GameConfig,
    setup: [u8; 32],
    /// Observations' unit bytes, shared by every player's message in a tick.
    pub(crate) encoder: Observations,
}

impl Game {
    /// A new match at tick 0. `map` may have more cores than `players`; the extra
    /// ones become floor (see `Map::with_players`).
    pub fn new(map: &Map, players: usize, config: &GameConfig) -> Result<Game, GameError> {
        let map = map.with_players(players)?;
        check_config(config)?;
        let rules = &config.rules;
        let cells = map.width as usize * map.height as usize;

        let mut world = World::new();
        world.insert_resource(Board::new(&map));
        world.insert_resource(Settings {
            rules: rules.clone(),
            max_actions: config.max_actions,
        });
        world.insert_resource(Clock::default());
        world.insert_resource(Players(
            (0..players)
                .map(|_| PlayerState {
                    energy: rules.start_energy,
                    core_hp: rules.core_hp,
                    alive: true,
                    eliminated_at: None,
                    units: 0,
                })
                .collect(),
        ));
        world.insert_resource(Units {
            occupant: vec![Units::NONE; cells],
            entity: Vec::new(),
            next_id: 0,
        });
        world.insert_resource(Orders {
            spawns: vec![None; players],
            seen: vec![0; players],
            ..Default::default()
        });
        world.insert_resource(Rejections {
            current: vec![Vec::new(); players],
            last: vec![Vec::new(); players],
            total: vec![0; players],
            spare: Vec::new(),
        });
        world.insert_resource(View {
            vision: vec![0; players * map.height as usize],
            height: map.height as usize,
            unit_disk: disk(rules.unit_vision2, map.width),
            core_disk: disk(rules.core_vision2, map.width),
            ..View::default()
        });
        world.insert_resource(Scratch::new(cells));
        world.insert_resource(Changes::default());

        let mut step = systems::step_schedule();
        let mut refresh = systems::view_schedule();
        for schedule in [&mut step, &mut refresh] {
            if let Err(e) = schedule.initialize(&mut world) {
                return Err(GameError::Schedule(e.to_string(schedule.graph(), &world)));
            }
        }
        refresh.run(&mut world);
        let submit = SystemState::new(&mut world);
        let observe = SystemState::new(&mut world);
        let setup = hash::setup_digest(&map, players, config);
        Ok(Game {
            world,
            step,
            refresh,
            submit,
            observe,
            map,
            config: config.clone(),
            setup,
            encoder: Observations::default(),
        })
    }

    pub fn players(&self) -> usize {
        self.map.cores.len()
    }

    /// Ticks completed so far.
    pub fn tick(&self) -> u32 {
        self.world.get_resource::<Clock>().map_or(0, |c| c.tick)
    }

    /// The map as played: extra cores already turned to floor.
    pub fn map(&self) -> &Map {
        &self.map
    }

    pub fn config(&self) -> &GameConfig {
        &self.config
    }

    /// What `player`'s bot gets before tick 0. `limits.max_ticks` and
    /// `limits.max_actions` are overwritten with this game's, which it enforces.
    pub fn match_info(&self, player: PlayerId, seed: u64, limits: Limits) -> MatchInfo {
        MatchInfo {
            abi_version: ABI_VERSION,
            you: player,
            players: self.players() as u8,
            seed,
            width: self.map.width,
            height: self.map.height,
            rows: self.map.rows.clone(),
            sources: self.map.sources.clone(),
            cores: self
                .map
                .cores
                .iter()
                .enumerate()
                .map(|(i, &pos)| CoreInfo {
                    owner: PlayerId(i as u8),
                    pos,
                })
                .collect(),
            rules: self.config.rules.clone(),
            limits: Limits {
                max_ticks: self.config.max_ticks,
                max_actions: self.config.max_actions,
                ..limits
            },
        }
    }

    /// Fills `out` with `player`'s view, reusing its vectors. O(units) with one
    /// bit test per enemy unit; no allocation once `out` has grown.
    pub fn observe(&mut self, player: PlayerId, out: &mut Observation) {
        let mut units = std::mem::take(&mut out.units);
        units.clear();
        self.observe_with(player, out, |all, range| {
            units.extend_from_slice(&all[range]);
        });
        out.units = units;
    }

    /// [`Game::observe`] without copying the units: `out.units` is left
    /// empty, and `runs` gets the ranges of [`Game::units`] that `player`
    /// sees, in order (their concatenation is what `observe` puts in
    /// `out.units`). Adjacent visible units make one range, so a player who
    /// sees everything gets one. For encoders that encode every unit once per
    /// tick and splice the bytes into each player's message.
    pub fn observe_runs(
        &mut self,
        player: PlayerId,
        out: &mut Observation,
        runs: &mut Vec<std::ops::Range<usize>>,
    ) {
        runs.clear();
        out.units.clear();
        self.observe_with(player, out, |_, range| runs.push(range));
    }

    /// Every unit, sorted by id: what observations pick from (see
    /// [`Game::observe_runs`]). Never give this to a bot as it is.
    pub fn units(&self) -> &[UnitView] {
        self.world
            .get_resource::<View>()
            .map_or(&[], |v| v.units.as_slice())
    }

    /// Fills everything of `out` but its units, and calls `run` with each
    /// maximal range of `View::units` that `player` sees, in order.
    fn observe_with(
        &mut self,
        player: PlayerId,
        out: &mut Observation,
        mut run: impl FnMut(&[UnitView], std::ops::Range<usize>),
    ) {
        out.cores.clear();
        out.rejected.clear();
        out.eliminated.clear();
        out.energy = 0;
        let Ok((clock, players, view, board, rejections)) = self.observe.get(&self.world) else {
            return;
        };
        out.tick = clock.tick;
        out.eliminated.extend(
            (players.0.iter().enumerate())
                .filter(|(_, state)| !state.alive)
                .map(|(i, _)| PlayerId(i as u8)),
        );
        let p = player.0 as usize;
        let Some(me) = players.0.get(p) else { return };
        out.energy = me.energy;
        if !me.alive {
            return;
        }
        let Some(sight) = view.sight(p) else {
            return;
        };
        let all = view.units.as_slice();
        if view.extent.is_some_and(|(lo, hi)| covers(sight, lo, hi)) {
            run(all, 0..all.len());
        } else {
            let mut start = None;
            for (i, u) in all.iter().enumerate() {
                let seen = u.owner == player || visible(sight, u.pos);
                match (seen, start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => {
                        run(all, s..i);
                        start = None;
                    }
                    _ => {}
                }
            }
            if let Some(s) = start {
                run(all, s..all.len());
            }
        }
        for (i, (state, &pos)) in players.0.iter().zip(&board.cores).enumerate() {
            if state.alive && (i == p || visible(sight, pos)) {
                out.cores.push(CoreView {
                    owner: PlayerId(i as u8),
                    pos,
                    hp: state.core_hp,
                });
            }
        }
        if let Some(last) = rejections.last.get(p) {
            out.rejected.extend_from_slice(last);
        }
    }

    /// Validates `player`'s orders for this tick now; invalid ones are recorded
    /// and reported in the player's next observation.
    pub fn submit(&mut self, player: PlayerId, actions: &[Action]) {
        if let Ok(mut submit) = self.submit.get_mut(&mut self.world) {
            submit.run(player, actions);
        }
    }

    /// Resolves this tick (see `docs/rules.md`). Does nothing once the game is over.
    pub fn step(&mut self) {
        if !self.is_over() {
            self.step.run(&mut self.world);
            self.encoder.invalidate();
        }
    }

    /// Whether `player` is still in the match (false for an unknown player).
    pub fn is_alive(&self, player: PlayerId) -> bool {
        self.players_state()
            .get(player.0 as usize)
            .is_some_and(|p| p.alive)
    }

    /// At most one player alive, or the tick limit reached.
    pub fn is_over(&self) -> bool {
        let alive = self.players_state().iter().filter(|p| p.alive).count();
        alive <= 1 || self.tick() >= self.config.max_ticks
    }

    /// Every player's standing, by player id.
    pub fn scores(&self) -> Vec<Score> {
        self.players_state()
            .iter()
            .enumerate()
            .map(|(i, p)| Score {
                player: PlayerId(i as u8),
                alive: p.alive,
                eliminated_at: p.eliminated_at,
                core_hp: p.core_hp,
                units: p.units,
                energy: p.energy,
            })
            .collect()
    }

    /// The last player standing, or at the tick limit the unique best score.
    /// `None` while the game runs, and on a draw.
    pub fn winner(&self) -> Option<PlayerId> {
        if !self.is_over() {
            return None;
        }
        let scores = self.scores();
        let mut alive = scores.iter().filter(|s| s.alive);
        match (alive.next(), alive.next()) {
            (None, _) => None,
            (Some(only), None) => Some(only.player),
            (Some(_), Some(_)) => unique_best(&scores),
        }
    }

    /// blake3 of the whole state: tick, players, units by id, last rejections,
    /// and a digest of the map and config. No pending orders: call after `step`.
    pub fn state_hash(&self) -> [u8; 32] {
        let w = &self.world;
        match (
            w.get_resource::<Clock>(),
            w.get_resource::<Players>(),
            w.get_resource::<Units>(),
            w.get_resource::<View>(),
            w.get_resource::<Rejections>(),
        ) {
            (Some(c), Some(p), Some(u), Some(v), Some(r)) => {
                hash::state_hash(&self.setup, c, p, u, v, r)
            }
            _ => [0; 32],
        }
    }

    /// Every unit and every core, unfogged, by id and player id: for replays
    /// and viewers. Never give this to a bot. A destroyed core has 0 hit points.
    pub fn full_view(&self) -> (Vec<UnitView>, Vec<CoreView>) {
        let w = &self.world;
        let units = w
            .get_resource::<View>()
            .map(|v| v.units.clone())
            .unwrap_or_default();
        let cores = match (w.get_resource::<Players>(), w.get_resource::<Board>()) {
            (Some(players), Some(board)) => (players.0.iter().zip(&board.cores))
                .enumerate()
                .map(|(i, (state, &pos))| CoreView {
                    owner: PlayerId(i as u8),
                    pos,
                    hp: if state.alive { state.core_hp } else { 0 },
                })
                .collect(),
            _ => Vec::new(),
        };
        (units, cores)
    }

    /// Orders of `player` that did not take effect, over the whole match.
    pub fn rejected_total(&self, player: PlayerId) -> u64 {
        self.world
            .get_resource::<Rejections>()
            .and_then(|r| r.total.get(player.0 as usize).copied())
            .unwrap_or(0)
    }

    /// Places a new unit for `player` on a free floor cell, outside the rules (no
    /// energy, no unit cap): for scenarios, tests and benchmarks. `None` if the
    /// player is unknown or out, or the cell is not free floor.
    pub fn spawn_unit(&mut self, player: PlayerId, pos: Pos) -> Option<UnitId> {
        let p = player.0 as usize;
        let alive = self.players_state().get(p).is_some_and(|s| s.alive);
        let board = self.world.get_resource::<Board>()?;
        if !alive || board.tile(pos) != Tile::Floor {
            return None;
        }
        let cell = board.idx(pos);
        let units = self.world.get_resource::<Units>()?;
        if units.occupant(cell).is_some() {
            return None;
        }
        let id = UnitId(units.next_id);
        let next = units.next_id.checked_add(1)?;
        let hp = self.config.rules.unit_hp;
        let entity = self
            .world
            .spawn((Unit { id, owner: player }, At(pos), Health(hp)))
            .id();
        let mut units = self.world.get_resource_mut::<Units>()?;
        units.next_id = next;
        units.entity.push(Some(entity));
        units.occupant[cell] = id.0;
        self.world.get_resource_mut::<Changes>()?.roster = true;
        self.refresh.run(&mut self.world);
        self.encoder.invalidate();
        Some(id)
    }

    fn players_state(&self) -> &[PlayerState] {
        self.world
            .get_resource::<Players>()
            .map_or(&[], |p| p.0.as_slice())
    }
}

#[cfg(test)]
#[path = "game_tests.rs"]
mod tests;

/// Whether every cell of the rectangle `lo..=hi` is lit in `sight`: then
/// every unit is seen (they all stand in it), checked a row at a time.
fn covers(sight: &[u128], lo: Pos, hi: Pos) -> bool {
    if hi.x >= 128 || lo.x > hi.x {
        return false;
    }
    let span = (u128::MAX >> (127 - (hi.x - lo.x))) << lo.x;
    sight
        .get(lo.y as usize..=hi.y as usize)
        .is_some_and(|rows| rows.iter().all(|&row| row & span == span))
}

/// Rules that would make the game meaningless or break an invariant.
pub(crate) fn check_config(config: &GameConfig) -> Result<(), GameError> {
    let r = &config.rules;
    let at_least_one = [
        ("rules.core_hp", u64::from(r.core_hp)),
        ("rules.unit_hp", u64::from(r.unit_hp)),
        ("max_ticks", u64::from(config.max_ticks)),
    ];
    for (field, value) in at_least_one {
        if value == 0 {
            return Err(GameError::Config {
                field,
                value,
                requirement: "must be at least 1",
            });
        }
    }
    Ok(())
}
