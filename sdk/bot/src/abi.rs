//! ABI v1: the names and numbers both sides agree on, and the glue that turns
//! an [`Agent`] into the four exports. `docs/abi.md` is the language-neutral
//! contract; a game's SDK supplies the wire types and its own `Bot` trait.

use crate::encoding::{self, Encoding};
use alloc::vec::Vec;
use serde::{Serialize, de::DeserializeOwned};

pub const ABI_VERSION: u8 = 1;

pub const EXPORT_MEMORY: &str = "memory";
pub const EXPORT_ABI: &str = "lockstep_abi";
pub const EXPORT_ALLOC: &str = "lockstep_alloc";
pub const EXPORT_INIT: &str = "lockstep_init";
pub const EXPORT_TICK: &str = "lockstep_tick";
/// A WASI reactor's initialisation, `() -> ()`: optional; when a module
/// exports it, the host calls it once after instantiating, before anything else.
pub const EXPORT_INITIALIZE: &str = "_initialize";
/// A WASI command's entry point: a bot must not export it (it is a
/// reactor: the host calls its exports, never a `main`).
pub const EXPORT_START: &str = "_start";
pub const IMPORT_MODULE: &str = "lockstep";
pub const IMPORT_LOG: &str = "log";

/// `lockstep_abi()`'s value: `version << 8 | encoding`.
pub const fn abi_word(encoding: Encoding) -> i32 {
    ((ABI_VERSION as i32) << 8) | encoding as i32
}

/// `lockstep_tick`'s return value: `(ptr << 32) | len`.
pub const fn pack_output(ptr: u32, len: u32) -> i64 {
    (((ptr as u64) << 32) | len as u64) as i64
}

pub const fn unpack_output(word: i64) -> (u32, u32) {
    let word = word as u64;
    ((word >> 32) as u32, word as u32)
}

/// A bot of some game, over that game's wire types: its state lives in `Self`
/// between ticks.
///
/// Bot authors implement their game SDK's `Bot` trait instead (e.g.
/// `lockstep_sdk::Bot`, `lockstep_connect_four_sdk::Bot`); a game SDK
/// implements `Agent` on a local adapter around its `Bot`, and its
/// `export_bot!` expands to [`export_agent!`](crate::export_agent).
pub trait Agent: Sized {
    /// What `lockstep_init` receives, once.
    type Init: DeserializeOwned;
    /// What `lockstep_tick` receives, each tick the bot is called.
    type Observation: DeserializeOwned;
    /// One element of what `lockstep_tick` answers (a list of them).
    type Action: Serialize;

    /// The crate named at the start of the runner's log lines, as in
    /// `lockstep-bot: tick before a successful init`.
    const SDK: &'static str = "lockstep-bot";
    /// The name of [`Self::Init`] in the runner's log lines.
    const INIT: &'static str = "Init";
    /// The name of [`Self::Observation`] in the runner's log lines.
    const OBSERVATION: &'static str = "Observation";

    /// Called once, before the first tick.
    fn new(init: &Self::Init) -> Self;
    /// Called each tick with what the bot can see; returns its actions.
    fn tick(&mut self, obs: &Self::Observation) -> Vec<Self::Action>;
}

/// Decodes input, runs the agent, encodes output. Shared by the wasm exports
/// and native runs, so a native baseline does exactly the work the sandboxed
/// bot does.
pub struct Runner<A> {
    encoding: Encoding,
    agent: Option<A>,
    input: Vec<u8>,
    output: Vec<u8>,
}

