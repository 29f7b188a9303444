//! Compile time, measured, never asserted (docs/limits.md has the figures).
//!
//! `cargo test --release -p lockstep-sim --test compile_time -- --ignored --nocapture --test-threads 1`
//!
//! - `toolchain_output`: every bundled bot, the Go reactors of `tests/go/`
//!   (built when a Go toolchain is found: `$LOCKSTEP_GO`, else
//!   `target/toolchains/pip/go/bin/go`, else `go` on the `PATH`) and each
//!   file named in `LOCKSTEP_MEASURE_WASM` (paths separated by `:`):
//!   its shape, and the median time to compile it with the sandbox's engine
//!   (wall and CPU: with parallel compilation they differ).
//! - `worst_cases`: the modules of `support/worst.rs` at the default
//!   limits, through `Sandbox::load` (validation, compilation, probe); with
//!   `LOCKSTEP_DUMP_WORST=DIR`, written to `DIR/N.wasm` instead, to time
//!   `lockstep check DIR/N.wasm` as a whole process.
//! - `disk_cache`: each module compiled cold, then loaded from the disk
//!   cache by a second sandbox.

#[path = "support/worst.rs"]
mod worst;

use lockstep_sim::bundled::BUNDLED_BOTS;
use lockstep_sim::sandbox::{CacheDir, Sandbox, SandboxConfig};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use wasmtime::wasmparser::{Operator, Parser, Payload};

/// What drives compile time, as the validator counts it.
#[derive(Debug, Default)]
struct Stats {
    code_bytes: u64,
    functions: u64,
    largest_body: u64,
    most_locals: u64,
    pairs: u64,
    worst_function_pairs: u64,
    /// Pairs with each `br_table` counted as its number of targets.
    pairs_targets: u64,
    worst_function_pairs_targets: u64,
    /// The deepest nesting of blocks, loops and ifs in one function.
    deepest: u64,
    data_segments: u64,
    largest_br_table: u64,
}

fn stats(bytes: &[u8]) -> Stats {
    let mut s = Stats::default();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.unwrap() {
            Payload::CodeSectionStart { size, .. } => s.code_bytes = size.into(),
            Payload::DataSection(r) => s.data_segments = r.count().into(),
            Payload::CodeSectionEntry(body) => {
                s.functions += 1;
                s.largest_body = s.largest_body.max(body.range().len() as u64);
                let mut locals = 0u64;
                for local in body.get_locals_reader().unwrap() {
                    locals += u64::from(local.unwrap().0);
                }
                s.most_locals = s.most_locals.max(locals);
                let mut blocks = 0u64;
                let mut targets = 0u64;
                let mut depth = 0u64;
                let mut ops = body.get_operators_reader().unwrap();
                while !ops.eof() {
                    match ops.read().unwrap() {
                        Operator::BrTable { targets: table } => {
                            blocks += 1;
                            targets += u64::from(table.len()) + 1;
                            s.largest_br_table = s.largest_br_table.max(table.len().into());
                        }
                        Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                            blocks += 1;
                            depth += 1;
                            s.deepest = s.deepest.max(depth);
                        }
                        Operator::End => depth = depth.saturating_sub(1),
                        Operator::Else | Operator::Br { .. } | Operator::BrIf { .. } => blocks += 1,
                        _ => {}
                    }
                }
                let pairs = locals * (blocks + 1);
                s.pairs += pairs;
                s.pairs_targets += locals * (blocks + targets + 1);
                s.worst_function_pairs_targets = s
                    .worst_function_pairs_targets
                    .max(locals * (blocks + targets + 1));
                s.worst_function_pairs = s.worst_function_pairs.max(pairs);
            }
            _ => {}
        }
    }
    s
}

/// CPU seconds this process has used, all threads (user and system).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    // utime and stime, in clock ticks of 10 ms.
    ticks(11).unwrap_or(0.0) / 100.0 + ticks(12).unwrap_or(0.0) / 100.0
}

