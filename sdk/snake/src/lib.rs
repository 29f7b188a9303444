//! The snake game's wire types: what the host sends a snake bot and what it
//! answers, with a few helpers bots want (`Pos::step`, `Pos::neighbours`).
//!
//! Field order is ABI: postcard encodes fields in declaration order with no
//! names, and enum variants by their index, so reordering a field or a
//! variant is a breaking change. JSON bots get the same fields by name.
//! `docs/games/snake.md` has the rules and every type field by field.
//!
//! Coordinates: `(0, 0)` is the top-left cell, `x` grows right and `y` grows
//! **down**, as everywhere in Lockstep. [`Direction::Up`] is towards `y = 0`,
//! the top of the screen. (BattleSnake's `y` grows up, so its `"up"` is
//! `y + 1`; a bot ported from there flips `y`, or swaps `Up` and `Down`.)
#![no_std]

extern crate alloc;

mod geometry;
mod types;

pub use geometry::{Direction, Pos};
pub use types::*;
