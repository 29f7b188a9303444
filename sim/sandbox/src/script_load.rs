//! `Sandbox::load` for script bots (`script.rs`): the runtime compiled once
//! as a trusted module, the source checked by loading it.

use super::compile::{LoadReport, LoadedFrom};
use super::script::{self, Runtime, Script};
use super::{
    BotInstance, BotModule, ModuleError, ModuleHash, Outcome, Sandbox, SandboxConfig,
    ValidationLimits, count,
};
use std::sync::Arc;
use std::time::Instant;

impl Sandbox {
    /// The config a runtime Lockstep builds is validated under: the upload
    /// limits are for what players send, and a runtime is no upload.
    pub(crate) fn trusted_config(&self) -> SandboxConfig {
        SandboxConfig {
            validation: ValidationLimits::trusted(),
            ..self.config.clone()
        }
    }

    /// A runtime's module, compiled once (memory cache, then disk cache).
    fn load_runtime(
        &self,
        runtime: &'static Runtime,
    ) -> Result<(BotModule, LoadedFrom), ModuleError> {
        let wasm = runtime.wasm().map_err(ModuleError::Script)?;
        let hash = runtime.hash().expect("a runtime with a module has a hash");
        if let Some(module) = self.cached(hash) {
            return Ok((module, LoadedFrom::Memory));
        }
        let (module, steps) = self.validate_compile_probe(hash, wasm, &self.trusted_config())?;
        Ok((module, steps.from))
    }

    /// A script bot: its runtime's compiled code with its source, once the
    /// source has loaded in a fresh instance (the runtime compiles it and
    /// runs its top level, on the init budget) so that a syntax error is
    /// refused here, with the runtime's message, and not in a match.
    pub(crate) fn load_script(
        &self,
        hash: ModuleHash,
        size: usize,
        runtime: &'static Runtime,
        source: &[u8],
        start: Instant,
    ) -> Result<(BotModule, LoadReport), ModuleError> {
        let (runtime_module, from) = self.load_runtime(runtime)?;
        let compiled = Instant::now();
        let module = BotModule {
            hash,
            size,
            script: Some(Script {
                runtime,
                runtime_hash: runtime_module.hash,
                source: Arc::from(source),
            }),
            ..runtime_module
        };
        let fuel = self.config.start_fuel;
        let mut instance = BotInstance::new(self, &module, fuel).map_err(|e| {
            ModuleError::Script(format!(
                "the {} runtime did not start: {}",
                runtime.display, e.outcome
            ))
        })?;
        let report = instance.call_init(&[], fuel);
        if report.outcome != Outcome::Ok {
            let outcome = match &report.outcome {
                Outcome::OutOfFuel => format!(
                    "its top level ran out of fuel ({} units, the init budget): \
                     move heavy work into init() or tick()",
                    count(fuel)
                ),
                other => other.to_string(),
            };
            return Err(ModuleError::Script(script::failure_message(
                runtime,
                &report.logs,
                &outcome,
            )));
        }
        self.remember(hash, &module);
        // The runtime's compilation, then the script's check as the
        // "validation" (it is the script's).
        let report = LoadReport {
            from,
            validate: compiled.elapsed(),
            compile: compiled - start,
            total: start.elapsed(),
            disk_note: None,
        };
        Ok((module, report))
    }

    pub(crate) fn remember(&self, hash: ModuleHash, module: &BotModule) {
        self.modules
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(hash, module.clone());
    }
}
