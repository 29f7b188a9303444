//! # Flood: a space-aware snake
//!
//! Each tick it first fills the board from the other snakes' heads at once,
//! to know when each cell could first hold one of them. Then, for each safe
//! move (on the board, not onto a body segment that is still there next
//! tick), it flood-fills the room the new head could reach first: a body
//! cell counts as open once its snake's tail will have left it by the time
//! the head gets there, and a cell another head gets to sooner (or as soon,
//! if that snake is at least as long) is theirs. Then, in order:
//!
//! 1. moves that do not end on a hazard that would starve it;
//! 2. moves no longer-or-equal snake's head can also step into (a
//!    head-to-head it would lose or tie), unless there are none;
//! 3. moves whose room holds at least its own length (if none, the most
//!    room);
//! 4. moves not onto a hazard, unless it has food;
//! 5. when hungry ([`HUNGRY`]) or not strictly the longest: the nearest
//!    food it gets to first; else the most room, then the nearest way to its
//!    own tail (circling it keeps the room open).
//!
//! Ties go to `Direction::ALL` order, so the same board gets the same move.
//! Work is capped by the tick's fuel ([`FUEL_PER_CELL`], [`fill_cap`]).

use lockstep_snake_sdk::{Action, Bot, Direction, Init, Observation, Pos};

/// At or below this health, food comes before room.
pub const HUNGRY: u16 = 40;

/// An upper bound on the fuel one visited cell costs in the wasm build. The
/// bundled build spent 400 to 480 fuel per cell, plus 22k to 60k per call
/// for decoding and the grids (least squares of each call's fuel against
/// the cells it logs, 8-snake games on 7x7 to 25x25: `lockstep match --game
/// snake --map large snake-flood snake-simple ... --replay r`, then
/// `lockstep replay show r --tick N`); the rest is margin.
pub const FUEL_PER_CELL: u64 = 1_000;
/// Cells one fill may visit whatever the limits say, so that a tiny budget
/// still gets a move out.
const MIN_FILL: u32 = 16;

/// The cells one flood fill may visit: half the tick's fuel over
/// [`FUEL_PER_CELL`], shared by the (at most five) fills of a tick; the other
/// half is for decoding the observation and building the grid.
pub fn fill_cap(tick_fuel: u64) -> u32 {
    (tick_fuel / 2 / FUEL_PER_CELL / 5).clamp(u64::from(MIN_FILL), u64::from(u32::MAX)) as u32
}

/// Bits of `Flood::flags`.
const FOOD: u8 = 1;
const HAZARD: u8 = 2;
/// One of our own segments (it stays a tick longer when we eat).
const MINE: u8 = 4;
/// A longer-or-equal head can step here next tick.
const CONTESTED: u8 = 8;

/// What one flood fill found behind a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Room {
    /// Cells reachable from the new head, itself included (at most the cap).
    pub area: u32,
    /// Moves from our head to the nearest food, if the fill met one.
    pub food: Option<u16>,
    /// Moves from our head to where our tail is now, if the fill got there.
    pub tail: Option<u16>,
}

/// What the bot was after this tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Hungry or not the longest: nearest food.
    Food,
    /// Room first, then our tail.
    Space,
    /// No safe move at all.
    Doomed,
}

/// One tick's choice, with the work it took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    pub dir: Direction,
    pub mode: Mode,
    /// Flood fills run and cells they visited, in total.
    pub fills: u32,
    pub cells: u32,
}

/// The bot; the grids are kept between ticks so a tick allocates nothing.
pub struct Flood {
    you: u8,
    width: u16,
    height: u16,
    hazard_damage: u16,
    cap: u32,
    /// Per cell: moves until no body covers it (0: free now).
    free_at: Vec<u16>,
    flags: Vec<u8>,
    /// Per cell: the fill that last visited it (stamps avoid clearing).
    seen: Vec<u32>,
    /// Per cell: the fewest moves any other head needs to get there
    /// (`u16::MAX`: none does), and whether one at least as long as ours
    /// gets there that soon.
    rival_at: Vec<u16>,
    rival_strong: Vec<bool>,
    stamp: u32,
    queue: Vec<(u32, u16)>,
}

