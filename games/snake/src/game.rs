//! `Snake`: the world, the step schedule, and what the engine's calls read.

use bevy_ecs::prelude::*;
use lockstep_game_api::{Setup, SetupError};
use lockstep_snake_sdk::{Action, Direction, Observation, Pos, RejectReason, SnakeView};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

use crate::hash::{self, Parts};
use crate::map::Board;
use crate::settings::MAX_HEALTH;
use crate::setup::{START_LENGTH, starting_cells, starting_food};
use crate::state::{
    self, Cell, Clock, Dice, Food, Hazards, Orders, Rejections, Rules, SnakeState, Snakes,
};
use crate::{RNG_STREAM, Settings, systems};

/// One match of snake. Deterministic: the same setup and the same sequence
/// of `submit`/`step` calls give the same `state_hash` after every step.
pub struct Snake {
    pub(crate) world: World,
    step: Schedule,
    pub(crate) board: Board,
    pub(crate) settings: Settings,
    setup: [u8; 32],
}

impl Snake {
    /// A new match at tick 0 on `setup.map`, with snakes and the first food
    /// placed from the seed.
    pub fn start(setup: &Setup<'_>, settings: Settings) -> Result<Snake, SetupError> {
        settings.check()?;
        let board = Board::resolve(setup.map, settings.hazards)
            .map_err(|e| SetupError::Map(e.to_string()))?;
        let seats = setup.seats;
        let mut rng = ChaCha8Rng::seed_from_u64(setup.seed);
        rng.set_stream(RNG_STREAM);
        let mut dice = Dice(rng);
        let cells = starting_cells(&board, seats, &mut dice);
        if cells.len() < seats {
            return Err(SetupError::Map(format!(
                "snake map {:?} has room for {} snakes, not {seats}",
                board.name,
                cells.len()
            )));
        }
        let mut food = Food::default();
        for p in starting_food(&board, &cells, &mut dice) {
            food.insert(p);
        }
        let size = state::Board {
            width: board.width,
            height: board.height,
        };
        let mut world = World::new();
        world.insert_resource(size);
        world.insert_resource(Hazards::none(&size));
        world.insert_resource(Rules(settings.clone()));
        world.insert_resource(Clock::default());
        world.insert_resource(Snakes(
            cells
                .iter()
                .map(|&p| SnakeState {
                    body: std::iter::repeat_n(Cell::from(p), START_LENGTH).collect(),
                    health: MAX_HEALTH,
                    alive: true,
                    heading: Direction::Up,
                    eliminated: None,
                })
                .collect(),
        ));
        world.insert_resource(food);
        world.insert_resource(Orders {
            moves: vec![None; seats],
            submitted: vec![false; seats],
        });
        world.insert_resource(Rejections {
            current: vec![Vec::new(); seats],
            last: vec![Vec::new(); seats],
            total: vec![0; seats],
        });
        world.insert_resource(dice);
        let mut step = systems::step_schedule();
        if let Err(e) = step.initialize(&mut world) {
            // Only a bug in the schedule gets here, never a setup.
            return Err(SetupError::Internal {
                game: crate::NAME,
                message: format!("its schedule: {}", e.to_string(step.graph(), &world)),
            });
        }
        let setup = hash::setup_digest(&board, seats, &settings);
        Ok(Snake {
            world,
            step,
            board,
            settings,
            setup,
        })
    }

    /// Ticks completed so far.
    pub fn tick(&self) -> u32 {
        self.world.resource::<Clock>().tick
    }

    pub fn seats(&self) -> usize {
        self.snakes().len()
    }

    pub fn board(&self) -> &Board {
        &self.board
    }

    pub(crate) fn snakes(&self) -> &[SnakeState] {
        &self.world.resource::<Snakes>().0
    }

    pub fn is_alive(&self, seat: usize) -> bool {
        self.snakes().get(seat).is_some_and(|s| s.alive)
    }

    /// At most one snake alive (none with a single seat), or `max_ticks` reached.
    pub fn is_over(&self) -> bool {
        let alive = self.snakes().iter().filter(|s| s.alive).count();
        let last = if self.seats() >= 2 { 1 } else { 0 };
        alive <= last || self.tick() >= self.settings.max_ticks
    }

