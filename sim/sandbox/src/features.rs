//! The WebAssembly features a bot may use: one list, read by both the upload
//! validator and the engine, so the two can never disagree.

use wasmtime::wasmparser::{BinaryReaderError, WasmFeatures};

/// What Rust's `wasm32-unknown-unknown` output needs, and nothing more.
///
/// Left out: what is not deterministic (threads and shared memory, relaxed
/// SIMD), what escapes the per-bot limits (memory64, multi-memory, custom page
/// sizes), what needs runtime support this engine is built without (GC and its
/// reference types such as `externref`, typed function references,
/// exceptions, stack switching, the component model) and proposals too young
/// to rely on (wide arithmetic, compact imports, custom descriptors).
pub(crate) const ALLOWED_FEATURES: WasmFeatures = WasmFeatures::FLOATS
    .union(WasmFeatures::MUTABLE_GLOBAL)
    .union(WasmFeatures::SIGN_EXTENSION)
    .union(WasmFeatures::SATURATING_FLOAT_TO_INT)
    .union(WasmFeatures::MULTI_VALUE)
    .union(WasmFeatures::BULK_MEMORY)
    .union(WasmFeatures::REFERENCE_TYPES)
    .union(WasmFeatures::SIMD)
    .union(WasmFeatures::TAIL_CALL)
    .union(WasmFeatures::EXTENDED_CONST);

/// A refused feature's name and what its author can do about it.
const ADVICE: &[(WasmFeatures, &str, &str)] = &[
    (
        WasmFeatures::THREADS,
        "threads",
        "bots run on one thread; build without the `atomics` target feature",
    ),
    (
        WasmFeatures::SHARED_EVERYTHING_THREADS,
        "shared-everything threads",
        "bots run on one thread",
    ),
    (
        WasmFeatures::MEMORY64,
        "memory64",
        "build for wasm32, not wasm64",
    ),
    (
        WasmFeatures::MULTI_MEMORY,
        "multi-memory",
        "a bot has exactly one memory, exported as `memory`",
    ),
    (
        WasmFeatures::RELAXED_SIMD,
        "relaxed SIMD",
        "its results differ between machines; build without the `relaxed-simd` target feature",
    ),
    (
        WasmFeatures::EXCEPTIONS,
        "exception handling",
        "build with `panic = \"abort\"` (Rust) or without `-fwasm-exceptions` (C/C++)",
    ),
    (
        WasmFeatures::LEGACY_EXCEPTIONS,
        "legacy exception handling",
        "build with `panic = \"abort\"` (Rust) or without `-fwasm-exceptions` (C/C++)",
    ),
    (
        WasmFeatures::GC,
        "garbage collection (GC)",
        "keep data in linear memory",
    ),
    (
        WasmFeatures::GC_TYPES,
        "GC reference types such as `externref`",
        "keep data in linear memory",
    ),
    (
        WasmFeatures::FUNCTION_REFERENCES,
        "typed function references",
        "use `funcref` tables and `call_indirect`",
    ),
    (
        WasmFeatures::COMPONENT_MODEL,
        "the component model",
        "build a core module (Rust: wasm32-unknown-unknown or wasm32-wasip1, not wasm32-wasip2)",
    ),
];

/// The message for a module the validator refused because it needs `feature`.
pub(crate) fn feature_message(feature: WasmFeatures, err: &BinaryReaderError) -> String {
    let known = ADVICE.iter().find(|(flag, _, _)| feature.contains(*flag));
    let (name, advice) = match known {
        Some((_, name, advice)) => (name.to_string(), format!("; {advice}")),
        None => (
            feature
                .iter_names()
                .map(|(name, _)| name.to_lowercase().replace('_', " "))
                .collect::<Vec<_>>()
                .join(", "),
            String::new(),
        ),
    };
    format!(
        "uses a WebAssembly feature Lockstep does not allow: {name} ({}, at byte {:#x}){advice}",
        err.message(),
        err.offset()
    )
}

/// wasmparser reports a second memory as a plain limit ("multiple memories")
/// rather than as the multi-memory feature; this puts it in the same words.
pub(crate) fn multi_memory_message(err: &BinaryReaderError) -> Option<String> {
    (err.message() == "multiple memories").then(|| feature_message(WasmFeatures::MULTI_MEMORY, err))
}
