//! The wire types: what the host sends a bot and what a bot sends back.
//!
//! Field order is part of ABI v1: postcard encodes fields in declaration order
//! with no names, so reordering a field is a breaking change. `docs/abi.md`
//! spells out the byte layout for authors who do not use this crate.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// A seat in the match, `0..players`. Player 0 owns core `A` on the map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PlayerId(pub u8);

/// A unit's id: unique for the whole match, never reused, assigned in spawn order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitId(pub u32);

/// A cell. `x` grows east, `y` grows south; `(0, 0)` is the top-left corner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pos {
    pub x: u16,
    pub y: u16,
}

impl Pos {
    pub const fn new(x: u16, y: u16) -> Self {
        Pos { x, y }
    }

    /// The neighbouring cell in `dir`, or `None` past the `width` x `height` grid.
    pub fn step(self, dir: Direction, width: u16, height: u16) -> Option<Pos> {
        let (x, y) = (self.x as i32, self.y as i32);
        let (nx, ny) = match dir {
            Direction::North => (x, y - 1),
            Direction::East => (x + 1, y),
            Direction::South => (x, y + 1),
            Direction::West => (x - 1, y),
        };
        (nx >= 0 && ny >= 0 && nx < width as i32 && ny < height as i32)
            .then(|| Pos::new(nx as u16, ny as u16))
    }

    /// Squared Euclidean distance, the measure vision uses.
    pub fn dist2(self, other: Pos) -> u32 {
        let dx = self.x.abs_diff(other.x) as u32;
        let dy = self.y.abs_diff(other.y) as u32;
        dx * dx + dy * dy
    }

    /// Steps needed on an empty grid (4-neighbourhood).
    pub fn manhattan(self, other: Pos) -> u32 {
        self.x.abs_diff(other.x) as u32 + self.y.abs_diff(other.y) as u32
    }

    /// The direction of an orthogonally adjacent cell, if `other` is one.
    pub fn direction_to(self, other: Pos) -> Option<Direction> {
        Direction::ALL
            .into_iter()
            .find(|&d| self.step(d, u16::MAX, u16::MAX) == Some(other))
    }
}

/// One of the four orthogonal directions. North is towards `y = 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Direction {
    North,
    East,
    South,
    West,
}

impl Direction {
    pub const ALL: [Direction; 4] = [
        Direction::North,
        Direction::East,
        Direction::South,
        Direction::West,
    ];

    pub fn opposite(self) -> Direction {
        match self {
            Direction::North => Direction::South,
            Direction::East => Direction::West,
            Direction::South => Direction::North,
            Direction::West => Direction::East,
        }
    }
}

/// An order for this tick. At most one order per unit and one `Spawn` per tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// Your core builds a unit on the neighbouring cell in `dir`, for `Rules::unit_cost`.
    Spawn { dir: Direction },
    /// Move one cell. Resolved simultaneously with every other move.
    Move { unit: UnitId, dir: Direction },
    /// Hit the enemy unit or core on the neighbouring cell in `dir`.
    Attack { unit: UnitId, dir: Direction },
    /// Take energy from the source on the neighbouring cell in `dir`.
    Harvest { unit: UnitId, dir: Direction },
}

impl Action {
    /// The unit this order is for; `None` for `Spawn`, which is the core's.
    pub fn unit(&self) -> Option<UnitId> {
        match *self {
            Action::Spawn { .. } => None,
            Action::Move { unit, .. }
            | Action::Attack { unit, .. }
            | Action::Harvest { unit, .. } => Some(unit),
        }
    }
}

/// The numbers of the game's rules for this match (see `docs/rules.md`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    pub core_hp: u16,
    pub unit_hp: u16,
    pub unit_damage: u16,
    pub unit_cost: u32,
    pub start_energy: u32,
    /// Energy every live core earns each tick, harvesting or not.
    pub core_income: u32,
    /// Energy one `Harvest` order yields.
    pub harvest_amount: u32,
    /// Squared vision radius of a unit.
    pub unit_vision2: u32,
    /// Squared vision radius of a core.
    pub core_vision2: u32,
    pub max_units: u16,
}

impl Default for Rules {
    /// The reference game's v1 numbers (`docs/rules.md`); the game's own
    /// default configuration is built from these.
    fn default() -> Self {
        Rules {
            core_hp: 200,
            unit_hp: 10,
            unit_damage: 2,
            unit_cost: 10,
            start_energy: 30,
            core_income: 1,
            harvest_amount: 1,
            unit_vision2: 25,
            core_vision2: 49,
            max_units: 50,
        }
    }
}

