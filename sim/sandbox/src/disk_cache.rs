//! Compiled modules on disk, so that a module compiles once per machine: the
//! CLI, tournaments and the server share one folder per user.
//!
//! A file holds what `Module::serialize` gave for one module under one engine:
//!
//! | bytes | what |
//! |---|---|
//! | 16 | [`MAGIC`]: the format and its version |
//! | 32 | the key: blake3 of the engine digest and the module's content hash |
//! | 8 | the payload's length, little-endian |
//! | 32 | blake3 of the payload |
//! | n | the payload: `Module::serialize`'s bytes |
//!
//! and is named by its key in hex. The engine digest covers everything that
//! changes compiled code (see [`engine_digest`]), so a file made by another
//! version, another setting or another CPU is never even looked for.
//!
//! `Module::deserialize` is unsafe: it trusts its bytes to be what
//! `Module::serialize` of a compatible engine produced. So a file is only
//! handed to it when its magic, its key and its checksum all match, that is
//! when this very engine wrote it and not a byte has changed since. A file
//! that is damaged (checksum or length wrong) is deleted; one that is not
//! ours (other magic or key) is left alone and, once the module is compiled
//! again, replaced. None of this is a defence against someone who can write
//! to the folder: they can run code as its user anyway. The folder is made
//! private to its user (`0700`), and one that others can write to is refused.
//!
//! Writes are atomic (a temporary file, `fsync`, `rename`), so a reader, in
//! this process or another, sees a whole file or none. Reading touches the
//! file's modification time; after each write, the least recently used files
//! are deleted until the folder holds at most `max_bytes`. Several processes
//! may do all this at once: the worst outcome of a race is a module compiled
//! twice, or a file deleted just before another process wanted it.

use super::module::ModuleHash;
use std::fs::{self, File};
use std::hash::Hasher;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use wasmtime::{Engine, Module};

/// The first bytes of every file: what it is and the layout's version.
const MAGIC: &[u8; 16] = b"lockstep-cwasm1\n";
const HEADER: usize = 16 + 32 + 8 + 32;
/// The extension of finished files; temporary ones start with [`TEMP`].
const EXT: &str = "cwasm";
const TEMP: &str = ".tmp-";
/// A temporary file older than this was left by a process that died.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// Unique temporary names within this process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// What was found under a module's key.
pub(crate) enum Lookup {
    /// A file this engine wrote, checked and deserialised.
    Hit(Module),
    /// No file, or one that is not this engine's (left alone).
    Miss,
    /// A file that was ours but damaged, or that wasmtime refused; deleted.
    Damaged(String),
}

/// One folder of compiled modules, for one engine.
pub(crate) struct DiskCache {
    dir: PathBuf,
    max_bytes: u64,
    engine: [u8; 32],
}

