//! Module bytes as an upload sends them: validated, compiled, probed. Any bytes
//! give a loaded module or a `ModuleError`, never a panic. Seed the corpus
//! with the bundled bots (docs/fuzzing.md) so mutations start from real modules.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lockstep_sim::sandbox::{Sandbox, SandboxConfig};
use std::sync::OnceLock;

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        Sandbox::new(SandboxConfig {
            pool_instances: 4,
            ..SandboxConfig::default()
        })
        .unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = sandbox().load(data);
});
