//! Transparent huge pages for a bot's linear memory.
//!
//! Why: fuel charges a load one unit whether it hits the cache or misses it
//! and the TLB, so a bot that chases pointers across all the memory it may
//! have is the worst pattern of wall time per fuel (`docs/limits.md`, "Wall
//! time follows fuel"). With 2 MiB pages its memory needs 512 times fewer
//! TLB entries and page-table walks. Measured (`benches/wall_per_fuel.rs`
//! with `LOCKSTEP_WPF_LEVERS`, paired rounds on the 2-core reference
//! machine, a KVM guest; docs/limits.md has the table): over 64 MiB a
//! pointer chase takes 0.72 to 0.80 times the wall time it takes on 4 KiB
//! pages, a random load and store 0.82 to 0.84 times; dropping an instance
//! that touched it all (the pool's reset) 0.03 to 0.04 times (11 ms to
//! 0.4 ms); ordinary code (the rusher) and instantiation 1.00. First
//! touches are usually 2 to 3 times faster, but were twice as slow in two
//! runs of one pattern (the kernel compacting fragmented memory inside the
//! page fault).
//!
//! How: `madvise(MADV_HUGEPAGE)` over the memory's range up to its cap,
//! after each instantiation (the pool may have remapped the slot since the
//! last; where it did not, the slot keeps the advice). It works where transparent huge pages are in `madvise` or
//! `always` mode (`/sys/kernel/mm/transparent_hugepage/enabled`); in `never`
//! mode, on other systems, or if the call fails, nothing changes.
//!
//! Determinism: this is advice about how the kernel backs the same
//! addresses. The bytes a bot reads (zeroes, or what it wrote), its fuel,
//! and every outcome are the same with or without it; only wall time
//! changes, as on a faster or slower machine (so only the watchdog, the one
//! outcome that depends on wall time, can notice).
//!
//! `SandboxConfig::huge_pages` (`[limits] huge_pages`, default on) turns it
//! off: for measurements (the bench compares both in one run) and as an
//! escape hatch (a huge page is resident whole once touched, and the kernel
//! may compact memory to find one). Each sandbox has its own pool, so a
//! sandbox with it off never reuses an advised slot.

use wasmtime::{Memory, Store};

/// Advises huge pages for `memory` up to `max_bytes` (its cap): the range it
/// may grow into, which the pool keeps reserved for it.
pub(super) fn advise<T>(store: &Store<T>, memory: Memory, max_bytes: usize) {
    let base = memory.data_ptr(store) as usize;
    let end = base.saturating_add(max_bytes.max(memory.data_size(store)));
    linux::advise(base, end);
}

#[cfg(target_os = "linux")]
mod linux {
    use std::ffi::{c_int, c_void};

    unsafe extern "C" {
        fn madvise(addr: *mut c_void, len: usize, advice: c_int) -> c_int;
    }

    /// `MADV_HUGEPAGE`: 14 on every Linux architecture.
    const MADV_HUGEPAGE: c_int = 14;
    const HUGE: usize = 2 << 20;

    pub(super) fn advise(base: usize, end: usize) {
        // From the first 2 MiB boundary: below it no huge page fits.
        let start = base.div_ceil(HUGE) * HUGE;
        if end > start {
            // SAFETY: advice only, over the memory's own reserved range; it
            // changes no mapping's contents. A failure changes nothing.
            unsafe { madvise(start as *mut c_void, end - start, MADV_HUGEPAGE) };
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod linux {
    pub(super) fn advise(_base: usize, _end: usize) {}
}
