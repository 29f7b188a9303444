//! Writes the bots that prove the deterministic stack limit the same on
//! every CPU (`scripts/cross-arch` plays them on x86_64 and aarch64):
//!
//! - `stack-endless.wasm`: recurses without end every tick: traps
//!   `stack_overflow` at the same call, with the same fuel, everywhere.
//! - `stack-deepest.wasm`: recurses to exactly the deepest the default
//!   limit allows every tick: runs everywhere.
//! - `stack-one-more.wasm`: one call deeper: traps everywhere.
//! - `stack-table.wasm`: two functions that call each other through a
//!   table (`call_indirect`) without end: traps everywhere.
//!
//! Run: `cargo run -p lockstep-sim --example stack_bots -- <folder>`.

#[path = "../tests/support/stack_bots.rs"]
mod stack_bots;
#[path = "../tests/support/wat_bot.rs"]
mod wat_bot;

use lockstep_sim::sandbox::SandboxConfig;
use stack_bots::{deepest_allowed, endless, recursing_to, table_ping_pong};
use std::path::PathBuf;

fn main() {
    let folder = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/stack-bots".to_string()),
    );
    std::fs::create_dir_all(&folder).expect("can create the output folder");
    let units = SandboxConfig::default().stack_units;
    let deepest = deepest_allowed(units);
    for (name, bot) in [
        ("stack-endless", endless()),
        ("stack-deepest", recursing_to(deepest)),
        ("stack-one-more", recursing_to(deepest + 1)),
        ("stack-table", table_ping_pong()),
    ] {
        let path = folder.join(format!("{name}.wasm"));
        std::fs::write(&path, bot.wasm()).expect("can write the bot");
        println!("{}", path.display());
    }
    eprintln!("stack-deepest recurses {deepest} calls deep (the limit: {units} units)");
}
