//! Connect four's wire types: what the host tells a bot and what a bot
//! answers. The rules are in `docs/games/connect-four.md`.
//!
//! To write a bot, implement [`Bot`] and add `export_bot!(MyBot);` (module
//! [`abi`], over the game-independent glue of `lockstep-bot`, whose
//! encodings and [`log!`] this crate re-exports); build the crate as a
//! `cdylib` for `wasm32-unknown-unknown`.
//!
//! Field and variant order is ABI: postcard encodes a struct's fields in
//! declaration order with no names, and an enum's variant by its index, so
//! reordering either is a breaking change.

#![no_std]

extern crate alloc;

pub mod abi;

pub use abi::{Bot, Runner};
/// `log!`: one line into the bot's log for this turn (`lockstep-bot`'s).
pub use lockstep_bot::log;
pub use lockstep_bot::{ABI_VERSION, DecodeError, Encoding, decode, encode, encode_into};

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Sent once, before the first tick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Init {
    /// Your seat: 0 or 1. Seat 0 moves first.
    pub you: u8,
    /// A seed for your own randomness, derived from the match seed.
    pub seed: u64,
    /// The board's width, 4..=12 (7 on the classic board).
    pub columns: u8,
    /// The board's height, 4..=12 (6 on the classic board).
    pub rows: u8,
    /// The match is a draw once this many discs have been dropped.
    pub max_ticks: u32,
    pub limits: Limits,
}

/// The limits the host enforces on this bot (`docs/abi.md`, section 4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Fuel for instantiation and for `lockstep_init`, each.
    pub init_fuel: u64,
    /// Fuel for each `lockstep_tick` call.
    pub tick_fuel: u64,
    pub max_output_bytes: u32,
    pub max_log_lines: u32,
    pub max_log_line_bytes: u32,
    /// The most linear memory the bot may grow to, in bytes.
    pub max_memory_bytes: u64,
}

/// Sent each tick it is your turn (you are never called otherwise).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// This tick, from 0: the number of discs dropped so far.
    pub tick: u32,
    /// `columns * rows` cells, bottom row first, each row from column 0:
    /// the cell at (`column`, `row`) is `board[row * columns + column]`.
    /// `0` empty, `1` seat 0's disc, `2` seat 1's disc.
    pub board: Vec<u8>,
    /// The column your opponent just dropped in; `None` on the first move.
    pub last_move: Option<u8>,
    /// The first of your actions last turn that did not take effect.
    pub rejected: Option<Rejection>,
}

impl Observation {
    /// The cell at (`column`, `row`): 0 empty, 1 or 2 a disc (see `board`).
    pub fn cell(&self, columns: u8, column: u8, row: u8) -> u8 {
        self.board[row as usize * columns as usize + column as usize]
    }

    /// Whether a disc can still be dropped into `column` (its top cell is empty).
    pub fn is_open(&self, columns: u8, column: u8) -> bool {
        let rows = (self.board.len() / columns as usize) as u8;
        column < columns && self.cell(columns, column, rows - 1) == 0
    }
}

/// An action that did not take effect, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub column: u8,
    pub reason: RejectReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RejectReason {
    /// `column` is not below `Init::columns`.
    NoSuchColumn,
    /// `column` already holds `Init::rows` discs.
    ColumnFull,
    /// An earlier action of the same turn was already played.
    AlreadyDropped,
}

/// What a bot answers each turn, as a list: the first `Drop` into an open
/// column is played. A turn with none forfeits the match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Drop a disc into `column` (0 is the leftmost): it falls to the lowest
    /// empty cell.
    Drop { column: u8 },
}
