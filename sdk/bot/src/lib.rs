//! The game-independent half of a Lockstep bot in Rust: ABI v1's names and
//! numbers ([`abi`]), its two encodings ([`encoding`]), the [`Runner`] that
//! decodes a game's messages, calls an [`Agent`] and encodes its answer,
//! [`export_agent!`] that turns an agent into the four wasm exports, and
//! [`log!`].
//!
//! Bots do not use this crate directly: each game has an SDK crate with its
//! wire types, a `Bot` trait over them and an `export_bot!` macro built on
//! this one (`lockstep-sdk` for the reference game,
//! `lockstep-connect-four-sdk`, ...). `docs/abi.md` is the contract for other
//! languages.
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod abi;
pub mod encoding;
pub mod log;

pub use abi::{ABI_VERSION, Agent, GlobalRunner, Runner};
pub use encoding::{DecodeError, Encoding, decode, encode, encode_into};