impl<A: Agent> Runner<A> {
    pub const fn new(encoding: Encoding) -> Self {
        Runner {
            encoding,
            agent: None,
            input: Vec::new(),
            output: Vec::new(),
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The agent, once an init succeeded.
    pub fn agent(&self) -> Option<&A> {
        self.agent.as_ref()
    }

    /// A buffer of `len` bytes for the host to write the next message into.
    pub fn input_buffer(&mut self, len: usize) -> &mut [u8] {
        self.input.clear();
        self.input.resize(len, 0);
        &mut self.input
    }

    /// `lockstep_init` on the message in the input buffer. 0 = ok, 1 = undecodable.
    pub fn init_from_input(&mut self) -> i32 {
        let input = core::mem::take(&mut self.input);
        let status = self.init(&input);
        self.input = input;
        status
    }

    /// `lockstep_tick` on the message in the input buffer.
    pub fn tick_from_input(&mut self) -> &[u8] {
        let input = core::mem::take(&mut self.input);
        self.tick(&input);
        self.input = input;
        &self.output
    }

    /// Runs `lockstep_init` on an encoded `A::Init`. 0 = ok, 1 = undecodable.
    pub fn init(&mut self, bytes: &[u8]) -> i32 {
        match encoding::decode_for::<A::Init>(self.encoding, bytes, A::SDK) {
            Ok(init) => {
                self.agent = Some(A::new(&init));
                0
            }
            Err(e) => {
                crate::log!("{}: {} {e}", A::SDK, A::INIT);
                1
            }
        }
    }

    /// Runs one tick on an encoded `A::Observation`; returns the encoded
    /// actions. Before a successful init, or on undecodable input, the list
    /// is empty.
    pub fn tick(&mut self, bytes: &[u8]) -> &[u8] {
        let actions = match (
            &mut self.agent,
            encoding::decode_for::<A::Observation>(self.encoding, bytes, A::SDK),
        ) {
            (Some(agent), Ok(obs)) => agent.tick(&obs),
            (None, _) => {
                crate::log!("{}: tick before a successful init", A::SDK);
                Vec::new()
            }
            (_, Err(e)) => {
                crate::log!("{}: {} {e}", A::SDK, A::OBSERVATION);
                Vec::new()
            }
        };
        self.output.clear();
        encoding::encode_into_for(self.encoding, &actions, &mut self.output, A::SDK);
        &self.output
    }
}

/// The one runner of a wasm instance. Wasm bots are single-threaded, so a
/// plain cell is enough; natively this type is never shared across threads.
#[doc(hidden)]
pub struct GlobalRunner<A>(core::cell::UnsafeCell<Runner<A>>);

// SAFETY: only instantiated in wasm32 modules, which have one thread.
unsafe impl<A> Sync for GlobalRunner<A> {}

impl<A: Agent> GlobalRunner<A> {
    pub const fn new(encoding: Encoding) -> Self {
        GlobalRunner(core::cell::UnsafeCell::new(Runner::new(encoding)))
    }

    /// The runner, mutably.
    ///
    /// # Safety
    /// The caller must be the only code touching the runner while the reference
    /// lives: true for the generated exports (one wasm thread, never re-entered).
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn get(&self) -> &mut Runner<A> {
        unsafe { &mut *self.0.get() }
    }
}

/// Turns a type implementing [`Agent`] into a Lockstep bot module: the four
/// exports of ABI v1 around one [`GlobalRunner`]. A game SDK's `export_bot!`
/// expands to this with its adapter type; bot authors use that macro.
///
/// ```ignore
/// lockstep_bot::export_agent!(MyAgent);        // postcard
/// lockstep_bot::export_agent!(MyAgent, Json);  // or JSON
/// ```
///
/// Outside wasm32 the macro expands to nothing, so the same crate also builds
/// as a native library.
#[macro_export]
macro_rules! export_agent {
    ($agent:ty) => {
        $crate::export_agent!($agent, Postcard);
    };
    ($agent:ty, $encoding:ident) => {
        #[cfg(target_arch = "wasm32")]
        mod __lockstep_exports {
            use super::*;

            static RUNNER: $crate::abi::GlobalRunner<$agent> =
                $crate::abi::GlobalRunner::new($crate::Encoding::$encoding);

            #[unsafe(no_mangle)]
            pub extern "C" fn lockstep_abi() -> i32 {
                $crate::abi::abi_word($crate::Encoding::$encoding)
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn lockstep_alloc(len: i32) -> i32 {
                // SAFETY: single-threaded wasm; exports are never re-entered.
                let runner = unsafe { RUNNER.get() };
                runner.input_buffer(len.max(0) as usize).as_mut_ptr() as i32
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn lockstep_init(_ptr: i32, _len: i32) -> i32 {
                // SAFETY: as above. The host wrote the message into our own buffer.
                unsafe { RUNNER.get() }.init_from_input()
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn lockstep_tick(_ptr: i32, _len: i32) -> i64 {
                // SAFETY: as above.
                let out = unsafe { RUNNER.get() }.tick_from_input();
                $crate::abi::pack_output(out.as_ptr() as u32, out.len() as u32)
            }
        }
    };
}