/// Median wall and CPU seconds of `runs` runs of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    for _ in 0..runs {
        let (wall, cpu) = (Instant::now(), cpu_seconds());
        f();
        walls.push(wall.elapsed().as_secs_f64());
        cpus.push(cpu_seconds() - cpu);
    }
    walls.sort_by(f64::total_cmp);
    cpus.sort_by(f64::total_cmp);
    (walls[runs / 2], cpus[runs / 2])
}

fn sandbox(cache: CacheDir) -> Sandbox {
    let mut config = SandboxConfig {
        pool_instances: 4,
        ..SandboxConfig::default()
    };
    config.compiled_cache.dir = cache;
    Sandbox::new(config).unwrap()
}

fn go_toolchain() -> Option<PathBuf> {
    let pip = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/toolchains/pip/go/bin/go");
    std::env::var_os("LOCKSTEP_GO")
        .map(PathBuf::from)
        .or_else(|| pip.exists().then_some(pip))
        .or_else(|| {
            Command::new("go")
                .arg("version")
                .output()
                .is_ok()
                .then(|| PathBuf::from("go"))
        })
}

/// The Go reactors of `tests/go/`, built as a Go bot author would.
fn go_reactors() -> Vec<(String, Vec<u8>)> {
    let Some(go) = go_toolchain() else {
        eprintln!("no Go toolchain found: the Go reactors are not measured");
        return Vec::new();
    };
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go");
    let mut modules = Vec::new();
    for name in ["idle", "json"] {
        let out = tmp.join(format!("{name}.wasm"));
        let status = Command::new(&go)
            .args(["build", "-buildmode=c-shared", "-trimpath", "-o"])
            .arg(&out)
            .arg(".")
            .current_dir(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/go")
                    .join(name),
            )
            .env("GOOS", "wasip1")
            .env("GOARCH", "wasm")
            .env("GOTOOLCHAIN", "local")
            .env("GOCACHE", tmp.join("cache"))
            .env("GOPATH", tmp.join("path"))
            .status()
            .expect("go runs");
        assert!(status.success(), "go build of tests/go/{name} failed");
        modules.push((format!("go-{name}"), std::fs::read(&out).unwrap()));
    }
    modules
}

fn toolchain_modules() -> Vec<(String, Vec<u8>)> {
    let mut modules: Vec<(String, Vec<u8>)> = BUNDLED_BOTS
        .iter()
        .map(|b| (b.name.to_string(), b.wasm.to_vec()))
        .collect();
    modules.extend(go_reactors());
    if let Ok(paths) = std::env::var("LOCKSTEP_MEASURE_WASM") {
        for path in paths.split(':').filter(|p| !p.is_empty()) {
            modules.push((path.to_string(), std::fs::read(path).unwrap()));
        }
    }
    modules
}

#[test]
#[ignore = "measurement: see the file's header"]
fn toolchain_output() {
    let sandbox = sandbox(CacheDir::Off);
    for (name, bytes) in toolchain_modules() {
        let s = stats(&bytes);
        let runs = if bytes.len() > 1 << 20 { 3 } else { 5 };
        let (wall, cpu) = median(runs, || {
            wasmtime::Module::new(sandbox.engine(), &bytes).expect("compiles");
        });
        let mib = s.code_bytes as f64 / f64::from(1 << 20);
        eprintln!(
            "{name}: {} bytes; compile {:.0} ms wall, {:.0} ms CPU ({:.2} s CPU per MiB of code); {s:?}",
            bytes.len(),
            wall * 1e3,
            cpu * 1e3,
            cpu / mib
        );
    }
}