impl Flood {
    /// A bot whose fills visit at most `cap` cells each (`Bot::new` sizes
    /// it from the tick's fuel).
    pub fn with_cap(init: &Init, cap: u32) -> Flood {
        let cells = usize::from(init.width) * usize::from(init.height);
        Flood {
            you: init.you,
            width: init.width,
            height: init.height,
            hazard_damage: init.rules.hazard_damage,
            cap: cap.max(MIN_FILL),
            free_at: vec![0; cells],
            flags: vec![0; cells],
            seen: vec![0; cells],
            rival_at: vec![u16::MAX; cells],
            rival_strong: vec![false; cells],
            stamp: 0,
            queue: Vec::with_capacity(cells),
        }
    }

    fn index(&self, p: Pos) -> usize {
        usize::from(p.y) * usize::from(self.width) + usize::from(p.x)
    }

    /// Fills `free_at` and `flags` from the observation.
    fn load(&mut self, obs: &Observation, my_length: u32) {
        self.free_at.fill(0);
        self.flags.fill(0);
        let inside = |p: &Pos| p.x < self.width && p.y < self.height;
        for s in obs.snakes.iter().filter(|s| s.alive) {
            let n = s.body.len();
            for (i, p) in s.body.iter().enumerate().filter(|(_, p)| inside(p)) {
                let at = self.index(*p);
                // Segment i is gone after n - i moves; a doubled tail keeps the
                // larger count of its two indices.
                self.free_at[at] = self.free_at[at].max((n - i).min(usize::from(u16::MAX)) as u16);
                if s.seat == self.you {
                    self.flags[at] |= MINE;
                }
            }
            if s.seat != self.you
                && s.length >= my_length
                && let Some(h) = s.head().filter(inside)
            {
                for (_, q) in h.neighbours(self.width, self.height) {
                    let at = self.index(q);
                    self.flags[at] |= CONTESTED;
                }
            }
        }
        for p in obs.food.iter().filter(|p| inside(p)) {
            let at = self.index(*p);
            self.flags[at] |= FOOD;
        }
        for p in obs.hazards.iter().filter(|p| inside(p)) {
            let at = self.index(*p);
            self.flags[at] |= HAZARD;
        }
    }

    /// The cells next to cell `at`, in `Direction::ALL` order.
    fn around(&self, at: usize) -> [Option<usize>; 4] {
        let w = usize::from(self.width);
        let (x, y) = (at % w, at / w);
        [
            (y > 0).then(|| at - w),
            (y + 1 < usize::from(self.height)).then(|| at + w),
            (x > 0).then(|| at - 1),
            (x + 1 < w).then(|| at + 1),
        ]
    }

    /// Fills `rival_at` and `rival_strong` breadth-first from every other
    /// live head at once; returns the cells visited (at most the cap).
    fn fill_rivals(&mut self, obs: &Observation, my_length: u32) -> u32 {
        self.rival_at.fill(u16::MAX);
        self.rival_strong.fill(false);
        self.queue.clear();
        for s in obs.snakes.iter().filter(|s| s.alive && s.seat != self.you) {
            if let Some(h) = s.head().filter(|h| h.x < self.width && h.y < self.height) {
                let at = self.index(h);
                self.rival_at[at] = 0;
                self.rival_strong[at] = s.length >= my_length;
                self.queue.push((at as u32, 0));
            }
        }
        let mut next = 0;
        while next < self.queue.len() && (next as u32) < self.cap {
            let (at, t) = self.queue[next];
            next += 1;
            let at = at as usize;
            let strong = self.rival_strong[at];
            for q in self.around(at).into_iter().flatten() {
                if self.free_at[q] > t + 1 {
                    continue;
                }
                if self.rival_at[q] == u16::MAX {
                    self.rival_at[q] = t + 1;
                    self.rival_strong[q] = strong;
                    self.queue.push((q as u32, t + 1));
                } else if self.rival_at[q] == t + 1 && strong {
                    // Not processed yet (it is a level further on): the
                    // stronger claim still spreads from it.
                    self.rival_strong[q] = true;
                }
            }
        }
        next as u32
    }

