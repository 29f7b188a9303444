//! The compiled-module cache on disk (`sandbox/disk_cache.rs`): real bundled
//! bots compiled once and read back by other sandboxes and other processes,
//! damaged and foreign files never trusted, the size bound, and several
//! writers at once.

use lockstep_sdk::{Encoding, MatchInfo, Observation, PlayerId};
use lockstep_sim::bundled::{BUNDLED_BOTS, bundled_bot};
use lockstep_sim::sandbox::{
    BotInstance, CacheDir, CompiledCache, LoadedFrom, Outcome, Sandbox, SandboxConfig,
};
use std::path::{Path, PathBuf};
use std::process::Command;

const FUEL: u64 = 5_000_000;

/// A fresh, empty folder for one test.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("disk-cache")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn sandbox_with(dir: &Path, max_bytes: u64) -> Sandbox {
    Sandbox::new(SandboxConfig {
        pool_instances: 8,
        compiled_cache: CompiledCache {
            dir: CacheDir::At(dir.to_path_buf()),
            max_bytes,
        },
        ..SandboxConfig::default()
    })
    .unwrap()
}

fn sandbox(dir: &Path) -> Sandbox {
    sandbox_with(dir, 1 << 30)
}

fn wasm(bot: &str) -> &'static [u8] {
    bundled_bot(bot).unwrap().wasm
}

/// Where a new sandbox on `dir` gets `bot`'s compiled code from.
fn loaded_from(dir: &Path, bot: &str) -> (LoadedFrom, Option<String>) {
    let (_, report) = sandbox(dir).load_traced(wasm(bot)).unwrap();
    (report.from, report.disk_note)
}

/// The cache's finished files, with their sizes.
fn files(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut files: Vec<(PathBuf, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.path(), e.metadata().unwrap().len()))
        .collect();
    files.sort();
    files
}

/// `init` and five ticks: each call's outcome, fuel and output.
fn play(sandbox: &Sandbox, bot: &str) -> Vec<(Outcome, u64, Vec<u8>)> {
    let module = sandbox.load(wasm(bot)).unwrap();
    let mut instance = BotInstance::new(sandbox, &module, FUEL).unwrap();
    let rows = ["A.........", "..........", "..........", ".........B"];
    let info: MatchInfo = lockstep_sdk::testing::match_info(&rows, PlayerId(0));
    let mut calls = Vec::new();
    let report = instance.call_init(&lockstep_sdk::encode(module.encoding, &info), FUEL);
    calls.push((report.outcome, report.fuel_used, Vec::new()));
    for tick in 0..5 {
        let observation = Observation {
            tick,
            energy: 30,
            ..Observation::default()
        };
        let message = lockstep_sdk::encode(module.encoding, &observation);
        let report = instance.call_tick(&message, FUEL);
        calls.push((report.outcome, report.fuel_used, instance.output().to_vec()));
    }
    calls
}

#[test]
fn a_module_compiles_once_and_other_sandboxes_read_it_from_disk() {
    let dir = fresh_dir("once");
    let first = sandbox(&dir);
    let (module, report) = first.load_traced(wasm("rusher")).unwrap();
    assert_eq!(report.from, LoadedFrom::Compiler);
    assert_eq!(report.disk_note, None);
    assert_eq!(files(&dir).len(), 1, "one file per module");
    // The same sandbox again: from memory, nothing checked.
    let (_, again) = first.load_traced(wasm("rusher")).unwrap();
    assert_eq!(again.from, LoadedFrom::Memory);

    let second = sandbox(&dir);
    let (from_disk, report) = second.load_traced(wasm("rusher")).unwrap();
    assert_eq!(report.from, LoadedFrom::Disk, "{report:?}");
    assert_eq!(from_disk.hash, module.hash);
    assert_eq!(from_disk.encoding, Encoding::Postcard);
    assert_eq!(from_disk.summary, module.summary);
    // The code read back plays exactly as the code compiled.
    assert_eq!(play(&second, "rusher"), play(&first, "rusher"));
    assert_eq!(play(&second, "rusher")[1].0, Outcome::Ok);

    // A module that other limits refuse is refused, cached code or not.
    let strict = Sandbox::new(SandboxConfig {
        pool_instances: 8,
        compiled_cache: CompiledCache {
            dir: CacheDir::At(dir.clone()),
            max_bytes: 1 << 30,
        },
        validation: lockstep_sim::sandbox::ValidationLimits {
            max_code_bytes: 1_000,
            ..SandboxConfig::default().validation
        },
        ..SandboxConfig::default()
    })
    .unwrap();
    let error = strict.load(wasm("rusher")).unwrap_err();
    assert!(error.to_string().contains("bytes of code"), "{error}");
}

