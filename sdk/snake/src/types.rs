//! The messages: [`Init`] once, then [`Observation`] in and a list of
//! [`Action`]s out each tick. Field order is ABI (postcard encodes fields in
//! declaration order with no names); JSON uses the field names.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::{Direction, Pos};

/// What royale-style hazards do in this match. JSON: `"none"`, `"royale"`;
/// postcard: variant index 0, 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HazardMode {
    /// No hazard cells, ever.
    #[default]
    None,
    /// Every `shrink_every` ticks one more row or column, on a side drawn
    /// from the match seed, becomes hazard: the safe area shrinks from the edges.
    Royale,
}

/// The rules' numbers for this match (the game's settings a bot needs).
/// Field order is ABI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// The match ends after this many ticks.
    pub max_ticks: u32,
    /// Health at the start and after eating (100).
    pub max_health: u16,
    /// Extra health lost on a tick that ends with the head on a hazard cell
    /// (unless there is food there).
    pub hazard_damage: u16,
    /// Food spawns until there are at least this many on the board.
    pub minimum_food: u16,
    /// Otherwise, the chance in percent that one food spawns each tick.
    pub food_spawn_chance: u8,
    pub hazards: HazardMode,
    /// With [`HazardMode::Royale`], ticks between two shrinks of the safe area.
    pub shrink_every: u32,
}

/// The limits the host enforces on this bot (see `docs/limits.md`).
/// Field order is ABI.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Fuel for instantiation and for `lockstep_init`, each.
    pub init_fuel: u64,
    /// Fuel for each `lockstep_tick`.
    pub tick_fuel: u64,
    /// The largest output a call may return, in bytes.
    pub max_output_bytes: u32,
    pub max_log_lines: u32,
    pub max_log_line_bytes: u32,
    /// The most linear memory the bot may grow to, in bytes.
    pub max_memory_bytes: u64,
}

/// Sent once, to `lockstep_init`, before tick 0. Field order is ABI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Init {
    /// Your seat: your snake is `snakes[you]` in every observation.
    pub you: u8,
    /// Snakes in the match (seats `0..snakes`).
    pub snakes: u8,
    /// A seed for this bot's own randomness, derived from the match seed.
    pub seed: u64,
    pub width: u16,
    pub height: u16,
    pub rules: Rules,
    pub limits: Limits,
}

/// One snake as everyone sees it. Field order is ABI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnakeView {
    /// Its seat, `0..snakes`; `Observation::snakes` is sorted by seat.
    pub seat: u8,
    pub alive: bool,
    /// `0..=max_health`; 0 once eliminated by starvation.
    pub health: u16,
    /// Head first, tail last. Right after eating, the last two cells are the
    /// same (the tail stays put on the next move). Empty once eliminated.
    pub body: Vec<Pos>,
    /// Segments, counting a doubled tail twice: what head-to-heads compare.
    /// Kept after elimination (its final length).
    pub length: u32,
}

impl SnakeView {
    /// The head, if the snake is alive.
    pub fn head(&self) -> Option<Pos> {
        self.body.first().copied()
    }
}

/// Why an order did not take effect. Variant order is ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RejectReason {
    /// A second (or later) `Move` this tick: only the first one counts.
    ExtraOrder,
    /// Your snake was already eliminated.
    Eliminated,
}

/// An order of yours from last tick that did not take effect. Field order is ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rejection {
    /// Its index in the list you returned.
    pub index: u32,
    pub reason: RejectReason,
}

/// What a bot gets each tick. Field order is ABI.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// Ticks completed so far: 0 on the first call.
    pub tick: u32,
    /// Every snake, by seat, alive or not.
    pub snakes: Vec<SnakeView>,
    /// Every food, sorted by `(y, x)`.
    pub food: Vec<Pos>,
    /// Every hazard cell, sorted by `(y, x)`.
    pub hazards: Vec<Pos>,
    /// Your orders of last tick that did not take effect, by index.
    pub rejected: Vec<Rejection>,
}

impl Observation {
    /// The snake in `seat` (your own is `snake(init.you)`).
    pub fn snake(&self, seat: u8) -> Option<&SnakeView> {
        self.snakes.get(usize::from(seat))
    }

