//! Replays: a streamed, checksummed record of a match that proves its result.
//!
//! A replay holds a header (versions, settings, the map, each bot's module
//! hash), one frame per tick (every bot's orders, outcome, fuel and log lines,
//! and a hash of the world after the step) and a summary. The format is in
//! `docs/replay.md`.
//!
//! - [`ReplayWriter`] is a [`MatchObserver`](crate::match_loop::MatchObserver):
//!   it writes each tick as it ends, so memory does not grow with the match.
//! - [`ReplayReader`] reads it back frame by frame, checking every byte.
//! - [`verify`] plays the match again with the same modules and names the
//!   first tick that differs.
//! - [`Resim`] replays the recorded orders through the game alone (no bots),
//!   to show any tick's world or feed the viewer.

mod format;
mod frame;
mod html;
mod legacy;
mod reader;
mod recorder;
mod resim;
mod verify;
mod viewer;
mod writer;

pub use format::{
    BotRecord, InitRecord, OutcomeRecord, PlayerRecord, ReplayHeader, RuntimeRecord,
    STATE_HASH_BYTES, SandboxLimits, Summary, TickRecord,
};
pub use frame::{FORMAT_VERSION, MAGIC};
pub use html::{render_html, viewer_scripts};
pub use reader::ReplayReader;
pub use recorder::TickRecorder;
pub use resim::{Resim, WorldAt};
pub use verify::{
    Divergence, VerifyError, VerifyReport, check_compatible, sandbox_config_for, verify, verify_in,
};
pub use viewer::viewer_json;
pub use writer::{RecordError, ReplayWriter, play_recorded};

/// The wasmtime this build embeds (pinned `=` in the workspace manifest; a
/// unit test checks the two agree).
pub const WASMTIME_VERSION: &str = "48.0.8";
/// This engine's version, as recorded in replays.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A replay file that cannot be read. Each message says where and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("could not read it: {0}")]
    Io(String),
    #[error("not a Lockstep replay: it does not start with `LOCKSTEP-REPLAY`")]
    NotAReplay,
    #[error(
        "it is in replay format version {version}, newer than this lockstep reads \
         (up to {FORMAT_VERSION}); read it with a newer lockstep"
    )]
    NewerFormat { version: u16 },
    #[error("truncated at byte {offset}, inside {inside}: the file was cut short")]
    Truncated { offset: u64, inside: String },
    #[error("corrupted at byte {offset}: {what}")]
    Corrupted { offset: u64, what: String },
    #[error(
        "the {kind} frame at byte {offset} passes its checksum but does not decode \
         ({error}): it was written by an incompatible build"
    )]
    Undecodable {
        offset: u64,
        kind: &'static str,
        error: String,
    },
    #[error("malformed at byte {offset}: {what}")]
    Malformed { offset: u64, what: String },
}