#[test]
fn a_second_process_reads_what_the_first_compiled() {
    let dir = fresh_dir("process");
    let check = |bot: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_lockstep"))
            .args(["check", bot])
            .env("LOCKSTEP_CACHE_DIR", &dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let first = check("harvester");
    assert!(first.contains("loaded             compiled in "), "{first}");
    assert!(first.contains(&dir.display().to_string()), "{first}");
    let second = check("harvester");
    assert!(
        second.contains("loaded             from the disk cache in "),
        "{second}"
    );
}

#[test]
fn damaged_and_foreign_files_are_never_loaded() {
    let dir = fresh_dir("damaged");
    assert_eq!(loaded_from(&dir, "idle").0, LoadedFrom::Compiler);
    let (path, len) = files(&dir).remove(0);
    let good = std::fs::read(&path).unwrap();

    // A flipped byte in the compiled code: deleted, compiled again, rewritten.
    let mut flipped = good.clone();
    let last = flipped.len() - 100;
    flipped[last] ^= 0x40;
    std::fs::write(&path, &flipped).unwrap();
    let (from, note) = loaded_from(&dir, "idle");
    assert_eq!(from, LoadedFrom::Compiler);
    let note = note.expect("the damage is reported");
    assert!(
        note.contains("does not match its checksum; deleted"),
        "{note}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), good, "rewritten whole");
    assert_eq!(loaded_from(&dir, "idle").0, LoadedFrom::Disk);

    // Cut short, at every kind of place: never loaded.
    for cut in [0, 10, 60, 100, len as usize / 2, len as usize - 1] {
        std::fs::write(&path, &good[..cut]).unwrap();
        let (from, note) = loaded_from(&dir, "idle");
        assert_eq!(from, LoadedFrom::Compiler, "cut at {cut}");
        if cut >= 16 {
            assert!(note.is_some(), "cut at {cut}: reported");
        }
        assert_eq!(
            loaded_from(&dir, "idle").0,
            LoadedFrom::Disk,
            "cut at {cut}"
        );
    }

    // Not ours (another format, or wasmtime's own `.cwasm` under our name):
    // left alone, compiled again, then replaced by our own file.
    let sandbox = sandbox(&dir);
    let native = wasmtime::Module::new(sandbox.engine(), wasm("idle"))
        .unwrap()
        .serialize()
        .unwrap();
    for foreign in [b"not a compiled module at all, just text".to_vec(), native] {
        std::fs::write(&path, &foreign).unwrap();
        let (from, note) = loaded_from(&dir, "idle");
        assert_eq!((from, note), (LoadedFrom::Compiler, None));
        assert_eq!(std::fs::read(&path).unwrap(), good);
    }
}

#[test]
fn the_folder_stays_under_its_bound_least_recently_used_out() {
    let dir = fresh_dir("bound");
    let size = |bot: &str| {
        let _ = std::fs::remove_dir_all(&dir);
        let _ = loaded_from(&dir, bot);
        files(&dir)[0].1
    };
    let (harvester, json_walker, rusher) = (size("harvester"), size("json-walker"), size("rusher"));
    // Room for harvester and json-walker, not for all three.
    let bound = harvester + json_walker + rusher / 2;
    let load = |bot: &str| {
        let (_, report) = sandbox_with(&dir, bound).load_traced(wasm(bot)).unwrap();
        report.from
    };
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(load("harvester"), LoadedFrom::Compiler);
    assert_eq!(load("json-walker"), LoadedFrom::Compiler);
    // harvester used again: json-walker is now the least recently used.
    assert_eq!(load("harvester"), LoadedFrom::Disk);
    assert_eq!(load("rusher"), LoadedFrom::Compiler);
    let total: u64 = files(&dir).iter().map(|(_, len)| len).sum();
    assert!(total <= bound, "{total} > {bound}");
    assert_eq!(load("harvester"), LoadedFrom::Disk);
    assert_eq!(load("rusher"), LoadedFrom::Disk);
    assert_eq!(load("json-walker"), LoadedFrom::Compiler);

    // Every bot through a small cache: never over the bound.
    for bot in BUNDLED_BOTS {
        let _ = sandbox_with(&dir, bound).load(bot.wasm);
        let total: u64 = files(&dir).iter().map(|(_, len)| len).sum();
        assert!(total <= bound, "{total} > {bound} after {}", bot.name);
    }
}

#[test]
fn several_writers_at_once_leave_only_whole_files() {
    let dir = fresh_dir("writers");
    std::thread::scope(|scope| {
        for writer in 0..4 {
            let dir = &dir;
            scope.spawn(move || {
                // Each its own engine and sandbox, as separate processes
                // would have; each in another order.
                let sandbox = sandbox(dir);
                let mut bots: Vec<_> = BUNDLED_BOTS.iter().collect();
                bots.rotate_left(writer * 2);
                for bot in bots {
                    sandbox.load(bot.wasm).unwrap();
                }
            });
        }
    });
    let names: Vec<String> = files(&dir)
        .iter()
        .map(|(path, _)| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        BUNDLED_BOTS.len(),
        "no temporary file left: {names:?}"
    );
    for bot in BUNDLED_BOTS {
        let (_, report) = sandbox(&dir).load_traced(bot.wasm).unwrap();
        assert_eq!(report.from, LoadedFrom::Disk, "{}", bot.name);
        assert_eq!(report.disk_note, None, "{}", bot.name);
    }
}

#[test]
fn a_folder_others_can_write_to_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let dir = fresh_dir("shared");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let sandbox = sandbox(&dir);
    let problem = sandbox.disk_cache().unwrap_err();
    assert!(problem.contains("other users may write to it"), "{problem}");
    let (_, report) = sandbox.load_traced(wasm("idle")).unwrap();
    assert_eq!(report.from, LoadedFrom::Compiler);
    assert!(files(&dir).is_empty());
}
