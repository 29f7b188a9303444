//! Everything a bot module may import, and the host's side of each: Lockstep's
//! own `lockstep.log`, a deterministic WASI preview 1 (`wasi.rs`, `fd.rs`,
//! `poll.rs`), and AssemblyScript's `env` helpers (`assemblyscript.rs`).
//!
//! The one rule for every function: its answer depends only on the match
//! (seed, seat, tick, the bot's own earlier calls), never on the machine, the
//! wall clock or the thread. And every function charges fuel for its work
//! before doing it ([`charge`]), so wall time still follows fuel.
//!
//! [`IMPORTS`] is the one list of what may be imported, with exact types: the
//! upload validator checks modules against it and [`define`] puts exactly
//! these into the linker (a test holds the two together).

mod assemblyscript;
mod fd;
mod guest;
pub(crate) mod log;
mod poll;
mod state;
mod wasi;

pub(crate) use assemblyscript::Abort;
pub use state::HostContext;
pub(crate) use state::{HostState, Shared};
pub(crate) use wasi::ProcExit;
pub use wasi::{VIRTUAL_EPOCH_NS, VIRTUAL_TICK_NS};

use super::WATCHDOG_SLICE;
use lockstep_bot::abi::{IMPORT_LOG, IMPORT_MODULE};
use std::sync::atomic::Ordering;
use wasmtime::wasmparser::ValType;
use wasmtime::{Caller, Error, Linker, Trap};

/// WASI preview 1's module name.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";
/// AssemblyScript's module name for its runtime's imports.
pub const ASSEMBLYSCRIPT_MODULE: &str = "env";

/// One function a bot may import, with its exact type.
#[derive(Clone, Copy, Debug)]
pub struct HostImport {
    pub module: &'static str,
    pub name: &'static str,
    pub params: &'static [ValType],
    pub results: &'static [ValType],
}

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;
const F64: ValType = ValType::F64;

const fn import(
    module: &'static str,
    name: &'static str,
    params: &'static [ValType],
    results: &'static [ValType],
) -> HostImport {
    HostImport {
        module,
        name,
        params,
        results,
    }
}

const fn wasi(name: &'static str, params: &'static [ValType]) -> HostImport {
    import(WASI_MODULE, name, params, &[I32])
}

/// Every function a module may import. All of WASI preview 1 is here: the
/// functions a bot has use for answer as docs/abi.md says, and the rest
/// (files, sockets) answer with an error a libc can start up with.
pub const IMPORTS: &[HostImport] = &[
    import(IMPORT_MODULE, IMPORT_LOG, &[I32, I32], &[]),
    wasi("args_get", &[I32, I32]),
    wasi("args_sizes_get", &[I32, I32]),
    wasi("environ_get", &[I32, I32]),
    wasi("environ_sizes_get", &[I32, I32]),
    wasi("clock_res_get", &[I32, I32]),
    wasi("clock_time_get", &[I32, I64, I32]),
    wasi("fd_advise", &[I32, I64, I64, I32]),
    wasi("fd_allocate", &[I32, I64, I64]),
    wasi("fd_close", &[I32]),
    wasi("fd_datasync", &[I32]),
    wasi("fd_fdstat_get", &[I32, I32]),
    wasi("fd_fdstat_set_flags", &[I32, I32]),
    wasi("fd_fdstat_set_rights", &[I32, I64, I64]),
    wasi("fd_filestat_get", &[I32, I32]),
    wasi("fd_filestat_set_size", &[I32, I64]),
    wasi("fd_filestat_set_times", &[I32, I64, I64, I32]),
    wasi("fd_pread", &[I32, I32, I32, I64, I32]),
    wasi("fd_prestat_get", &[I32, I32]),
    wasi("fd_prestat_dir_name", &[I32, I32, I32]),
    wasi("fd_pwrite", &[I32, I32, I32, I64, I32]),
    wasi("fd_read", &[I32, I32, I32, I32]),
    wasi("fd_readdir", &[I32, I32, I32, I64, I32]),
    wasi("fd_renumber", &[I32, I32]),
    wasi("fd_seek", &[I32, I64, I32, I32]),
    wasi("fd_sync", &[I32]),
    wasi("fd_tell", &[I32, I32]),
    wasi("fd_write", &[I32, I32, I32, I32]),
    wasi("path_create_directory", &[I32, I32, I32]),
    wasi("path_filestat_get", &[I32, I32, I32, I32, I32]),
    wasi(
        "path_filestat_set_times",
        &[I32, I32, I32, I32, I64, I64, I32],
    ),
    wasi("path_link", &[I32, I32, I32, I32, I32, I32, I32]),
    wasi("path_open", &[I32, I32, I32, I32, I32, I64, I64, I32, I32]),
    wasi("path_readlink", &[I32, I32, I32, I32, I32, I32]),
    wasi("path_remove_directory", &[I32, I32, I32]),
    wasi("path_rename", &[I32, I32, I32, I32, I32, I32]),
    wasi("path_symlink", &[I32, I32, I32, I32, I32]),
    wasi("path_unlink_file", &[I32, I32, I32]),
    wasi("poll_oneoff", &[I32, I32, I32, I32]),
    import(WASI_MODULE, "proc_exit", &[I32], &[]),
    wasi("proc_raise", &[I32]),
    wasi("sched_yield", &[]),
    wasi("random_get", &[I32, I32]),
    wasi("sock_accept", &[I32, I32, I32]),
    wasi("sock_recv", &[I32, I32, I32, I32, I32, I32]),
    wasi("sock_send", &[I32, I32, I32, I32, I32]),
    wasi("sock_shutdown", &[I32, I32]),
    import(ASSEMBLYSCRIPT_MODULE, "abort", &[I32, I32, I32, I32], &[]),
    import(
        ASSEMBLYSCRIPT_MODULE,
        "trace",
        &[I32, I32, F64, F64, F64, F64, F64],
        &[],
    ),
    import(ASSEMBLYSCRIPT_MODULE, "seed", &[], &[F64]),
];

