//! Every game through the binary: `lockstep games`, the game chosen by
//! `--game` or by the bots named, a bot of another game refused with the
//! flag that fixes it, and for each game a match, a replay that verifies, a
//! tournament with the same results hash at 1 and 2 threads, and `tune`.

#[path = "support/cli.rs"]
mod cli;
use cli::{lockstep, stderr, stdout};
use std::path::PathBuf;

fn dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-games")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ok(args: &[&str]) -> String {
    let out = lockstep(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn fails_with(args: &[&str], expected: &str) {
    let out = lockstep(args);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = stderr(&out);
    assert!(
        err.contains(expected),
        "{args:?}: expected {expected:?} in:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn games_bots_and_maps_are_listed_by_game() {
    let games = ok(&["games"]);
    for line in [
        "cores",
        "snake",
        "connect-four",
        "1 to 8 bots",
        "2 bots",
        "classic",
    ] {
        assert!(games.contains(line), "{line:?} in:\n{games}");
    }
    let bots = ok(&["bots", "--game", "snake"]);
    assert!(
        bots.contains("snake-flood") && bots.contains("snake-simple"),
        "{bots}"
    );
    assert!(
        !bots.contains("rusher") && !bots.contains("connect-four"),
        "{bots}"
    );
    let maps = ok(&["maps", "--game", "connect-four"]);
    assert!(maps.contains("classic") && !maps.contains("duel"), "{maps}");
    fails_with(&["bots", "--game", "chess"], "no game is called \"chess\"");
}

#[test]
fn the_game_comes_from_the_flag_or_the_bots_and_a_stranger_is_refused() {
    let json = ok(&[
        "match",
        "connect-four-negamax",
        "connect-four-first",
        "--json",
    ]);
    let result: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(result["game"], "connect-four");
    assert_eq!(result["winner_bot"], "connect-four-negamax");
    fails_with(
        &["match", "rusher", "connect-four-first"],
        "bot 'connect-four-first' plays connect-four, not cores: add --game connect-four",
    );
    fails_with(
        &["match", "--game", "snake", "snake-flood", "rusher"],
        "bot 'rusher' plays cores, not snake",
    );
    fails_with(
        &["match", "--game", "chess", "rusher", "idle"],
        "no game is called \"chess\"",
    );
    fails_with(
        &[
            "match",
            "connect-four-first",
            "connect-four-first",
            "connect-four-first",
        ],
        "a match of connect-four needs 2 to 2 bots, not 3",
    );
    fails_with(
        &[
            "match",
            "snake-flood",
            "snake-simple",
            "--map",
            "random:3x3",
        ],
        "random:3x3",
    );
}

#[test]
fn each_game_plays_records_and_verifies() {
    let out = dir("replays");
    for (name, args) in [
        ("cores", &["rusher", "harvester", "--ticks", "60"][..]),
        (
            "snake",
            &[
                "snake-flood",
                "snake-simple",
                "snake-flood",
                "--map",
                "small",
            ][..],
        ),
        (
            "connect-four",
            &["connect-four-negamax", "connect-four-first"][..],
        ),
    ] {
        let file = out.join(format!("{name}.replay"));
        let file = file.to_str().unwrap();
        let mut all = vec!["match", "--seed", "5", "--replay", file];
        all.extend_from_slice(args);
        ok(&all);
        let verified = ok(&["replay", "verify", file, "--threads", "2"]);
        assert!(verified.starts_with("ok: all "), "{name}: {verified}");
        let shown = ok(&["replay", "show", file]);
        assert!(shown.contains(name), "{name}: {shown}");
    }
}

#[test]
fn each_game_runs_a_tournament_with_the_same_hash_at_any_thread_count() {
    for (name, bots, extra) in [
        (
            "cores-ffa",
            &["rusher", "harvester", "random-walker", "idle"][..],
            &["--seats", "3", "--maps", "random:24x24", "--ticks", "40"][..],
        ),
        (
            "snake",
            &["snake-flood", "snake-simple"][..],
            &["--ticks", "80"][..],
        ),
        (
            "connect-four",
            &["connect-four-negamax", "connect-four-first"][..],
            &[][..],
        ),
    ] {
        let hash = |threads: &str| {
            let out = dir(&format!("tournament-{name}-{threads}"));
            let mut args = vec!["tournament", "--json", "--threads", threads];
            args.push("--out");
            args.push(out.to_str().unwrap());
            args.extend_from_slice(bots);
            args.extend_from_slice(extra);
            let report: serde_json::Value = serde_json::from_str(&ok(&args)).unwrap();
            assert!(report["matches"].as_u64().unwrap() > 0, "{name}");
            report["results_hash"].as_str().unwrap().to_string()
        };
        assert_eq!(hash("1"), hash("2"), "{name}");
    }
}

#[test]
fn tune_measures_each_games_bots() {
    for bots in [
        &["snake-flood", "snake-simple"][..],
        &["connect-four-negamax", "connect-four-first"][..],
    ] {
        let out = dir(&format!("tune-{}", bots[0]));
        let plot = out.join("plot.svg");
        let mut args = vec!["tune", "--matches", "1", "--calibrate-ms", "100", "--json"];
        args.extend_from_slice(&["--plot", plot.to_str().unwrap()]);
        args.extend_from_slice(bots);
        let report: serde_json::Value = serde_json::from_str(&ok(&args)).unwrap();
        assert!(report["recommendation"].is_object(), "{report}");
        assert_eq!(report["bots"].as_array().map(Vec::len), Some(2), "{report}");
        assert!(plot.exists());
    }
}
