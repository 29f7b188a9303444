//! The reference game.
