//! Tournaments through the library: fair pairings, results independent of
//! the thread count, resuming from a damaged results file, Swiss pairing.

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::match_loop::{Entrant, MatchConfig};
use lockstep_sim::sandbox::{Sandbox, SandboxConfig};
use lockstep_sim::tournament::{
    self, Format, Plan, Played, RESULTS_FILE, Report, ResultsFile, RunOptions, TournamentError,
    TournamentSpec,
};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn sandbox() -> Sandbox {
    Sandbox::new(SandboxConfig::default()).unwrap()
}

fn bots(sandbox: &Sandbox, names: &[&str]) -> Vec<Entrant> {
    names
        .iter()
        .map(|name| Entrant {
            name: name.to_string(),
            module: sandbox.load(bundled_bot(name).unwrap().wasm).unwrap(),
        })
        .collect()
}

fn spec(format: Format, rounds: u32) -> TournamentSpec {
    let mut match_config = MatchConfig::default();
    match_config.settings.set("max_ticks", 40);
    TournamentSpec {
        format,
        rounds,
        maps: vec!["duel".into(), "random:16x16".into()],
        games_per_pair: 1,
        seats: 2,
        seed: 11,
        match_config,
    }
}

/// A fresh, empty folder under the target directory.
fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("tournament")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn play(
    sandbox: &Sandbox,
    bots: &[Entrant],
    plan: &Plan,
    dir: &Path,
    threads: usize,
) -> Result<(Played, Report), TournamentError> {
    let mut results = ResultsFile::open(dir, plan)?;
    let options = RunOptions {
        threads,
        replays: None,
    };
    let played = tournament::run(sandbox, bots, plan, &mut results, &options, &mut ())?;
    let report = Report::new(plan, &played.records, &played.byes);
    Ok((played, report))
}

fn standings_json(report: &Report) -> String {
    serde_json::to_string(report).unwrap()
}

#[test]
fn pairings_are_fair() {
    let sandbox = sandbox();
    let bots = bots(&sandbox, &["rusher", "harvester", "random-walker"]);
    let mut spec = spec(Format::RoundRobin, 0);
    spec.games_per_pair = 2;
    let plan = Plan::new(&spec, &bots, &sandbox).unwrap();
    let matches = plan.round_robin_matches();
    // 3 pairs x 2 maps x 2 games x 2 seat orders.
    assert_eq!(matches.len(), 24);
    assert_eq!(plan.matches, 24);
    let indices: Vec<u64> = matches.iter().map(|m| m.index).collect();
    assert_eq!(indices, (0..24).collect::<Vec<_>>());
    for a in 0..3 {
        for b in a + 1..3 {
            for map in 0..2 {
                for game in 0..2 {
                    let games: Vec<_> = matches
                        .iter()
                        .filter(|m| m.map == map && m.game == game)
                        .filter(|m| m.seats.contains(&a) && m.seats.contains(&b))
                        .collect();
                    let orders: BTreeSet<Vec<usize>> =
                        games.iter().map(|m| m.seats.clone()).collect();
                    assert_eq!(orders, BTreeSet::from([vec![a, b], vec![b, a]]));
                    assert_eq!(games.len(), 2, "pair {a}-{b}, map {map}, game {game}");
                    assert_eq!(games[0].seed, games[1].seed, "same seed in both orders");
                }
            }
        }
    }
    // Every pair meets the same (random) maps: the seed depends on the map
    // and game number only.
    for m in &matches {
        assert_eq!(m.seed, plan.match_seed(0, m.map, m.game));
    }
    let seeds: BTreeSet<u64> = matches.iter().map(|m| m.seed).collect();
    assert_eq!(seeds.len(), 4, "one seed per (map, game)");
}

#[test]
fn thread_count_does_not_change_results() {
    let sandbox = sandbox();
    let bots = bots(&sandbox, &["rusher", "harvester", "random-walker"]);
    let plan = Plan::new(&spec(Format::RoundRobin, 0), &bots, &sandbox).unwrap();
    let (one, report_one) = play(&sandbox, &bots, &plan, &out_dir("threads-1"), 1).unwrap();
    let (two, report_two) = play(&sandbox, &bots, &plan, &out_dir("threads-2"), 2).unwrap();
    assert_eq!(one.played, 12);
    assert_eq!(one.records, two.records);
    assert_eq!(report_one.results_hash, report_two.results_hash);
    assert_eq!(standings_json(&report_one), standings_json(&report_two));
    let games: u64 = report_one.standings.iter().map(|s| s.games).sum();
    assert_eq!(games, 24, "each match counts for both bots");
    let s = &report_one.standings[0];
    assert_eq!(s.wins + s.draws + s.losses, 8);
    assert!(s.fuel_per_tick_mean > 0 && s.fuel_per_tick_p99 >= s.fuel_per_tick_mean / 2);
    assert!(s.fuel_per_tick_p99 <= s.fuel_max_tick);
}

