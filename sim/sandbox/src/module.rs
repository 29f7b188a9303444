//! A bot module: its identity, why it may be refused, and ABI v1's rules for
//! its header, imports, exports and `lockstep_abi()` word.

use super::host;
use super::script::Script;
use super::validate::{ModuleSummary, Problem, ProblemKind};
use lockstep_bot::Encoding;
use lockstep_bot::abi::{
    ABI_VERSION, EXPORT_ABI, EXPORT_ALLOC, EXPORT_INIT, EXPORT_INITIALIZE, EXPORT_MEMORY,
    EXPORT_START, EXPORT_TICK,
};
use std::fmt;
use wasmtime::Module;
use wasmtime::wasmparser::{ExternalKind, FuncType, Import, MemoryType, TypeRef, ValType};

/// A module's identity: the blake3 hash of its bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleHash(pub [u8; 32]);

impl ModuleHash {
    pub fn of(bytes: &[u8]) -> ModuleHash {
        ModuleHash(*blake3::hash(bytes).as_bytes())
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Display for ModuleHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ModuleHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModuleHash({})", &self.to_hex()[..16])
    }
}

/// A compiled module that passed validation. Cheap to share between matches.
#[derive(Clone)]
pub struct BotModule {
    pub hash: ModuleHash,
    pub encoding: Encoding,
    pub size: usize,
    /// What the module declares: functions, memory, exports.
    pub summary: ModuleSummary,
    /// The function the stack limit's instrumentation traps in
    /// (`stack_limit.rs`): a trap there is `stack_overflow`.
    pub(crate) overflow_function: u32,
    pub(crate) module: Module,
    /// A script bot's source and runtime; `None` for a wasm module. The
    /// compiled code is then the runtime's (`script.rs`).
    pub script: Option<Script>,
}

impl fmt::Debug for BotModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotModule")
            .field("hash", &self.hash)
            .field("encoding", &self.encoding)
            .field("size", &self.size)
            .field("script", &self.script.as_ref().map(|s| s.runtime.language))
            .finish()
    }
}

/// Why a module was refused. Every problem found is listed, not just the first;
/// `Display` gives one line per problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModuleError {
    /// The bytes are not a valid WebAssembly module, and that is all that
    /// could be said: nothing after the first such error can be read.
    #[error("not a valid WebAssembly module: {0}")]
    Invalid(String),
    /// A valid module that breaks only ABI v1.
    #[error("does not follow Lockstep ABI v1 (see docs/abi.md):\n  - {}", .0.join("\n  - "))]
    Abi(Vec<String>),
    /// Everything else: a feature Lockstep does not allow, a limit, often with
    /// ABI problems too. Every problem, in the order found.
    #[error("{}", refused(.0))]
    Refused(Vec<Problem>),
    /// A script bot whose source does not load, in the runtime's words: the
    /// error's place and text first (`bot.js:3:5: SyntaxError: ...`), then
    /// its stack; or script bytes this lockstep cannot run.
    #[error("the script does not load: {0}")]
    Script(String),
}

impl ModuleError {
    /// The most specific variant for what the validator found.
    pub(crate) fn from_problems(mut problems: Vec<Problem>) -> ModuleError {
        match problems.as_slice() {
            [one] if one.kind == ProblemKind::Invalid => {
                ModuleError::Invalid(problems.remove(0).message)
            }
            all if all.iter().all(|p| p.kind == ProblemKind::Abi) => {
                ModuleError::Abi(problems.into_iter().map(|p| p.message).collect())
            }
            _ => ModuleError::Refused(problems),
        }
    }

    /// Every problem, whichever the variant.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            ModuleError::Invalid(message) => {
                vec![Problem::new(ProblemKind::Invalid, message.clone())]
            }
            ModuleError::Abi(messages) => messages
                .iter()
                .map(|m| Problem::new(ProblemKind::Abi, m.clone()))
                .collect(),
            ModuleError::Refused(problems) => problems.clone(),
            ModuleError::Script(message) => {
                vec![Problem::new(ProblemKind::Script, message.clone())]
            }
        }
    }
}

fn refused(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| match p.kind {
            ProblemKind::Advice => format!("\n  hint: {p}"),
            _ => format!("\n  - {p}"),
        })
        .collect();
    format!(
        "breaks Lockstep's upload rules (see docs/limits.md and docs/abi.md):{}",
        lines.concat()
    )
}

type Signature = (&'static [ValType], &'static [ValType]);

