//! What fuel costs beyond wasmtime's defaults, so that wall time follows fuel.
//!
//! wasmtime charges one unit per ordinary instruction and one per byte or
//! element moved by bulk memory and table instructions. What it charges
//! too little for is work done outside the bot's own code: the runtime calls
//! behind `memory.grow` and `table.grow` (refused or not) and bulk operations
//! on zero bytes, and our own `lockstep.log`. Each costs tens of nanoseconds
//! whatever its operands, where a unit of fuel of ordinary code takes about a
//! tenth of one. `benches/wall_per_fuel.rs` measures every pattern against
//! ordinary code; these numbers come from it (docs/limits.md has the figures).

use wasmtime::OperatorCost;

/// Flat cost of an instruction that calls into the runtime (the most a flat
/// cost can be: wasmtime stores it in a byte).
pub const RUNTIME_CALL_FUEL: u8 = 255;

/// Branches and calls: a loop's back-edge is a `br`, so a tight loop pays for
/// its fuel check and jump, not one unit per iteration for several cycles.
pub const BRANCH_FUEL: u8 = 4;
pub const CALL_FUEL: u8 = 4;
/// An indirect call also checks the table index and the signature.
pub const CALL_INDIRECT_FUEL: u8 = 8;

/// Fuel one `lockstep.log` call costs, whether its line is kept or not.
pub const LOG_CALL_FUEL: u64 = 1_000;

/// Fuel every other host function (WASI, AssemblyScript's `env`) costs
/// per call, on top of any per-byte cost below: the round trip into the
/// host and back, and a small answer.
pub const HOST_CALL_FUEL: u64 = 500;
/// Per byte written to stdout or stderr (`fd_write`), kept or not: the host
/// scans every byte for newlines (about 0.35 ns a byte, measured).
pub const STDIO_BYTE_FUEL: u64 = 2;
/// Per byte of `random_get`: ChaCha8 costs the host 0.3 to 0.6 ns a byte.
pub const RANDOM_BYTE_FUEL: u64 = 4;
/// Per subscription of `poll_oneoff`: 48 bytes read, 32 written.
pub const POLL_SUBSCRIPTION_FUEL: u64 = 100;

/// wasmtime's default costs, with control flow and runtime calls charged more.
pub fn operator_costs() -> OperatorCost {
    let mut cost = OperatorCost::new();
    cost.Br = BRANCH_FUEL;
    cost.BrIf = BRANCH_FUEL;
    cost.BrTable = BRANCH_FUEL;
    cost.Call = CALL_FUEL;
    cost.CallIndirect = CALL_INDIRECT_FUEL;
    cost.MemoryGrow = RUNTIME_CALL_FUEL;
    cost.MemoryFill = RUNTIME_CALL_FUEL;
    cost.MemoryCopy = RUNTIME_CALL_FUEL;
    cost.MemoryInit = RUNTIME_CALL_FUEL;
    cost.TableGrow = RUNTIME_CALL_FUEL;
    cost.TableFill = RUNTIME_CALL_FUEL;
    cost.TableCopy = RUNTIME_CALL_FUEL;
    cost.TableInit = RUNTIME_CALL_FUEL;
    cost
}
