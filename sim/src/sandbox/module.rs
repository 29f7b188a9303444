//! Loading a bot module: check it against ABI v1, compile it once per content hash.

use lockstep_sdk::Encoding;
use lockstep_sdk::abi::{
    ABI_VERSION, EXPORT_ABI, EXPORT_ALLOC, EXPORT_INIT, EXPORT_MEMORY, EXPORT_TICK, IMPORT_LOG,
    IMPORT_MODULE,
};
use std::fmt;
use wasmtime::{ExternType, FuncType, Module, ValType};

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

/// Why a module was refused. Every problem found is listed, not just the first.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModuleError {
    #[error("not a valid WebAssembly module: {0}")]
    Invalid(String),
    #[error("does not follow Lockstep ABI v1 (see docs/abi.md):\n  - {}", .0.join("\n  - "))]
    Abi(Vec<String>),
}

fn i32s(n: usize) -> Vec<ValType> {
    vec![ValType::I32; n]
}

fn describe(ty: &FuncType) -> String {
    let list = |tys: &mut dyn Iterator<Item = ValType>| {
        tys.map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
    };
    format!(
        "({}) -> ({})",
        list(&mut ty.params()),
        list(&mut ty.results())
    )
}

fn same_signature(ty: &FuncType, params: &[ValType], results: &[ValType]) -> bool {
    let eq = |a: &mut dyn ExactSizeIterator<Item = ValType>, b: &[ValType]| {
        a.len() == b.len() && a.zip(b).all(|(x, y)| ValType::eq(&x, y))
    };
    eq(&mut ty.params(), params) && eq(&mut ty.results(), results)
}

/// Checks imports and exports against ABI v1; returns every problem found.
pub(crate) fn abi_problems(module: &Module) -> Vec<String> {
    let mut problems = Vec::new();
    for import in module.imports() {
        let allowed = import.module() == IMPORT_MODULE && import.name() == IMPORT_LOG;
        match (allowed, import.ty()) {
            (true, ExternType::Func(ty)) if same_signature(&ty, &i32s(2), &[]) => {}
            (true, ExternType::Func(ty)) => problems.push(format!(
                "import `{IMPORT_MODULE}.{IMPORT_LOG}` has type {}; expected (i32, i32) -> ()",
                describe(&ty)
            )),
            _ => problems.push(format!(
                "import `{}.{}` is not allowed: the only import a bot may have is `{IMPORT_MODULE}.{IMPORT_LOG}`",
                import.module(),
                import.name()
            )),
        }
    }

    let wanted: [(&str, Vec<ValType>, Vec<ValType>); 4] = [
        (EXPORT_ABI, vec![], i32s(1)),
        (EXPORT_ALLOC, i32s(1), i32s(1)),
        (EXPORT_INIT, i32s(2), i32s(1)),
        (EXPORT_TICK, i32s(2), vec![ValType::I64]),
    ];
    for (name, params, results) in &wanted {
        match module.get_export(name) {
            None => problems.push(format!("missing export `{name}`")),
            Some(ExternType::Func(ty)) if same_signature(&ty, params, results) => {}
            Some(ExternType::Func(ty)) => problems.push(format!(
                "export `{name}` has type {}; expected {}",
                describe(&ty),
                describe(&FuncType::new(
                    module.engine(),
                    params.clone(),
                    results.clone()
                ))
            )),
            Some(_) => problems.push(format!("export `{name}` must be a function")),
        }
    }
    match module.get_export(EXPORT_MEMORY) {
        Some(ExternType::Memory(ty)) if ty.is_shared() => problems.push(format!(
            "export `{EXPORT_MEMORY}` must not be a shared memory"
        )),
        Some(ExternType::Memory(ty)) if ty.is_64() => {
            problems.push(format!("export `{EXPORT_MEMORY}` must be a 32-bit memory"))
        }
        Some(ExternType::Memory(_)) => {}
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