const I32: ValType = ValType::I32;
/// The exports ABI v1 requires, with their exact types.
const REQUIRED_FUNCTIONS: [(&str, Signature); 4] = [
    (EXPORT_ABI, (&[], &[I32])),
    (EXPORT_ALLOC, (&[I32], &[I32])),
    (EXPORT_INIT, (&[I32, I32], &[I32])),
    (EXPORT_TICK, (&[I32, I32], &[ValType::I64])),
];

fn describe(params: &[ValType], results: &[ValType]) -> String {
    let list = |tys: &[ValType]| {
        tys.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("({}) -> ({})", list(params), list(results))
}

fn matches(ty: &FuncType, (params, results): Signature) -> bool {
    ty.params() == params && ty.results() == results
}

/// A name from the module, on one line and without control characters.
fn quoted(name: &str) -> String {
    name.escape_debug().to_string()
}

/// The rule for one import: a function of [`host::IMPORTS`] (`lockstep.log`,
/// WASI preview 1, AssemblyScript's `env` helpers), with its exact type.
pub(crate) fn import_problem<'t>(
    import: &Import<'_>,
    func_type: impl Fn(u32) -> Option<&'t FuncType>,
) -> Option<String> {
    let name = format!("{}.{}", quoted(import.module), quoted(import.name));
    let Some(allowed) = host::find_import(import.module, import.name) else {
        return Some(format!(
            "import `{name}` is not allowed: {}",
            unknown_import_hint(import.module, import.name)
        ));
    };
    match import.ty {
        TypeRef::Func(ty) | TypeRef::FuncExact(ty) => match func_type(ty) {
            Some(ty) if !matches(ty, (allowed.params, allowed.results)) => Some(format!(
                "import `{name}` has type {}; expected {}",
                describe(ty.params(), ty.results()),
                describe(allowed.params, allowed.results)
            )),
            _ => None,
        },
        _ => Some(format!("import `{name}` must be a function")),
    }
}

/// Why an import is not among those a bot may have, and what to do.
fn unknown_import_hint(module: &str, name: &str) -> String {
    let allowed = "a bot may import `lockstep.log`, the functions of WASI preview 1 \
                   (`wasi_snapshot_preview1`) and AssemblyScript's `env.abort`, `env.trace` and `env.seed` \
                   (docs/abi.md)";
    match module {
        host::WASI_MODULE => format!(
            "`{}` is not a function of WASI preview 1; {allowed}",
            quoted(name)
        ),
        "wasi_unstable" => format!(
            "this is the old WASI snapshot 0; build for WASI preview 1 \
             (`wasm32-wasip1`, module `wasi_snapshot_preview1`) instead; {allowed}"
        ),
        m if m.starts_with("wasi") => format!(
            "only WASI preview 1 is implemented, not `{}` (WASI threads, preview 2 and \
             components are not); {allowed}",
            quoted(m)
        ),
        "env" if ["memset", "memcpy", "memmove", "memcmp"].contains(&name) => format!(
            "the C library function `{name}` was left undefined at link time: build with \
             `-mbulk-memory` (clang emits `memory.fill`/`memory.copy` itself) or link a libc \
             (wasi-libc: `--target=wasm32-wasi`), and do not link with `--allow-undefined`; {allowed}"
        ),
        "env" => format!(
            "a function left undefined at link time (C: a missing definition, hidden by \
             `--allow-undefined`; AssemblyScript: a `declare`d import); {allowed}"
        ),
        _ => allowed.to_string(),
    }
}

