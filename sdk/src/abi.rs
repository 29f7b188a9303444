//! ABI v1: the names and numbers both sides agree on, and the glue that turns a
//! [`Bot`] into the four exports. `docs/abi.md` is the language-neutral contract.

use crate::encoding::{self, Encoding};
use crate::types::{Action, MatchInfo, Observation};
use alloc::vec::Vec;

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

/// A bot: its state lives in `Self` between ticks.
pub trait Bot: Sized {
    /// Called once, before tick 0, with the map, your id and the limits.
    fn new(info: &MatchInfo) -> Self;
    /// Called every tick with what you can see; returns your orders.
    fn tick(&mut self, obs: &Observation) -> Vec<Action>;
}

/// Decodes input, runs the bot, encodes output. Shared by the wasm exports and
/// native runs, so a native baseline does exactly the work the sandboxed bot does.
pub struct Runner<B> {
    encoding: Encoding,
    bot: Option<B>,
    input: Vec<u8>,
    output: Vec<u8>,
}

impl<B: Bot> Runner<B> {
    pub const fn new(encoding: Encoding) -> Self {
        Runner {
            encoding,
            bot: None,
            input: Vec::new(),
            output: Vec::new(),
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
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

    pub fn init(&mut self, bytes: &[u8]) -> i32 {
        match encoding::decode::<MatchInfo>(self.encoding, bytes) {
            Ok(info) => {
                self.bot = Some(B::new(&info));
                0
            }
            Err(e) => {
                crate::log!("lockstep-sdk: MatchInfo {e}");
                1
            }
        }
    }

    /// Runs one tick on an encoded `Observation`; returns the encoded orders.
    /// Before a successful init, or on undecodable input, the orders are empty.
    pub fn tick(&mut self, bytes: &[u8]) -> &[u8] {
        let actions = match (
            &mut self.bot,
            encoding::decode::<Observation>(self.encoding, bytes),
        ) {
            (Some(bot), Ok(obs)) => bot.tick(&obs),
            (None, _) => {
                crate::log!("lockstep-sdk: tick before a successful init");
                Vec::new()
            }
            (_, Err(e)) => {
                crate::log!("lockstep-sdk: Observation {e}");
                Vec::new()
            }
        };
        self.output.clear();
        encoding::encode_into(self.encoding, &actions, &mut self.output);
        &self.output
    }
}

/// The one runner of a wasm instance. Wasm bots are single-threaded, so a
/// plain cell is enough; natively this type is never shared across threads.
#[doc(hidden)]
pub struct GlobalRunner<B>(core::cell::UnsafeCell<Runner<B>>);

// SAFETY: only instantiated in wasm32 modules, which have one thread.
unsafe impl<B> Sync for GlobalRunner<B> {}

impl<B: Bot> GlobalRunner<B> {
    pub const fn new(encoding: Encoding) -> Self {
        GlobalRunner(core::cell::UnsafeCell::new(Runner::new(encoding)))
    }

    /// The runner, mutably.
    ///
    /// # Safety
    /// The caller must be the only code touching the runner while the reference
    /// lives: true for the generated exports (one wasm thread, never re-entered).
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn get(&self) -> &mut Runner<B> {
        unsafe { &mut *self.0.get() }
    }
}

/// Turns a type implementing [`Bot`] into a Lockstep bot module.
///
/// ```ignore
/// struct MyBot { /* state kept between ticks */ }
/// impl lockstep_sdk::Bot for MyBot { /* new, tick */ }
/// lockstep_sdk::export_bot!(MyBot);                    // postcard
/// // lockstep_sdk::export_bot!(MyBot, Encoding::Json); // or JSON
/// ```
///
/// Outside wasm32 the macro expands to nothing, so the same crate also builds
/// as a native library.
#[macro_export]
macro_rules! export_bot {
    ($bot:ty) => {
        $crate::export_bot!($bot, Postcard);
    };
    ($bot:ty, $encoding:ident) => {
        #[cfg(target_arch = "wasm32")]
        mod __lockstep_exports {
            use super::*;

            static RUNNER: $crate::abi::GlobalRunner<$bot> =
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
