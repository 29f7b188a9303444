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

#[path = "../tests/support/wat_bot.rs"]
mod wat_bot;

use lockstep_sim::sandbox::SandboxConfig;
use lockstep_sim::sandbox::stack_limit::instrument;
use std::path::PathBuf;
use wat_bot::{BASE, Bot};

const RECURSE: &str = "(func $rec (param i32) (result i32)
  (if (result i32) (local.get 0)
    (then (i32.add (i32.const 1) (call $rec (i32.sub (local.get 0) (i32.const 1)))))
    (else (i32.const 0))))";

fn recursing_to(depth: u32) -> Bot {
    Bot {
        extra: RECURSE,
        tick: Box::leak(
            format!("(drop (call $rec (i32.const {depth}))) (i64.const 1)").into_boxed_str(),
        ),
        ..BASE
    }
}

fn main() {
    let folder = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/stack-bots".to_string()),
    );
    std::fs::create_dir_all(&folder).expect("can create the output folder");
    // `$rec` is the module's first function, the tick its fifth: the tick's
    // frame and `depth + 1` of `$rec`'s must fit under the default limit.
    let units = SandboxConfig::default().stack_units;
    let costs = instrument(&recursing_to(0).wasm(), units)
        .expect("instruments")
        .frame_costs;
    let deepest = (units - costs[4]) / costs[0] - 1;
    let endless = Bot {
        extra: "(func $deeper (param i64) (result i64) (call $deeper (i64.add (local.get 0) (i64.const 1))))",
        tick: "(call $deeper (i64.const 0))",
        ..BASE
    };
    let table = Bot {
        extra: r#"(type $t (func (param i32) (result i32)))
                  (table 2 funcref) (elem (i32.const 0) $ping $pong)
                  (func $ping (type $t) (call_indirect (type $t) (local.get 0) (i32.const 1)))
                  (func $pong (type $t) (call_indirect (type $t) (i32.add (local.get 0) (i32.const 1)) (i32.const 0)))"#,
        tick: "(drop (call_indirect (type $t) (i32.const 0) (i32.const 0))) (i64.const 1)",
        ..BASE
    };
    for (name, bot) in [
        ("stack-endless", endless),
        ("stack-deepest", recursing_to(deepest)),
        ("stack-one-more", recursing_to(deepest + 1)),
        ("stack-table", table),
    ] {
        let path = folder.join(format!("{name}.wasm"));
        std::fs::write(&path, bot.wasm()).expect("can write the bot");
        println!("{}", path.display());
    }
    eprintln!(
        "stack-deepest recurses {deepest} calls deep ({} + {} x {} of {units} units)",
        costs[4],
        deepest + 1,
        costs[0]
    );
}
