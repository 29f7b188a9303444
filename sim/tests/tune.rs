//! `lockstep tune`: the statistics on known data, the sampling plan, and the
//! command as a user runs it (report sections, TOML that the admin config
//! accepts, the chart, the recommendation against the target, bad arguments).
//! Small maps, few ticks, short calibrations: this runs in seconds.

use lockstep_sim::settings::Settings;
use lockstep_sim::tune::stats::{count_over, short, thousands};
use lockstep_sim::tune::{
    BotSamples, FirstTick, FuelStats, parse_fuel, parse_fuel_list, percentile, plan,
};
use std::path::{Path, PathBuf};
use std::process::Output;
#[path = "support/cli.rs"]
mod cli;
use cli::{lockstep, stderr, stdout};

#[path = "support/wat_bot.rs"]
mod wat_bot;

// ---- statistics on known data ----

#[test]
fn percentiles_are_nearest_rank() {
    let one_to_ten: Vec<u64> = (1..=10).collect();
    assert_eq!(percentile(&one_to_ten, 0), Some(1));
    assert_eq!(percentile(&one_to_ten, 10), Some(1));
    assert_eq!(percentile(&one_to_ten, 11), Some(2));
    assert_eq!(percentile(&one_to_ten, 50), Some(5));
    assert_eq!(percentile(&one_to_ten, 90), Some(9));
    assert_eq!(percentile(&one_to_ten, 99), Some(10));
    assert_eq!(percentile(&one_to_ten, 100), Some(10));
    assert_eq!(percentile(&[7], 50), Some(7));
    assert_eq!(percentile(&[], 50), None);

    // 1..=1000: p99 is the 990th value, p90 the 900th.
    let thousand: Vec<u64> = (1..=1000).collect();
    assert_eq!(percentile(&thousand, 99), Some(990));
    assert_eq!(percentile(&thousand, 90), Some(900));

    // Always a recorded value, never interpolated.
    let skewed = [10, 10, 10, 1_000_000];
    assert_eq!(percentile(&skewed, 50), Some(10));
    assert_eq!(percentile(&skewed, 75), Some(10));
    assert_eq!(percentile(&skewed, 76), Some(1_000_000));

    let stats = FuelStats::of(&one_to_ten).unwrap();
    assert_eq!(
        (stats.count, stats.p50, stats.p90, stats.p99, stats.max),
        (10, 5, 9, 10, 10)
    );
    assert!((stats.mean - 5.5).abs() < 1e-9);
    assert_eq!(FuelStats::of(&[]), None);
}

#[test]
fn cut_offs_count_ticks_over_the_budget_and_tick_0_over_budget_plus_remainder() {
    let sorted = [100, 200, 200, 300, 1_000];
    assert_eq!(count_over(&sorted, 50), 5);
    assert_eq!(count_over(&sorted, 200), 2, "equal to the budget fits");
    assert_eq!(count_over(&sorted, 999), 1);
    assert_eq!(count_over(&sorted, 1_000), 0);

    let bot = BotSamples {
        name: "b".into(),
        seats: 2,
        ticks: sorted.to_vec(),
        first: vec![
            FirstTick {
                fuel: 5_000,
                remainder: 4_500,
            },
            FirstTick {
                fuel: 5_000,
                remainder: 0,
            },
        ],
        ..BotSamples::default()
    };
    assert_eq!(bot.calls(), 7);
    // At 600: the 1,000 tick; the second tick 0 (5,000 > 600 + 0), not the
    // first (5,000 <= 600 + 4,500).
    assert_eq!(bot.cut_off(600), 2);
    assert_eq!(
        bot.cut_off(500),
        2,
        "the first tick 0 just fits: 5,000 <= 500 + 4,500"
    );
    assert_eq!(bot.cut_off(499), 3, "at 499 it does not: 5,000 > 4,999");
    assert_eq!(bot.cut_off(250), 4, "and the 300 tick too");
    assert_eq!(bot.cut_off(5_000), 0);
}