    /// Breadth-first from `start`, one move from our head, over cells that
    /// are free by the time our head could get there and that no other head
    /// takes first; stops at the cap.
    fn fill(&mut self, start: Pos, tail: Pos) -> Room {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.stamp = 1;
        }
        let eats = self.flags[self.index(start)] & FOOD != 0;
        let tail_at = self.index(tail);
        let mut room = Room {
            area: 0,
            food: None,
            tail: None,
        };
        self.queue.clear();
        let first = self.index(start);
        self.seen[first] = self.stamp;
        self.queue.push((first as u32, 1));
        let mut next = 0;
        while next < self.queue.len() && room.area < self.cap {
            let (at, dist) = self.queue[next];
            next += 1;
            let at = at as usize;
            room.area += 1;
            if room.food.is_none() && self.flags[at] & FOOD != 0 {
                room.food = Some(dist);
            }
            if at == tail_at && room.tail.is_none() {
                room.tail = Some(dist);
            }
            for q in self.around(at).into_iter().flatten() {
                if self.seen[q] == self.stamp {
                    continue;
                }
                let mut free_at = self.free_at[q];
                // Eating now keeps our tail one more move (not the one it leaves now).
                if eats && free_at >= 2 && self.flags[q] & MINE != 0 {
                    free_at = free_at.saturating_add(1);
                }
                let d = dist + 1;
                let ours = d < self.rival_at[q] || (d == self.rival_at[q] && !self.rival_strong[q]);
                if free_at <= d && ours {
                    self.seen[q] = self.stamp;
                    self.queue.push((q as u32, d));
                }
            }
        }
        room
    }

    /// This tick's move; `None` when our snake is not on the board.
    pub fn choose(&mut self, obs: &Observation) -> Option<Choice> {
        let me = obs.snake(self.you).filter(|s| s.alive)?;
        let head = me
            .head()
            .filter(|h| h.x < self.width && h.y < self.height)?;
        let tail = *me.body.last()?;
        self.load(obs, me.length);
        let longest = obs
            .snakes
            .iter()
            .filter(|s| s.alive && s.seat != self.you)
            .all(|s| s.length < me.length);
        let mode = if me.health <= HUNGRY || !longest {
            Mode::Food
        } else {
            Mode::Space
        };
        let (mut fills, mut cells) = (1, self.fill_rivals(obs, me.length));
        let mut best: Option<(Key, Direction)> = None;
        for (dir, p) in head.neighbours(self.width, self.height) {
            let at = self.index(p);
            if self.free_at[at] > 1 {
                continue;
            }
            let room = self.fill(p, tail);
            fills += 1;
            cells += room.area;
            let flags = self.flags[at];
            let hazard = flags & HAZARD != 0 && flags & FOOD == 0;
            let roomy = room.area >= me.length || room.area >= self.cap;
            let key = Key {
                survives_hazard: !(hazard && me.health <= self.hazard_damage + 1),
                uncontested: flags & CONTESTED == 0,
                roomy,
                dry: !hazard,
                mode: match mode {
                    _ if !roomy => (room.area, 0),
                    Mode::Food => (
                        u32::MAX - u32::from(room.food.unwrap_or(u16::MAX)),
                        room.area,
                    ),
                    _ => (
                        room.area,
                        u32::MAX - u32::from(room.tail.unwrap_or(u16::MAX)),
                    ),
                },
            };
            if best.as_ref().is_none_or(|(b, _)| key > *b) {
                best = Some((key, dir));
            }
        }
        Some(match best {
            Some((_, dir)) => Choice {
                dir,
                mode,
                fills,
                cells,
            },
            None => Choice {
                // Every move dies: stay on the board if we can.
                dir: head
                    .neighbours(self.width, self.height)
                    .next()
                    .map_or(Direction::Up, |(d, _)| d),
                mode: Mode::Doomed,
                fills,
                cells,
            },
        })
    }
}

/// How good a move is, compared field by field (bigger is better).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    survives_hazard: bool,
    uncontested: bool,
    roomy: bool,
    /// Not on a hazard (unless it has food).
    dry: bool,
    /// Food: (nearer food we get to first, more room); space: (more room,
    /// nearer tail); not roomy: (more room, -).
    mode: (u32, u32),
}

impl Bot for Flood {
    fn new(init: &Init) -> Self {
        Flood::with_cap(init, fill_cap(init.limits.tick_fuel))
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        let Some(c) = self.choose(obs) else {
            return Vec::new();
        };
        lockstep_snake_sdk::log!(
            "{} {:?}: {} fills, {} cells",
            c.dir.name(),
            c.mode,
            c.fills,
            c.cells
        );
        vec![Action::Move { dir: c.dir }]
    }
}

lockstep_snake_sdk::export_bot!(Flood);

#[cfg(test)]
mod tests;
