//! ABI v1: the names and numbers both sides agree on (from `lockstep-bot`),
//! and the glue that turns a [`Bot`] of the reference game into the four
//! exports. `docs/abi.md` is the language-neutral contract.

pub use lockstep_bot::abi::{
    ABI_VERSION, EXPORT_ABI, EXPORT_ALLOC, EXPORT_INIT, EXPORT_INITIALIZE, EXPORT_MEMORY,
    EXPORT_START, EXPORT_TICK, IMPORT_LOG, IMPORT_MODULE, abi_word, pack_output, unpack_output,
};

use crate::types::{Action, MatchInfo, Observation};
use alloc::vec::Vec;
use lockstep_bot::Agent;

/// This crate's name, as the runner's log lines start with it.
pub(crate) const SDK: &str = "lockstep-sdk";

/// A bot: its state lives in `Self` between ticks.
pub trait Bot: Sized {
    /// Called once, before tick 0, with the map, your id and the limits.
    fn new(info: &MatchInfo) -> Self;
    /// Called every tick with what you can see; returns your orders.
    fn tick(&mut self, obs: &Observation) -> Vec<Action>;
}

/// A [`Bot`] seen as a `lockstep-bot` [`Agent`] of the reference game: what
/// [`Runner`] and [`export_bot!`](crate::export_bot) run.
#[repr(transparent)]
pub struct Adapter<B>(pub B);

impl<B: Bot> Agent for Adapter<B> {
    type Init = MatchInfo;
    type Observation = Observation;
    type Action = Action;

    const SDK: &'static str = SDK;
    const INIT: &'static str = "MatchInfo";
    const OBSERVATION: &'static str = "Observation";

    #[inline]
    fn new(info: &MatchInfo) -> Self {
        Adapter(B::new(info))
    }

    #[inline]
    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        self.0.tick(obs)
    }
}

/// Decodes input, runs the bot, encodes output. Shared by the wasm exports and
/// native runs, so a native baseline does exactly the work the sandboxed bot
/// does: `Runner::<MyBot>::new(Encoding::Postcard)`.
pub type Runner<B> = lockstep_bot::Runner<Adapter<B>>;

/// The one runner of a wasm instance.
#[doc(hidden)]
pub type GlobalRunner<B> = lockstep_bot::GlobalRunner<Adapter<B>>;

/// Turns a type implementing [`Bot`] into a Lockstep bot module.
///
/// ```ignore
/// struct MyBot { /* state kept between ticks */ }
/// impl lockstep_sdk::Bot for MyBot { /* new, tick */ }
/// lockstep_sdk::export_bot!(MyBot);       // postcard
/// // lockstep_sdk::export_bot!(MyBot, Json); // or JSON
/// ```
///
/// Outside wasm32 the macro expands to nothing, so the same crate also builds
/// as a native library. It is `lockstep_bot::export_agent!` on
/// [`Adapter<MyBot>`](Adapter).
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
