//! The state hash: blake3 over a fixed little-endian encoding of everything
//! that decides the rest of the match, walking seats and sorted lists only.

use lockstep_snake_sdk::{Direction, HazardMode, RejectReason};

use crate::Settings;
use crate::map::Board;
use crate::state::{Cause, Clock, Dice, Food, Hazards, Rejections, Snakes};

/// Bump when the encoding changes, so old and new hashes never match by accident.
const TAG: &[u8] = b"lockstep-snake state v1";

/// A digest of what never changes during a match: board, seats, settings.
pub fn setup_digest(board: &Board, seats: usize, settings: &Settings) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"lockstep-snake setup v1");
    h.update(&board.width.to_le_bytes());
    h.update(&board.height.to_le_bytes());
    h.update(&(seats as u32).to_le_bytes());
    h.update(&settings.max_ticks.to_le_bytes());
    h.update(&settings.hazard_damage.to_le_bytes());
    h.update(&settings.minimum_food.to_le_bytes());
    h.update(&[settings.food_spawn_chance]);
    h.update(&[match settings.hazards {
        HazardMode::None => 0,
        HazardMode::Royale => 1,
    }]);
    h.update(&settings.shrink_every.to_le_bytes());
    h.finalize().into()
}

/// The parts of the world the hash covers.
pub struct Parts<'a> {
    pub clock: &'a Clock,
    pub snakes: &'a Snakes,
    pub food: &'a Food,
    pub hazards: &'a Hazards,
    pub dice: &'a Dice,
    pub rejections: &'a Rejections,
}

pub fn state_hash(setup: &[u8; 32], parts: &Parts<'_>) -> [u8; 32] {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(TAG);
    buf.extend_from_slice(setup);
    buf.extend_from_slice(&parts.clock.tick.to_le_bytes());
    // Where the dice are: the next draws follow from it and the seed.
    buf.extend_from_slice(&parts.dice.0.get_word_pos().to_le_bytes());
    buf.extend_from_slice(&(parts.snakes.0.len() as u32).to_le_bytes());
    for s in &parts.snakes.0 {
        buf.push(u8::from(s.alive));
        buf.extend_from_slice(&s.health.to_le_bytes());
        buf.push(dir_byte(s.heading));
        let (at, cause) = s
            .eliminated
            .map_or((u32::MAX, 0), |(t, c)| (t, cause_byte(c)));
        buf.extend_from_slice(&at.to_le_bytes());
        buf.push(cause);
        buf.extend_from_slice(&(s.body.len() as u32).to_le_bytes());
        for c in &s.body {
            buf.extend_from_slice(&c.x.to_le_bytes());
            buf.extend_from_slice(&c.y.to_le_bytes());
        }
    }
    buf.extend_from_slice(&(parts.food.0.len() as u32).to_le_bytes());
    for f in &parts.food.0 {
        buf.extend_from_slice(&f.x.to_le_bytes());
        buf.extend_from_slice(&f.y.to_le_bytes());
    }
    let h = parts.hazards;
    for v in [h.x0, h.x1, h.y0, h.y1] {
        buf.extend_from_slice(&v.to_le_bytes());
    }
    // Last tick's rejections are part of what bots see next.
    for list in &parts.rejections.last {
        buf.extend_from_slice(&(list.len() as u32).to_le_bytes());
        for r in list {
            buf.extend_from_slice(&r.index.to_le_bytes());
            buf.push(match r.reason {
                RejectReason::ExtraOrder => 0,
                RejectReason::Eliminated => 1,
            });
        }
    }
    blake3::hash(&buf).into()
}

fn dir_byte(d: Direction) -> u8 {
    match d {
        Direction::Up => 0,
        Direction::Down => 1,
        Direction::Left => 2,
        Direction::Right => 3,
    }
}

fn cause_byte(c: Cause) -> u8 {
    match c {
        Cause::OutOfBounds => 1,
        Cause::OutOfHealth => 2,
        Cause::SelfCollision => 3,
        Cause::SnakeCollision => 4,
        Cause::HeadToHead => 5,
    }
}