    /// Whether a live snake's body covers `pos` now. Tails move away next
    /// tick unless their snake has just eaten; this does not guess that.
    pub fn occupied(&self, pos: Pos) -> bool {
        self.snakes
            .iter()
            .filter(|s| s.alive)
            .any(|s| s.body.contains(&pos))
    }

    pub fn has_food(&self, pos: Pos) -> bool {
        self.food
            .binary_search_by(|f| (f.y, f.x).cmp(&(pos.y, pos.x)))
            .is_ok()
    }

    pub fn is_hazard(&self, pos: Pos) -> bool {
        (self
            .hazards
            .binary_search_by(|h| (h.y, h.x).cmp(&(pos.y, pos.x))))
        .is_ok()
    }
}

/// One order. A bot returns a list; the first `Move` counts, later ones are
/// rejected. No order (or an undecodable output): the snake keeps going the
/// way it last moved (up on tick 0). Variant order is ABI: postcard
/// `Move { dir }` is `[0, dir]`; JSON `{"Move":{"dir":"Up"}}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    Move { dir: Direction },
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec;

    fn json<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).unwrap()
    }

    /// The byte and JSON shapes `docs/games/snake.md` documents.
    #[test]
    fn wire_shapes() {
        let up = Action::Move { dir: Direction::Up };
        let right = Action::Move {
            dir: Direction::Right,
        };
        assert_eq!(
            postcard::to_allocvec(&vec![up, right]).unwrap(),
            [2, 0, 0, 0, 3]
        );
        assert_eq!(json(&vec![up]), r#"[{"Move":{"dir":"Up"}}]"#);
        let back: Vec<Action> = postcard::from_bytes(&[1, 0, 1]).unwrap();
        assert_eq!(
            back,
            [Action::Move {
                dir: Direction::Down
            }]
        );

        let o = Observation {
            tick: 3,
            snakes: vec![SnakeView {
                seat: 0,
                alive: true,
                health: 99,
                body: vec![Pos::new(1, 2), Pos::new(1, 3)],
                length: 2,
            }],
            food: vec![Pos::new(4, 0)],
            hazards: vec![],
            rejected: vec![Rejection {
                index: 1,
                reason: RejectReason::ExtraOrder,
            }],
        };
        assert_eq!(
            postcard::to_allocvec(&o).unwrap(),
            [3, 1, 0, 1, 99, 2, 1, 2, 1, 3, 2, 1, 4, 0, 0, 1, 1, 0]
        );
        assert_eq!(
            json(&o),
            r#"{"tick":3,"snakes":[{"seat":0,"alive":true,"health":99,"body":[{"x":1,"y":2},{"x":1,"y":3}],"length":2}],"food":[{"x":4,"y":0}],"hazards":[],"rejected":[{"index":1,"reason":"ExtraOrder"}]}"#
        );
        assert_eq!(json(&HazardMode::Royale), r#""royale""#);
        assert_eq!(postcard::to_allocvec(&HazardMode::Royale).unwrap(), [1]);
    }

    #[test]
    fn observation_helpers() {
        let o = Observation {
            snakes: vec![
                SnakeView {
                    seat: 0,
                    alive: true,
                    health: 5,
                    body: vec![Pos::new(1, 1), Pos::new(1, 2)],
                    length: 2,
                },
                SnakeView {
                    seat: 1,
                    alive: false,
                    health: 0,
                    body: vec![],
                    length: 4,
                },
            ],
            food: vec![Pos::new(3, 0), Pos::new(0, 2)],
            hazards: vec![Pos::new(0, 0), Pos::new(1, 0)],
            ..Observation::default()
        };
        assert_eq!(o.snake(0).and_then(SnakeView::head), Some(Pos::new(1, 1)));
        assert_eq!(o.snake(1).and_then(SnakeView::head), None);
        assert!(o.occupied(Pos::new(1, 2)) && !o.occupied(Pos::new(2, 2)));
        assert!(o.has_food(Pos::new(0, 2)) && o.has_food(Pos::new(3, 0)));
        assert!(!o.has_food(Pos::new(2, 0)));
        assert!(o.is_hazard(Pos::new(1, 0)) && !o.is_hazard(Pos::new(0, 1)));
    }
}