/// The import `module.name`, if a bot may have it.
pub fn find_import(module: &str, name: &str) -> Option<&'static HostImport> {
    IMPORTS
        .iter()
        .find(|import| import.module == module && import.name == name)
}

/// Puts every host function of [`IMPORTS`] into `linker`.
pub(crate) fn define(linker: &mut Linker<HostState>) -> Result<(), Error> {
    linker.func_wrap(IMPORT_MODULE, IMPORT_LOG, log::lockstep_log)?;
    wasi::define(linker)?;
    fd::define(linker)?;
    poll::define(linker)?;
    assemblyscript::define(linker)?;
    Ok(())
}

/// Charges `cost` fuel for host work about to be done. A bot that cannot
/// pay is cut off at once (`out_of_fuel`) and the work is not done.
///
/// Under `resume` the cost is not taken from the store's fuel (that would
/// restart the running segment, see `suspend.rs`) but run up as debt that
/// later segments pay; a call whose debt outgrows what a tick could pay is
/// cut off the same way.
pub(crate) fn charge(caller: &mut Caller<'_, HostState>, cost: u64) -> Result<(), Error> {
    if caller.data().resumable {
        return if caller.data().shared.charge_debt(cost) {
            Ok(())
        } else {
            Err(Trap::OutOfFuel.into())
        };
    }
    let remaining = caller.get_fuel()?;
    // Setting the fuel starts a new watchdog slice (`instance.rs`), so a
    // bot that calls the host often might never reach the end of one: the
    // host reads the wall clock itself, each time the call has spent
    // another `WATCHDOG_SLICE` (not on every call: a reading costs about
    // as much as a cheap host function).
    let shared = &caller.data().shared;
    if remaining <= shared.clock_due.load(Ordering::Relaxed) {
        shared
            .clock_due
            .store(remaining.saturating_sub(WATCHDOG_SLICE), Ordering::Relaxed);
        if super::wall_ns() >= shared.deadline.load(Ordering::Relaxed) {
            return Err(Trap::Interrupt.into());
        }
    }
    match remaining.checked_sub(cost) {
        Some(left) => caller.set_fuel(left),
        None => {
            caller.set_fuel(0)?;
            Err(Trap::OutOfFuel.into())
        }
    }
}

/// The fuel the running call has spent in this tick so far: the virtual
/// clock's measure of elapsed time within a tick.
pub(crate) fn fuel_spent_this_tick(caller: &Caller<'_, HostState>) -> u64 {
    let shared = &caller.data().shared;
    let left = caller.get_fuel().unwrap_or(0);
    shared
        .fuel_base()
        .saturating_sub(left)
        .saturating_add(shared.debt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Sandbox, SandboxConfig};
    use std::collections::BTreeMap;
    use wasmtime::{Store, StoreLimitsBuilder};

    fn val(ty: &wasmtime::ValType) -> ValType {
        match ty {
            wasmtime::ValType::I32 => ValType::I32,
            wasmtime::ValType::I64 => ValType::I64,
            wasmtime::ValType::F32 => ValType::F32,
            wasmtime::ValType::F64 => ValType::F64,
            other => panic!("a host function uses {other}"),
        }
    }

    /// The linker defines exactly the table's functions, with the table's types.
    #[test]
    fn the_linker_holds_exactly_the_imports_table() {
        let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
        let shared = std::sync::Arc::new(Shared::new(16, 256, 0));
        let state = HostState::new(
            StoreLimitsBuilder::new().build(),
            shared,
            &HostContext::default(),
        );
        let mut store = Store::new(sandbox.engine(), state);
        let items: Vec<_> = sandbox
            .linker()
            .iter(&mut store)
            .map(|(module, name, item)| (module.to_string(), name.to_string(), item))
            .collect();
        let mut defined = BTreeMap::new();
        for (module, name, item) in items {
            let ty = item.ty(&store);
            let func = ty.func().expect("host items are functions");
            let params: Vec<ValType> = func.params().map(|t| val(&t)).collect();
            let results: Vec<ValType> = func.results().map(|t| val(&t)).collect();
            defined.insert((module, name), (params, results));
        }
        let table: BTreeMap<_, _> = IMPORTS
            .iter()
            .map(|i| {
                (
                    (i.module.to_string(), i.name.to_string()),
                    (i.params.to_vec(), i.results.to_vec()),
                )
            })
            .collect();
        assert_eq!(table.len(), IMPORTS.len(), "an import is listed twice");
        assert_eq!(defined, table);
    }

    #[test]
    fn all_of_wasi_preview_1_is_listed() {
        let wasi = IMPORTS.iter().filter(|i| i.module == WASI_MODULE).count();
        assert_eq!(wasi, 46, "WASI preview 1 has 46 functions");
    }
}
