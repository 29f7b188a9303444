//! Script bots (`lockstep_sandbox::script`): the JavaScript and Python
//! kits' bots play real matches whose replays verify and do not depend on
//! threads; a script that does not load is refused with the interpreter's
//! place and message; and the hostile scripts (`tests/scripts/*.js`,
//! `*.py`) each get their own outcome while the honest bot plays exactly
//! the game it plays against `idle`.

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::match_loop::{
    BotTick, Entrant, MatchConfig, MatchObserver, MatchResult, run_match, run_match_observed,
};
use lockstep_sim::replay::{ReplayReader, play_recorded, verify};
use lockstep_sim::sandbox::script::{self, Runtime};
use lockstep_sim::sandbox::{ModuleError, ModuleHash, Outcome, Sandbox, SandboxConfig, TrapKind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The JavaScript runtime, or `None` (with a note) when this build has none
/// and `LOCKSTEP_REQUIRE_KITS` is not set; `scripts/test` sets it.
fn javascript() -> Option<&'static Runtime> {
    runtime("javascript")
}

/// The Python runtime, or `None` as for [`javascript`].
fn python() -> Option<&'static Runtime> {
    runtime("python")
}

fn runtime(language: &str) -> Option<&'static Runtime> {
    let runtime = script::by_language(language).unwrap();
    match runtime.wasm() {
        Ok(_) => Some(runtime),
        Err(e) if std::env::var("LOCKSTEP_REQUIRE_KITS").as_deref() == Ok("1") => panic!("{e}"),
        Err(e) => {
            eprintln!("skipped: {e}");
            None
        }
    }
}

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(SandboxConfig::default()).unwrap())
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn source(path: &str) -> Vec<u8> {
    std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn script_entrant(runtime: &Runtime, name: &str, path: &str) -> Entrant {
    let bytes = script::wrap(runtime, &source(path));
    Entrant {
        name: name.into(),
        module: sandbox()
            .load(&bytes)
            .unwrap_or_else(|e| panic!("{path}: {e}")),
    }
}

fn bundled(name: &str) -> Entrant {
    Entrant {
        name: name.into(),
        module: sandbox().load(bundled_bot(name).unwrap().wasm).unwrap(),
    }
}

fn duel(seed: u64) -> MatchConfig {
    MatchConfig {
        map: "duel".into(),
        seed,
        ..MatchConfig::default()
    }
}

/// The kit's bot beats `random-walker` and `rusher` on `duel`, seed 1, in
/// both seats, with no failed call.
fn kit_beats_random_walker_and_rusher(runtime: &Runtime, kit: &str) {
    let kit = script_entrant(runtime, "kit", kit);
    for opponent in ["random-walker", "rusher"] {
        let other = bundled(opponent);
        for (seat, entrants) in [(0, [kit.clone(), other.clone()]), (1, [other, kit.clone()])] {
            let result = run_match(sandbox(), &entrants, &duel(1)).unwrap();
            assert_eq!(result.winner, Some(seat), "against {opponent}: {result:?}");
            let failures = &result.players[seat];
            assert_eq!(
                failures.cutoffs + failures.traps + failures.bad_outputs,
                0,
                "{failures:?}"
            );
        }
    }
}

/// `kit` in `seat` against `opponent`: the replay is the same bytes on 1
/// and 2 threads, names the script's runtime, and verifies.
fn replays_byte_for_byte_and_verifies(runtime: &Runtime, kit: &str, seat: usize, opponent: &str) {
    let mut entrants = vec![bundled(opponent)];
    entrants.insert(seat, script_entrant(runtime, "kit", kit));
    let record = |threads| {
        let config = MatchConfig { threads, ..duel(2) };
        let mut bytes = Vec::new();
        play_recorded(sandbox(), &entrants, &config, &mut bytes, &mut ()).unwrap();
        bytes
    };
    let one = record(1);
    assert_eq!(one, record(2), "the replay depends on the thread count");

    let reader = ReplayReader::new(&one[..]).unwrap();
    let header = reader.header().clone();
    let recorded = header.players[seat]
        .runtime
        .as_ref()
        .expect("a script's runtime");
    assert_eq!(recorded.language, runtime.language);
    assert_eq!(ModuleHash(recorded.hash), runtime.hash().unwrap());
    assert_eq!(
        header.players[seat].module_hash,
        entrants[seat].module.hash.0
    );
    assert!(header.players[1 - seat].runtime.is_none());
    let find = |hash: &[u8; 32]| {
        entrants
            .iter()
            .find(|e| e.module.hash.0 == *hash)
            .map(|e| match &e.module.script {
                Some(s) => script::wrap(s.runtime, &s.source),
                None => bundled_bot(opponent).unwrap().wasm.to_vec(),
            })
    };
    let report = verify(reader, &find, 2).unwrap();
    assert!(report.divergence.is_none(), "{:?}", report.divergence);
}

/// The pinned runtime: Debian's clang 14 and these sources give this
/// module on every machine, and replays name it.
fn is_the_pinned_build(runtime: &Runtime) {
    let file = format!("runtimes/{}/runtime.blake3", runtime.language);
    let pinned = std::fs::read_to_string(root().join(&file)).unwrap();
    assert_eq!(
        runtime.hash().unwrap().to_hex(),
        pinned.trim(),
        "the {} runtime built here is not the pinned one: if runtimes/{} or its build \
         flags changed on purpose, write the new hash into {file}; if not, the toolchain \
         differs",
        runtime.display,
        runtime.language
    );
}

#[test]
fn the_kit_bot_beats_random_walker_and_rusher_in_both_seats() {
    let Some(js) = javascript() else { return };
    kit_beats_random_walker_and_rusher(js, "kits/javascript/bot.js");
}

#[test]
fn a_script_match_replays_byte_for_byte_whatever_the_threads_and_verifies() {
    let Some(js) = javascript() else { return };
    replays_byte_for_byte_and_verifies(js, "kits/javascript/bot.js", 0, "rusher");
}

#[test]
fn the_runtime_is_the_pinned_build() {
    let Some(js) = javascript() else { return };
    is_the_pinned_build(js);
}

#[test]
fn the_script_is_the_identity_and_the_runtime_is_compiled_once() {
    let Some(js) = javascript() else { return };
    let source = b"function tick(o) { return []; }";
    let a = sandbox().load(&script::wrap(js, source)).unwrap();
    let b = sandbox()
        .load(&script::wrap(js, b"function tick(o) { return [ ]; }"))
        .unwrap();
    assert_eq!(a.hash, ModuleHash::of(&script::wrap(js, source)));
    assert_ne!(a.hash, b.hash, "another source is another bot");
    let (sa, sb) = (a.script.unwrap(), b.script.unwrap());
    assert_eq!(sa.runtime_hash, sb.runtime_hash);
    assert_eq!(Some(sa.runtime_hash), js.hash());
}

fn refusal(js: &Runtime, source: &[u8]) -> String {
    match sandbox().load(&script::wrap(js, source)) {
        Err(ModuleError::Script(message)) => message,
        other => panic!("expected a script refusal, got {other:?}"),
    }
}

#[test]
fn a_script_that_does_not_load_is_refused_with_its_place() {
    let Some(js) = javascript() else { return };
    let syntax = refusal(js, &source("sim/tests/scripts/syntax.js"));
    assert!(syntax.starts_with("bot.js:3:19: SyntaxError: "), "{syntax}");
    let top = refusal(js, b"const a = 1;\nnull.field;\nfunction tick() {}\n");
    assert!(top.starts_with("bot.js:2:"), "{top}");
    assert!(top.contains("TypeError"), "{top}");
    let no_tick = refusal(js, b"function init(info) {}\n");
    assert!(no_tick.contains("defines no tick function"), "{no_tick}");
    let endless = refusal(js, b"for (;;) {}\nfunction tick() {}\n");
    assert!(endless.contains("interrupted"), "{endless}");
    let not_utf8 = refusal(js, b"function tick() { return '\xff'; }");
    assert!(not_utf8.contains("not UTF-8"), "{not_utf8}");
    let mut unknown = script::MAGIC.to_vec();
    unknown.extend_from_slice(b"cobol\nDISPLAY 'HI'.");
    let error = sandbox().load(&unknown).unwrap_err().to_string();
    assert!(error.contains("`cobol`"), "{error}");
}

// ---- the hostile scripts ------------------------------------------------

const TICKS: u32 = 6;

fn hostile_config() -> MatchConfig {
    let mut config = duel(3);
    config.settings.set("max_ticks", TICKS);
    config
}

/// Every bot call's (tick, outcome, orders) of one seat, and its log lines.
#[derive(Default)]
struct Calls(Vec<(u32, Outcome, Vec<u8>)>, Vec<String>, usize);

impl MatchObserver for Calls {
    fn bot_tick(&mut self, call: &BotTick<'_>) {
        if call.seat == self.2 {
            self.0.push((
                call.tick,
                call.outcome.clone(),
                call.actions.canonical().to_vec(),
            ));
            self.1.extend(call.report.logs.iter().cloned());
        }
    }
}

/// Harvester (seat 0) against `opponent`: the result, seat 0's calls and
/// seat 1's.
fn against_harvester(opponent: Entrant) -> (MatchResult, Calls, Calls) {
    struct Both(Calls, Calls);
    impl MatchObserver for Both {
        fn bot_tick(&mut self, call: &BotTick<'_>) {
            self.0.bot_tick(call);
            self.1.bot_tick(call);
        }
    }
    let mut both = Both(Calls::default(), Calls(Vec::new(), Vec::new(), 1));
    let entrants = [bundled("harvester"), opponent];
    let result = run_match_observed(sandbox(), &entrants, &hostile_config(), &mut both).unwrap();
    (result, both.0, both.1)
}

/// Plays the hostile script: every tick from the first on ends as
/// `outcome` (with `log` in its log), and the honest bot plays the game it
/// plays against `idle`.
fn check_hostile(runtime: &Runtime, name: &str, outcome: Outcome, log: &str) {
    let path = format!("sim/tests/scripts/{name}.{}", runtime.extensions[0]);
    let (result, honest, hostile) = against_harvester(script_entrant(runtime, name, &path));
    static BASELINE: OnceLock<(MatchResult, Calls, Calls)> = OnceLock::new();
    let (idle, idle_honest, _) = BASELINE.get_or_init(|| against_harvester(bundled("idle")));
    let outcomes: Vec<&Outcome> = hostile.0.iter().map(|(_, o, _)| o).collect();
    assert_eq!(outcomes.len(), TICKS as usize, "{name}: {outcomes:?}");
    assert!(
        outcomes.iter().all(|o| **o == outcome),
        "{name}: {outcomes:?}"
    );
    assert!(
        hostile.1.iter().any(|line| line.contains(log)),
        "{name}: no `{log}` in {:?}",
        hostile.1
    );
    assert_eq!(
        honest.0, idle_honest.0,
        "{name}: the honest bot's game changed"
    );
    assert_eq!(
        result.final_hash, idle.final_hash,
        "{name}: the world differs"
    );
}

/// The honest bot played the very game it plays against `idle`.
fn honest_game_unchanged(result: &MatchResult, honest: &Calls) {
    let idle = against_harvester(bundled("idle"));
    assert_eq!(honest.0, idle.1.0, "the honest bot's game changed");
    assert_eq!(result.final_hash, idle.0.final_hash, "the world differs");
}

fn trap(kind: TrapKind) -> Outcome {
    Outcome::Trap { trap: kind }
}

#[test]
fn an_endless_loop_is_stopped_by_the_runtime_before_the_host_cuts_it_off() {
    let Some(js) = javascript() else { return };
    check_hostile(
        js,
        "loop",
        trap(TrapKind::Unreachable),
        "InternalError: interrupted",
    );
}

#[test]
fn unbounded_recursion_is_a_range_error() {
    let Some(js) = javascript() else { return };
    check_hostile(
        js,
        "recursion",
        trap(TrapKind::Unreachable),
        "RangeError: Maximum call stack size exceeded",
    );
}

#[test]
fn a_growing_list_runs_out_of_the_runtimes_memory() {
    let Some(js) = javascript() else { return };
    check_hostile(js, "memory", trap(TrapKind::Unreachable), "out of memory");
}

#[test]
fn an_exception_every_tick_is_logged_with_its_place() {
    let Some(js) = javascript() else { return };
    check_hostile(
        js,
        "throws",
        trap(TrapKind::Unreachable),
        "bot.js:3:40: Error: no orders on tick",
    );
}

#[test]
fn a_call_cut_off_inside_the_interpreter_restarts_the_script() {
    let Some(js) = javascript() else { return };
    let (result, honest, hostile) = against_harvester(script_entrant(
        js,
        "cut_off",
        "sim/tests/scripts/cut_off.js",
    ));
    let outcomes: Vec<(u32, &Outcome)> = hostile.0.iter().map(|(t, o, _)| (*t, o)).collect();
    let expected: Vec<(u32, Outcome)> = (0..TICKS)
        .map(|t| {
            (
                t,
                if t == 2 {
                    Outcome::OutOfFuel
                } else {
                    Outcome::Ok
                },
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        expected.iter().map(|(t, o)| (*t, o)).collect::<Vec<_>>()
    );
    let logs = hostile.1.join("\n");
    assert!(
        logs.contains("tick 1: call 2 since the script started"),
        "{logs}"
    );
    assert!(logs.contains("starts again from its source"), "{logs}");
    // The restarted script counts its calls from 1 again.
    assert!(
        logs.contains("tick 3: call 1 since the script started"),
        "{logs}"
    );
    assert!(
        logs.contains("tick 5: call 3 since the script started"),
        "{logs}"
    );
    honest_game_unchanged(&result, &honest);
}

// ---- Python --------------------------------------------------------------

#[test]
fn the_python_kit_bot_beats_random_walker_and_rusher_in_both_seats() {
    let Some(py) = python() else { return };
    kit_beats_random_walker_and_rusher(py, "kits/python/bot.py");
}

#[test]
fn a_python_match_replays_byte_for_byte_whatever_the_threads_and_verifies() {
    let Some(py) = python() else { return };
    replays_byte_for_byte_and_verifies(py, "kits/python/bot.py", 1, "harvester");
}

#[test]
fn the_python_runtime_is_the_pinned_build() {
    let Some(py) = python() else { return };
    is_the_pinned_build(py);
}

#[test]
fn a_python_script_that_does_not_load_is_refused_with_its_place() {
    let Some(py) = python() else { return };
    let syntax = refusal(py, &source("sim/tests/scripts/syntax.py"));
    assert!(syntax.starts_with("bot.py:4: SyntaxError: "), "{syntax}");
    // What the script printed first stays out of the headline.
    let top = refusal(
        py,
        b"print('starting')\nx = {}\nx['missing']\ndef tick(o):\n    return []\n",
    );
    assert!(top.starts_with("bot.py:3: KeyError"), "{top}");
    let no_tick = refusal(py, b"def init(info):\n    pass\n");
    assert!(no_tick.contains("no tick(observation)"), "{no_tick}");
    let endless = refusal(py, b"while True:\n    pass\n");
    assert!(endless.contains("TimeoutError"), "{endless}");
}

#[test]
fn python_an_endless_loop_is_stopped_by_the_runtime() {
    let Some(py) = python() else { return };
    check_hostile(
        py,
        "loop",
        trap(TrapKind::Unreachable),
        "bot.py:4: TimeoutError",
    );
}

#[test]
fn python_unbounded_recursion_is_a_recursion_error() {
    let Some(py) = python() else { return };
    check_hostile(
        py,
        "recursion",
        trap(TrapKind::Unreachable),
        "RecursionError",
    );
}

#[test]
fn python_an_exception_every_tick_is_logged_with_its_place() {
    let Some(py) = python() else { return };
    check_hostile(
        py,
        "throws",
        trap(TrapKind::Unreachable),
        "bot.py:3: ValueError: no orders on tick",
    );
}

/// A growing list: the guard stops the first tick; from then on each tick
/// is cut off inside the interpreter (one step of the list's growth is
/// longer than the guard's margin), and the interpreter is reset each time.
#[test]
fn python_a_growing_list_fails_every_tick_and_harms_nobody() {
    let Some(py) = python() else { return };
    let (result, honest, hostile) =
        against_harvester(script_entrant(py, "memory", "sim/tests/scripts/memory.py"));
    assert_eq!(hostile.0.len(), TICKS as usize);
    assert!(
        hostile.0.iter().all(|(_, o, _)| *o != Outcome::Ok),
        "{:?}",
        hostile.0
    );
    honest_game_unchanged(&result, &honest);
}

#[test]
fn python_a_call_cut_off_inside_the_interpreter_keeps_the_globals() {
    let Some(py) = python() else { return };
    let (result, honest, hostile) = against_harvester(script_entrant(
        py,
        "cut_off",
        "sim/tests/scripts/cut_off.py",
    ));
    let outcomes: Vec<(u32, Outcome)> = hostile.0.iter().map(|(t, o, _)| (*t, o.clone())).collect();
    let expected: Vec<(u32, Outcome)> = (0..TICKS)
        .map(|t| {
            (
                t,
                if t == 2 {
                    Outcome::OutOfFuel
                } else {
                    Outcome::Ok
                },
            )
        })
        .collect();
    assert_eq!(outcomes, expected);
    let logs = hostile.1.join("\n");
    assert!(logs.contains("interpreter state reset"), "{logs}");
    assert!(logs.contains("tick 3 call 4"), "{logs}");
    honest_game_unchanged(&result, &honest);
}
