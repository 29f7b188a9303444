//! The snake game's wire types: what the host sends a snake bot and what it
//! answers, with a few helpers bots want (`Pos::step`, `Pos::neighbours`).
//!
//! To write a bot, implement [`Bot`] and add `export_bot!(MyBot);` (module
//! [`abi`], over the game-independent glue of `lockstep-bot`, whose
//! encodings and [`log!`] this crate re-exports); build the crate as a
//! `cdylib` for `wasm32-unknown-unknown`.
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

pub mod abi;
mod geometry;
mod types;

pub use abi::{Bot, Runner};
pub use geometry::{Direction, Pos};
/// `log!`: one line into the bot's log for this tick (`lockstep-bot`'s).
pub use lockstep_bot::log;
pub use lockstep_bot::{ABI_VERSION, DecodeError, Encoding, decode, encode, encode_into};
pub use types::*;