/// The limits the host enforces on this bot (see `docs/abi.md`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The game's tick limit (the game's own setting; repeated here for bots).
    pub max_ticks: u32,
    /// Fuel for `lockstep_init`.
    pub init_fuel: u64,
    /// Fuel for each `lockstep_tick` (including the `lockstep_alloc` call before it).
    pub tick_fuel: u64,
    /// Orders past this count are rejected with `TooManyActions` (the game's setting).
    pub max_actions: u32,
    pub max_output_bytes: u32,
    pub max_log_lines: u32,
    pub max_log_line_bytes: u32,
    /// Largest linear memory the bot may grow to, in bytes; `memory.grow`
    /// past it returns -1.
    pub max_memory_bytes: u64,
}

/// A player's core, as listed in `MatchInfo` (positions are public).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoreInfo {
    pub owner: PlayerId,
    pub pos: Pos,
}

/// Sent once, to `lockstep_init`, before tick 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchInfo {
    /// The ABI version the host speaks (1).
    pub abi_version: u8,
    pub you: PlayerId,
    pub players: u8,
    /// A seed for this bot's own randomness, derived from the match seed.
    pub seed: u64,
    pub width: u16,
    pub height: u16,
    /// The map, one string per row (`height` rows of `width` bytes):
    /// `#` wall, `.` floor, `*` energy source, `A`..`H` a core.
    pub rows: Vec<String>,
    /// Every energy source, sorted by (y, x).
    pub sources: Vec<Pos>,
    /// Every player's core, by player id.
    pub cores: Vec<CoreInfo>,
    pub rules: Rules,
    pub limits: Limits,
}

/// The character at `pos` of a map given as rows (`#` for anything off the
/// grid): the one reading of the map format, for `MatchInfo` and the game.
pub fn map_cell(rows: &[String], pos: Pos) -> u8 {
    rows.get(pos.y as usize)
        .and_then(|row| row.as_bytes().get(pos.x as usize))
        .copied()
        .unwrap_or(b'#')
}

impl MatchInfo {
    /// The map character at `pos` (`#` for anything off the grid).
    pub fn cell(&self, pos: Pos) -> u8 {
        map_cell(&self.rows, pos)
    }

    /// Whether a unit may ever stand on `pos`: floor only (walls, sources and
    /// cores block movement).
    pub fn is_floor(&self, pos: Pos) -> bool {
        self.cell(pos) == b'.'
    }

    pub fn my_core(&self) -> Pos {
        self.cores
            .iter()
            .find(|c| c.owner == self.you)
            .map(|c| c.pos)
            .unwrap_or(Pos::new(0, 0))
    }
}

/// A unit this player can see: its own, or an enemy's within vision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitView {
    pub id: UnitId,
    pub owner: PlayerId,
    pub pos: Pos,
    pub hp: u16,
}

/// A core this player can see: its own, or an enemy's within vision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoreView {
    pub owner: PlayerId,
    pub pos: Pos,
    pub hp: u16,
}

/// Why an order from the previous tick did not take effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RejectReason {
    /// No live unit has this id.
    NoSuchUnit,
    /// The unit belongs to another player.
    NotYourUnit,
    /// This unit (or the core, for `Spawn`) already had an accepted order this tick.
    AlreadyOrdered,
    /// The order list was longer than `Limits::max_actions`.
    TooManyActions,
    /// The target cell is off the map, a wall, a source or a core.
    Blocked,
    /// Another unit wanted the same cell, a swap was attempted, or the cell stayed occupied.
    MoveCollided,
    /// No enemy unit or core on the target cell.
    NoEnemy,
    /// No energy source on the target cell.
    NoSource,
    /// `Spawn` with less energy than `Rules::unit_cost`.
    NotEnoughEnergy,
    /// `Spawn` with `Rules::max_units` units alive.
    UnitCap,
    /// `Spawn` onto a cell that was not free after this tick's moves and deaths.
    SpawnBlocked,
}

/// One order that did not take effect, by its index in that tick's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub index: u32,
    pub action: Action,
    pub reason: RejectReason,
}

/// Sent to `lockstep_tick` every tick: this player's view of the world.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub tick: u32,
    pub energy: u32,
    /// Own units and visible enemy units, sorted by id.
    pub units: Vec<UnitView>,
    /// Own core and visible enemy cores, sorted by owner.
    pub cores: Vec<CoreView>,
    /// The previous tick's orders that did not take effect.
    pub rejected: Vec<Rejection>,
    /// Players already out of the match (core destroyed), sorted by id.
    /// Public: everyone learns of an elimination, seen or not.
    pub eliminated: Vec<PlayerId>,
}

impl Observation {
    pub fn my_units(&self, me: PlayerId) -> impl Iterator<Item = &UnitView> {
        self.units.iter().filter(move |u| u.owner == me)
    }

    pub fn enemy_units(&self, me: PlayerId) -> impl Iterator<Item = &UnitView> {
        self.units.iter().filter(move |u| u.owner != me)
    }
}
