//! `Sandbox::load`'s steps, timed: the in-memory cache, the checks, then the
//! compiled module from the disk cache or from the compiler, then the probe.
//! The disk cache (`disk_cache.rs`) is tried only after the module passed
//! the validator under the limits in force, so a module accepted under
//! looser limits is never let through by its cached code.

use super::config::CacheDir;
use super::disk_cache::{DiskCache, Lookup};
use super::{
    BotModule, ModuleError, ModuleHash, ModuleSummary, Sandbox, SandboxConfig, module, script,
    stack_limit, validate,
};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasmtime::{Engine, Module};

/// Where a loaded module's compiled code came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadedFrom {
    /// This sandbox had it in memory: nothing was checked or compiled.
    Memory,
    /// Checked, then read from the disk cache: compiled by an earlier
    /// sandbox, in this process or another.
    Disk,
    /// Checked, then compiled.
    Compiler,
}

impl LoadedFrom {
    /// `memory cache`, `disk cache` or `compiled`.
    pub fn name(self) -> &'static str {
        match self {
            LoadedFrom::Memory => "memory cache",
            LoadedFrom::Disk => "disk cache",
            LoadedFrom::Compiler => "compiled",
        }
    }
}

/// When `validate_compile_probe`'s steps ended, and where the code came from.
pub(crate) struct Steps {
    pub(crate) from: LoadedFrom,
    pub(crate) validated: Instant,
    pub(crate) compiled: Instant,
    pub(crate) disk_note: Option<String>,
}

/// How a module was loaded, and how long each step took.
#[derive(Clone, Debug)]
pub struct LoadReport {
    pub from: LoadedFrom,
    /// The header, the validator and the ABI checks (zero from memory).
    pub validate: Duration,
    /// Compiling, or reading and checking the compiled module from disk
    /// (zero from memory).
    pub compile: Duration,
    /// The whole load, the `lockstep_abi()` probe included.
    pub total: Duration,
    /// Something about the disk cache worth telling (a damaged file
    /// deleted, a file that could not be written); `None` when all was well.
    pub disk_note: Option<String>,
}

/// The compiled-module side of a sandbox: its disk cache, if any.
pub(crate) struct Compiler {
    disk: Option<DiskCache>,
    /// Why there is no disk cache although one was asked for.
    disk_problem: Option<String>,
}

impl Compiler {
    /// Opens the disk cache `config` asks for. A folder that cannot be used
    /// is not an error: modules are then compiled every time, and the
    /// reason is logged and kept for [`Sandbox::disk_cache`].
    pub(crate) fn new(config: &SandboxConfig, engine: &Engine) -> Compiler {
        let cache = &config.compiled_cache;
        let dir = match cache.dir.resolve() {
            Ok(Some(dir)) => dir,
            Ok(None) => {
                return Compiler {
                    disk: None,
                    disk_problem: None,
                };
            }
            Err(problem) => return Compiler::without_disk(problem),
        };
        match DiskCache::open(&dir, cache.max_bytes, engine) {
            Ok(disk) => Compiler {
                disk: Some(disk),
                disk_problem: None,
            },
            Err(e) => Compiler::without_disk(format!(
                "cannot use the compiled-module cache {}: {e}; modules are compiled every \
                 time (set `[cache] dir` in the config, or LOCKSTEP_CACHE_DIR, to a folder \
                 of your own, or `dir = \"off\"`)",
                dir.display()
            )),
        }
    }

    fn without_disk(problem: String) -> Compiler {
        tracing::warn!("{problem}");
        Compiler {
            disk: None,
            disk_problem: Some(problem),
        }
    }

    /// The compiled module, instrumented for a stack limit of `stack_units`
    /// (`stack_limit.rs`): from disk if this engine wrote it there, else
    /// instrumented and compiled (and then written there). The note says
    /// what went wrong with the disk cache, if anything did; it never fails
    /// a load.
    pub(crate) fn compiled(
        &self,
        engine: &Engine,
        hash: ModuleHash,
        bytes: &[u8],
        stack_units: u32,
    ) -> Result<(Module, LoadedFrom, Option<String>), ModuleError> {
        let mut note = None;
        // The instrumented bytes are a function of these three alone, so
        // they name the compiled code without instrumenting on a hit.
        let key = stack_limit::instrumented_hash(hash, stack_units);
        if let Some(disk) = &self.disk {
            match disk.load(engine, key) {
                Lookup::Hit(module) => return Ok((module, LoadedFrom::Disk, None)),
                Lookup::Miss => {}
                Lookup::Damaged(why) => {
                    tracing::warn!("compiled-module cache: {why}");
                    note = Some(why);
                }
            }
        }
        let instrumented = stack_limit::instrument(bytes, stack_units).map_err(|e| {
            ModuleError::Invalid(format!("cannot count its stack: {}", super::one_line(&e)))
        })?;
        let module = Module::new(engine, &instrumented.bytes).map_err(|e| {
            ModuleError::Invalid(super::one_line(&super::instance::describe_error(&e)))
        })?;
        if let Some(disk) = &self.disk
            && let Err(e) = disk.store(key, &module)
        {
            let why = format!(
                "could not keep the compiled module in {}: {e}",
                disk.dir().display()
            );
            tracing::warn!("compiled-module cache: {why}");
            note = Some(why);
        }
        Ok((module, LoadedFrom::Compiler, note))
    }
}

