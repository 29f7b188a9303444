//! Replays: they are deterministic, they verify, and every way a file can be
//! damaged is a precise error, never a panic.

use lockstep_sim::bundled::{BUNDLED_BOTS, bundled_bot};
use lockstep_sim::match_loop::{Entrant, Match, MatchConfig};
use lockstep_sim::replay::{
    ReplayError, ReplayHeader, ReplayReader, ReplayWriter, Resim, VerifyError, play_recorded,
    verify,
};
use lockstep_sim::sandbox::{ModuleHash, Sandbox, SandboxConfig};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(SandboxConfig::default()).unwrap())
}

fn entrants(names: &[&str]) -> Vec<Entrant> {
    names
        .iter()
        .map(|name| Entrant {
            name: name.to_string(),
            module: sandbox().load(bundled_bot(name).unwrap().wasm).unwrap(),
        })
        .collect()
}

fn config(map: &str, seed: u64, ticks: u32, threads: usize) -> MatchConfig {
    let mut config = MatchConfig {
        map: map.into(),
        seed,
        threads,
        ..MatchConfig::default()
    };
    config.settings.set("max_ticks", ticks);
    config
}

/// Plays and records; returns the file's bytes and the replay hash.
fn record(bots: &[&str], config: &MatchConfig) -> (Vec<u8>, [u8; 32]) {
    let (_, bytes, hash) = record_with_result(bots, config);
    (bytes, hash)
}

fn record_with_result(
    bots: &[&str],
    config: &MatchConfig,
) -> (lockstep_sim::match_loop::MatchResult, Vec<u8>, [u8; 32]) {
    let mut out = Vec::new();
    let (result, hash) =
        play_recorded(sandbox(), &entrants(bots), config, &mut out, &mut ()).unwrap();
    (result, out, hash)
}

fn bundled_module(hash: &[u8; 32]) -> Option<Vec<u8>> {
    BUNDLED_BOTS
        .iter()
        .find(|b| ModuleHash::of(b.wasm).0 == *hash)
        .map(|b| b.wasm.to_vec())
}

fn read_all(bytes: &[u8]) -> Result<u32, ReplayError> {
    let mut reader = ReplayReader::new(bytes)?;
    let mut ticks = 0;
    while reader.next_tick()?.is_some() {
        ticks += 1;
    }
    Ok(ticks)
}

/// A short, busy match: both bots order every tick.
fn small_replay() -> &'static (Vec<u8>, [u8; 32]) {
    static REPLAY: OnceLock<(Vec<u8>, [u8; 32])> = OnceLock::new();
    REPLAY.get_or_init(|| record(&["rusher", "harvester"], &config("duel", 4, 40, 1)))
}

#[test]
fn a_replay_verifies_and_its_hash_ignores_the_thread_count() {
    let bots = ["rusher", "harvester", "random-walker", "rusher"];
    let (result, bytes, one) = record_with_result(&bots, &config("arena", 9, 120, 1));
    for threads in [2, 4] {
        let (_, again) = record(&bots, &config("arena", 9, 120, threads));
        assert_eq!(again, one, "replay hash with {threads} threads");
    }
    for threads in [1, 3] {
        let report = verify(
            ReplayReader::new(&bytes[..]).unwrap(),
            &bundled_module,
            threads,
        )
        .unwrap();
        assert_eq!(report.divergence, None, "verify with {threads} threads");
        assert_eq!(report.ticks_matched, result.ticks);
        assert_eq!(report.result.final_hash, result.final_hash);
        assert_eq!(report.summary.unwrap().replay_hash, one);
    }
}

#[test]
fn the_replay_hash_is_the_same_under_load() {
    let busy = AtomicBool::new(true);
    let bots = ["harvester", "random-walker"];
    let quiet = record(&bots, &config("random:32x32", 21, 150, 2)).1;
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                let mut x = 1u64;
                while busy.load(Ordering::Relaxed) {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                    std::hint::black_box(x);
                }
            });
        }
        for _ in 0..2 {
            assert_eq!(record(&bots, &config("random:32x32", 21, 150, 2)).1, quiet);
        }
        busy.store(false, Ordering::Relaxed);
    });
}

#[test]
fn a_replay_holds_every_tick_and_the_orders_reproduce_the_world() {
    let (bytes, hash) = small_replay();
    let mut reader = ReplayReader::new(&bytes[..]).unwrap();
    let header = reader.header().clone();
    assert_eq!(header.players.len(), 2);
    assert_eq!(header.players[0].bot, "rusher");
    assert_eq!(header.map.name, "duel");
    assert_eq!(header.config.seed, 4);
    let mut resim = Resim::new(&header).unwrap();
    let mut orders = 0;
    let mut ticks = 0;
    while let Some(record) = reader.next_tick().unwrap() {
        assert_eq!(record.tick, ticks);
        assert_eq!(record.inits.len(), if ticks == 0 { 2 } else { 0 });
        assert_eq!(record.bots.len(), 2);
        orders += record.bots.iter().map(|b| b.actions.len()).sum::<usize>();
        resim.apply(&record).unwrap();
        ticks += 1;
    }
    assert_eq!(ticks, 40);
    assert!(orders > 40, "the bots gave orders: {orders}");
    let summary = reader.summary().unwrap();
    assert_eq!(summary.replay_hash, *hash);
    assert_eq!(summary.final_hash, resim.game().state_hash());
}

