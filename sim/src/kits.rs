//! The starter kits (`kits/<lang>/`), embedded by `sim/build.rs`, and
//! [`create`], which writes one into a new folder: `lockstep new`.
//!
//! The files are written as they are in the repository, executable bits
//! kept, with one exception: the Rust kit's `Cargo.toml` gets the new
//! folder's name as its package name, and the SDK's absolute path (where it
//! was when this binary was built) instead of the repository-relative
//! `../../sdk`. The other kits need no change: their `build.sh` names the
//! module after the folder, and they do not depend on files outside it.

use std::path::{Path, PathBuf};

/// One file of a kit.
#[derive(Clone, Copy, Debug)]
pub struct KitFile {
    /// The kit: `kits/<lang>/`.
    pub lang: &'static str,
    /// The file's path inside the kit, `/`-separated.
    pub path: &'static str,
    pub bytes: &'static [u8],
    /// Written with mode 0755 (`build.sh`) rather than 0644.
    pub executable: bool,
}

/// Every file of every kit, by language then path.
pub static KIT_FILES: &[KitFile] = include!(concat!(env!("OUT_DIR"), "/kits.rs"));

/// The SDK's absolute path when this binary was built: what a Rust kit's
/// `lockstep-sdk` dependency points at.
pub const SDK_DIR: &str = env!("LOCKSTEP_SDK_DIR");

/// The Rust kit's SDK dependency as written in the repository.
const RUST_SDK_PATH: &str = "path = \"../../sdk\"";
/// The Rust kit's package name as written in the repository.
const RUST_PACKAGE: &str = "name = \"rust-kit\"";

/// The languages there are kits for, sorted.
pub fn languages() -> Vec<&'static str> {
    let mut langs: Vec<&str> = KIT_FILES.iter().map(|f| f.lang).collect();
    langs.dedup();
    langs
}

/// The files of one kit.
pub fn files(lang: &str) -> impl Iterator<Item = &'static KitFile> + '_ {
    KIT_FILES.iter().filter(move |f| f.lang == lang)
}

/// What [`create`] wrote.
#[derive(Clone, Debug)]
pub struct Created {
    /// The folder, as given.
    pub dir: PathBuf,
    /// The bot's name: the folder's name, which its module is named after.
    pub name: String,
    pub files: usize,
}

/// Writes the kit for `lang` into the new folder `dir` (created, or an
/// existing empty one). Refuses an unknown language, a name a module could
/// not be named after, and a folder that is not empty.
pub fn create(lang: &str, dir: &Path) -> Result<Created, String> {
    let langs = languages();
    if !langs.contains(&lang) {
        return Err(format!(
            "there is no starter kit for '{lang}': the kits are {}",
            langs.join(", ")
        ));
    }
    let name = bot_name(dir)?;
    if lang == "rust" && RESERVED_BY_CARGO.contains(&name.as_str()) {
        return Err(format!(
            "'{name}' cannot name a Rust package (cargo reserves it): choose another folder name"
        ));
    }
    if dir.is_file() {
        return Err(format!(
            "'{}' is a file: give the name of a new folder",
            dir.display()
        ));
    }
    let not_empty = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    if not_empty {
        return Err(format!(
            "'{}' already exists and is not empty: lockstep new only writes into a new or \
             empty folder, so that it never overwrites your files; choose another NAME",
            dir.display()
        ));
    }
    let mut written = 0;
    for file in files(lang) {
        let path = dir.join(file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create the folder '{}': {e}", parent.display()))?;
        }
        let bytes = contents(file, &name);
        std::fs::write(&path, &bytes)
            .map_err(|e| format!("cannot write '{}': {e}", path.display()))?;
        set_executable(&path, file.executable)
            .map_err(|e| format!("cannot set the mode of '{}': {e}", path.display()))?;
        written += 1;
    }
    Ok(Created {
        dir: dir.to_path_buf(),
        name,
        files: written,
    })
}

/// A file as [`create`] writes it for a bot named `name`.
pub fn contents(file: &KitFile, name: &str) -> Vec<u8> {
    if file.lang != "rust" || file.path != "Cargo.toml" {
        return file.bytes.to_vec();
    }
    let text = String::from_utf8_lossy(file.bytes);
    text.replacen(RUST_PACKAGE, &format!("name = \"{name}\""), 1)
        .replacen(
            RUST_SDK_PATH,
            &format!("path = {}", toml_string(SDK_DIR)),
            1,
        )
        .into_bytes()
}

/// The bot's name: the folder's last component, which build scripts name
/// the module after and matches show. Letters, digits, `-` and `_`, starting
/// with a letter, at most 64.
fn bot_name(dir: &Path) -> Result<String, String> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("'{}' does not end in a folder name", dir.display()))?;
    let ok = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(format!(
            "'{name}' cannot name a bot: the folder's name becomes the module's (NAME.wasm), \
             so use a letter, then letters, digits, '-' or '_' (at most 64), e.g. my-bot"
        ));
    }
    Ok(name.to_string())
}

/// Names cargo refuses for a package (they clash with the standard crates).
const RESERVED_BY_CARGO: &[&str] = &["core", "std", "alloc", "test", "proc_macro", "proc-macro"];

/// `text` as a TOML string: a literal string unless it holds a quote.
fn toml_string(text: &str) -> String {
    if text.contains('\'') || text.contains('\n') {
        format!("{text:?}")
    } else {
        format!("'{text}'")
    }
}

#[cfg(unix)]
fn set_executable(path: &Path, executable: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if executable { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_executable(_path: &Path, _executable: bool) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rust_kit_names_its_package_and_points_at_the_sdk() {
        let manifest = files("rust")
            .find(|f| f.path == "Cargo.toml")
            .expect("kits/rust/Cargo.toml");
        let text = String::from_utf8(manifest.bytes.to_vec()).unwrap();
        // What `contents` rewrites must be there, or it would rewrite nothing.
        assert!(text.contains(RUST_PACKAGE), "{text}");
        assert!(text.contains(RUST_SDK_PATH), "{text}");
        let written = String::from_utf8(contents(manifest, "my-bot")).unwrap();
        assert!(written.contains("name = \"my-bot\"\n"), "{written}");
        assert!(
            written.contains(&format!("path = '{SDK_DIR}'")),
            "{written}"
        );
        assert!(Path::new(SDK_DIR).join("Cargo.toml").is_file());
        let parsed: toml::Table = toml::from_str(&written).unwrap();
        assert_eq!(parsed["package"]["name"].as_str(), Some("my-bot"));
    }

    #[test]
    fn build_outputs_are_not_embedded() {
        for file in KIT_FILES {
            let path = file.path;
            assert!(!path.ends_with(".wasm"), "{}/{path}", file.lang);
            for folder in ["target/", "node_modules/", "zig-cache/", ".zig-cache/"] {
                assert!(!path.contains(folder), "{}/{path}", file.lang);
            }
        }
        assert!(files("rust").any(|f| f.path == "build.sh" && f.executable));
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(bot_name(Path::new("a/my_bot-2")).unwrap(), "my_bot-2");
        for bad in ["2fast", "my bot", "dot.ted", "-x", ""] {
            assert!(bot_name(Path::new(bad)).is_err(), "{bad:?}");
        }
    }
}
