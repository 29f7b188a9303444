//! What one call into a bot came to. An outcome, never a panic.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How a call into a bot ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Returned in budget with well-formed output.
    Ok,
    /// The fuel budget ran out; the call was cut off.
    OutOfFuel,
    /// The wall-clock backstop stopped the call (see `SandboxConfig::watchdog_ms`).
    /// Never reached by ordinary code within its fuel budget.
    Watchdog,
    /// The bot trapped (a Rust bot's panic is `unreachable`).
    Trap { trap: TrapKind },
    /// The bot trapped after a `memory.grow` was refused at the memory limit
    /// in the same call: almost always its allocator giving up.
    MemoryExhausted { trap: TrapKind },
    /// `lockstep_alloc` returned a range outside the bot's memory.
    BadAlloc {
        ptr: u32,
        len: u32,
        memory_bytes: u64,
    },
    /// The returned output could not be used.
    BadOutput { reason: BadOutput },
    /// `lockstep_init` returned a non-zero status.
    InitFailed { status: i32 },
    /// Under the `resume` overrun policy: the tick's fuel ran out and the call
    /// was suspended, to continue next tick. Not a failure; no orders this tick.
    Suspended,
    /// The bot called WASI's `proc_exit(code)`: the call ended there, with
    /// no output. Handled by the overrun policy like a trap, whatever the code.
    Exited { code: i32 },
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }

    /// Whether the call failed: anything but `Ok` and `Suspended` (a suspended
    /// call has not ended yet).
    pub fn is_failure(&self) -> bool {
        !matches!(self, Outcome::Ok | Outcome::Suspended)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok => f.write_str("ok"),
            Outcome::OutOfFuel => f.write_str("out of fuel"),
            Outcome::Watchdog => f.write_str("stopped by the wall-clock watchdog"),
            Outcome::Trap { trap } => write!(f, "trap: {trap}"),
            Outcome::MemoryExhausted { trap } => {
                write!(
                    f,
                    "out of memory (the memory limit refused to grow; then trap: {trap})"
                )
            }
            Outcome::BadAlloc {
                ptr,
                len,
                memory_bytes,
            } => write!(
                f,
                "lockstep_alloc({len}) returned {ptr}, outside the {memory_bytes}-byte memory"
            ),
            Outcome::BadOutput { reason } => write!(f, "bad output: {reason}"),
            Outcome::InitFailed { status } => write!(f, "lockstep_init returned {status}"),
            Outcome::Suspended => f.write_str("suspended (the call continues next tick)"),
            Outcome::Exited { code } => write!(f, "exited: the bot called proc_exit({code})"),
        }
    }
}

/// Why output bytes were refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum BadOutput {
    /// `ptr..ptr+len` is not inside the bot's memory.
    OutOfBounds {
        ptr: u32,
        len: u32,
        memory_bytes: u64,
    },
    /// Longer than the sandbox's `max_output_bytes`.
    TooLarge { len: u32, max: u32 },
    /// In bounds, but not a valid message in the bot's encoding.
    Undecodable { message: String },
}

impl fmt::Display for BadOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadOutput::OutOfBounds {
                ptr,
                len,
                memory_bytes,
            } => write!(
                f,
                "{len} bytes at {ptr} are outside the {memory_bytes}-byte memory"
            ),
            BadOutput::TooLarge { len, max } => {
                write!(f, "{len} bytes, more than the {max}-byte limit")
            }
            BadOutput::Undecodable { message } => f.write_str(message),
        }
    }
}

/// The kind of a trap, named as in the wasm spec where it has a name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrapKind {
    Unreachable,
    StackOverflow,
    MemoryOutOfBounds,
    HeapMisaligned,
    TableOutOfBounds,
    IndirectCallToNull,
    BadSignature,
    IntegerOverflow,
    IntegerDivisionByZero,
    BadConversionToInteger,
    /// Anything else the runtime reported, with its message.
    Other(String),
}

impl TrapKind {
    pub(crate) fn from_trap(trap: &wasmtime::Trap) -> TrapKind {
        use wasmtime::Trap as T;
        match trap {
            T::UnreachableCodeReached => TrapKind::Unreachable,
            T::StackOverflow => TrapKind::StackOverflow,
            T::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
            T::HeapMisaligned => TrapKind::HeapMisaligned,
            T::TableOutOfBounds => TrapKind::TableOutOfBounds,
            T::IndirectCallToNull => TrapKind::IndirectCallToNull,
            T::BadSignature => TrapKind::BadSignature,
            T::IntegerOverflow => TrapKind::IntegerOverflow,
            T::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
            T::BadConversionToInteger => TrapKind::BadConversionToInteger,
            other => TrapKind::Other(other.to_string()),
        }
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::StackOverflow => "stack overflow",
            TrapKind::MemoryOutOfBounds => "memory access out of bounds",
            TrapKind::HeapMisaligned => "misaligned atomic access",
            TrapKind::TableOutOfBounds => "table access out of bounds",
            TrapKind::IndirectCallToNull => "indirect call to null",
            TrapKind::BadSignature => "indirect call signature mismatch",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::IntegerDivisionByZero => "integer division by zero",
            TrapKind::BadConversionToInteger => "invalid float to integer conversion",
            TrapKind::Other(message) => message,
        };
        f.write_str(name)
    }
}

/// Everything one call produced, besides its output bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallReport {
    pub outcome: Outcome,
    /// Fuel consumed, including `lockstep_alloc`. Equal to the budget on
    /// `OutOfFuel`; on `Suspended`, the whole segments run this tick. Never
    /// more than the call's budget for this tick.
    pub fuel_used: u64,
    /// Lines the bot logged during the call (under `resume`: during this
    /// tick's part of it), capped by the sandbox config.
    pub logs: Vec<String>,
    /// Log lines past the cap, counted but not kept.
    pub logs_dropped: u32,
}
