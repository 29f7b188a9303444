//! Helpers shared by the integration tests: tiny maps, unit lookups, and a
//! simple deterministic bot for whole-game runs.
#![allow(dead_code)]

use lockstep_game::{Game, GameConfig, Map};
use lockstep_sdk::{
    Action, Direction, MatchInfo, Observation, PlayerId, Pos, RejectReason, UnitId, UnitView,
};

pub const P0: PlayerId = PlayerId(0);
pub const P1: PlayerId = PlayerId(1);

/// An open 10x10 map with cores in opposite corners, far apart.
pub const OPEN: &[&str] = &[
    "A.........",
    "..........",
    "..........",
    "..........",
    "..........",
    "..........",
    "..........",
    "..........",
    "..........",
    ".........B",
];

pub fn map(rows: &[&str]) -> Map {
    Map::parse("test", &rows.join("\n")).expect("test map parses")
}

pub fn game(rows: &[&str]) -> Game {
    game_with(rows, GameConfig::default())
}

pub fn game_with(rows: &[&str], config: GameConfig) -> Game {
    let m = map(rows);
    Game::new(&m, m.cores.len(), &config).expect("game builds")
}

pub fn spawn(game: &mut Game, player: PlayerId, x: u16, y: u16) -> UnitId {
    game.spawn_unit(player, Pos::new(x, y))
        .unwrap_or_else(|| panic!("spawn at ({x}, {y}) failed"))
}

pub fn observe(game: &mut Game, player: PlayerId) -> Observation {
    let mut obs = Observation::default();
    game.observe(player, &mut obs);
    obs
}

/// Every live unit, as its owner sees it (own units are always visible).
pub fn all_units(game: &mut Game) -> Vec<UnitView> {
    let mut all = Vec::new();
    for p in 0..game.players() {
        let obs = observe(game, PlayerId(p as u8));
        all.extend(
            obs.units
                .iter()
                .filter(|u| u.owner.0 as usize == p)
                .copied(),
        );
    }
    all.sort_by_key(|u| u.id);
    all
}

pub fn unit(game: &mut Game, id: UnitId) -> Option<UnitView> {
    all_units(game).into_iter().find(|u| u.id == id)
}

pub fn pos_of(game: &mut Game, id: UnitId) -> Pos {
    unit(game, id).expect("unit is alive").pos
}

pub fn hp_of(game: &mut Game, id: UnitId) -> u16 {
    unit(game, id).expect("unit is alive").hp
}

pub fn mv(unit: UnitId, dir: Direction) -> Action {
    Action::Move { unit, dir }
}

pub fn attack(unit: UnitId, dir: Direction) -> Action {
    Action::Attack { unit, dir }
}

pub fn harvest(unit: UnitId, dir: Direction) -> Action {
    Action::Harvest { unit, dir }
}

/// The reasons in `player`'s current observation, in index order.
pub fn reasons(game: &mut Game, player: PlayerId) -> Vec<(u32, RejectReason)> {
    observe(game, player)
        .rejected
        .iter()
        .map(|r| (r.index, r.reason))
        .collect()
}

/// A tiny deterministic bot: spawn towards the map centre, harvest next to a
/// source, attack next to an enemy, else walk towards the nearest enemy core.
/// It picks among equal choices with an LCG seeded by `salt`, so games differ
/// with the salt but never between runs.
pub struct TestBot {
    pub info: MatchInfo,
    pub salt: u64,
}

impl TestBot {
    pub fn act(&mut self, obs: &Observation, out: &mut Vec<Action>) {
        out.clear();
        let me = self.info.you;
        let (w, h) = (self.info.width, self.info.height);
        if obs.energy >= self.info.rules.unit_cost {
            let dir = Direction::ALL[(self.next() % 4) as usize];
            out.push(Action::Spawn { dir });
        }
        let occupied: Vec<Pos> = obs.units.iter().map(|u| u.pos).collect();
        let target = self
            .info
            .cores
            .iter()
            .filter(|c| c.owner != me)
            .map(|c| c.pos)
            .min_by_key(|p| p.manhattan(self.info.my_core()))
            .unwrap_or(Pos::new(w / 2, h / 2));
        for u in obs.my_units(me) {
            let enemy_dir = Direction::ALL.into_iter().find(|&d| {
                u.pos.step(d, w, h).is_some_and(|p| {
                    obs.units.iter().any(|e| e.owner != me && e.pos == p)
                        || obs.cores.iter().any(|c| c.owner != me && c.pos == p)
                })
            });
            if let Some(dir) = enemy_dir {
                out.push(Action::Attack { unit: u.id, dir });
                continue;
            }
            let source_dir = Direction::ALL.into_iter().find(|&d| {
                u.pos
                    .step(d, w, h)
                    .is_some_and(|p| self.info.cell(p) == b'*')
            });
            if let Some(dir) = source_dir
                && !self.next().is_multiple_of(3)
            {
                out.push(Action::Harvest { unit: u.id, dir });
                continue;
            }
            let mut dirs = Direction::ALL;
            dirs.rotate_left((self.next() % 4) as usize);
            let best = dirs
                .into_iter()
                .filter_map(|d| u.pos.step(d, w, h).map(|p| (d, p)))
                .filter(|&(_, p)| self.info.is_floor(p) && !occupied.contains(&p))
                .min_by_key(|&(_, p)| p.manhattan(target));
            if let Some((dir, _)) = best {
                out.push(Action::Move { unit: u.id, dir });
            }
        }
    }

    fn next(&mut self) -> u64 {
        self.salt = self
            .salt
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.salt >> 33
    }
}

/// Limits for `MatchInfo`s in games without a sandbox: the game ignores them.
pub fn play_limits() -> lockstep_sdk::Limits {
    lockstep_sdk::Limits {
        max_ticks: 0,
        init_fuel: 0,
        tick_fuel: 0,
        max_actions: 0,
        max_output_bytes: 0,
        max_log_lines: 0,
        max_log_line_bytes: 0,
        max_memory_bytes: 64 << 20,
    }
}

/// Plays `game` to the end (or `ticks` steps) with one `TestBot` per player,
/// returning the state hash after every step.
pub fn play(game: &mut Game, salt: u64, ticks: u32) -> Vec<[u8; 32]> {
    let limits = play_limits();
    let mut bots: Vec<TestBot> = (0..game.players())
        .map(|p| TestBot {
            info: game.match_info(PlayerId(p as u8), salt, limits.clone()),
            salt: salt ^ (p as u64 * 0x9E37_79B9),
        })
        .collect();
    let mut obs = Observation::default();
    let mut actions = Vec::new();
    let mut hashes = Vec::new();
    for _ in 0..ticks {
        if game.is_over() {
            break;
        }
        for (p, bot) in bots.iter_mut().enumerate() {
            let id = PlayerId(p as u8);
            game.observe(id, &mut obs);
            bot.act(&obs, &mut actions);
            game.submit(id, &actions);
        }
        game.step();
        hashes.push(game.state_hash());
    }
    hashes
}

pub fn default_config() -> GameConfig {
    GameConfig::default()
}
