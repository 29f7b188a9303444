//! Builds the script runtimes of `runtimes/` (JavaScript: QuickJS-ng and
//! `runtimes/javascript/glue.c`; Python: pocketpy and its `glue.c`) into
//! wasm32-wasip1 reactor modules with Debian's clang 14, lld and wasi-libc,
//! and embeds them (`src/script.rs`).
//!
//! The module must be byte-identical on every machine: replays and the ladder
//! name it by hash. So the compiler's version is checked, source paths are
//! mapped to fixed names, binaryen's `wasm-opt` is kept off the linker's
//! `PATH` (clang would run it), and nothing else varies.
//!
//! Built once into `target/runtimes/`, keyed by a fingerprint of every input
//! (sources, flags, compiler version), so debug and release builds share it.
//! Without the toolchain the crate still builds, with no runtime: script bots
//! are then refused with the command that installs it (`scripts/setup`).

use std::collections::hash_map::DefaultHasher;
use std::env;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The C compiler whose output is the pinned runtime: Debian bookworm's.
const CLANG_VERSION: &str = "clang version 14.0.6";
const WASI_LIBC: &str = "/usr/lib/wasm32-wasi/libc.a";

/// One runtime of `runtimes/`: what to compile, and how.
struct RuntimeBuild {
    /// Its folder under `runtimes/`, the `*_WASM` constant's prefix, and
    /// the name its sources are compiled under.
    language: &'static str,
    display: &'static str,
    /// The interpreter's sources: their folder under the runtime's, and the
    /// files compiled (besides `glue.c`, always last).
    vendored: &'static str,
    sources: &'static [&'static str],
    /// The flags after the common ones.
    flags: &'static [&'static str],
}

const RUNTIMES: [RuntimeBuild; 2] = [
    RuntimeBuild {
        language: "javascript",
        display: "JavaScript",
        vendored: "quickjs",
        sources: &["quickjs.c", "libregexp.c", "libunicode.c", "dtoa.c"],
        flags: &[
            "-D_GNU_SOURCE",
            // QuickJS-ng's switch for a platform without threads, signals or
            // a real clock; the fenv rounding modes wasi-libc lacks.
            "-DEMSCRIPTEN=1",
            "-DFE_DOWNWARD=0",
            "-DFE_UPWARD=0",
            "-DNDEBUG",
            // Keeps QuickJS's stack limit on (runtimes/javascript/vendor.sh).
            "-DLOCKSTEP",
            // QuickJS polls the glue's fuel guard every 256 calls and backward
            // jumps (10,000 by default): a loop turn can cost 5,000 fuel, and
            // the guard must look within the tenth of a tick it leaves.
            "-DJS_INTERRUPT_COUNTER_INIT=256",
        ],
    },
    RuntimeBuild {
        language: "python",
        display: "Python",
        vendored: "pocketpy",
        // glue.c includes pocketpy.c: one translation unit, so the glue's
        // clock and stack guard reach pocketpy's hot loop (vendor.sh's patches).
        sources: &[],
        flags: &[
            "-std=gnu11",
            "-D_GNU_SOURCE",
            // No threads in a bot: thread-locals are plain globals.
            "-D_Thread_local=",
            "-DNDEBUG",
            "-DPK_ENABLE_OS=0",
            "-DPK_ENABLE_THREADS=0",
            // The watchdog is the fuel guard (glue.c): its clock is the host's
            // virtual one.
            "-DPK_ENABLE_WATCHDOG=1",
        ],
    },
];

/// Every runtime's first flags: a WASI reactor, optimised, bulk memory
/// (wasi-libc's `memcpy`), no warnings from vendored code.
const COMMON_FLAGS: [&str; 5] = [
    "--target=wasm32-wasi",
    "-mexec-model=reactor",
    "-O2",
    "-mbulk-memory",
    "-w",
];

fn cflags(runtime: &RuntimeBuild) -> Vec<&'static str> {
    COMMON_FLAGS.iter().chain(runtime.flags).copied().collect()
}

const LINK_FLAGS: [&str; 4] = [
    "-Wl,--stack-first",
    "-Wl,-z,stack-size=1048576",
    "-Wl,--strip-all",
    "-lm",
];

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest
        .join("../..")
        .canonicalize()
        .expect("the workspace root");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
    println!("cargo:rerun-if-env-changed=PATH");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_relative() { root.join(d) } else { d })
        .unwrap_or_else(|| root.join("target"))
        .join("runtimes");
    let toolchain = toolchain();
    let mut constants = String::new();
    for runtime in &RUNTIMES {
        let dir = root.join("runtimes").join(runtime.language);
        println!("cargo:rerun-if-changed={}", dir.display());
        let line = match &toolchain {
            Ok(()) => {
                let wasm = build(runtime, &dir, &target_dir);
                let embedded = out_dir.join(format!("{}.wasm", runtime.language));
                fs::copy(&wasm, &embedded).expect("copying a runtime");
                format!("Some(include_bytes!({:?}))", embedded.display().to_string())
            }
            Err(missing) => {
                println!(
                    "cargo:warning=no {} runtime in this build: {missing}; run scripts/setup \
                     (as root it installs clang, lld and wasi-libc), then build again",
                    runtime.display
                );
                "None".to_string()
            }
        };
        constants.push_str(&format!(
            "pub(crate) const {}_WASM: Option<&[u8]> = {line};\n",
            runtime.language.to_uppercase()
        ));
    }
    fs::write(out_dir.join("runtimes.rs"), constants).unwrap();
}

