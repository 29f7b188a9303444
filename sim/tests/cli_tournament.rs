//! `lockstep tournament` as a user runs it: a run killed with SIGKILL and
//! resumed, the same results for any --threads, refusals, reports on disk.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
#[path = "support/cli.rs"]
mod cli;
use cli::{lockstep, stderr};

fn json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).expect("--json prints one JSON object")
}

/// A fresh, empty folder under the target directory.
fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-tournament")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A small tournament: 3 bots, 2 maps, short matches.
fn small(out: &Path, threads: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "tournament",
        "rusher",
        "harvester",
        "random-walker",
        "--maps",
        "duel,random:16x16",
        "--ticks",
        "40",
        "--seed",
        "5",
        "--threads",
        threads,
        "--json",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run(args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    lockstep(&args)
}

fn lines(file: &Path) -> usize {
    std::fs::read_to_string(file)
        .map(|text| text.matches('\n').count())
        .unwrap_or(0)
}

#[test]
fn same_results_hash_with_any_thread_count_and_reports_on_disk() {
    let one = out_dir("threads-1");
    let two = out_dir("threads-2");
    let first = run(&small(&one, "1", &["--replays"]));
    // The whole wall time, with what compiling took and what playing took.
    let said = stderr(&first);
    let done = said
        .lines()
        .find(|l| l.starts_with("played 12 matches in "))
        .unwrap_or_else(|| panic!("no summary line in:\n{said}"));
    let seconds = |text: &str| -> f64 { text.trim().trim_end_matches(" s").parse().unwrap() };
    let (wall, rest) = done["played 12 matches in ".len()..]
        .split_once(": ")
        .unwrap();
    let (compiling, rest) = rest.split_once(" compiling 3 bots, ").unwrap();
    let (playing, _) = rest.split_once(" playing (").unwrap();
    let (wall, compiling, playing) = (seconds(wall), seconds(compiling), seconds(playing));
    // Each figure is rounded to 0.1 s.
    assert!(compiling + playing <= wall + 0.15, "{done}");
    let a = json(&first);
    let b = json(&run(&small(&two, "2", &[])));
    assert_eq!(a["matches"], 12);
    let hash = a["results_hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    assert_eq!(a["results_hash"], b["results_hash"]);
    assert_eq!(a["standings"], b["standings"]);
    assert_eq!(a["matrix"], b["matrix"]);
    let standings = a["standings"].as_array().unwrap();
    assert_eq!(standings.len(), 3);
    for key in [
        "rank",
        "bot",
        "rating",
        "uncertainty",
        "wins",
        "draws",
        "losses",
        "average_score",
        "fuel_per_tick_mean",
        "fuel_per_tick_p99",
        "cutoffs",
        "traps",
    ] {
        assert!(standings[0].get(key).is_some(), "standings lack {key}");
    }
    assert_eq!(a["matrix"]["bots"].as_array().unwrap().len(), 3);
    // The reports, and one replay per match.
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(one.join("tournament.json")).unwrap()).unwrap();
    assert_eq!(saved, a);
    let csv = std::fs::read_to_string(one.join("standings.csv")).unwrap();
    assert!(csv.starts_with("rank,bot,module_hash,rating,"), "{csv}");
    assert_eq!(csv.lines().count(), 4);
    let matrix = std::fs::read_to_string(one.join("matrix.csv")).unwrap();
    assert_eq!(matrix.lines().count(), 7, "{matrix}");
    let replays = std::fs::read_dir(one.join("replays")).unwrap().count();
    assert_eq!(replays, 12);
    assert_eq!(lines(&one.join("results.jsonl")), 13);
}

#[test]
fn killed_with_sigkill_then_resumed_gives_the_uninterrupted_results() {
    // 4 bots: 6 pairs x 2 maps x 3 games x 2 seat orders = 72 matches.
    let args = |out: &Path, threads: &str| -> Vec<String> {
        [
            "tournament",
            "rusher",
            "harvester",
            "random-walker",
            "idle",
            "--maps",
            "duel,random:16x16",
            "--games-per-pair",
            "3",
            "--ticks",
            "40",
            "--threads",
            threads,
            "--json",
            "--out",
            &out.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let killed = out_dir("killed");
    let results = killed.join("results.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .env("LOCKSTEP_CACHE_DIR", cli::CACHE_DIR)
        .args(args(&killed, "1"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    // The plan line and at least 6 matches.
    while lines(&results) < 7 {
        assert!(Instant::now() < deadline, "no results appended in time");
        assert!(child.try_wait().unwrap().is_none(), "it ended on its own");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done_at_kill = lines(&results) - 1;
    assert!(done_at_kill < 72, "killed too late to prove anything");

    // Resumed with another thread count: it cannot change a result.
    let resumed = run(&args(&killed, "2"));
    let message = stderr(&resumed);
    let resumed = json(&resumed);
    let already = message
        .split("resuming ")
        .nth(1)
        .and_then(|rest| rest.split(": ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no resume message in: {message}"));
    assert!(already >= done_at_kill, "{message}");
    assert!(
        message.contains(&format!(
            "{already} matches already done, {} to play",
            72 - already
        )),
        "{message}"
    );
    // Finished matches were not played again: every index once.
    assert_eq!(lines(&results), 73);

    let whole = json(&run(&args(&out_dir("uninterrupted"), "2")));
    assert_eq!(resumed["results_hash"], whole["results_hash"]);
    assert_eq!(resumed["standings"], whole["standings"]);
    assert_eq!(resumed["matrix"], whole["matrix"]);
}

#[test]
fn a_torn_last_line_is_cut_and_replayed() {
    let out = out_dir("torn");
    let whole = json(&run(&small(&out, "2", &[])));
    let file = out.join("results.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let keep: Vec<&str> = text.lines().take(5).collect();
    let torn = text.lines().nth(5).unwrap();
    let damaged = format!("{}\n{}", keep.join("\n"), &torn[..torn.len() / 3]);
    std::fs::write(&file, damaged).unwrap();
    let again = run(&small(&out, "2", &[]));
    let message = stderr(&again);
    assert!(message.contains("cut an unfinished last line"), "{message}");
    assert!(
        message.contains("4 matches already done, 8 to play"),
        "{message}"
    );
    assert_eq!(json(&again)["results_hash"], whole["results_hash"]);
}

#[test]
fn another_command_on_the_same_out_is_refused() {
    let out = out_dir("other-command");
    json(&run(&small(&out, "1", &[])));
    let mut other = small(&out, "1", &[]);
    let seed = other.iter().position(|a| a == "--seed").unwrap();
    other[seed + 1] = "6".into();
    let refused = run(&other);
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains("results of a different tournament"),
        "{message}"
    );
    assert!(message.contains("(different seed)"), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    // Another thread count is the same tournament.
    json(&run(&small(&out, "2", &[])));
}

#[test]
fn prints_standings_matrix_and_hash_as_text() {
    let out = out_dir("text");
    let mut args = small(&out, "2", &[]);
    args.retain(|a| a != "--json");
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "round robin: 3 bots, maps duel, random:16x16",
        "rating ± 2σ",
        "avg score",
        "head to head",
        "#1 ",
        "results hash ",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

#[test]
fn bad_arguments_give_one_clear_message() {
    let out = out_dir("bad").display().to_string();
    let cases: &[(&[&str], &str)] = &[
        (
            &["tournament", "rusher"],
            "error: a tournament needs at least 2 bots, but 1 was given",
        ),
        (
            &["tournament", "rusher", "idle", "--maps", "duel,atlantis"],
            "error: map 'atlantis': ",
        ),
        (
            &["tournament", "rusher", "idle", "--games-per-pair", "0"],
            "error: --games-per-pair must be at least 1",
        ),
        (
            &["tournament", "rusher", "idle", "--threads", "0"],
            "error: --threads must be at least 1",
        ),
        (
            &["tournament", "rusher", "idle", "--threads", "65"],
            "error: --threads 65 would run 130 bot instances at once",
        ),
        (
            &["tournament", "rusher", "idle", "--ticks", "0"],
            "error: --ticks must be at least 1",
        ),
        (
            &["tournament", "rusher", "idle", "--rounds", "3"],
            "error: --rounds is only for --format swiss",
        ),
        (
            &[
                "tournament",
                "rusher",
                "idle",
                "--maps",
                "duel,,random:16x16",
            ],
            "error: --maps 'duel,,random:16x16' has an empty entry",
        ),
        (
            &["tournament", "rusher", "nobody"],
            "error: unknown bot 'nobody'",
        ),
        (
            &["tournament", "rusher", "rusher"],
            "error: bot 'rusher' is given twice",
        ),
    ];
    for (args, expected) in cases {
        let mut args = args.to_vec();
        args.extend(["--out", &out]);
        let output = lockstep(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let message = stderr(&output);
        assert!(message.starts_with(expected), "{args:?}: {message}");
        assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
    }
    assert!(
        !Path::new(&out).exists(),
        "nothing written for a bad command"
    );
}
