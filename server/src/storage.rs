//! Module files: `DATA/modules/<hash>.wasm`, named by the blake3 hash of
//! their bytes, written so that a crash at any moment leaves either no file
//! or the whole file under that name.
//!
//! An upload writes the file first (temp name, fsync, rename, fsync of the
//! folder) and only then the database rows that point at it, in one
//! transaction. So a row never points at a missing or partial file; a file
//! without a row (a crash between the two) is harmless and is reused by the
//! next upload of the same bytes.
//!
//! A module file is deleted only while the database connection is held,
//! right after the transaction that stopped every row from needing it
//! (`quota.rs`); and every transaction that records a module makes sure,
//! holding the connection, that its file is there ([`has_module`], else
//! [`put_module`] again). So a deletion never takes a file from under an
//! upload that found it in place a moment before.
//!
//! Also here: what a failed write says about the disk ([`Fault`]: out of
//! space, or failing), for uploads (507, 503) and the ladder, and the free
//! space of the data folder's file system ([`free_bytes`]).

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

/// Whether `dir/<hash>.wasm` is there with `len` bytes: what a transaction
/// that records module `hash` checks, holding the database connection, in
/// case the file went since it was written (see the top of this file).
pub fn has_module(dir: &Path, hash: &str, len: u64) -> bool {
    is_hash(hash) && fs::metadata(module_path(dir, hash)).is_ok_and(|m| m.len() == len)
}

/// Deletes `dir/<hash>.wasm` (gone already is fine). Only once no row needs
/// it, holding the database connection (see the top of this file).
pub fn remove_module(dir: &Path, hash: &str) -> io::Result<()> {
    if !is_hash(hash) {
        return Ok(());
    }
    match fs::remove_file(module_path(dir, hash)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
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

/// What a failed write says about the storage under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No room: the file system is full, the user's disk quota is used up,
    /// or a file reached the size limit of the process (`ENOSPC`, `EDQUOT`,
    /// `EFBIG`; SQLite's `SQLITE_FULL`). It passes when space is freed.
    OutOfSpace,
    /// The storage itself fails: an I/O error, a file system gone read-only
    /// (`EIO`, `EROFS`; SQLite's `SQLITE_IOERR`, `SQLITE_READONLY`).
    Failing,
}

impl Fault {
    /// The fault behind a failed file operation, if it is one of the disk's.
    pub fn of_io(e: &io::Error) -> Option<Fault> {
        use io::ErrorKind as K;
        match e.kind() {
            K::StorageFull | K::QuotaExceeded | K::FileTooLarge => Some(Fault::OutOfSpace),
            K::ReadOnlyFilesystem => Some(Fault::Failing),
            // EIO: 5 on Linux and the BSDs; std has no kind for it.
            _ if cfg!(unix) && e.raw_os_error() == Some(5) => Some(Fault::Failing),
            _ => None,
        }
    }

    /// The fault behind a failed SQLite call, if it is one of the disk's.
    pub fn of_sqlite(e: &rusqlite::Error) -> Option<Fault> {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code()? {
            C::DiskFull => Some(Fault::OutOfSpace),
            C::SystemIoFailure | C::ReadOnly => Some(Fault::Failing),
            _ => None,
        }
    }
}

/// The fault behind a failed database call, if it is one of the storage's:
/// SQLite's, or PostgreSQL's out of space (`53100`, `53000`), or a
/// PostgreSQL that is gone or shutting down (no connection, `57P01`-`57P03`,
/// class `08`): nothing is written until it is back.
impl Fault {
    pub fn of_db(e: &crate::db::sql::Error) -> Option<Fault> {
        use crate::db::sql::Error;
        match e {
            Error::Sqlite(e) => Fault::of_sqlite(e),
            Error::Postgres(e) => match e.as_db_error() {
                Some(db) => {
                    let code = db.code().code();
                    if code == "53100" || code == "53000" {
                        Some(Fault::OutOfSpace)
                    } else if code.starts_with("08") || code.starts_with("57P") {
                        Some(Fault::Failing)
                    } else {
                        None
                    }
                }
                None if e.is_closed() || e.code().is_none() => Some(Fault::Failing),
                None => None,
            },
            _ => None,
        }
    }
}

/// Whether a file operation failed for lack of space (`ENOSPC`, `EDQUOT`,
/// `EFBIG`): writes will fail until space is freed.
pub fn is_out_of_space(e: &io::Error) -> bool {
    Fault::of_io(e) == Some(Fault::OutOfSpace)
}

/// Whether a SQLite call failed for lack of space (`SQLITE_FULL`).
pub fn sqlite_is_out_of_space(e: &rusqlite::Error) -> bool {
    Fault::of_sqlite(e) == Some(Fault::OutOfSpace)
}

/// The bytes free for this process on the file system holding `dir`
/// (what `df` shows as available: without the root-reserved blocks).
#[cfg(unix)]
pub fn free_bytes(dir: &Path) -> io::Result<u64> {
    let stat = rustix::fs::statvfs(dir).map_err(io::Error::from)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Not measured off unix: as if there were room.
#[cfg(not(unix))]
pub fn free_bytes(_dir: &Path) -> io::Result<u64> {
    Ok(u64::MAX)
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

    #[test]
    fn faults_are_told_apart() {
        let os = io::Error::from_raw_os_error;
        // Linux's ENOSPC, EDQUOT, EFBIG, EIO, EROFS, ENOENT.
        for (errno, fault) in [
            (28, Some(Fault::OutOfSpace)),
            (122, Some(Fault::OutOfSpace)),
            (27, Some(Fault::OutOfSpace)),
            (5, Some(Fault::Failing)),
            (30, Some(Fault::Failing)),
            (2, None),
        ] {
            if cfg!(target_os = "linux") {
                assert_eq!(Fault::of_io(&os(errno)), fault, "errno {errno}");
            }
        }
        assert!(!is_out_of_space(&io::Error::other("x")));
        let sqlite =
            |code: i32| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        assert!(sqlite_is_out_of_space(&sqlite(rusqlite::ffi::SQLITE_FULL)));
        let ioerr = sqlite(rusqlite::ffi::SQLITE_IOERR_WRITE);
        assert_eq!(Fault::of_sqlite(&ioerr), Some(Fault::Failing));
        assert_eq!(Fault::of_sqlite(&sqlite(rusqlite::ffi::SQLITE_BUSY)), None);
        assert_eq!(
            Fault::of_sqlite(&rusqlite::Error::QueryReturnedNoRows),
            None
        );
    }

    #[test]
    fn files_are_checked_and_removed_by_hash() {
        let dir = temp_dir("remove");
        fs::create_dir_all(&dir).unwrap();
        let bytes = b"\0asm module";
        let hash = blake3::hash(bytes).to_hex().to_string();
        assert!(!has_module(&dir, &hash, bytes.len() as u64));
        put_module(&dir, &hash, bytes).unwrap();
        assert!(has_module(&dir, &hash, bytes.len() as u64));
        assert!(!has_module(&dir, &hash, 3), "another length");
        remove_module(&dir, &hash).unwrap();
        remove_module(&dir, &hash).unwrap();
        assert!(!has_module(&dir, &hash, bytes.len() as u64));
        assert!(free_bytes(&dir).unwrap() > 0);
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
