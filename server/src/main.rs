//! `lockstep-server`: see `lib.rs` and ARCHITECTURE.md.

fn main() -> std::process::ExitCode {
    lockstep_server::cli::main()
}