#[test]
fn fuel_amounts_parse_with_suffixes_and_refuse_anything_else() {
    assert_eq!(parse_fuel("20000000"), Ok(20_000_000));
    assert_eq!(parse_fuel("20_000_000"), Ok(20_000_000));
    assert_eq!(parse_fuel("5M"), Ok(5_000_000));
    assert_eq!(parse_fuel(" 500k "), Ok(500_000));
    assert_eq!(parse_fuel("1.5M"), Ok(1_500_000));
    assert_eq!(parse_fuel("2G"), Ok(2_000_000_000));
    assert_eq!(parse_fuel("0.5k"), Ok(500));
    for bad in [
        "5X",
        "",
        "M",
        "0",
        "1.2345k",
        "-5M",
        "5 M",
        "1e6",
        "99999999999999999999G",
    ] {
        let error = parse_fuel(bad).expect_err(bad);
        assert!(
            error.contains(&format!("'{}'", bad.trim())),
            "{bad}: {error}"
        );
    }
    assert_eq!(
        parse_fuel_list("10M,5M,5M,20_000_000"),
        Ok(vec![5_000_000, 10_000_000, 20_000_000])
    );
    assert!(parse_fuel_list("5M,,10M").is_err());
    assert_eq!(short(20_000_000), "20M");
    assert_eq!(short(1_234_567), "1.2M");
    assert_eq!(short(999), "999");
    assert_eq!(thousands(1_234_567), "1,234,567");
}

#[test]
fn the_plan_rotates_seats_and_maps() {
    let maps: Vec<String> = ["duel", "crossroads", "arena"].map(String::from).to_vec();
    let planned = plan(3, &maps, 6, 2, 10);
    let seats: Vec<Vec<usize>> = planned.iter().map(|p| p.seats.clone()).collect();
    assert_eq!(
        seats,
        [[0, 1], [1, 2], [2, 0], [1, 2], [2, 0], [0, 1]].map(|s| s.to_vec())
    );
    assert_eq!(
        planned.iter().map(|p| p.map.as_str()).collect::<Vec<_>>(),
        ["duel", "crossroads", "arena", "duel", "crossroads", "arena"]
    );
    assert_eq!(
        planned.iter().map(|p| p.seed).collect::<Vec<_>>(),
        [10, 11, 12, 13, 14, 15]
    );
    // Every pairing on two different maps; every bot in both seats.
    for bot in 0..3 {
        for seat in 0..2 {
            assert_eq!(seats.iter().filter(|s| s[seat] == bot).count(), 2);
        }
    }
    // One bot plays itself.
    assert!(
        plan(1, &maps, 2, 4, 0)
            .iter()
            .all(|p| p.seats == [0, 0, 0, 0])
    );
}

// ---- docs/fuel.md's worked example ----

