//! The ECS data: unit components and the resources the systems share.
//!
//! Units are entities; everything per-player or per-cell is a dense resource
//! indexed by our own ids (`PlayerId`, `UnitId`, cell index), never by `Entity`,
//! so no result depends on entity or archetype order.

use bevy_ecs::prelude::*;
use lockstep_sdk::{Action, PlayerId, Pos, RejectReason, Rejection, Rules, UnitId, UnitView};

use crate::Map;

/// Marks a unit entity with its stable id and owner.
#[derive(Component, Clone, Copy, Debug)]
pub struct Unit {
    pub id: UnitId,
    pub owner: PlayerId,
}

/// A unit's cell.
#[derive(Component, Clone, Copy, Debug)]
pub struct At(pub Pos);

/// A unit's hit points; 0 means it dies in this tick's deaths system.
#[derive(Component, Clone, Copy, Debug)]
pub struct Health(pub u16);

/// What stands on a cell of the static map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tile {
    Wall,
    Floor,
    Source,
    Core(PlayerId),
}

/// The static map, as tiles. Units stand only on `Floor`.
#[derive(Resource, Debug)]
pub struct Board {
    pub width: u16,
    pub height: u16,
    pub tiles: Vec<Tile>,
    pub cores: Vec<Pos>,
    /// Cell index -> the cell one step away in each direction (indexed by
    /// `Direction as usize`) if it is floor, else [`Board::NOT_FLOOR`]:
    /// checking a move at submit is then one load, not a step and a tile test.
    pub floor_next: Vec<[Pos; 4]>,
}

impl Board {
    pub fn new(map: &Map) -> Board {
        let mut tiles = Vec::with_capacity(map.width as usize * map.height as usize);
        for row in &map.rows {
            tiles.extend(row.bytes().map(|b| match b {
                b'.' => Tile::Floor,
                b'*' => Tile::Source,
                b'A'..=b'H' => Tile::Core(PlayerId(b - b'A')),
                _ => Tile::Wall,
            }));
        }
        let mut board = Board {
            width: map.width,
            height: map.height,
            tiles,
            cores: map.cores.clone(),
            floor_next: Vec::new(),
        };
        board.floor_next = (0..map.height)
            .flat_map(|y| (0..map.width).map(move |x| Pos::new(x, y)))
            .map(|p| {
                lockstep_sdk::Direction::ALL.map(|dir| {
                    board
                        .step(p, dir)
                        .filter(|&t| board.tile(t) == Tile::Floor)
                        .unwrap_or(Self::NOT_FLOOR)
                })
            })
            .collect();
        board
    }

    /// Marks "not floor" in `floor_next`: off any map (maps are at most 128 wide).
    pub const NOT_FLOOR: Pos = Pos {
        x: u16::MAX,
        y: u16::MAX,
    };

    /// The cell one step from `p` towards `dir` if it is floor: the same as
    /// `step` then a tile test, through `floor_next`.
    #[inline]
    pub fn floor_step(&self, p: Pos, dir: lockstep_sdk::Direction) -> Option<Pos> {
        if p.x >= self.width || p.y >= self.height {
            return self.step(p, dir).filter(|&t| self.tile(t) == Tile::Floor);
        }
        let to = self.floor_next.get(self.idx(p))?[dir as usize];
        (to != Self::NOT_FLOOR).then_some(to)
    }

    /// Row-major cell index; callers pass in-grid positions.
    #[inline]
    pub fn idx(&self, p: Pos) -> usize {
        p.y as usize * self.width as usize + p.x as usize
    }

    /// The tile at `p`, `Wall` off the grid.
    #[inline]
    pub fn tile(&self, p: Pos) -> Tile {
        if p.x < self.width && p.y < self.height {
            self.tiles[self.idx(p)]
        } else {
            Tile::Wall
        }
    }

    #[inline]
    pub fn step(&self, p: Pos, dir: lockstep_sdk::Direction) -> Option<Pos> {
        p.step(dir, self.width, self.height)
    }
}

/// The match's rule numbers and limits.
#[derive(Resource, Clone, Debug)]
pub struct Settings {
    pub rules: Rules,
    pub max_actions: u32,
}

