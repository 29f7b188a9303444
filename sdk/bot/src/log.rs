//! `log!`: one line into the bot's log for this tick.

use core::fmt::{self, Write};

/// Writes one formatted line to the host's log for this bot and tick.
///
/// In wasm this calls the `lockstep.log` import; the host keeps the first
/// `Limits::max_log_lines` lines of each tick, each cut to
/// `Limits::max_log_line_bytes`. Natively (tests, baselines) the line goes to
/// stderr with the `std` feature and nowhere without it.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {
        $crate::log::write_line(::core::format_args!($($arg)*))
    };
}

#[doc(hidden)]
pub fn write_line(args: fmt::Arguments<'_>) {
    let mut line = alloc::string::String::new();
    let _ = line.write_fmt(args);
    emit(&line);
}

#[cfg(target_arch = "wasm32")]
fn emit(line: &str) {
    #[link(wasm_import_module = "lockstep")]
    unsafe extern "C" {
        #[link_name = "log"]
        fn host_log(ptr: i32, len: i32);
    }
    // SAFETY: the host only reads `len` bytes at `ptr`, which are `line`'s.
    unsafe { host_log(line.as_ptr() as i32, line.len() as i32) }
}

#[cfg(all(not(target_arch = "wasm32"), feature = "std"))]
fn emit(line: &str) {
    std::eprintln!("[bot] {line}");
}

#[cfg(all(not(target_arch = "wasm32"), not(feature = "std")))]
fn emit(_line: &str) {}