/// The loop of docs/fuel.md ("What one call costs, instruction by
/// instruction"): the costs it states are the sandbox's.
#[test]
fn the_worked_example_in_docs_fuel_md_costs_what_it_says() {
    use lockstep_sim::sandbox::{BotInstance, Sandbox, SandboxConfig};
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    let fuel_of = |bot: wat_bot::Bot| {
        let module = sandbox.load(&bot.wasm()).unwrap();
        let mut instance = BotInstance::new(&sandbox, &module, 1_000_000).unwrap();
        let report = instance.call_tick(&[0], 1_000_000);
        assert!(report.outcome.is_ok(), "{}", report.outcome);
        report.fuel_used
    };
    // Every function call pays 1 on entry, and 12 for the stack limit's
    // count (8 on entry, 4 on the way out). The base bot: lockstep_alloc is
    // entry + `i32.const 1024`, the tick entry + `i64.const 1`.
    const ENTRY: u64 = 1 + 12;
    const ALLOC: u64 = ENTRY + 1;
    assert_eq!(fuel_of(wat_bot::BASE), 28);
    assert_eq!(fuel_of(wat_bot::BASE), ALLOC + ENTRY + 1);
    let summing = wat_bot::Bot {
        tick: "(local $i i32) (local $sum i32)
            (local.set $i (i32.const 10))
            (loop $l
              (local.set $sum (i32.add (local.get $sum) (local.get $i)))
              (local.set $i (i32.sub (local.get $i) (i32.const 1)))
              (br_if $l (local.get $i)))
            i64.const 1",
        ..wat_bot::BASE
    };
    assert_eq!(fuel_of(summing), ALLOC + ENTRY + 2 + 10 * 13 + 1);
    let logging = wat_bot::Bot {
        imports: r#"(import "lockstep" "log" (func $log (param i32 i32)))"#,
        tick: "(call $log (i32.const 0) (i32.const 1)) i64.const 1",
        ..wat_bot::BASE
    };
    assert_eq!(fuel_of(logging), ALLOC + ENTRY + 2 + 4 + 1_000 + 1);
    let filling = wat_bot::Bot {
        tick: "(memory.fill (i32.const 0) (i32.const 0) (i32.const 100)) i64.const 1",
        ..wat_bot::BASE
    };
    assert_eq!(fuel_of(filling), ALLOC + ENTRY + 3 + 255 + 100 + 1);
    let free = wat_bot::Bot {
        tick: "(block (nop) (drop (i32.const 7))) i64.const 1",
        ..wat_bot::BASE
    };
    assert_eq!(
        fuel_of(free),
        ALLOC + ENTRY + 1 + 1,
        "block, nop, drop and end are free; i32.const is not"
    );
}

// ---- the command ----

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tune");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A quick tune: duel only, few short matches, a short calibration.
fn quick_tune(plot: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "tune",
        "rusher",
        "random-walker",
        "--maps",
        "duel",
        "--matches",
        "2",
        "--ticks",
        "12",
        "--calibrate-ms",
        "50",
        "--plot",
        plot.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    lockstep(&args)
}

