//! Script bots: the player's source run by a runtime Lockstep builds itself
//! (`runtimes/`, compiled by `build.rs`, embedded here).
//!
//! Everywhere a module's bytes go (uploads, the server's files and rows,
//! tournaments' module tables, replays' hashes), a script bot goes as its
//! *script bytes*: [`MAGIC`], the language's name and a newline, then the
//! source as written. Their blake3 is the bot's identity: the same source is
//! the same bot, whichever file it was read from. The runtime is not part of
//! it: like the engine, it belongs to this Lockstep, and a replay records its
//! hash beside the script's (`BotModule::script`).
//!
//! The runtime is compiled once per machine (cached by its own hash, in
//! memory and on disk like any module) and validated as a trusted module:
//! the upload limits bound what players send, and the player sends a script.
//! The source reaches it in `lockstep_init`'s input, ahead of the MatchInfo
//! (docs/abi.md, "Script runtimes"); `BotInstance::call_init` adds it.

use super::module::ModuleHash;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

include!(concat!(env!("OUT_DIR"), "/runtimes.rs"));

/// How script bytes start: a NUL first, so no text file and no wasm module
/// (`\0asm`) is ever taken for one.
pub const MAGIC: &[u8] = b"\0lockstep-script\n";

/// A language's runtime: a wasm module that runs a source file as a bot.
pub struct Runtime {
    /// The name in script bytes and configs: `javascript`.
    pub language: &'static str,
    /// For people: `JavaScript`.
    pub display: &'static str,
    /// What interprets the script, with its version.
    pub interpreter: &'static str,
    /// The file extensions a source in this language has.
    pub extensions: &'static [&'static str],
    /// The name the runtime gives the source in errors and stack traces.
    pub script_name: &'static str,
    wasm: Option<&'static [u8]>,
    hash: OnceLock<ModuleHash>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.language)
    }
}

/// Every runtime this Lockstep knows, built or not.
pub static RUNTIMES: [Runtime; 2] = [
    Runtime {
        language: "javascript",
        display: "JavaScript",
        interpreter: "QuickJS-ng 0.16.2",
        extensions: &["js", "mjs", "cjs"],
        script_name: "bot.js",
        wasm: JAVASCRIPT_WASM,
        hash: OnceLock::new(),
    },
    Runtime {
        language: "python",
        display: "Python",
        interpreter: "pocketpy 2.1.8",
        extensions: &["py"],
        script_name: "bot.py",
        wasm: PYTHON_WASM,
        hash: OnceLock::new(),
    },
];

impl Runtime {
    /// The runtime's module, or why this build has none.
    pub fn wasm(&self) -> Result<&'static [u8], String> {
        self.wasm.ok_or_else(|| {
            format!(
                "this lockstep was built without its {} runtime: clang 14, lld and wasi-libc \
                 were missing when it was built; run scripts/setup (as root it installs them), \
                 then build lockstep again",
                self.display
            )
        })
    }

    /// The blake3 of the runtime's module: what replays record.
    pub fn hash(&self) -> Option<ModuleHash> {
        let wasm = self.wasm?;
        Some(*self.hash.get_or_init(|| ModuleHash::of(wasm)))
    }
}

/// The runtime of a language, by its name (`javascript`).
pub fn by_language(language: &str) -> Option<&'static Runtime> {
    RUNTIMES.iter().find(|r| r.language == language)
}

/// The runtime of a source file, by its extension (`bot.js`).
pub fn by_extension(path: &Path) -> Option<&'static Runtime> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    RUNTIMES
        .iter()
        .find(|r| r.extensions.contains(&extension.as_str()))
}

/// The script bytes of a source in `runtime`'s language.
pub fn wrap(runtime: &Runtime, source: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(MAGIC.len() + runtime.language.len() + 1 + source.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(runtime.language.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(source);
    bytes
}

/// Whether `bytes` are script bytes (well-formed or not).
pub fn is_script(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// The language and the source of script bytes, or what is wrong with them.
/// `None`: not script bytes at all.
pub fn unwrap(bytes: &[u8]) -> Option<Result<(&'static Runtime, &[u8]), String>> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
        return Some(Err("script bytes without a language line".into()));
    };
    let language = String::from_utf8_lossy(&rest[..newline]);
    let source = &rest[newline + 1..];
    let Some(runtime) = by_language(&language) else {
        let known: Vec<&str> = RUNTIMES.iter().map(|r| r.language).collect();
        return Some(Err(format!(
            "a script in `{language}`, a language this lockstep has no runtime for (it has: {})",
            known.join(", ")
        )));
    };
    if let Err(e) = std::str::from_utf8(source) {
        return Some(Err(format!(
            "the {} source is not UTF-8 text (byte {} is not): save it as UTF-8",
            runtime.display,
            e.valid_up_to()
        )));
    }
    Some(Ok((runtime, source)))
}

/// What makes a loaded module a script bot: its source and the runtime it
/// runs on.
#[derive(Clone, Debug)]
pub struct Script {
    pub runtime: &'static Runtime,
    /// The runtime's module hash, recorded in replays beside the script's.
    pub runtime_hash: ModuleHash,
    pub source: Arc<[u8]>,
}

impl Script {
    /// `lockstep_init`'s input for a script bot: the source's length (u32,
    /// little-endian), the source, then the MatchInfo `message` (empty for
    /// the check that the script loads).
    pub fn init_input(&self, message: &[u8]) -> Vec<u8> {
        let mut input = Vec::with_capacity(4 + self.source.len() + message.len());
        input.extend_from_slice(&(self.source.len() as u32).to_le_bytes());
        input.extend_from_slice(&self.source);
        input.extend_from_slice(message);
        input
    }
}

/// The runtime's failure log as one message: the error's place and text
/// first (`bot.js:3:5: SyntaxError: ...`), then the stack.
pub(crate) fn failure_message(runtime: &Runtime, logs: &[String], outcome: &str) -> String {
    if logs.is_empty() {
        return format!(
            "the {} runtime stopped loading it: {outcome}",
            runtime.display
        );
    }
    // What the script printed before it failed comes first in the log;
    // the error's own first line names the script.
    let place = format!("{}:", runtime.script_name);
    let start = logs.iter().position(|l| l.starts_with(&place)).unwrap_or(0);
    let mut lines = logs[start..].iter();
    let first = lines.next().map(String::as_str).unwrap_or_default();
    let mut message = first.to_string();
    for line in lines.take(8) {
        message.push_str("\n    ");
        message.push_str(line.trim());
    }
    message
}