/// Ticks completed so far.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct Clock {
    pub tick: u32,
}

/// One player's economy and core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlayerState {
    pub energy: u32,
    pub core_hp: u16,
    pub alive: bool,
    pub eliminated_at: Option<u32>,
    /// Live units, recounted after every step.
    pub units: u32,
}

/// By player id.
#[derive(Resource, Debug)]
pub struct Players(pub Vec<PlayerState>);

/// Which unit stands on each cell (units only: cores and sources are tiles),
/// and which entity each unit id is. Kept exact by every system that moves,
/// kills or spawns units.
#[derive(Resource, Debug)]
pub struct Units {
    /// Cell index -> unit id, `NONE` if empty.
    pub occupant: Vec<u32>,
    /// Unit id -> entity; `None` once dead. Ids are dense (a global counter).
    pub entity: Vec<Option<Entity>>,
    /// The next id to hand out.
    pub next_id: u32,
}

impl Units {
    pub const NONE: u32 = u32::MAX;

    pub fn occupant(&self, cell: usize) -> Option<UnitId> {
        match self.occupant[cell] {
            Self::NONE => None,
            id => Some(UnitId(id)),
        }
    }

    pub fn entity(&self, id: UnitId) -> Option<Entity> {
        self.entity.get(id.0 as usize).copied().flatten()
    }
}

/// An accepted order, with what resolution needs (positions are fixed at
/// submit time: a unit has one order per tick and only a `Move` moves it).
#[derive(Clone, Copy, Debug)]
pub struct Order {
    pub unit: UnitId,
    pub player: PlayerId,
    pub index: u32,
    pub action: Action,
    /// Where the unit stands.
    pub from: Pos,
    /// The cell the order is aimed at, `None` if off the grid.
    pub target: Option<Pos>,
}

/// A player's accepted `Spawn` for this tick.
#[derive(Clone, Copy, Debug)]
pub struct SpawnOrder {
    pub index: u32,
    pub action: Action,
    pub at: Pos,
}

/// This tick's accepted orders, cleared at the end of the tick.
#[derive(Resource, Debug, Default)]
pub struct Orders {
    pub moves: Vec<Order>,
    pub attacks: Vec<Order>,
    pub harvests: Vec<Order>,
    /// By player id.
    pub spawns: Vec<Option<SpawnOrder>>,
    /// Orders seen this tick per player (the next order's index).
    pub seen: Vec<u32>,
    /// Unit id -> 1 + the tick of its last accepted order (0 = never).
    pub ordered: Vec<u32>,
}

/// Orders that did not take effect, and running totals.
#[derive(Resource, Debug, Default)]
pub struct Rejections {
    /// This tick's, by player, as they happen.
    pub current: Vec<Vec<Rejection>>,
    /// The previous tick's, by player, sorted by index: what `observe` reports.
    pub last: Vec<Vec<Rejection>>,
    /// Cumulative count by player.
    pub total: Vec<u64>,
    /// Scratch for `end_tick`'s merge of sorted runs, kept to avoid allocation.
    pub spare: Vec<Rejection>,
}

impl Rejections {
    pub fn push(&mut self, player: PlayerId, index: u32, action: Action, reason: RejectReason) {
        let p = player.0 as usize;
        if let (Some(list), Some(total)) = (self.current.get_mut(p), self.total.get_mut(p)) {
            list.push(Rejection {
                index,
                action,
                reason,
            });
            *total += 1;
        }
    }

    pub fn reject(&mut self, order: &Order, reason: RejectReason) {
        self.push(order.player, order.index, order.action, reason);
    }
}

/// What this step did to units, so that the view refresh patches what changed
/// instead of rebuilding everything from the entities. Every system that
/// moves, hurts, spawns or kills a unit records it here; the refresh reads it
/// and `forget_changes` clears it.
#[derive(Resource, Debug)]
pub struct Changes {
    /// A unit was spawned or died (or the world is new): rebuild the snapshot
    /// and every player's vision.
    pub roster: bool,
    /// Units that moved (their position, and their owner's vision, changed).
    pub moved: Vec<UnitId>,
    /// Units whose hit points may have changed.
    pub hurt: Vec<UnitId>,
}

