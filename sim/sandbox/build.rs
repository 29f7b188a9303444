//! Builds the script runtimes of `runtimes/` (today JavaScript: QuickJS-ng
//! and `runtimes/javascript/glue.c`) into wasm32-wasip1 reactor modules with
//! Debian's clang 14, lld and wasi-libc, and embeds them (`src/runtimes.rs`).
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

const QUICKJS_SOURCES: [&str; 4] = ["quickjs.c", "libregexp.c", "libunicode.c", "dtoa.c"];

fn cflags() -> Vec<&'static str> {
    vec![
        "--target=wasm32-wasi",
        "-mexec-model=reactor",
        "-O2",
        "-mbulk-memory",
        "-w",
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
    ]
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
    let js = root.join("runtimes/javascript");
    println!("cargo:rerun-if-changed={}", js.display());
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
    println!("cargo:rerun-if-env-changed=PATH");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_relative() { root.join(d) } else { d })
        .unwrap_or_else(|| root.join("target"))
        .join("runtimes");

    let javascript = match toolchain() {
        Ok(()) => Some(build_javascript(&js, &target_dir)),
        Err(missing) => {
            println!(
                "cargo:warning=no JavaScript runtime in this build: {missing}; \
                 run scripts/setup (as root it installs clang, lld and wasi-libc), then build again"
            );
            None
        }
    };
    let line = match javascript {
        Some(wasm) => {
            let embedded = out_dir.join("javascript.wasm");
            fs::copy(&wasm, &embedded).expect("copying the JavaScript runtime");
            format!("Some(include_bytes!({:?}))", embedded.display().to_string())
        }
        None => "None".to_string(),
    };
    fs::write(
        out_dir.join("runtimes.rs"),
        format!("pub(crate) const JAVASCRIPT_WASM: Option<&[u8]> = {line};\n"),
    )
    .unwrap();
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

fn build_javascript(js: &Path, target_dir: &Path) -> PathBuf {
    let quickjs = js.join("quickjs");
    let mut inputs: Vec<PathBuf> = fs::read_dir(&quickjs)
        .expect("runtimes/javascript/quickjs")
        .map(|e| e.unwrap().path())
        .collect();
    inputs.push(js.join("glue.c"));
    inputs.sort();
    let mut hasher = DefaultHasher::new();
    for input in &inputs {
        input.file_name().hash(&mut hasher);
        fs::read(input).unwrap().hash(&mut hasher);
    }
    cflags().hash(&mut hasher);
    LINK_FLAGS.hash(&mut hasher);
    CLANG_VERSION.hash(&mut hasher);
    let key = format!("{:016x}", hasher.finish());
    let dir = target_dir.join(format!("javascript-{key}"));
    let wasm = dir.join("javascript.wasm");
    if wasm.exists() {
        return wasm;
    }
    fs::create_dir_all(&dir).unwrap();
    eprintln!(
        "building the JavaScript runtime (QuickJS-ng, clang 14) into {}",
        dir.display()
    );
    // Sources are compiled under fixed names, wherever the checkout is.
    let prefix_map = |from: &Path, to: &str| format!("-ffile-prefix-map={}={to}", from.display());
    let mut jobs = Vec::new();
    for source in QUICKJS_SOURCES
        .iter()
        .map(|s| quickjs.join(s))
        .chain([js.join("glue.c")])
    {
        let object = dir.join(source.file_name().unwrap()).with_extension("o");
        let child = Command::new("clang")
            .args(cflags())
            .arg(prefix_map(&quickjs, "quickjs"))
            .arg(prefix_map(js, "javascript"))
            .arg("-I")
            .arg(&quickjs)
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
    let partial = dir.join("javascript.wasm.part");
    let status = Command::new("clang")
        .args(cflags())
        .args(LINK_FLAGS)
        .args(&objects)
        .arg("-o")
        .arg(&partial)
        .env("PATH", path_without_wasm_opt())
        .status()
        .expect("running clang to link");
    assert!(status.success(), "linking the JavaScript runtime failed");
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
