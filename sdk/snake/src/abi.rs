//! The bot glue: [`Bot`] over snake's wire types, and
//! [`export_bot!`](crate::export_bot) that turns it into the four exports of
//! ABI v1 (`docs/abi.md`), through `lockstep-bot`.

use crate::{Action, Init, Observation};
use alloc::vec::Vec;
use lockstep_bot::Agent;

/// This crate's name, as the runner's log lines start with it.
pub(crate) const SDK: &str = "lockstep-snake-sdk";

/// A snake bot: its state lives in `Self` between ticks.
pub trait Bot: Sized {
    /// Called once, before tick 0, with your seat, the board and the rules.
    fn new(init: &Init) -> Self;
    /// Called each tick your snake is alive; returns your orders (the first
    /// `Move` counts; none keeps the snake going the way it last moved).
    fn tick(&mut self, obs: &Observation) -> Vec<Action>;
}

/// A [`Bot`] seen as a `lockstep-bot` [`Agent`] of snake: what [`Runner`]
/// and [`export_bot!`](crate::export_bot) run.
#[repr(transparent)]
pub struct Adapter<B>(pub B);

impl<B: Bot> Agent for Adapter<B> {
    type Init = Init;
    type Observation = Observation;
    type Action = Action;

    const SDK: &'static str = SDK;
    const INIT: &'static str = "Init";
    const OBSERVATION: &'static str = "Observation";

    #[inline]
    fn new(init: &Init) -> Self {
        Adapter(B::new(init))
    }

    #[inline]
    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        self.0.tick(obs)
    }
}

/// Decodes input, runs the bot, encodes output, as the wasm exports do:
/// `Runner::<MyBot>::new(Encoding::Postcard)`, to test a bot natively on
/// encoded messages.
pub type Runner<B> = lockstep_bot::Runner<Adapter<B>>;

/// Turns a type implementing [`Bot`] into a snake bot module.
///
/// ```ignore
/// struct MyBot { /* state kept between ticks */ }
/// impl lockstep_snake_sdk::Bot for MyBot { /* new, tick */ }
/// lockstep_snake_sdk::export_bot!(MyBot);       // postcard
/// // lockstep_snake_sdk::export_bot!(MyBot, Json); // or JSON
/// ```
///
/// Outside wasm32 the macro expands to nothing, so the same crate also builds
/// as a native library (for `cargo test`).
#[macro_export]
macro_rules! export_bot {
    ($bot:ty) => {
        $crate::export_bot!($bot, Postcard);
    };
    ($bot:ty, $encoding:ident) => {
        $crate::abi::__export_agent!($crate::abi::Adapter<$bot>, $encoding);
    };
}

#[doc(hidden)]
pub use lockstep_bot::export_agent as __export_agent;