impl Default for Changes {
    /// Everything changed: a new world has no view yet.
    fn default() -> Changes {
        Changes {
            roster: true,
            moved: Vec::new(),
            hurt: Vec::new(),
        }
    }
}

/// Derived each step: every unit sorted by id, and each player's vision as one
/// bit per cell. `observe`, `state_hash` and `submit` read this, never a query.
#[derive(Resource, Debug, Default)]
pub struct View {
    pub units: Vec<UnitView>,
    /// Unit id -> index in `units`, `NONE` once dead: `submit`'s lookup.
    pub slot: Vec<u32>,
    /// The smallest rectangle holding every unit (corners included), `None`
    /// without units: a player whose sight covers it sees every unit, and
    /// `observe` then skips the test per unit.
    pub extent: Option<(Pos, Pos)>,
    /// Every player's `height` rows one after the other (player `p`'s are
    /// `p * height..(p + 1) * height`, see [`View::sight`]), bit `x` set if
    /// cell `(x, y)` is visible. A row fits in a `u128` because maps are at
    /// most 128 wide. One vector for everyone: one allocation, cleared in
    /// one go each refresh.
    pub vision: Vec<u128>,
    /// Rows per player in `vision`: the map's height.
    pub height: usize,
    /// A unit's vision disk as column masks (see `systems::disk`).
    pub unit_disk: Vec<u128>,
    /// The same for a core.
    pub core_disk: Vec<u128>,
    /// Who was alive when `vision` was last lit: an elimination relights all.
    pub lit_alive: Vec<bool>,
}

impl View {
    pub const NONE: u32 = u32::MAX;

    /// Player `p`'s vision rows (see `vision`).
    #[inline]
    pub fn sight(&self, p: usize) -> Option<&[u128]> {
        self.vision.get(p * self.height..(p + 1) * self.height)
    }

    /// The live unit `id`, as of the last refresh.
    #[inline]
    pub fn unit(&self, id: UnitId) -> Option<&UnitView> {
        let slot = *self.slot.get(id.0 as usize)?;
        self.units.get(slot as usize)
    }
}

/// Scratch space for move and attack resolution, kept between ticks to avoid allocation.
#[derive(Resource, Debug, Default)]
pub struct Scratch {
    /// Cell index -> number of moves aiming at it.
    pub aimed: Vec<u16>,
    /// Cell index -> index in `Orders::moves` of the move leaving it, or `NONE`.
    pub leaving: Vec<u32>,
    /// Cell index -> index of the single surviving move entering it, or `NONE`.
    pub entering: Vec<u32>,
    /// Per move: still going ahead?
    pub ok: Vec<bool>,
    /// Per move: the cell index it leaves, and the one it aims at (`NONE` if off the grid).
    pub from: Vec<u32>,
    pub to: Vec<u32>,
    pub stack: Vec<u32>,
    /// Cell index -> damage this tick (attacks), zeroed after use.
    pub damage: Vec<u32>,
    pub touched: Vec<usize>,
}

impl Scratch {
    pub const NONE: u32 = u32::MAX;

    pub fn new(cells: usize) -> Scratch {
        Scratch {
            aimed: vec![0; cells],
            leaving: vec![Self::NONE; cells],
            entering: vec![Self::NONE; cells],
            damage: vec![0; cells],
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_sdk::Direction;

    /// The table answers exactly what a step and a tile test would, on and off the grid.
    #[test]
    fn floor_step_is_step_then_a_floor_test() {
        for (spec, players) in [("duel", 2), ("arena", 8), ("random:37x37", 4)] {
            let board = Board::new(&Map::resolve(spec, players, 5).unwrap());
            for y in 0..board.height + 2 {
                for x in 0..board.width + 2 {
                    let p = Pos::new(x, y);
                    for dir in Direction::ALL {
                        let slow = board.step(p, dir).filter(|&t| board.tile(t) == Tile::Floor);
                        assert_eq!(board.floor_step(p, dir), slow, "{spec} {p:?} {dir:?}");
                    }
                }
            }
        }
    }
}