#[test]
fn the_writer_streams_each_tick_as_it_ends() {
    /// Counts bytes as they reach the "file".
    struct Sink(std::rc::Rc<std::cell::Cell<usize>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.set(self.0.get() + buf.len());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let written = std::rc::Rc::new(std::cell::Cell::new(0));
    let config = config("duel", 1, 30, 1);
    let entrants = entrants(&["idle", "random-walker"]);
    let mut game = Match::new(sandbox(), &entrants, &config).unwrap();
    let header = ReplayHeader::new(&game, sandbox(), &entrants);
    let mut writer = ReplayWriter::new(Sink(written.clone()), &header).unwrap();
    let mut last = written.get();
    while !game.is_over() {
        game.play_tick(&mut writer).unwrap();
        assert!(
            written.get() > last,
            "tick frame written before the next tick"
        );
        last = written.get();
    }
    writer.finish(&game.finish()).unwrap();
    assert!(written.get() > last);
}

#[test]
fn every_truncation_is_a_truncation_error() {
    let (bytes, _) = small_replay();
    assert_eq!(read_all(bytes).unwrap(), 40);
    for len in 0..bytes.len() {
        match read_all(&bytes[..len]) {
            Err(ReplayError::Truncated { .. }) => {}
            Err(ReplayError::NotAReplay) if len < 16 => {}
            other => panic!("cut at {len} of {}: {other:?}", bytes.len()),
        }
    }
}

#[test]
fn every_flipped_byte_is_caught_where_it_is() {
    let (bytes, _) = small_replay();
    // Every byte of the file, each flipped alone (the whole file is ~6 KB).
    for at in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x20;
        let error = read_all(&damaged).expect_err(&format!("byte {at} flipped was not noticed"));
        let message = error.to_string();
        match error {
            ReplayError::NotAReplay => assert!(at < 16),
            ReplayError::NewerFormat { .. } => assert!((16..18).contains(&at)),
            ReplayError::Corrupted { offset, .. } => {
                assert!(
                    offset <= at as u64,
                    "byte {at} reported at {offset}: {message}"
                )
            }
            // A flipped length byte can make a frame claim more than is left.
            ReplayError::Truncated { .. } => {}
            other => panic!("byte {at}: unexpected {other:?}"),
        }
    }
}

#[test]
fn a_newer_format_and_garbage_are_refused_by_name() {
    let (bytes, _) = small_replay();
    let mut newer = bytes.clone();
    newer[16] = 9;
    let message = read_all(&newer).unwrap_err().to_string();
    assert!(message.contains("format version 9"), "{message}");
    assert!(message.contains("newer lockstep"), "{message}");
    let message = read_all(b"PK\x03\x04 not a replay at all")
        .unwrap_err()
        .to_string();
    assert!(message.contains("not a Lockstep replay"), "{message}");
}

/// Rewrites a replay through `edit`, with fresh checksums: what a careful
/// forger, or another build, could produce.
fn rewrite(
    bytes: &[u8],
    edit_header: impl FnOnce(&mut ReplayHeader),
    mut edit_tick: impl FnMut(&mut lockstep_sim::replay::TickRecord),
) -> Vec<u8> {
    let mut reader = ReplayReader::new(bytes).unwrap();
    let mut header = reader.header().clone();
    edit_header(&mut header);
    let mut writer = ReplayWriter::new(Vec::new(), &header).unwrap();
    while let Some(mut record) = reader.next_tick().unwrap() {
        edit_tick(&mut record);
        writer.write_tick(&record).unwrap();
    }
    // The summary is rebuilt from a result: reuse the verified re-run's.
    let report = verify(ReplayReader::new(bytes).unwrap(), &bundled_module, 1).unwrap();
    writer.finish(&report.result).unwrap().0
}

#[test]
fn verify_names_the_first_tick_that_differs_and_what_differs() {
    let (bytes, _) = small_replay();
    let forged = rewrite(
        bytes,
        |_| {},
        |t| {
            if t.tick == 17 {
                t.bots[1].fuel += 1;
            }
        },
    );
    let report = verify(ReplayReader::new(&forged[..]).unwrap(), &bundled_module, 1).unwrap();
    let divergence = report.divergence.unwrap();
    assert_eq!(divergence.tick, 17);
    assert_eq!(report.ticks_matched, 17);
    assert!(
        divergence
            .what
            .contains("seat 1 (harvester): fuel used differs"),
        "{}",
        divergence.what
    );

    let forged = rewrite(
        bytes,
        |_| {},
        |t| {
            if t.tick == 23 {
                t.bots[0].actions.clear();
            }
        },
    );
    let report = verify(ReplayReader::new(&forged[..]).unwrap(), &bundled_module, 1).unwrap();
    let divergence = report.divergence.unwrap();
    assert_eq!(divergence.tick, 23);
    assert!(
        divergence.what.contains("seat 0 (rusher): orders differ"),
        "{}",
        divergence.what
    );
}