#[test]
#[ignore = "measurement: see the file's header"]
fn worst_cases() {
    let limits = SandboxConfig::default().validation;
    let dump = std::env::var_os("LOCKSTEP_DUMP_WORST").map(PathBuf::from);
    for (i, (name, bytes)) in worst::worst_cases(&limits).into_iter().enumerate() {
        if let Some(dir) = &dump {
            // For timing whole processes: `lockstep check DIR/N.wasm`.
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(format!("{i}.wasm")), &bytes).unwrap();
            eprintln!("{i}.wasm: {name}");
            continue;
        }
        let s = stats(&bytes);
        let sandbox = sandbox(CacheDir::Off);
        let (wall, cpu) = median(1, || {
            sandbox
                .load(&bytes)
                .unwrap_or_else(|e| panic!("{name} refused: {e}"));
        });
        eprintln!(
            "{wall:6.2} s wall {cpu:6.2} s CPU  {name} ({} bytes, {} of code, {} pairs)",
            bytes.len(),
            s.code_bytes,
            s.pairs
        );
    }
}

#[test]
#[ignore = "measurement: see the file's header"]
fn disk_cache() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-time-cache");
    let _ = std::fs::remove_dir_all(&dir);
    for (name, bytes) in toolchain_modules() {
        let cold = sandbox(CacheDir::At(dir.clone()));
        let (_, first) = match cold.load_traced(&bytes) {
            Ok(loaded) => loaded,
            Err(e) => {
                eprintln!("{name}: refused: {e}");
                continue;
            }
        };
        let cold_time = first.total.as_secs_f64();
        // Each time a new sandbox (as a new process would have), timing
        // only its `load`: checks, reading the file, deserialising, probe.
        let mut warm: Vec<f64> = (0..5)
            .map(|_| {
                let (_, again) = sandbox(CacheDir::At(dir.clone()))
                    .load_traced(&bytes)
                    .unwrap();
                assert_eq!(again.from.name(), "disk cache", "{name}");
                again.total.as_secs_f64()
            })
            .collect();
        warm.sort_by(f64::total_cmp);
        let warm_time = warm[2];
        // This module's file: the one written last.
        let file = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.metadata().unwrap())
            .max_by_key(|m| m.modified().unwrap())
            .map_or(0, |m| m.len());
        eprintln!(
            "{name}: {} bytes; load cold {:.0} ms (compile {:.0} ms), from the disk cache {:.0} ms \
             (median of 5, a new sandbox each time); its file {} bytes",
            bytes.len(),
            cold_time * 1e3,
            first.compile.as_secs_f64() * 1e3,
            warm_time * 1e3,
            file
        );
    }
}

/// How one function's compile time grows with its blocks and locals, per
/// shape: what the block-local pairs limits are set from.
#[test]
#[ignore = "measurement: see the file's header"]
fn pairs_scaling() {
    let body_max = SandboxConfig::default().validation.max_function_body_bytes as usize;
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for (depth, locals) in [
        (4_000, 10),
        (4_000, 50),
        (2_000, 25),
        (999, 10),
        (999, 25),
        (999, 49),
        (500, 99),
        (250, 199),
    ] {
        cases.push((
            format!("br_table over {depth} blocks, {locals} locals"),
            worst::dispatch(body_max, depth, locals),
        ));
    }
    for (depth, locals) in [(990, 1_009), (990, 100), (250, 400)] {
        cases.push((
            format!("loops {depth} deep, {locals} locals"),
            worst::nested_loops(body_max, depth, locals),
        ));
    }
    let sandbox = sandbox(CacheDir::Off);
    for (name, function) in cases {
        // Compiled without the validator: some are past today's limits.
        let bytes = worst::encoded_bot(&[function]);
        let s = stats(&bytes);
        let (wall, cpu) = median(3, || {
            wasmtime::Module::new(sandbox.engine(), &bytes).unwrap();
        });
        let pairs = s.worst_function_pairs_targets;
        eprintln!(
            "{wall:6.2} s wall {cpu:6.2} s CPU  {name}: {pairs} pairs (targets counted), \
             {:.2} us CPU per pair",
            cpu * 1e6 / pairs as f64
        );
    }
}
