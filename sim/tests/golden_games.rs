//! Pinned games: the same modules, maps and seeds play the same games,
//! call for call, in every build of the engine.
//!
//! Recorded before the engine learned to host more than one game (issue 15)
//! and kept since, so that any refactor of the match loop, the replay format
//! or the SDK that changes what a bot sees or does fails here. The modules are
//! fixtures (`tests/golden/*.wasm`: the bundled bots and the starter kits' bots
//! as built on 2026-12-06, and the JavaScript and Python kits' scripts), not rebuilt, so a new compiler cannot move the
//! pins; each pin also names its modules' blake3 hashes.
//!
//! A game's digest is blake3 over every tick's record as the replay holds it
//! (inits and calls in seat order: outcome, fuel, budget, log lines, the
//! orders as postcard bytes, the state hash after the step), then the final
//! state hash and the winner. The replay header is left out: it names
//! versions, which may change while the game does not.
//!
//! If a pin moves on purpose (a rules or fuel change, with its version bump),
//! run with `GOLDEN_PRINT=1 cargo test -p lockstep-sim --test golden_games --
//! --nocapture` and copy the new digests in, saying why in the commit.

use lockstep_sim::match_loop::{Entrant, MatchConfig};
use lockstep_sim::replay::{ReplayReader, TickRecord, play_recorded};
use lockstep_sim::sandbox::{ModuleHash, Sandbox, SandboxConfig};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::OnceLock;

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(SandboxConfig::default()).unwrap())
}

/// `tests/golden/NAME.wasm`, or the script bytes of `tests/golden/NAME.js`
/// or `NAME.py` (their runtimes are pinned by `runtimes/*/runtime.blake3`).
fn fixture(name: &str) -> Vec<u8> {
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for extension in ["js", "py"] {
        let script = golden.join(format!("{name}.{extension}"));
        if let Ok(source) = std::fs::read(&script) {
            let runtime = lockstep_sim::sandbox::script::by_extension(&script).unwrap();
            return lockstep_sim::sandbox::script::wrap(runtime, &source);
        }
    }
    let path = golden.join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One pinned game.
struct Pin {
    bots: &'static [&'static str],
    map: &'static str,
    seed: u64,
    ticks: u32,
    digest: &'static str,
}

const PINS: &[Pin] = &[
    Pin {
        bots: &["rusher", "harvester"],
        map: "duel",
        seed: 4,
        ticks: 200,
        digest: "e3a7b413756366750b955a0c0eef7d2deadd8272f402f19fca6c82041bc0ddea",
    },
    Pin {
        bots: &[
            "random-walker",
            "random-walker",
            "random-walker",
            "random-walker",
        ],
        map: "random:32x32",
        seed: 7,
        ticks: 150,
        digest: "78bf9a3e7f0a4aba2ac99ca2243921629f08f7f65e3d64e29619035e18d90b61",
    },
    Pin {
        bots: &["json-walker", "rusher"],
        map: "duel",
        seed: 3,
        ticks: 150,
        digest: "e0a66a448b05d86f5ae6c8c2d825f013335fe1ef0af85a98bb1acbb2c7b14e24",
    },
    Pin {
        bots: &["wasi-clock", "hostile-loop", "hostile-panic", "harvester"],
        map: "random:24x24",
        seed: 5,
        ticks: 60,
        digest: "f89c5db048ae497c1ff49fc7c008906b9162159204cf2510af3cc82508778674",
    },
    Pin {
        bots: &["kit-c", "kit-zig", "kit-assemblyscript", "kit-go"],
        map: "random:32x32",
        seed: 11,
        ticks: 120,
        digest: "0c9bb418e387f3346a0ede6742c98801202af03066b61583b686a86e749b1e02",
    },
    Pin {
        bots: &["kit-c-wasi", "kit-rust", "rusher"],
        map: "random:28x28",
        seed: 13,
        ticks: 120,
        digest: "9c77dbaa9031a2bc16ed8b2bfe5b979facf5b3020e0cac46e51c2bc95028cf89",
    },
    // A script bot: the JavaScript kit's bot as of 2026-12-07 on the
    // pinned runtime. It moves when the runtime does (runtime.blake3).
    Pin {
        bots: &["kit-javascript", "rusher"],
        map: "duel",
        seed: 5,
        ticks: 120,
        digest: "c4e79848965499a617156af26fe30e8058f1614ed1573fc1d034d04bbc957bab",
    },
    // The Python kit's bot as of 2026-12-07 on the pinned runtime.
    Pin {
        bots: &["harvester", "kit-python"],
        map: "duel",
        seed: 6,
        ticks: 120,
        digest: "8aea13c3f472cbce086c1b75f733136edb73209d0c75320156bc4e948a400ac5",
    },
];

/// A tick as the digest sees it: the replay's record with the orders as
/// their canonical postcard bytes.
#[derive(Serialize)]
struct DigestTick {
    tick: u32,
    inits: Vec<(u8, String, String, u64, Vec<String>, u32)>,
    bots: Vec<DigestCall>,
    state_hash: [u8; 16],
}

#[derive(Serialize)]
struct DigestCall {
    seat: u8,
    budget: u64,
    fuel: u64,
    outcome: (String, String),
    actions: Vec<u8>,
    logs: Vec<String>,
    logs_dropped: u32,
}