#[test]
fn replays_from_other_versions_are_refused_saying_which() {
    let (bytes, _) = small_replay();
    type Edit = fn(&mut ReplayHeader);
    let cases: [(&str, Edit); 3] = [
        ("rules version 2", |h| h.rules_version = 2),
        ("engine version 0.0.9", |h| {
            h.engine_version = "0.0.9".into()
        }),
        ("wasmtime 47.0.0", |h| h.wasmtime_version = "47.0.0".into()),
    ];
    for (expected, edit) in cases {
        let other = rewrite(bytes, edit, |_| {});
        let error =
            verify(ReplayReader::new(&other[..]).unwrap(), &bundled_module, 1).expect_err(expected);
        assert!(matches!(error, VerifyError::Incompatible { .. }));
        let message = error.to_string();
        assert!(message.contains(expected), "{message}");
        assert!(message.contains("this lockstep has"), "{message}");
    }
}

#[test]
fn verify_asks_for_a_missing_module_by_hash() {
    let (bytes, _) = small_replay();
    let error = verify(ReplayReader::new(&bytes[..]).unwrap(), &|_| None, 1).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("seat 0 (rusher): no module with hash"),
        "{message}"
    );
    assert!(message.contains("--bots DIR"), "{message}");
}

#[test]
fn the_wasmtime_version_recorded_is_the_one_built_in() {
    let lock =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
    let pinned = format!(
        "name = \"wasmtime\"\nversion = \"{}\"",
        lockstep_sim::replay::WASMTIME_VERSION
    );
    assert!(lock.contains(&pinned), "Cargo.lock does not pin {pinned}");
}

/// A file of format 3 (recorded before the engine hosted more than one
/// game: rusher vs harvester on duel, seed 4, 40 ticks) still reads, and
/// still verifies: the upgrade to this format's records loses nothing a
/// re-run checks. (Format 2's header differs in one field; the crate's own
/// tests in `replay/legacy.rs` read one.)
#[test]
fn a_format_3_file_still_reads_and_verifies() {
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bytes = std::fs::read(golden.join("format-3.replay")).unwrap();
    let mut reader = ReplayReader::new(&bytes[..]).unwrap();
    assert_eq!(reader.format_version(), 3);
    let header = reader.header().clone();
    assert_eq!(header.config.game, "cores");
    assert_eq!(header.map.name, "duel");
    assert_eq!(header.config.settings.get_u64("max_ticks"), Some(40));
    let names: Vec<&str> = header.players.iter().map(|p| p.bot.as_str()).collect();
    assert_eq!(names, ["rusher", "harvester"]);
    let mut ticks = 0;
    while let Some(tick) = reader.next_tick().unwrap() {
        assert_eq!(tick.tick, ticks);
        ticks += 1;
    }
    let (_, summary) = reader.finish().unwrap();
    assert_eq!(summary.ticks, ticks);
    assert_eq!(hex(&summary.final_hash[..8]), "f7ba96fa51b7bb68");

    let fixture = |hash: &[u8; 32]| {
        std::fs::read_dir(&golden).unwrap().find_map(|entry| {
            let bytes = std::fs::read(entry.unwrap().path()).ok()?;
            (ModuleHash::of(&bytes).0 == *hash).then_some(bytes)
        })
    };
    let report = verify(ReplayReader::new(&bytes[..]).unwrap(), &fixture, 1).unwrap();
    assert!(report.divergence.is_none(), "{:?}", report.divergence);
    assert_eq!(report.ticks_matched, ticks);
}

/// A file of format 4 (before script bots: rusher vs harvester on duel,
/// seed 7, 30 ticks) reads with no runtime for either player, and verifies.
#[test]
fn a_format_4_file_still_reads_and_verifies() {
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bytes = std::fs::read(golden.join("format-4.replay")).unwrap();
    let reader = ReplayReader::new(&bytes[..]).unwrap();
    assert_eq!(reader.format_version(), 4);
    let header = reader.header().clone();
    let names: Vec<&str> = header.players.iter().map(|p| p.bot.as_str()).collect();
    assert_eq!(names, ["rusher", "harvester"]);
    assert!(header.players.iter().all(|p| p.runtime.is_none()));
    let fixture = |hash: &[u8; 32]| {
        std::fs::read_dir(&golden).unwrap().find_map(|entry| {
            let bytes = std::fs::read(entry.unwrap().path()).ok()?;
            (ModuleHash::of(&bytes).0 == *hash).then_some(bytes)
        })
    };
    let report = verify(reader, &fixture, 1).unwrap();
    assert!(report.divergence.is_none(), "{:?}", report.divergence);
    assert_eq!(report.ticks_matched, 30);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