#[test]
fn tune_prints_every_section_toml_the_config_accepts_and_a_chart() {
    let plot = scratch("report.svg");
    let _ = std::fs::remove_file(&plot);
    let out = quick_tune(&plot, &["--threads", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for section in [
        "lockstep tune (",
        "Fuel per bot-tick (ticks 1 on; nearest-rank percentiles)",
        "Bot-ticks cut off at each tick budget",
        "Wall time per unit of fuel on this machine",
        "Expected tick wall time for 2 players on 2 threads",
        "Recommended: tick_fuel = ",
        "Notes",
        "TOML for the admin config",
        "plot written to",
    ] {
        assert!(text.contains(section), "missing '{section}' in:\n{text}");
    }
    for bot in ["rusher", "random-walker", "all"] {
        assert!(
            text.lines().any(|l| l.starts_with(bot)),
            "no row for {bot}:\n{text}"
        );
    }
    assert!(
        text.contains("20M cfg"),
        "the config's budget is a candidate:\n{text}"
    );

    // The TOML block: from `# lockstep tune` to the blank line before the plot line.
    let toml_text: String = text
        .lines()
        .skip_while(|l| !l.starts_with("# lockstep tune"))
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    let value: toml::Table = toml::from_str(&toml_text).expect(&toml_text);
    let tick_fuel = value["budget"]["tick_fuel"].as_integer().expect(&toml_text);
    assert!(tick_fuel > 0);
    // The admin config takes it as it is: same table, same key.
    let settings = Settings::parse("tune output", &toml_text).expect(&toml_text);
    assert_eq!(settings.match_config.tick_fuel, tick_fuel as u64);

    let svg = std::fs::read_to_string(&plot).expect("the plot is written");
    assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(
        svg.len() > 3_000,
        "a real chart, not an empty frame: {} bytes",
        svg.len()
    );
    for needle in [
        "<path",
        "rusher",
        "random-walker",
        "recommended",
        "(config)",
        "log scale",
    ] {
        assert!(svg.contains(needle), "the chart lacks '{needle}'");
    }
}

#[test]
fn json_report_is_the_same_fuel_at_any_thread_count_and_respects_the_target() {
    let run = |threads: &str, name: &str| -> serde_json::Value {
        let out = quick_tune(
            &scratch(name),
            &[
                "--json",
                "--threads",
                threads,
                "--budgets",
                "100k,1M,5M,10G",
                "--target-tick-ms",
                "20",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("one JSON object")
    };
    let one = run("1", "json1.svg");
    let two = run("2", "json2.svg");
    for key in ["ticks", "tick0_max", "init_max", "calls", "capped"] {
        for bot in 0..2 {
            assert_eq!(
                one["bots"][bot][key], two["bots"][bot][key],
                "{key} of bot {bot}"
            );
        }
    }
    assert_eq!(one["bots"][0]["bot"], "rusher");
    assert!(one["bots"][0]["ticks"]["p99"].as_u64().unwrap() > 0);
    assert_eq!(one["sampling"]["matches"], 2);

    for report in [&one, &two] {
        let target = report["projection"]["target_tick_ms"].as_f64().unwrap();
        assert_eq!(target, 20.0);
        let rows = report["projection"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 4, "exactly the candidates given");
        let recommended = &report["recommendation"];
        let tick_fuel = recommended["tick_fuel"].as_u64().unwrap();
        assert!(recommended["worst_ms"].as_f64().unwrap() <= target);
        assert_eq!(recommended["from_candidates"], true);
        // The largest candidate that meets the target: every larger one does not.
        for row in rows {
            let budget = row["budget"].as_u64().unwrap();
            let meets = row["worst_ms"].as_f64().unwrap() <= target;
            assert_eq!(row["meets_target"], meets);
            if budget > tick_fuel {
                assert!(
                    !meets,
                    "{budget} meets the target but {tick_fuel} was recommended"
                );
            }
        }
        // 10G at ~0.06 ns per fuel is ~600 ms: never within 20 ms.
        assert!(tick_fuel < 10_000_000_000);
        let cut = recommended["cut_off"].as_u64().unwrap();
        let row = report["overall"]["cutoffs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["budget"] == tick_fuel)
            .unwrap();
        assert_eq!(row["count"].as_u64().unwrap(), cut);
        assert!(report["toml"].as_str().unwrap().contains("[budget]"));
    }
}

#[test]
fn without_a_fitting_candidate_the_largest_budget_meeting_the_target_is_computed() {
    let out = quick_tune(
        &scratch("computed.svg"),
        &["--json", "--budgets", "5G,10G", "--target-tick-ms", "10"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let recommended = &report["recommendation"];
    assert_eq!(recommended["from_candidates"], false);
    assert!(recommended["worst_ms"].as_f64().unwrap() <= 10.0);
    assert_eq!(
        recommended["tick_fuel"],
        report["projection"]["max_budget_for_target"]
    );

    // A target below the engine's own work: no recommendation, and the
    // TOML says so in a comment instead of a key.
    let out = quick_tune(&scratch("none.svg"), &["--target-tick-ms", "0.000001"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("No recommendation"), "{text}");
    assert!(text.contains("# no tick_fuel meets the target"), "{text}");
}

#[test]
fn calls_that_run_out_of_the_probe_budget_are_reported_as_needing_more() {
    let plot = scratch("capped.svg");
    let out = lockstep(&[
        "tune",
        "hostile-loop",
        "--maps",
        "duel",
        "--matches",
        "1",
        "--ticks",
        "6",
        "--probe-fuel",
        "1M",
        "--budgets",
        "500k,1M,2M",
        "--calibrate-ms",
        "50",
        "--json",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bot = &report["bots"][0];
    let capped = bot["capped"].as_u64().unwrap();
    assert!(capped > 0, "the infinite loop runs out of any budget");
    let cutoffs = bot["cutoffs"].as_array().unwrap();
    // Up to the probe budget they are certainly cut off; above it, unknown.
    for (cut, at_least) in cutoffs.iter().zip([false, false, true]) {
        assert_eq!(cut["at_least"], at_least, "{cut}");
    }
    assert!(
        cutoffs[1]["count"].as_u64().unwrap() >= capped,
        "{}",
        cutoffs[1]
    );
    let notes = report["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("ran out of even the probe budget")),
        "{notes:?}"
    );
}

#[test]
fn bad_arguments_get_one_clear_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["tune"], "no bots to tune"),
        (
            &["tune", "rusher", "--budgets", "5X"],
            "--budgets: '5X' is not a fuel amount",
        ),
        (
            &["tune", "rusher", "--budgets", "5M,,10M"],
            "--budgets: '' is not a fuel amount",
        ),
        (
            &["tune", "rusher", "--players", "1"],
            "--players must be 2 to 8",
        ),
        (
            &["tune", "rusher", "--players", "9"],
            "--players must be 2 to 8",
        ),
        (
            &["tune", "rusher", "--target-tick-ms", "0"],
            "--target-tick-ms must be",
        ),
        (
            &["tune", "rusher", "--target-tick-ms=-3"],
            "--target-tick-ms must be",
        ),
        (
            &["tune", "rusher", "--matches", "0"],
            "--matches must be at least 1",
        ),
        (
            &["tune", "rusher", "--threads", "0"],
            "--threads must be at least 1",
        ),
        (
            &["tune", "rusher", "--ticks", "0"],
            "--ticks must be at least 1",
        ),
        (
            &["tune", "rusher", "--probe-fuel", "0"],
            "--probe-fuel: '0'",
        ),
        (
            &["tune", "rusher", "--maps", "nowhere"],
            "--maps: map 'nowhere'",
        ),
        (
            &["tune", "rusher", "--maps", "duel", "--players", "3"],
            "--maps: map 'duel'",
        ),
        (
            &["tune", "rusher", "--plot", "chart.png"],
            "give a file name ending in .svg",
        ),
        (&["tune", "no-such-bot"], "unknown bot 'no-such-bot'"),
    ];
    for (args, expected) in cases {
        let out = lockstep(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let message = stderr(&out);
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: one line, got:\n{message}");
        assert!(lines[0].starts_with("error: "), "{args:?}: {message}");
        assert!(
            message.contains(expected),
            "{args:?}: expected '{expected}' in:\n{message}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

#[test]
fn help_has_examples() {
    let out = lockstep(&["tune", "--help"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for needle in [
        "Examples:",
        "--budgets",
        "--target-tick-ms",
        "--probe-fuel",
        "--plot",
        "nearest rank",
        "pointer chase over the whole memory cap",
        "whether the fuel or the watchdog",
    ] {
        assert!(text.contains(needle), "help lacks '{needle}':\n{text}");
    }
}

#[test]
fn the_report_names_only_the_maps_that_were_played() {
    // One match plays one map, whatever the default list of maps holds.
    let plot = scratch("one-map.svg");
    let out = lockstep(&[
        "tune",
        "idle",
        "--matches",
        "1",
        "--ticks",
        "5",
        "--calibrate-ms",
        "50",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let header = text.lines().next().unwrap();
    let maps = header
        .split_once(" players on ")
        .and_then(|(_, rest)| rest.split_once(", seed "))
        .map(|(maps, _)| maps)
        .unwrap_or_else(|| panic!("no maps in: {header}"));
    assert!(!maps.contains(", "), "one match, one map: {header}");
    assert!(header.contains("1 match of 2 players"), "{header}");
}
