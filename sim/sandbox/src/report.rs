//! A module's verdict as JSON: what `lockstep check --json` prints and what
//! the game server answers an upload with, so an author sees the same words
//! whichever way they checked.

use super::{BotModule, Problem};
use serde_json::{Value, json};

/// Each problem as `{"kind", "message"}`, plus `"limit"` (the config field to
/// raise) for a limit; `message` is the problem's one-line `Display`.
pub fn problems_json(problems: &[Problem]) -> Value {
    problems
        .iter()
        .map(|p| {
            let mut problem = json!({"kind": p.kind, "message": p.to_string()});
            if let Some(limit) = p.limit {
                problem["limit"] = json!(limit);
            }
            problem
        })
        .collect()
}

/// An accepted module: size, hash, ABI version, encoding, memory, code size,
/// function count, block-local pairs and exports.
pub fn summary_json(module: &BotModule) -> Value {
    let s = &module.summary;
    json!({
        "size": module.size,
        "hash": module.hash.to_hex(),
        "abi_version": lockstep_bot::abi::ABI_VERSION,
        "encoding": module.encoding.name(),
        "memory": {"initial_pages": s.memory.initial, "maximum_pages": s.memory.maximum},
        "code_bytes": s.code_bytes,
        "functions": s.functions,
        "block_local_pairs": s.block_local_pairs,
        "exports": s.exports,
        // A script bot: the figures above are its runtime's, but for `size`
        // and `hash` (the script bytes').
        "script": module.script.as_ref().map(|script| json!({
            "language": script.runtime.language,
            "interpreter": script.runtime.interpreter,
            "source_bytes": script.source.len(),
            "runtime_hash": script.runtime_hash.to_hex(),
        })),
    })
}