/// Ok when clang 14, wasm-ld and wasi-libc are all here; else what is missing.
fn toolchain() -> Result<(), String> {
    let version = Command::new("clang")
        .arg("--version")
        .output()
        .map_err(|_| "clang is not installed".to_string())?;
    let version = String::from_utf8_lossy(&version.stdout);
    if !version.contains(CLANG_VERSION) {
        let first = version.lines().next().unwrap_or("").to_string();
        return Err(format!(
            "the runtime is pinned to {CLANG_VERSION} (Debian bookworm's) so that its hash is \
             the same on every machine; this clang is `{first}`"
        ));
    }
    if Command::new("wasm-ld")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        return Err("wasm-ld (lld) is not installed".into());
    }
    if !Path::new(WASI_LIBC).exists() {
        return Err(format!("wasi-libc is not installed ({WASI_LIBC})"));
    }
    Ok(())
}

/// Builds `runtime` from `dir` (once: the result is kept in `target_dir`
/// under a key of every input), and returns the module's path.
fn build(runtime: &RuntimeBuild, dir: &Path, target_dir: &Path) -> PathBuf {
    let vendored = dir.join(runtime.vendored);
    let mut inputs: Vec<PathBuf> = fs::read_dir(&vendored)
        .unwrap_or_else(|e| panic!("{}: {e}", vendored.display()))
        .map(|e| e.unwrap().path())
        .collect();
    inputs.push(dir.join("glue.c"));
    inputs.sort();
    let mut hasher = DefaultHasher::new();
    for input in &inputs {
        input.file_name().hash(&mut hasher);
        fs::read(input).unwrap().hash(&mut hasher);
    }
    cflags(runtime).hash(&mut hasher);
    LINK_FLAGS.hash(&mut hasher);
    CLANG_VERSION.hash(&mut hasher);
    let key = format!("{:016x}", hasher.finish());
    let language = runtime.language;
    let out = target_dir.join(format!("{language}-{key}"));
    let wasm = out.join(format!("{language}.wasm"));
    if wasm.exists() {
        return wasm;
    }
    fs::create_dir_all(&out).unwrap();
    eprintln!(
        "building the {} runtime (clang 14) into {}",
        runtime.display,
        out.display()
    );
    // Sources are compiled under fixed names, wherever the checkout is.
    let prefix_map = |from: &Path, to: &str| format!("-ffile-prefix-map={}={to}", from.display());
    let mut jobs = Vec::new();
    for source in runtime
        .sources
        .iter()
        .map(|s| vendored.join(s))
        .chain([dir.join("glue.c")])
    {
        let object = out.join(source.file_name().unwrap()).with_extension("o");
        let child = Command::new("clang")
            .args(cflags(runtime))
            .arg(prefix_map(&vendored, runtime.vendored))
            .arg(prefix_map(dir, language))
            .arg("-I")
            .arg(&vendored)
            .arg("-c")
            .arg(&source)
            .arg("-o")
            .arg(&object)
            .env("PATH", path_without_wasm_opt())
            .spawn()
            .expect("running clang");
        jobs.push((source, object, child));
    }
    let mut objects = Vec::new();
    for (source, object, mut child) in jobs {
        let status = child.wait().unwrap();
        assert!(status.success(), "clang failed on {}", source.display());
        objects.push(object);
    }
    let partial = out.join(format!("{language}.wasm.part"));
    let status = Command::new("clang")
        .args(cflags(runtime))
        .args(LINK_FLAGS)
        .args(&objects)
        .arg("-o")
        .arg(&partial)
        .env("PATH", path_without_wasm_opt())
        .status()
        .expect("running clang to link");
    assert!(
        status.success(),
        "linking the {} runtime failed",
        runtime.display
    );
    fs::rename(&partial, &wasm).unwrap();
    for object in objects {
        let _ = fs::remove_file(object);
    }
    wasm
}

/// `PATH` without the folders that hold a `wasm-opt`: clang 14 runs the
/// first one it finds after linking, and its result depends on its version.
fn path_without_wasm_opt() -> String {
    let path = env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = env::split_paths(&path)
        .filter(|dir| !dir.join("wasm-opt").exists())
        .collect();
    env::join_paths(kept)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}