fn digest_tick(record: TickRecord) -> DigestTick {
    DigestTick {
        tick: record.tick,
        inits: record
            .inits
            .into_iter()
            .map(|i| {
                (
                    i.seat,
                    i.outcome.kind,
                    i.outcome.detail,
                    i.fuel,
                    i.logs,
                    i.logs_dropped,
                )
            })
            .collect(),
        bots: record
            .bots
            .into_iter()
            .map(|b| DigestCall {
                seat: b.seat,
                budget: b.budget,
                fuel: b.fuel,
                outcome: (b.outcome.kind, b.outcome.detail),
                // The game's canonical bytes: the postcard of the list.
                actions: b.actions,
                logs: b.logs,
                logs_dropped: b.logs_dropped,
            })
            .collect(),
        state_hash: record.state_hash,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Plays `pin` with a replay recorded, and digests the replay's ticks.
fn play(pin: &Pin, threads: usize) -> String {
    let entrants: Vec<Entrant> = pin
        .bots
        .iter()
        .map(|name| Entrant {
            name: name.to_string(),
            module: sandbox()
                .load(&fixture(name))
                .unwrap_or_else(|e| panic!("{name}: {e}")),
        })
        .collect();
    let mut config = MatchConfig {
        map: pin.map.into(),
        seed: pin.seed,
        threads,
        ..MatchConfig::default()
    };
    config.settings.set("max_ticks", pin.ticks);
    let mut file = Vec::new();
    play_recorded(sandbox(), &entrants, &config, &mut file, &mut ()).unwrap();

    let mut digest = blake3::Hasher::new();
    for entrant in &entrants {
        digest.update(&entrant.module.hash.0);
        if let Some(script) = &entrant.module.script {
            digest.update(&script.runtime_hash.0);
        }
    }
    let mut reader = ReplayReader::new(file.as_slice()).unwrap();
    while let Some(record) = reader.next_tick().unwrap() {
        digest.update(&postcard::to_allocvec(&digest_tick(record)).unwrap());
    }
    let (_, summary) = reader.finish().unwrap();
    digest.update(
        &postcard::to_allocvec(&(summary.ticks, summary.winner, summary.final_hash)).unwrap(),
    );
    hex(digest.finalize().as_bytes())
}

#[test]
fn the_pinned_games_play_call_for_call() {
    let print = std::env::var("GOLDEN_PRINT").as_deref() == Ok("1");
    let mut moved = Vec::new();
    for (i, pin) in PINS.iter().enumerate() {
        // Alternate the thread count: the digest must not depend on it.
        let digest = play(pin, 1 + i % 2);
        if print {
            println!("{:?} on {} seed {}: {digest}", pin.bots, pin.map, pin.seed);
        }
        if digest != pin.digest {
            moved.push(format!(
                "{:?} on {} seed {} for {} ticks: digest {digest}, pinned {}",
                pin.bots, pin.map, pin.seed, pin.ticks, pin.digest
            ));
        }
    }
    assert!(
        moved.is_empty(),
        "pinned games played differently (see this file's doc comment before updating a pin):\n{}",
        moved.join("\n")
    );
}

/// The fixtures are what the pins were recorded with.
#[test]
fn the_fixtures_are_the_pinned_modules() {
    let mut lines = Vec::new();
    for name in FIXTURES {
        lines.push(format!("{name} {}", hex(&ModuleHash::of(&fixture(name)).0)));
    }
    let listed = lines.join("\n");
    if std::env::var("GOLDEN_PRINT").as_deref() == Ok("1") {
        println!("{listed}");
    }
    assert_eq!(listed, FIXTURE_HASHES.trim());
}

const FIXTURES: [&str; 13] = [
    "rusher",
    "harvester",
    "random-walker",
    "json-walker",
    "wasi-clock",
    "hostile-loop",
    "hostile-panic",
    "kit-c",
    "kit-c-wasi",
    "kit-zig",
    "kit-assemblyscript",
    "kit-go",
    "kit-rust",
];

const FIXTURE_HASHES: &str = "
rusher 166e8f172c4913d419478aa7b4f8a53d7b70145bee1a061fff9446d8f3d6557e
harvester 2209a3832ec27c5451d759cdacdad07abd65c4ac2c7f4ec31aaac9fcdec05c41
random-walker 29fb8c56d4d30aff3767af3873af8fbdaed6bfcd5a949ebd1fa04ad8418aa6e8
json-walker 52cc4fb2a6cbe644198cb1e560ce82514e1c9672fea649570510f3695f84073f
wasi-clock af5d97f65d915f2e9c2b42fc61609481f19120ffd7151815f79c9fda04224d7d
hostile-loop 7caafbd5cc8c00f9d7d748342b7a6028e853d3d5a5c8f274694d15a4c9524221
hostile-panic 49bc11cf399d6c63f9a352a25890743874574a5f0c258e1311dcd45ee51d6870
kit-c f13a3be43e1bf9faf66ad31d9b38200fb70d4764eb4317a2b81406628a2d5f2f
kit-c-wasi e968be4486bc931faf3136c6d3ff2f9eed599d0a25de87ec9bd8395c25f6fe9b
kit-zig 5fb173bc377331e792ee7c01103ccfa7de3cf7d3f99eee373eb04ec1cf129cda
kit-assemblyscript 29a26b3906d9aee0d67e1f12c572855a6c1713d2e1eb2e04d7f95cf78aed8d9f
kit-go 08300e3a236af37f882c5a6e9d09545cec9d563b6da4bb9989c67bf43afc716d
kit-rust 9a5fc057317bc32e5543149d0c1ea72cf0c6698a43abe37b421bd1ccbcbb328e
";
