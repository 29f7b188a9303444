//! The bot glue: [`Bot`] over connect four's wire types, and
//! [`export_bot!`](crate::export_bot) that turns it into the four exports of
//! ABI v1 (`docs/abi.md`), through `lockstep-bot`.

use crate::{Action, Init, Observation};
use alloc::vec::Vec;
use lockstep_bot::Agent;

/// This crate's name, as the runner's log lines start with it.
pub(crate) const SDK: &str = "lockstep-connect-four-sdk";

/// A connect-four bot: its state lives in `Self` between turns.
pub trait Bot: Sized {
    /// Called once, before the first move, with your seat and the board size.
    fn new(init: &Init) -> Self;
    /// Called on each of your turns with the board; returns your drops (the
    /// first playable one is played, and none forfeits the match).
    fn tick(&mut self, obs: &Observation) -> Vec<Action>;
}

/// A [`Bot`] seen as a `lockstep-bot` [`Agent`] of connect four: what
/// [`Runner`] and [`export_bot!`](crate::export_bot) run.
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

/// Turns a type implementing [`Bot`] into a connect-four bot module.
///
/// ```ignore
/// struct MyBot { /* state kept between turns */ }
/// impl lockstep_connect_four_sdk::Bot for MyBot { /* new, tick */ }
/// lockstep_connect_four_sdk::export_bot!(MyBot);       // postcard
/// // lockstep_connect_four_sdk::export_bot!(MyBot, Json); // or JSON
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
