//! Tournaments beyond two seats and beyond the reference game: a
//! free-for-all seats every bot in every seat equally often, rates from the
//! game's ranking, and gives the same results hash at any thread count; the
//! other games' bots play their own tournaments.

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::games;
use lockstep_sim::match_loop::{Entrant, MatchConfig};
use lockstep_sim::sandbox::{Sandbox, SandboxConfig};
use lockstep_sim::tournament::{
    self, Format, Plan, Played, Report, ResultsFile, RunOptions, TournamentError, TournamentSpec,
};
use std::collections::BTreeMap;
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

fn spec(game: &str, maps: &[&str], seats: usize, ticks: Option<u32>) -> TournamentSpec {
    let mut match_config = MatchConfig::for_game(games::find(game).unwrap());
    if let Some(ticks) = ticks {
        match_config.settings.set("max_ticks", ticks);
    }
    TournamentSpec {
        format: Format::RoundRobin,
        rounds: 0,
        maps: maps.iter().map(|m| m.to_string()).collect(),
        games_per_pair: 1,
        seats,
        seed: 3,
        match_config,
    }
}

fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("tournament-games")
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

#[test]
fn a_free_for_all_seats_every_bot_in_every_seat_equally_often() {
    let sandbox = sandbox();
    let names = ["rusher", "harvester", "random-walker", "idle"];
    let bots = bots(&sandbox, &names);
    let plan = Plan::new(
        &spec("cores", &["crossroads"], 3, Some(60)),
        &bots,
        &sandbox,
    )
    .unwrap();
    let matches = plan.round_robin_matches();
    // 4 groups of 3, each in 3 rotations, on one map.
    assert_eq!(matches.len(), 12);
    assert_eq!(plan.matches, 12);
    let mut seat_counts: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    for m in &matches {
        assert_eq!(m.seats.len(), 3);
        for (seat, &bot) in m.seats.iter().enumerate() {
            *seat_counts.entry((bot, seat)).or_default() += 1;
        }
    }
    // Each bot is in 3 of the 4 groups and sits in each seat once per group.
    for bot in 0..4 {
        for seat in 0..3 {
            assert_eq!(seat_counts[&(bot, seat)], 3, "bot {bot} seat {seat}");
        }
    }

    let (one, report_one) = play(&sandbox, &bots, &plan, &out_dir("ffa-1"), 1).unwrap();
    let (two, report_two) = play(&sandbox, &bots, &plan, &out_dir("ffa-2"), 2).unwrap();
    assert_eq!(one.records, two.records);
    assert_eq!(report_one.results_hash, report_two.results_hash);
    // Every bot played 9 games, and the ratings moved from the ranking: the
    // idle bot cannot place above the rusher.
    let standing = |name: &str| {
        (report_one.standings.iter())
            .find(|s| s.bot == name)
            .unwrap()
            .clone()
    };
    for name in names {
        assert_eq!(standing(name).games, 9, "{name}");
    }
    assert!(standing("rusher").rating > standing("idle").rating);
    assert!(standing("idle").rating < 25.0);
    let total: f64 = report_one.standings.iter().map(|s| s.points).sum();
    // Each match hands out one point per seat pair... in shares: 3 seats,
    // each scoring its share of the other two; the shares sum to 1.5.
    assert!((total - 12.0 * 1.5).abs() < 1e-9, "{total}");
    // The head-to-head matrix counts every pair that met: 6 times each.
    for i in 0..4 {
        for j in 0..4 {
            let met = report_one.matrix.games[i][j];
            assert_eq!(met, if i == j { 0 } else { 6 });
        }
    }
}

#[test]
fn seats_are_checked_against_the_game_and_the_bots() {
    let sandbox = sandbox();
    let bots = bots(&sandbox, &["connect-four-first", "connect-four-negamax"]);
    let error = Plan::new(
        &spec("connect-four", &["classic"], 3, None),
        &bots,
        &sandbox,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("connect-four seats 2 to 2"), "{error}");
    let cores = self::bots(&sandbox, &["rusher", "idle"]);
    let error = Plan::new(&spec("cores", &["duel"], 3, Some(10)), &cores, &sandbox)
        .unwrap_err()
        .to_string();
    assert!(error.contains("--seats 3 needs at least 3 bots"), "{error}");
    let mut swiss = spec("cores", &["duel"], 2, Some(10));
    swiss.format = Format::Swiss;
    swiss.rounds = 1;
    swiss.seats = 2;
    assert!(Plan::new(&swiss, &cores, &sandbox).is_ok());
}

#[test]
fn connect_four_and_snake_bots_play_their_own_tournaments() {
    let sandbox = sandbox();
    for (game, names, maps, seats) in [
        (
            "connect-four",
            &["connect-four-negamax", "connect-four-first"][..],
            &["classic", "8x7"][..],
            2,
        ),
        (
            "snake",
            &["snake-flood", "snake-simple"][..],
            &["small", "standard"][..],
            2,
        ),
    ] {
        let bots: Vec<Entrant> = names
            .iter()
            .map(|name| Entrant {
                name: name.to_string(),
                module: sandbox.load(bundled_bot(name).unwrap().wasm).unwrap(),
            })
            .collect();
        let mut spec = spec(game, maps, seats, Some(120));
        spec.games_per_pair = 2;
        let plan = Plan::new(&spec, &bots, &sandbox).unwrap();
        let (one, report_one) =
            play(&sandbox, &bots, &plan, &out_dir(&format!("{game}-1")), 1).unwrap();
        let (_, report_two) =
            play(&sandbox, &bots, &plan, &out_dir(&format!("{game}-2")), 2).unwrap();
        assert_eq!(report_one.results_hash, report_two.results_hash, "{game}");
        assert_eq!(one.played, plan.matches);
        for record in &one.records {
            for player in &record.players {
                assert!(player.init_ok, "{game}: {record:?}");
                assert_eq!(
                    player.cutoffs + player.traps + player.bad_outputs,
                    0,
                    "{game}"
                );
            }
        }
        // The weaker bot of each game scores least.
        let points = |name: &str| {
            (report_one.standings.iter())
                .find(|s| s.bot == name)
                .map(|s| s.points)
                .unwrap()
        };
        assert!(
            points(names[0]) > points(names[1]),
            "{game}: {:?}",
            report_one.standings
        );
    }
}