    /// What every bot sees, with `seat`'s rejections of last tick.
    pub fn observe(&self, seat: usize) -> Observation {
        let size = *self.world.resource::<state::Board>();
        Observation {
            tick: self.tick(),
            snakes: (self.snakes().iter().enumerate())
                .map(|(i, s)| SnakeView {
                    seat: i as u8,
                    alive: s.alive,
                    health: s.health,
                    body: if s.alive {
                        s.body.iter().filter_map(|&c| size.pos(c)).collect()
                    } else {
                        Vec::new()
                    },
                    length: s.length(),
                })
                .collect(),
            food: self.world.resource::<Food>().0.clone(),
            hazards: self.world.resource::<Hazards>().cells(&size),
            rejected: (self.world.resource::<Rejections>().last.get(seat))
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// `seat`'s orders for this tick: the first `Move` counts, the rest are
    /// rejected (`ExtraOrder`), as is everything of an eliminated snake.
    pub fn submit(&mut self, seat: usize, actions: &[Action]) {
        let alive = self.is_alive(seat);
        let world = &mut self.world;
        let already = {
            let mut orders = world.resource_mut::<Orders>();
            let Some(flag) = orders.submitted.get_mut(seat) else {
                return;
            };
            std::mem::replace(flag, true)
        };
        let mut first = None;
        let mut rejections = world.resource_mut::<Rejections>();
        for (index, action) in actions.iter().enumerate() {
            let Action::Move { dir } = *action;
            if !alive {
                rejections.reject(seat, index, RejectReason::Eliminated);
            } else if already || first.is_some() {
                rejections.reject(seat, index, RejectReason::ExtraOrder);
            } else {
                first = Some(dir);
            }
        }
        if first.is_some() {
            world.resource_mut::<Orders>().moves[seat] = first;
        }
    }

    /// Resolves this tick. Does nothing once the match is over.
    pub fn step(&mut self) {
        if !self.is_over() {
            self.step.run(&mut self.world);
        }
    }

    pub fn rejected_total(&self, seat: usize) -> u64 {
        (self.world.resource::<Rejections>().total.get(seat))
            .copied()
            .unwrap_or(0)
    }

    /// blake3 of the whole state (see `hash.rs`). Pending orders are not in
    /// it: call it after `step`.
    pub fn state_hash(&self) -> [u8; 32] {
        let w = &self.world;
        hash::state_hash(
            &self.setup,
            &Parts {
                clock: w.resource(),
                snakes: w.resource(),
                food: w.resource(),
                hazards: w.resource(),
                dice: w.resource(),
                rejections: w.resource(),
            },
        )
    }

    /// Puts `seat`'s snake at `body` (head first; each cell next to the one
    /// before it or the same) with `health`, heading `heading`, alive:
    /// outside the rules, for scenarios and tests. `false` (and no change)
    /// for an unknown seat or a body that is empty, off the board or broken.
    pub fn place_snake(
        &mut self,
        seat: usize,
        body: &[Pos],
        health: u16,
        heading: Direction,
    ) -> bool {
        let size = *self.world.resource::<state::Board>();
        let on_board = body.iter().all(|&p| size.pos(Cell::from(p)).is_some());
        let joined = body
            .windows(2)
            .all(|w| w[0] == w[1] || w[0].manhattan(w[1]) == 1);
        let mut snakes = self.world.resource_mut::<Snakes>();
        let Some(snake) = snakes.0.get_mut(seat) else {
            return false;
        };
        if body.is_empty() || !on_board || !joined {
            return false;
        }
        *snake = SnakeState {
            body: body.iter().map(|&p| Cell::from(p)).collect(),
            health,
            alive: true,
            heading,
            eliminated: None,
        };
        true
    }

    /// Takes `seat`'s snake off the board as if eliminated at tick 0 by
    /// starvation: for scenarios with fewer snakes than seats.
    pub fn remove_snake(&mut self, seat: usize) {
        if let Some(s) = self.world.resource_mut::<Snakes>().0.get_mut(seat) {
            s.alive = false;
            s.eliminated = Some((0, state::Cause::OutOfHealth));
        }
    }

    /// Replaces the food (off-board cells ignored): for scenarios and tests.
    pub fn set_food(&mut self, food: &[Pos]) {
        let size = *self.world.resource::<state::Board>();
        let mut all = Food::default();
        for &p in food {
            if size.pos(Cell::from(p)).is_some() {
                all.insert(p);
            }
        }
        *self.world.resource_mut::<Food>() = all;
    }
}