impl DiskCache {
    /// Opens (creating it, private to this user) the folder `dir`, for
    /// modules compiled by `engine`.
    pub(crate) fn open(dir: &Path, max_bytes: u64, engine: &Engine) -> io::Result<DiskCache> {
        create_private_dir(dir)?;
        Ok(DiskCache {
            dir: dir.to_path_buf(),
            max_bytes,
            engine: engine_digest(engine),
        })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds `module` compiled by this engine.
    pub(crate) fn path(&self, module: ModuleHash) -> PathBuf {
        let key = self.key(module);
        self.dir
            .join(format!("{}.{EXT}", blake3::Hash::from(key).to_hex()))
    }

    fn key(&self, module: ModuleHash) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"lockstep compiled module key\0");
        hasher.update(&self.engine);
        hasher.update(&module.0);
        *hasher.finalize().as_bytes()
    }

    /// The compiled module for `module`, if this engine wrote it here.
    pub(crate) fn load(&self, engine: &Engine, module: ModuleHash) -> Lookup {
        let path = self.path(module);
        let bytes = match read_capped(&path, self.max_bytes) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Lookup::Miss,
            Err(e) => return Lookup::Damaged(format!("cannot read {}: {e}", path.display())),
        };
        let payload = match check(&bytes, &self.key(module)) {
            Check::Ours(payload) => payload,
            Check::Foreign => return Lookup::Miss,
            Check::Damaged(why) => {
                let _ = fs::remove_file(&path);
                return Lookup::Damaged(format!("{} {why}; deleted", path.display()));
            }
        };
        // SAFETY: `payload` is, byte for byte (its blake3 checksum matches),
        // what `Module::serialize` returned for this module under an engine
        // whose compatibility digest is this engine's (it is in the key,
        // which matches). wasmtime checks its own header and the engine's
        // settings again before using it.
        match unsafe { Module::deserialize(engine, payload) } {
            Ok(compiled) => {
                touch(&path);
                Lookup::Hit(compiled)
            }
            Err(e) => {
                let _ = fs::remove_file(&path);
                Lookup::Damaged(format!(
                    "{} was refused by wasmtime ({e}); deleted",
                    path.display()
                ))
            }
        }
    }

    /// Keeps `compiled` as `module`'s file: written whole or not at all, then
    /// the folder trimmed to its bound. A module whose file alone would pass
    /// the bound is not kept.
    pub(crate) fn store(&self, module: ModuleHash, compiled: &Module) -> io::Result<()> {
        let payload = compiled
            .serialize()
            .map_err(|e| io::Error::other(format!("cannot serialise the module: {e}")))?;
        if (HEADER + payload.len()) as u64 > self.max_bytes {
            return Ok(());
        }
        let mut file = Vec::with_capacity(HEADER + payload.len());
        file.extend_from_slice(MAGIC);
        file.extend_from_slice(&self.key(module));
        file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        file.extend_from_slice(blake3::hash(&payload).as_bytes());
        file.extend_from_slice(&payload);
        write_atomically(&self.dir, &self.path(module), &file)?;
        self.trim()
    }

    /// Deletes the least recently used files until the folder holds at most
    /// `max_bytes`, and temporary files left by processes that died.
    pub(crate) fn trim(&self) -> io::Result<()> {
        let now = SystemTime::now();
        let mut files = Vec::new();
        let mut total = 0u64;
        for entry in fs::read_dir(&self.dir)? {
            let Ok(entry) = entry else { continue };
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            if name.starts_with(TEMP) {
                if now.duration_since(used).unwrap_or_default() > STALE_TEMP {
                    let _ = fs::remove_file(entry.path());
                }
            } else if name.ends_with(EXT) {
                total += meta.len();
                files.push((used, meta.len(), entry.path()));
            }
        }
        files.sort();
        for (_, len, path) in files {
            if total <= self.max_bytes {
                break;
            }
            // Another process may have deleted it already: either way it is gone.
            let _ = fs::remove_file(&path);
            total -= len;
        }
        Ok(())
    }
}

/// What a file's header says about it.
enum Check<'a> {
    Ours(&'a [u8]),
    Foreign,
    Damaged(&'static str),
}

fn check<'a>(bytes: &'a [u8], key: &[u8; 32]) -> Check<'a> {
    if bytes.len() < HEADER {
        return if MAGIC.starts_with(&bytes[..bytes.len().min(MAGIC.len())]) {
            Check::Damaged("is cut short")
        } else {
            Check::Foreign
        };
    }
    let (magic, rest) = bytes.split_at(MAGIC.len());
    let (file_key, rest) = rest.split_at(32);
    let (len, rest) = rest.split_at(8);
    let (checksum, payload) = rest.split_at(32);
    if magic != MAGIC || file_key != key {
        return Check::Foreign;
    }
    let len = u64::from_le_bytes(len.try_into().expect("8 bytes"));
    if len != payload.len() as u64 {
        return Check::Damaged("has the wrong length (cut short or appended to)");
    }
    if blake3::hash(payload).as_bytes() != checksum {
        return Check::Damaged("does not match its checksum");
    }
    Check::Ours(payload)
}

