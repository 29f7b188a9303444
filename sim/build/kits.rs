//! The starter kits of `kits/<lang>/`, embedded for `lockstep new`: one
//! table row per file (language, path inside the kit, bytes, executable bit),
//! written to `$OUT_DIR/kits.rs` for `sim/src/kits.rs`.
//!
//! A kit's build outputs and tool caches are left out: what its `.gitignore`
//! lists (`*.ext`, `name`, `name/`, `/anchored`; `#` comments), and always
//! [`ALWAYS_LEFT_OUT`], so a kit built in place embeds the same files as a
//! fresh clone.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// Left out of every kit, whatever its `.gitignore` says: modules built in
/// place, and the tools' dependency and cache folders.
const ALWAYS_LEFT_OUT: &[&str] = &[
    "*.wasm",
    "target/",
    "node_modules/",
    "zig-cache/",
    ".zig-cache/",
    "zig-out/",
    ".git/",
];

/// Writes `$OUT_DIR/kits.rs` (a `&[KitFile]` expression) and tells cargo to
/// run again when anything under `kits/` changes (build outputs included:
/// building a kit in place, rather than with `build.sh OUT` or a
/// `CARGO_TARGET_DIR` elsewhere, rebuilds this crate). Also sets
/// `LOCKSTEP_SDK_DIR`, the SDK's absolute path, which `lockstep new` writes
/// into a Rust kit's Cargo.toml.
pub fn embed(root: &Path, out_dir: &Path) {
    let kits = root.join("kits");
    println!("cargo:rerun-if-changed={}", kits.display());
    let sdk = root
        .join("sdk")
        .canonicalize()
        .expect("sdk/ sits in the workspace root");
    println!("cargo:rustc-env=LOCKSTEP_SDK_DIR={}", sdk.display());

    let mut table = String::from("&[\n");
    let mut langs: Vec<_> = fs::read_dir(&kits)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    langs.retain(|p| p.is_dir());
    langs.sort();
    for dir in langs {
        let lang = dir
            .file_name()
            .unwrap()
            .to_str()
            .expect("a kit's name is UTF-8");
        let mut rules: Vec<String> = ALWAYS_LEFT_OUT.iter().map(|r| r.to_string()).collect();
        if let Ok(ignore) = fs::read_to_string(dir.join(".gitignore")) {
            rules.extend(
                ignore
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_string),
            );
        }
        let mut files = Vec::new();
        walk(&dir, "", &rules, &mut files);
        files.sort();
        for relative in files {
            let path = dir.join(&relative);
            writeln!(
                table,
                "    KitFile {{ lang: {lang:?}, path: {relative:?}, bytes: include_bytes!({:?}), \
                 executable: {} }},",
                path.display().to_string(),
                is_executable(&path)
            )
            .unwrap();
        }
    }
    table.push(']');
    fs::write(out_dir.join("kits.rs"), table).unwrap();
}

/// Every file under `dir` (paths relative to the kit, `/`-separated) that no
/// rule leaves out.
fn walk(dir: &Path, prefix: &str, rules: &[String], files: &mut Vec<String>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            panic!("kit file {:?} has a name that is not UTF-8", entry.path());
        };
        let relative = format!("{prefix}{name}");
        let is_dir = entry.path().is_dir();
        if rules.iter().any(|rule| left_out(rule, &relative, is_dir)) {
            continue;
        }
        if is_dir {
            walk(&entry.path(), &format!("{relative}/"), rules, files);
        } else {
            files.push(relative);
        }
    }
}

/// Whether a `.gitignore` rule leaves out `relative` (a subset of git's
/// rules: `*` within a name, a trailing `/` for folders only, a leading `/`
/// anchored at the kit's root, otherwise any name at any depth).
fn left_out(rule: &str, relative: &str, is_dir: bool) -> bool {
    let (rule, dirs_only) = match rule.strip_suffix('/') {
        Some(rule) => (rule, true),
        None => (rule, false),
    };
    if dirs_only && !is_dir {
        return false;
    }
    match rule.strip_prefix('/') {
        Some(anchored) => glob(anchored, relative),
        None if rule.contains('/') => glob(rule, relative),
        None => glob(rule, relative.rsplit('/').next().unwrap_or(relative)),
    }
}

/// `*` matches any run of characters but `/`; everything else itself.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .filter(|&i| rest.is_char_boundary(i) && !rest[..i].contains('/'))
                .any(|i| glob(tail, &rest[i..]))
        }
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "sh")
}
