//! A bot module: its identity, why it may be refused, and ABI v1's rules for
//! its header, imports, exports and `lockstep_abi()` word.

use super::validate::{ModuleSummary, Problem, ProblemKind};
use lockstep_sdk::Encoding;
use lockstep_sdk::abi::{
    ABI_VERSION, EXPORT_ABI, EXPORT_ALLOC, EXPORT_INIT, EXPORT_MEMORY, EXPORT_TICK, IMPORT_LOG,
    IMPORT_MODULE,
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
    pub(crate) module: Module,
}

impl fmt::Debug for BotModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotModule")
            .field("hash", &self.hash)
            .field("encoding", &self.encoding)
            .field("size", &self.size)
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
        }
    }
}

fn refused(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("\n  - {p}")).collect();
    format!(
        "breaks Lockstep's upload rules (see docs/limits.md and docs/abi.md):{}",
        lines.concat()
    )
}

type Signature = (&'static [ValType], &'static [ValType]);

const I32: ValType = ValType::I32;
const LOG_SIGNATURE: Signature = (&[I32, I32], &[]);
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

/// The ABI's rule for one import: only `lockstep.log (i32, i32) -> ()`.
pub(crate) fn import_problem<'t>(
    import: &Import<'_>,
    func_type: impl Fn(u32) -> Option<&'t FuncType>,
) -> Option<String> {
    let allowed = import.module == IMPORT_MODULE && import.name == IMPORT_LOG;
    match (allowed, import.ty) {
        (true, TypeRef::Func(ty) | TypeRef::FuncExact(ty)) => match func_type(ty) {
            Some(ty) if !matches(ty, LOG_SIGNATURE) => Some(format!(
                "import `{IMPORT_MODULE}.{IMPORT_LOG}` has type {}; expected {}",
                describe(ty.params(), ty.results()),
                describe(LOG_SIGNATURE.0, LOG_SIGNATURE.1)
            )),
            _ => None,
        },
        (true, _) => Some(format!(
            "import `{IMPORT_MODULE}.{IMPORT_LOG}` must be a function"
        )),
        (false, _) => {
            let hint = if import.module.starts_with("wasi") {
                " (a WASI import: build for wasm32-unknown-unknown, not a WASI target)"
            } else {
                ""
            };
            Some(format!(
                "import `{}.{}` is not allowed: the only import a bot may have is `{IMPORT_MODULE}.{IMPORT_LOG}`{hint}",
                quoted(import.module),
                quoted(import.name)
            ))
        }
    }
}

/// The ABI's rules for exports: the four functions with their exact types,
/// and one 32-bit, unshared memory. Other exports are ignored.
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
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(ModuleError::Invalid(format!(
            "the file does not start with the WebAssembly header `00 61 73 6d 01 00 00 00` \
             (found `{}`, {} bytes in all); is it a .wasm file?",
            hex(&bytes[..bytes.len().min(8)]),
            bytes.len()
        )));
    }
    match bytes[4..8] {
        [1, 0, 0, 0] => Ok(()),
        [_, _, 1, 0] => Err(ModuleError::Invalid(
            "this is a WebAssembly component; Lockstep bots are core modules \
             (build for wasm32-unknown-unknown, without the component model)"
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
