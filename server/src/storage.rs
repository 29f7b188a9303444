//! Module files: `DATA/modules/<hash>.wasm`, named by the blake3 hash of
//! their bytes, written so that a crash at any moment leaves either no file
//! or the whole file under that name.
//!
//! An upload writes the file first (temp name, fsync, rename, fsync of the
//! folder) and only then the database rows that point at it, in one
//! transaction. So a row never points at a missing or partial file; a file
//! without a row (a crash between the two) is harmless and is reused by the
//! next upload of the same bytes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Prefix of files being written; any left by a crash are removed at start.
const TEMP_PREFIX: &str = ".tmp-";

/// Whether `hash` looks like a module hash (64 lowercase hex digits): the
/// only names ever joined to the modules folder.
pub fn is_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `dir/<hash>.wasm`.
pub fn module_path(dir: &Path, hash: &str) -> PathBuf {
    dir.join(format!("{hash}.wasm"))
}

/// Creates the folder and removes temp files a crash left behind.
pub fn prepare_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// Makes sure `dir/<hash>.wasm` holds `bytes` (whose blake3 is `hash`): a
/// file already there with the right contents is kept, anything else is
/// replaced atomically.
pub fn put_module(dir: &Path, hash: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    if !is_hash(hash) || blake3::hash(bytes).to_hex().as_str() != hash {
        return Err(io::Error::other(format!(
            "refusing to store bytes under a name that is not their hash: {hash}"
        )));
    }
    let path = module_path(dir, hash);
    if let Ok(existing) = fs::read(&path)
        && existing == bytes
    {
        return Ok(path);
    }
    write_atomically(&path, bytes, None)?;
    Ok(path)
}

/// The bytes of module `hash`, checked against the hash: a file that does
/// not match is an error, never served.
pub fn read_module(dir: &Path, hash: &str) -> io::Result<Vec<u8>> {
    if !is_hash(hash) {
        return Err(io::Error::new(io::ErrorKind::NotFound, "not a module hash"));
    }
    let bytes = fs::read(module_path(dir, hash))?;
    if blake3::hash(&bytes).to_hex().as_str() != hash {
        return Err(io::Error::other(format!(
            "module file {hash}.wasm does not match its hash"
        )));
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` so that `path` is either untouched or complete:
/// a temp file beside it, written and fsynced, renamed over `path`, then the
/// folder fsynced so the rename itself survives a power loss. `mode` sets
/// the file's permissions (unix) before any byte is written.
pub fn write_atomically(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        "{TEMP_PREFIX}{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// fsyncs a folder, so that the names in it (a rename) are durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("lockstep-storage-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn modules_are_stored_by_hash_and_checked_when_read() {
        let dir = temp_dir("put");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(".tmp-left-by-a-crash"), b"x").unwrap();
        prepare_dir(&dir).unwrap();
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            0,
            "temp files are removed"
        );

        let bytes = b"\0asm module bytes";
        let hash = blake3::hash(bytes).to_hex().to_string();
        let path = put_module(&dir, &hash, bytes).unwrap();
        assert_eq!(fs::read(&path).unwrap(), bytes);
        assert_eq!(read_module(&dir, &hash).unwrap(), bytes);
        // Stored again: the same file, nothing else left in the folder.
        put_module(&dir, &hash, bytes).unwrap();
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);

        // A damaged file is never served, and the next upload repairs it.
        fs::write(&path, b"\0asm mod").unwrap();
        assert!(read_module(&dir, &hash).is_err());
        put_module(&dir, &hash, bytes).unwrap();
        assert_eq!(read_module(&dir, &hash).unwrap(), bytes);

        assert!(put_module(&dir, &hash, b"other bytes").is_err());
        assert!(read_module(&dir, "../../etc/passwd").is_err());
        let _ = fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_mode_is_set_before_the_bytes_are_written() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("mode");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        write_atomically(&path, b"token", Some(0o600)).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let _ = fs::remove_dir_all(&dir);
    }
}
