//! `lockstep`: play Lockstep bot matches on this machine.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Output piped into `head` ends quietly when the reader is gone, as
    // other command-line tools do, instead of panicking in `println!`.
    #[cfg(unix)]
    // SAFETY: called first, on the only thread; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::main()
}