/// The ABI's rules for exports: the four functions with their exact types,
/// one 32-bit, unshared memory, `_initialize` only as `() -> ()` and no
/// `_start`. Other exports are ignored.
pub(crate) fn export_problems<'t>(
    exports: &[(String, ExternalKind, u32)],
    func_type: impl Fn(u32) -> Option<&'t FuncType>,
    memory: impl Fn(u32) -> Option<&'t MemoryType>,
) -> Vec<String> {
    let find = |name: &str| exports.iter().find(|(n, _, _)| n == name);
    let mut problems = Vec::new();
    for (name, wanted) in REQUIRED_FUNCTIONS {
        match find(name) {
            None => problems.push(format!("missing export `{name}`")),
            Some((_, ExternalKind::Func | ExternalKind::FuncExact, index)) => {
                match func_type(*index) {
                    Some(ty) if !matches(ty, wanted) => problems.push(format!(
                        "export `{name}` has type {}; expected {}",
                        describe(ty.params(), ty.results()),
                        describe(wanted.0, wanted.1)
                    )),
                    _ => {}
                }
            }
            Some(_) => problems.push(format!("export `{name}` must be a function")),
        }
    }
    match find(EXPORT_INITIALIZE) {
        Some((_, ExternalKind::Func | ExternalKind::FuncExact, index)) => match func_type(*index) {
            Some(ty) if !matches(ty, (&[], &[])) => problems.push(format!(
                "export `{EXPORT_INITIALIZE}` has type {}; expected () -> () (a WASI reactor's initialisation)",
                describe(ty.params(), ty.results())
            )),
            _ => {}
        },
        Some(_) => problems.push(format!("export `{EXPORT_INITIALIZE}` must be a function")),
        None => {}
    }
    if find(EXPORT_START).is_some() {
        problems.push(format!(
            "export `{EXPORT_START}`: this is a WASI command (a program with a `main`); a bot is \
             a reactor whose exports the host calls: build with `-mexec-model=reactor` (C), \
             `-buildmode=c-shared` (Go), `-fno-entry` (Zig) or as a `cdylib` (Rust)"
        ));
    }
    match find(EXPORT_MEMORY) {
        Some((_, ExternalKind::Memory, index)) => match memory(*index) {
            Some(ty) if ty.shared => problems.push(format!(
                "export `{EXPORT_MEMORY}` must not be a shared memory"
            )),
            Some(ty) if ty.memory64 => {
                problems.push(format!("export `{EXPORT_MEMORY}` must be a 32-bit memory"))
            }
            _ => {}
        },
        Some(_) => problems.push(format!("export `{EXPORT_MEMORY}` must be a memory")),
        None => problems.push(format!("missing export `{EXPORT_MEMORY}`")),
    }
    problems
}

/// Refuses, with a message a bot author can act on, bytes that are not a core
/// wasm module at all (before the runtime's parser gives a terser one).
pub(crate) fn check_header(bytes: &[u8]) -> Result<(), ModuleError> {
    let hex = |bytes: &[u8]| {
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if bytes.is_empty() {
        return Err(ModuleError::Invalid(
            "the file is empty (0 bytes), not a WebAssembly module; did the build \
             fail, or write the module somewhere else?"
                .to_string(),
        ));
    }
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        // A native library or program: built for the host, not for wasm.
        let native = [
            (&b"\x7fELF"[..], "an ELF"),
            (&b"MZ"[..], "a Windows"),
            (&[0xcf, 0xfa, 0xed, 0xfe][..], "a Mach-O"),
        ]
        .into_iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, kind)| {
            format!(
                "; it is {kind} native binary: build for wasm, e.g. \
                 `cargo build --release --target wasm32-unknown-unknown`"
            )
        })
        .unwrap_or_else(|| "; is it a .wasm file?".to_string());
        return Err(ModuleError::Invalid(format!(
            "the file does not start with the WebAssembly header `00 61 73 6d 01 00 00 00` \
             (found `{}`, {} bytes in all){native}",
            hex(&bytes[..bytes.len().min(8)]),
            bytes.len()
        )));
    }
    match bytes[4..8] {
        [1, 0, 0, 0] => Ok(()),
        [_, _, 1, 0] => Err(ModuleError::Invalid(
            "this is a WebAssembly component; Lockstep bots are core modules \
             (Rust: wasm32-unknown-unknown or wasm32-wasip1, not wasm32-wasip2; \
             C: --target=wasm32 or wasm32-wasi; Go: GOOS=wasip1; no component tooling such as \
             wasm-tools component new or jco)"
                .to_string(),
        )),
        _ => Err(ModuleError::Invalid(format!(
            "unsupported WebAssembly version `{}` (expected `01 00 00 00`)",
            hex(&bytes[4..8])
        ))),
    }
}

/// Reads `lockstep_abi()`'s word: the version must be 1 and the encoding known.
pub(crate) fn parse_abi_word(word: i32) -> Result<Encoding, String> {
    let version = (word >> 8) as u32;
    if version != ABI_VERSION as u32 {
        return Err(format!(
            "`{EXPORT_ABI}()` returned {word:#x}: ABI version {version}, but this host speaks version {ABI_VERSION}"
        ));
    }
    Encoding::from_byte((word & 0xff) as u8).ok_or_else(|| {
        format!(
            "`{EXPORT_ABI}()` returned {word:#x}: encoding {} is unknown (0 = postcard, 1 = JSON)",
            word & 0xff
        )
    })
}