/// Keeps the plan line and the first `keep` match lines, then half of the
/// next line with no newline, as a kill in the middle of a write leaves it.
fn damage(file: &Path, keep: usize) {
    let text = std::fs::read_to_string(file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut damaged: String = lines[..=keep].iter().map(|l| format!("{l}\n")).collect();
    let next = lines[keep + 1];
    damaged.push_str(&next[..next.len() / 2]);
    std::fs::write(file, damaged).unwrap();
}

#[test]
fn resumes_after_a_torn_write_with_the_same_results() {
    let sandbox = sandbox();
    let bots = bots(&sandbox, &["rusher", "harvester", "idle"]);
    let plan = Plan::new(&spec(Format::RoundRobin, 0), &bots, &sandbox).unwrap();
    let dir = out_dir("resume");
    let (_, whole) = play(&sandbox, &bots, &plan, &dir, 2).unwrap();

    damage(&dir.join(RESULTS_FILE), 5);
    let results = ResultsFile::open(&dir, &plan).unwrap();
    assert_eq!(results.done().len(), 5);
    assert!(results.torn_bytes() > 0);
    drop(results);
    let (played, resumed) = play(&sandbox, &bots, &plan, &dir, 2).unwrap();
    assert_eq!((played.already_done, played.played), (5, 7));
    assert_eq!(resumed.results_hash, whole.results_hash);
    assert_eq!(standings_json(&resumed), standings_json(&whole));

    // The file is whole again: one plan line and one line per match.
    let text = std::fs::read_to_string(dir.join(RESULTS_FILE)).unwrap();
    assert!(text.ends_with('\n'));
    assert_eq!(text.lines().count(), 13);
    let (again, _) = play(&sandbox, &bots, &plan, &dir, 1).unwrap();
    assert_eq!((again.already_done, again.played), (12, 0));
}

#[test]
fn another_tournament_in_the_same_folder_is_refused() {
    let sandbox = sandbox();
    let bots = bots(&sandbox, &["rusher", "idle"]);
    let plan = Plan::new(&spec(Format::RoundRobin, 0), &bots, &sandbox).unwrap();
    let dir = out_dir("refused");
    drop(ResultsFile::open(&dir, &plan).unwrap());
    let mut other = spec(Format::RoundRobin, 0);
    other.seed = 12;
    other.match_config.tick_fuel = 1_000_000;
    let other = Plan::new(&other, &bots, &sandbox).unwrap();
    let error = ResultsFile::open(&dir, &other).unwrap_err().to_string();
    assert!(error.contains("different tournament"), "{error}");
    assert!(error.contains("seed, match settings"), "{error}");
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_file() {
    let sandbox = sandbox();
    let bots = bots(&sandbox, &["rusher", "idle"]);
    let plan = Plan::new(&spec(Format::RoundRobin, 0), &bots, &sandbox).unwrap();
    let dir = out_dir("locked");
    let first = ResultsFile::open(&dir, &plan).unwrap();
    let error = ResultsFile::open(&dir, &plan).unwrap_err().to_string();
    assert!(error.contains("another `lockstep tournament`"), "{error}");
    drop(first);
    ResultsFile::open(&dir, &plan).unwrap();
}

#[test]
fn swiss_avoids_rematches_and_is_thread_independent() {
    let sandbox = sandbox();
    let bots = bots(&sandbox, &["rusher", "harvester", "random-walker", "idle"]);
    let mut spec = spec(Format::Swiss, 3);
    spec.maps = vec!["random:16x16".into()];
    let plan = Plan::new(&spec, &bots, &sandbox).unwrap();
    // 3 rounds x 2 pairs x 1 map x 2 seat orders.
    assert_eq!(plan.matches, 12);
    let (one, report_one) = play(&sandbox, &bots, &plan, &out_dir("swiss-1"), 1).unwrap();
    let (_, report_two) = play(&sandbox, &bots, &plan, &out_dir("swiss-2"), 2).unwrap();
    assert_eq!(report_one.results_hash, report_two.results_hash);
    assert_eq!(standings_json(&report_one), standings_json(&report_two));
    // Four bots, three rounds: everyone meets everyone exactly once.
    let mut pairs = BTreeSet::new();
    for round in 0..3 {
        let in_round: BTreeSet<(usize, usize)> = one
            .records
            .iter()
            .filter(|r| r.spec.round == round)
            .map(|r| {
                let (a, b) = (r.spec.seats[0], r.spec.seats[1]);
                (a.min(b), a.max(b))
            })
            .collect();
        assert_eq!(in_round.len(), 2, "round {round}: {in_round:?}");
        let bots_in_round: BTreeSet<usize> = in_round.iter().flat_map(|&(a, b)| [a, b]).collect();
        assert_eq!(bots_in_round.len(), 4, "everyone plays each round");
        for pair in in_round {
            assert!(pairs.insert(pair), "rematch {pair:?} in round {round}");
        }
    }
    assert_eq!(pairs.len(), 6);
    // Round 2 pairs the two leaders after round 1 (Monrad: 1st v 2nd).
    let after_first = &one.records[..4];
    let mut points = [0u64; 4];
    for r in after_first {
        for (seat, &bot) in r.spec.seats.iter().enumerate() {
            points[bot] += r.half_points(seat);
        }
    }
    let mut order: Vec<usize> = (0..4).collect();
    order.sort_by_key(|&b| (std::cmp::Reverse(points[b]), b));
    let leaders = (order[0].min(order[1]), order[0].max(order[1]));
    let second_round_first = &one.records[4];
    let first_pair = (
        second_round_first.spec.seats[0].min(second_round_first.spec.seats[1]),
        second_round_first.spec.seats[0].max(second_round_first.spec.seats[1]),
    );
    // Unless the leaders already met in round 1.
    if !after_first.iter().any(|r| {
        let (a, b) = (r.spec.seats[0], r.spec.seats[1]);
        (a.min(b), a.max(b)) == leaders
    }) {
        assert_eq!(first_pair, leaders);
    }
}

#[test]
fn swiss_with_an_odd_field_gives_byes() {
    let sandbox = sandbox();
    let bots = bots(&sandbox, &["rusher", "harvester", "idle"]);
    let mut spec = spec(Format::Swiss, 3);
    spec.maps = vec!["duel".into()];
    let plan = Plan::new(&spec, &bots, &sandbox).unwrap();
    assert_eq!(plan.matches, 6, "one pair per round");
    let (_, report) = play(&sandbox, &bots, &plan, &out_dir("swiss-odd"), 2).unwrap();
    let byes: Vec<u32> = report.standings.iter().map(|s| s.byes).collect();
    assert_eq!(
        byes,
        vec![1, 1, 1],
        "each bot sits out once in three rounds"
    );
    for s in &report.standings {
        assert_eq!(s.games, 4);
    }
}

#[test]
fn bad_tournaments_are_refused_with_one_clear_message() {
    let sandbox = sandbox();
    let two = bots(&sandbox, &["rusher", "idle"]);
    let refused = |spec: &TournamentSpec, bots: &[Entrant]| {
        Plan::new(spec, bots, &sandbox).unwrap_err().to_string()
    };
    let base = spec(Format::RoundRobin, 0);
    assert_eq!(
        refused(&base, &two[..1]),
        "a tournament needs at least 2 bots, but 1 was given"
    );
    let twice = vec![two[0].clone(), two[0].clone()];
    assert!(refused(&base, &twice).contains("'rusher' is given twice"));
    let mut zero = base.clone();
    zero.games_per_pair = 0;
    assert_eq!(refused(&zero, &two), "--games-per-pair must be at least 1");
    let mut unknown = base.clone();
    unknown.maps = vec!["duel".into(), "atlantis".into()];
    let message = refused(&unknown, &two);
    assert!(message.starts_with("map 'atlantis': "), "{message}");
    let mut swiss = spec(Format::Swiss, 0);
    swiss.rounds = 0;
    assert_eq!(refused(&swiss, &two), "--rounds must be at least 1");

    let plan = Plan::new(&base, &two, &sandbox).unwrap();
    let dir = out_dir("too-many-threads");
    let mut results = ResultsFile::open(&dir, &plan).unwrap();
    let options = RunOptions {
        threads: 65,
        replays: None,
    };
    let error = tournament::run(&sandbox, &two, &plan, &mut results, &options, &mut ())
        .unwrap_err()
        .to_string();
    assert!(error.contains("use at most 64 threads"), "{error}");
}