/// Everything that changes compiled code: wasmtime's own digest of the
/// target, the compiler's flags (NaN canonicalisation among them), the
/// tunables (fuel, epoch interruption and every operator's fuel cost among them), the
/// enabled wasm features and wasmtime's version; plus this file format's
/// version.
pub(crate) fn engine_digest(engine: &Engine) -> [u8; 32] {
    let mut hasher = Blake3Hasher(blake3::Hasher::new());
    hasher.0.update(MAGIC);
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
    *hasher.0.finalize().as_bytes()
}

/// `std::hash::Hash` fed into blake3: the same input gives the same digest
/// in every process of the same build (unlike `DefaultHasher`'s, which need
/// not be stable across Rust versions).
struct Blake3Hasher(blake3::Hasher);

impl Hasher for Blake3Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.finalize();
        u64::from_le_bytes(digest.as_bytes()[..8].try_into().expect("8 bytes"))
    }
}

/// The file's bytes, `None` if there is no such file; an error for a file
/// larger than `cap` (not ours: ours are never that large).
fn read_capped(path: &Path, cap: u64) -> io::Result<Option<Vec<u8>>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    if len > cap {
        return Err(io::Error::other(format!(
            "it is {len} bytes, more than the cache's bound"
        )));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(cap).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Marks a file as just used, for the least-recently-used order.
fn touch(path: &Path) {
    if let Ok(file) = File::options().append(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// `bytes` as `path`: a temporary file in `dir`, synced, then renamed over
/// `path`, so no reader ever sees part of it.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = dir.join(format!(
        "{TEMP}{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = File::create_new(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Creates `dir` (and its parents) readable and writable by this user only;
/// refuses an existing one that others may write to.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir)?.permissions().mode();
        if mode & 0o022 != 0 {
            return Err(io::Error::other(format!(
                "other users may write to it (mode {:o}); compiled code is only \
                 loaded from a folder private to its user (chmod 700)",
                mode & 0o777
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SandboxConfig, engine_config, engine_config_metered};

    fn engine(nan_canonicalization: bool) -> Engine {
        let mut config = engine_config(&SandboxConfig::default());
        config.cranelift_nan_canonicalization(nan_canonicalization);
        Engine::new(&config).unwrap()
    }

    const WAT: &str = r#"(module (func (export "f") (param f64) (result f64)
        local.get 0 local.get 0 f64.add))"#;

    #[test]
    fn another_engine_setting_never_reads_a_file() {
        let dir = std::env::temp_dir().join(format!("lockstep-disk-cache-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let (ours, same, other) = (engine(true), engine(true), engine(false));
        assert_eq!(engine_digest(&ours), engine_digest(&same));
        assert_ne!(engine_digest(&ours), engine_digest(&other));

        let wasm = wat::parse_str(WAT).unwrap();
        let hash = ModuleHash::of(&wasm);
        let compiled = Module::new(&ours, &wasm).unwrap();
        let cache = DiskCache::open(&dir, 1 << 30, &ours).unwrap();
        cache.store(hash, &compiled).unwrap();
        let again = DiskCache::open(&dir, 1 << 30, &same).unwrap();
        assert!(matches!(again.load(&same, hash), Lookup::Hit(_)));

        // Another setting looks elsewhere, and finds nothing.
        let elsewhere = DiskCache::open(&dir, 1 << 30, &other).unwrap();
        assert_ne!(elsewhere.path(hash), cache.path(hash));
        assert!(matches!(elsewhere.load(&other, hash), Lookup::Miss));
        // Even our file under its name is not read: the key inside differs.
        fs::copy(cache.path(hash), elsewhere.path(hash)).unwrap();
        assert!(matches!(elsewhere.load(&other, hash), Lookup::Miss));
        assert!(
            elsewhere.path(hash).exists(),
            "a foreign file is left alone"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn code_compiled_with_epoch_checks_has_another_key() {
        // The watchdog used epochs until it read the clock between fuel
        // slices: files compiled then (with epoch checks) are never read.
        let config = SandboxConfig::default();
        let now = Engine::new(&engine_config(&config)).unwrap();
        let with_epochs = Engine::new(&engine_config_metered(&config, true, true)).unwrap();
        assert_ne!(engine_digest(&now), engine_digest(&with_epochs));
    }
}