impl CacheDir {
    /// The folder this setting names: `Ok(None)` for [`CacheDir::Off`];
    /// for [`CacheDir::User`], `$LOCKSTEP_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/lockstep/compiled`, else
    /// `$HOME/.cache/lockstep/compiled`; an error when none of them is set.
    pub fn resolve(&self) -> Result<Option<PathBuf>, String> {
        let var = |name: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .filter(|p| !p.as_os_str().is_empty())
        };
        match self {
            CacheDir::Off => Ok(None),
            CacheDir::At(dir) => Ok(Some(dir.clone())),
            CacheDir::User => {
                if let Some(dir) = var("LOCKSTEP_CACHE_DIR") {
                    return Ok(Some(dir));
                }
                let base = var("XDG_CACHE_HOME")
                    .filter(|p| p.is_absolute())
                    .or_else(|| var("HOME").map(|home| home.join(".cache")));
                match base {
                    Some(base) => Ok(Some(base.join("lockstep").join("compiled"))),
                    None => Err("no folder for the compiled-module cache: neither \
                         LOCKSTEP_CACHE_DIR, XDG_CACHE_HOME nor HOME is set; modules are \
                         compiled every time (set `[cache] dir` in the config)"
                        .to_string()),
                }
            }
        }
    }
}

impl Sandbox {
    /// [`Sandbox::load`], also saying where the compiled code came from and
    /// how long each step took (`lockstep check` prints it).
    pub fn load_traced(&self, bytes: &[u8]) -> Result<(BotModule, LoadReport), ModuleError> {
        let start = Instant::now();
        let hash = ModuleHash::of(bytes);
        if let Some(module) = self.cached(hash) {
            let report = LoadReport {
                from: LoadedFrom::Memory,
                validate: Duration::ZERO,
                compile: Duration::ZERO,
                total: start.elapsed(),
                disk_note: None,
            };
            return Ok((module, report));
        }
        if let Some(script) = script::unwrap(bytes) {
            let (runtime, source) = script.map_err(ModuleError::Script)?;
            return self.load_script(hash, bytes.len(), runtime, source, start);
        }
        let (module, steps) = self.validate_compile_probe(hash, bytes, &self.config)?;
        let report = LoadReport {
            from: steps.from,
            validate: steps.validated - start,
            compile: steps.compiled - steps.validated,
            total: start.elapsed(),
            disk_note: steps.disk_note,
        };
        Ok((module, report))
    }

    /// `load`'s steps for wasm bytes, under `config`'s validation limits
    /// (the upload limits, or a runtime's trusted ones): the header, the
    /// validator, the compiled code, `lockstep_abi()`'s probe; the module is
    /// then kept in the memory cache.
    pub(crate) fn validate_compile_probe(
        &self,
        hash: ModuleHash,
        bytes: &[u8],
        config: &SandboxConfig,
    ) -> Result<(BotModule, Steps), ModuleError> {
        module::check_header(bytes)?;
        let summary = validate::validate(bytes, config).map_err(ModuleError::from_problems)?;
        let validated = Instant::now();
        let (compiled, from, disk_note) =
            self.compiler
                .compiled(&self.engine, hash, bytes, self.config.stack_units)?;
        let compiled_at = Instant::now();
        let mut module = BotModule {
            hash,
            encoding: lockstep_bot::Encoding::Postcard,
            size: bytes.len(),
            // The instrumentation appends it after every other function.
            overflow_function: summary.functions,
            summary,
            module: compiled,
            script: None,
        };
        module.encoding = self
            .probe_encoding(&module)
            .map_err(|p| ModuleError::Abi(vec![p]))?;
        self.remember(hash, &module);
        let steps = Steps {
            from,
            validated,
            compiled: compiled_at,
            disk_note,
        };
        Ok((module, steps))
    }

    /// The checks of [`Sandbox::load`] without compiling: the header, the
    /// features, the limits and ABI v1's imports and exports. What a module
    /// declares, or every problem. `lockstep_abi()`'s word is not known
    /// until the module is loaded.
    pub fn check(&self, bytes: &[u8]) -> Result<ModuleSummary, ModuleError> {
        if let Some(script) = script::unwrap(bytes) {
            let (runtime, _) = script.map_err(ModuleError::Script)?;
            let wasm = runtime.wasm().map_err(ModuleError::Script)?;
            return validate::validate(wasm, &self.trusted_config())
                .map_err(ModuleError::from_problems);
        }
        module::check_header(bytes)?;
        validate::validate(bytes, &self.config).map_err(ModuleError::from_problems)
    }

    /// The disk cache's folder, or why there is none although one was asked
    /// for (`Ok(None)`: off).
    pub fn disk_cache(&self) -> Result<Option<&Path>, &str> {
        match (&self.compiler.disk, &self.compiler.disk_problem) {
            (Some(disk), _) => Ok(Some(disk.dir())),
            (None, Some(problem)) => Err(problem),
            (None, None) => Ok(None),
        }
    }
}
