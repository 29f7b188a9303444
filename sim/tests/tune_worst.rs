//! `lockstep tune` and the worst memory pattern: the calibration measures a
//! pointer chase over the whole memory cap, every projected budget says
//! what it costs spent that way, and the recommendation says whether the
//! fuel or the watchdog ends such a call first. Which of the two it is, is
//! forced by the config (a watchdog of 200 ms and a budget of 10G, seconds
//! of the pattern at least; or an hour and 1k), so that no timing on a busy
//! machine decides a test.

use std::path::{Path, PathBuf};
#[path = "support/cli.rs"]
mod cli;
use cli::{lockstep, stderr, stdout};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tune_worst");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A short tune under a config with `limits` (a `[limits]` table's body)
/// and `more` (whole tables).
fn tune_with(name: &str, limits: &str, more: &str, extra: &[&str]) -> std::process::Output {
    let config = scratch(&format!("{name}.toml"));
    std::fs::write(&config, format!("[limits]\n{limits}\n{more}\n")).unwrap();
    let plot = scratch(&format!("{name}.svg"));
    let mut args = vec![
        "--config",
        config.to_str().unwrap(),
        "tune",
        "rusher",
        "random-walker",
        "--maps",
        "duel",
        "--matches",
        "1",
        "--ticks",
        "8",
        "--calibrate-ms",
        "50",
        "--plot",
        plot.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = lockstep(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

fn tune(name: &str, limits: &str, extra: &[&str]) -> std::process::Output {
    tune_with(name, limits, "", extra)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn every_budget_says_what_the_pointer_chase_costs_and_who_stops_it() {
    let out = tune(
        "json",
        "watchdog_ms = 200\nmemory_bytes = 16_777_216",
        &["--json", "--budgets", "1k,10G", "--target-tick-ms", "1e9"],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let worst = &report["calibration"]["worst_pattern"];
    // The whole cap of the config, not the default's.
    assert_eq!(worst["name"], "pointer chase over 16 MiB");
    assert_eq!(worst["span_bytes"], 16u64 << 20);
    assert_eq!(worst["memory_limit"], 16u64 << 20);
    assert!(worst["calls"].as_u64().unwrap() >= 5);
    let median = worst["ns_per_fuel"].as_f64().unwrap();
    let slowest = worst["ns_per_fuel_max"].as_f64().unwrap();
    assert!(median > 0.0 && slowest >= median, "{worst}");

    let p = &report["projection"];
    assert_eq!(p["worst_pattern"], "pointer chase over 16 MiB");
    assert_eq!(p["worst_ns_per_fuel"].as_f64().unwrap(), slowest);
    let reference = report["calibration"]["ns_per_fuel"].as_f64().unwrap();
    assert!(close(
        p["worst_multiple"].as_f64().unwrap(),
        slowest / reference
    ));
    assert_eq!(p["watchdog_ms"], 200);
    // The watchdog reads the clock every 1M fuel: it stops a call within
    // two such slices of the pattern past its limit.
    let stop = p["watchdog_stop_ms"].as_f64().unwrap();
    assert!(close(stop, 200.0 + 2.0 * 1e6 * slowest / 1e6), "{p}");
    // init_fuel (200M by default) of the pattern, against the watchdog.
    let init = p["init_worst_ms"].as_f64().unwrap();
    assert!(close(init, 200e6 * slowest / 1e6));
    assert_eq!(p["init_watchdog_stops_it"], init > 200.0);

    let engine = p["engine_ms"].as_f64().unwrap();
    let per_thread = p["bots_per_thread"].as_f64().unwrap();
    let rows = p["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let budget = row["budget"].as_f64().unwrap();
        let call = row["pattern_call_ms"].as_f64().unwrap();
        assert!(close(call, budget * slowest / 1e6), "{row}");
        assert_eq!(row["watchdog_stops_it"], call > 200.0, "{row}");
        let tick = row["pattern_tick_ms"].as_f64().unwrap();
        assert!(close(tick, engine + per_thread * call.min(stop)), "{row}");
    }
    // 1k fuel of anything is microseconds; 10G of a pointer chase is seconds.
    assert_eq!(rows[0]["watchdog_stops_it"], false);
    assert_eq!(rows[1]["watchdog_stops_it"], true);

    // An unreachable target: the largest candidate is recommended, and it
    // carries the same figures as its row.
    let r = &report["recommendation"];
    assert_eq!(r["tick_fuel"], 10_000_000_000u64);
    assert_eq!(r["pattern_call_ms"], rows[1]["pattern_call_ms"]);
    assert_eq!(r["pattern_tick_ms"], rows[1]["pattern_tick_ms"]);
    assert_eq!(r["watchdog_stops_it"], true);
    let p90 = report["calibration"]["ns_per_fuel_p90"].as_f64().unwrap();
    assert!(close(
        r["reference_call_ms"].as_f64().unwrap(),
        1e10 * p90 / 1e6
    ));
}

#[test]
fn the_text_says_the_watchdog_stops_the_chase_when_it_is_past_the_limit() {
    let out = tune(
        "stops",
        "watchdog_ms = 200",
        &["--budgets", "1k,10G", "--target-tick-ms", "1e9"],
    );
    let text = stdout(&out);
    for needle in [
        "worst memory pattern, pointer chase over 64 MiB (the whole memory cap): median ",
        "memory, call",
        "memory, tick",
        "!: past watchdog_ms = 200, so the watchdog stops the call at about ",
        "At 10G fuel a tick: the reference bot up to ",
        "the worst memory pattern (pointer chase over 64 MiB, ",
        "that is past watchdog_ms = 200, so the watchdog stops such a call at about ",
        "lockstep_init's budget (init_fuel = 200M) spent on the worst memory pattern would take",
        "past watchdog_ms = 200, so the watchdog would stop it",
        "# worst memory pattern (pointer chase over 64 MiB, ",
        "the watchdog (watchdog_ms = 200) stops it at about ",
    ] {
        assert!(text.contains(needle), "missing '{needle}' in:\n{text}");
    }
    // The 10G row of the projection is marked as past the watchdog, the 1k
    // row is not.
    let row = |budget: &str| {
        text.lines()
            .find(|l| l.starts_with(budget) && l.contains(" ms"))
            .unwrap_or_else(|| panic!("no {budget} row in:\n{text}"))
            .to_string()
    };
    assert!(row("10G *").contains(" ms!"), "{}", row("10G *"));
    assert!(!row("1k ").contains('!'), "{}", row("1k "));
}

#[test]
fn the_text_says_the_fuel_ends_the_chase_first_under_a_long_watchdog() {
    let out = tune(
        "runs-out",
        "watchdog_ms = 3_600_000",
        &["--budgets", "1k", "--target-tick-ms", "1e9"],
    );
    let text = stdout(&out);
    for needle in [
        "At 1k fuel a tick: the reference bot up to ",
        "the watchdog (watchdog_ms = 3,600,000) would not stop it: it runs out of fuel first, so \
         plan the tick pace for it",
        "would take about ",
        "within watchdog_ms = 3,600,000",
        "the watchdog (watchdog_ms = 3_600_000) never fires first: the fuel ends it",
    ] {
        assert!(text.contains(needle), "missing '{needle}' in:\n{text}");
    }
    assert!(!text.contains("ms!"), "no row is past an hour:\n{text}");
}

#[test]
fn under_resume_a_tick_fuel_the_watchdog_cannot_slice_is_refused() {
    // A prime: no divisor between 62,500 and 1,000,000, so the watchdog
    // could read the clock only once per segment; the config refuses it.
    let config = scratch("resume-prime.toml");
    std::fs::write(
        &config,
        "[budget]\noverrun = \"resume\"\ntick_fuel = 1_000_003\n",
    )
    .unwrap();
    let out = lockstep(&[
        "--config",
        config.to_str().unwrap(),
        "tune",
        "rusher",
        "random-walker",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("tick_fuel = 1000003 cannot be used with overrun = \"resume\""),
        "{err}"
    );
    assert!(
        err.contains("use a multiple of 1,000,000 (e.g. 2000000)"),
        "{err}"
    );
    // 2^35 slices into 2^19s: accepted, and no note about it.
    let out = tune_with(
        "resume",
        "",
        "[budget]\noverrun = \"resume\"\ntick_fuel = 34_359_738_368",
        &[
            "--budgets",
            "20M",
            "--probe-fuel",
            "100M",
            "--target-tick-ms",
            "1e9",
        ],
    );
    assert!(!stdout(&out).contains("has no divisor"), "{}", stdout(&out));
}
