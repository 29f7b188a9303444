//! The report for people: tables, notes, and the TOML lines to paste.

use super::report::{BotReport, TuneReport};
use super::stats::{count_of, percent, short, thousands, toml_integer};
use crate::match_loop::OverrunPolicy;
use std::fmt::Write;

/// The whole report as text: the same sections in the same order every time.
pub fn render(report: &TuneReport) -> String {
    let mut out = String::new();
    header(&mut out, report);
    distributions(&mut out, report);
    cutoffs(&mut out, report);
    calibration(&mut out, report);
    projection(&mut out, report);
    recommendation(&mut out, report);
    if !report.notes.is_empty() {
        let _ = writeln!(out, "\nNotes");
        for note in &report.notes {
            let _ = writeln!(out, "  - {note}");
        }
    }
    let _ = writeln!(
        out,
        "\nTOML for the admin config (assets/lockstep.toml or your --config file: \
         replace tick_fuel in its [budget] table)\n"
    );
    out.push_str(&report.toml);
    out
}

fn header(out: &mut String, report: &TuneReport) {
    let s = &report.sampling;
    let _ = writeln!(
        out,
        "lockstep tune ({} build): {} of {} players on {}, seed {}, up to {} ticks, \
         probe budget {} per tick, {} at a time",
        report.build,
        count_of(s.matches, "match", "matches"),
        s.players,
        s.maps.join(", "),
        s.seed,
        s.max_ticks,
        short(s.probe_fuel),
        s.threads,
    );
    let _ = writeln!(
        out,
        "recorded {} bot-ticks over {} match ticks in {:.1} s; the {} tick-0 calls are left out \
         of the percentiles",
        thousands(s.bot_ticks),
        thousands(s.match_ticks),
        s.wall_ms / 1e3,
        thousands(s.first_ticks),
    );
}

fn distributions(out: &mut String, report: &TuneReport) {
    let _ = writeln!(
        out,
        "\nFuel per bot-tick (ticks 1 on; nearest-rank percentiles)"
    );
    let _ = writeln!(
        out,
        "{:<16} {:>5} {:>8}  {:>7} {:>7} {:>7} {:>7} {:>7}  {:>7} {:>7} {:>6} {:>6}",
        "bot",
        "seats",
        "ticks",
        "mean",
        "p50",
        "p90",
        "p99",
        "max",
        "tick 0",
        "init",
        "capped",
        "failed"
    );
    let row = |out: &mut String, bot: &BotReport| {
        let stat = |f: fn(&super::stats::FuelStats) -> u64| {
            bot.ticks.as_ref().map_or("-".into(), |s| short(f(s)))
        };
        let _ = writeln!(
            out,
            "{:<16} {:>5} {:>8}  {:>7} {:>7} {:>7} {:>7} {:>7}  {:>7} {:>7} {:>6} {:>6}",
            bot.bot,
            bot.seats,
            thousands(bot.ticks.as_ref().map_or(0, |s| s.count)),
            bot.ticks
                .as_ref()
                .map_or("-".into(), |s| short(s.mean.round() as u64)),
            stat(|s| s.p50),
            stat(|s| s.p90),
            stat(|s| s.p99),
            stat(|s| s.max),
            bot.tick0_max.map_or("-".into(), short),
            bot.init_max.map_or("-".into(), short),
            bot.capped,
            bot.failures + bot.init_failures,
        );
    };
    for bot in &report.bots {
        row(out, bot);
    }
    if report.bots.len() > 1 {
        row(out, &report.overall);
    }
    let _ = writeln!(
        out,
        "(tick 0 and init: the most one call used; capped: calls that ran out of the probe \
         budget; failed: traps, bad output, failed init)"
    );
}

fn cutoffs(out: &mut String, report: &TuneReport) {
    let verb = if report.config.overrun == OverrunPolicy::Resume {
        "suspended"
    } else {
        "cut off"
    };
    let _ = writeln!(
        out,
        "\nBot-ticks {verb} at each tick budget (share and count, tick 0 included with its init \
         remainder)"
    );
    let mut columns: Vec<&BotReport> = report.bots.iter().collect();
    if report.bots.len() > 1 {
        columns.push(&report.overall);
    }
    let _ = write!(out, "{:<12}", "budget");
    for bot in &columns {
        let _ = write!(out, " {:>20}", bot.bot);
    }
    out.push('\n');
    for (i, row) in report.overall.cutoffs.iter().enumerate() {
        let _ = write!(out, "{:<12}", budget_label(report, row.budget));
        for bot in &columns {
            let cut = bot.cutoffs[i];
            let at_least = if cut.at_least { ">=" } else { "" };
            let cell = format!(
                "{at_least}{} ({})",
                percent(cut.count, bot.calls),
                thousands(cut.count)
            );
            let _ = write!(out, " {cell:>20}");
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "(cfg: the config's tick_fuel; *: the recommended budget; >=: some of these calls ran out \
         of the probe budget, their need is unknown)"
    );
}

/// A budget with a mark if it is the config's or the recommended one.
fn budget_label(report: &TuneReport, budget: u64) -> String {
    let mut label = short(budget);
    if budget == report.config.tick_fuel {
        label.push_str(" cfg");
    }
    if report.recommendation.map(|r| r.tick_fuel) == Some(budget) {
        label.push_str(" *");
    }
    label
}

fn calibration(out: &mut String, report: &TuneReport) {
    let c = &report.calibration;
    let _ = writeln!(
        out,
        "\nWall time per unit of fuel on this machine ({} build), calibrated on {}",
        c.build, c.bot
    );
    let _ = writeln!(
        out,
        "  median {:.4} ns per fuel (p10-p90 {:.4}-{:.4}, min-max {:.4}-{:.4}) over {} \
         repetitions of {} calls ({} fuel each) in {:.1} s",
        c.ns_per_fuel,
        c.ns_per_fuel_p10,
        c.ns_per_fuel_p90,
        c.ns_per_fuel_min,
        c.ns_per_fuel_max,
        c.repetitions,
        c.calls,
        short(c.fuel_per_repetition),
        c.wall_ms / 1e3,
    );
    let _ = writeln!(
        out,
        "  recorded game: {}; the engine's own work: {:.1} us per player per tick",
        c.game, c.engine_us_per_player
    );
    let w = &c.worst_pattern;
    let _ = writeln!(
        out,
        "  worst memory pattern, {}{}: median {:.3} ns per fuel, slowest call {:.3} ({:.0}x the \
         reference's median) over {} calls of {}",
        w.name,
        if w.span_bytes == w.memory_limit {
            " (the whole memory cap)".to_string()
        } else {
            format!(" (of a memory cap of {} bytes)", thousands(w.memory_limit))
        },
        w.ns_per_fuel,
        w.ns_per_fuel_max,
        c.worst_multiple(),
        w.calls,
        short(w.fuel_per_call),
    );
}

fn projection(out: &mut String, report: &TuneReport) {
    let p = &report.projection;
    let _ = writeln!(
        out,
        "\nExpected tick wall time for {} players on {} (the busiest thread runs {} of \
         them in a row; the engine's {:.2} ms included; target {} ms)",
        p.players,
        on_threads(p.threads),
        p.bots_per_thread,
        p.engine_ms,
        p.target_tick_ms
    );
    let _ = writeln!(
        out,
        "{:<12} {:>12} {:>12} {:>12} {:>12}  {:<12} {:>14} {:>14}",
        "budget",
        "worst case",
        "(at median)",
        "all at p50",
        "all at p99",
        "meets target",
        "memory, call",
        "memory, tick"
    );
    for row in &p.rows {
        let _ = writeln!(
            out,
            "{:<12} {:>9.2} ms {:>9.2} ms {:>9.2} ms {:>9.2} ms  {:<12} {:>11.0} ms{} {:>11.0} ms",
            budget_label(report, row.budget),
            row.worst_ms,
            row.worst_ms_median,
            row.p50_ms,
            row.p99_ms,
            if row.meets_target { "yes" } else { "no" },
            row.pattern_call_ms,
            if row.watchdog_stops_it { "!" } else { " " },
            row.pattern_tick_ms,
        );
    }
    let _ = writeln!(
        out,
        "(worst case: every bot spends its whole budget{}, at the calibration's p90 of {:.4} ns \
         per fuel; the largest budget that meets the target is {})",
        if report.config.bucket_cap > 0 {
            " plus a full bucket"
        } else {
            ""
        },
        p.ns_per_fuel,
        if p.max_budget_for_target > 0 {
            short(p.max_budget_for_target)
        } else {
            "none".into()
        }
    );
    let _ = writeln!(
        out,
        "(memory: what the same budget costs spent on the worst memory pattern, {} at {:.2} ns \
         per fuel, {:.0}x the reference: one call, and the tick if every bot on the busiest \
         thread does it; !: past watchdog_ms = {}, so the watchdog stops the call at about {:.0} ms \
         and the tick counts it so)",
        p.worst_pattern,
        p.worst_ns_per_fuel,
        p.worst_multiple,
        thousands(p.watchdog_ms),
        p.watchdog_stop_ms,
    );
}

fn recommendation(out: &mut String, report: &TuneReport) {
    let p = &report.projection;
    match report.recommendation {
        Some(r) => {
            let _ = writeln!(
                out,
                "\nRecommended: tick_fuel = {} ({}): worst-case tick {:.1} ms <= {} ms for {} \
                 players on {}; cuts off {}{} of {} recorded bot-ticks ({})",
                short(r.tick_fuel),
                thousands(r.tick_fuel),
                r.worst_ms,
                p.target_tick_ms,
                p.players,
                on_threads(p.threads),
                if r.at_least { "at least " } else { "" },
                thousands(r.cut_off),
                thousands(r.calls),
                percent(r.cut_off, r.calls),
            );
            if let Some(none) = report.smallest_cutting_none {
                let worst = p
                    .rows
                    .iter()
                    .find(|row| row.budget == none)
                    .map_or(0.0, |row| row.worst_ms);
                let _ = writeln!(
                    out,
                    "  The smallest candidate that cuts off none of them: {} (worst-case tick {:.1} ms).",
                    short(none),
                    worst
                );
            }
            if !r.from_candidates {
                let _ = writeln!(
                    out,
                    "  (no candidate budget met the target: this is the largest that does)"
                );
            }
            let _ = writeln!(out, "  {}", worst_sentence(report, &r));
        }
        None => {
            let _ = writeln!(
                out,
                "\nNo recommendation: the engine's own work ({:.2} ms per tick) already exceeds \
                 the target of {} ms",
                p.engine_ms, p.target_tick_ms
            );
        }
    }
}

/// The caveats that apply to this run.
pub(super) fn notes(report: &TuneReport) -> Vec<String> {
    let mut notes = Vec::new();
    if report.build == "debug" {
        notes.push(
            "This is a debug build of lockstep: its wall times are not what a release build \
             (a server) gets. Measure with `cargo build --release` and target/release/lockstep."
                .into(),
        );
    }
    let c = &report.calibration;
    if c.ns_per_fuel_p90 > 1.15 * c.ns_per_fuel {
        notes.push(format!(
            "The calibration was noisy (p90 {:.0}% above the median): the machine was busy or \
             its clock speed varied. The worst case uses the p90, so the recommendation is \
             cautious; on an idle machine it would be larger. Run again to compare.",
            (c.ns_per_fuel_p90 / c.ns_per_fuel - 1.0) * 100.0
        ));
    }
    let s = &report.sampling;
    if s.capped > 0 {
        notes.push(format!(
            "{} bot-ticks ran out of even the probe budget of {}: their true need is unknown, only \
             at least that. They count as cut off at every budget up to it (marked >= above \
             it). Run again with a larger --probe-fuel to measure them.",
            thousands(s.capped),
            short(s.probe_fuel)
        ));
    }
    let first_cut = report
        .recommendation
        .map(|r| {
            report
                .samples
                .bots
                .iter()
                .flat_map(|b| &b.first)
                .filter(|t| t.fuel > r.tick_fuel.saturating_add(t.remainder))
                .count()
        })
        .unwrap_or(0);
    notes.push(format!(
        "Tick 0 is left out of the percentiles and the plot: its call may also spend what \
         lockstep_init left of init_fuel ({}), so it is cut off only past the tick budget plus \
         that remainder{}.",
        short(report.config.init_fuel),
        match (report.recommendation, first_cut) {
            (Some(_), 0) => "; at the recommended budget no tick-0 call would be".to_string(),
            (Some(_), n) => format!("; at the recommended budget {n} tick-0 calls would be"),
            (None, _) => String::new(),
        }
    ));
    if report.config.bucket_cap > 0 {
        notes.push(format!(
            "The config has a bucket of up to {}: the cut-offs above ignore it (a bucket only \
             lowers them), the worst case includes a full bucket.",
            short(report.config.bucket_cap)
        ));
    }
    let p = &report.projection;
    notes.push(format!(
        "The worst case assumes ordinary code ({}'s ns per fuel). Fuel charges a load one unit \
         whether it hits the cache or misses it, so a bot that chases pointers through all the \
         memory it may have takes about {:.0} times longer per unit here ({}; docs/limits.md, \
         \"Wall time follows fuel\"): the memory columns and the line under the recommendation \
         give that cost. Size the tick pace for it, or lower [limits] memory_bytes (a pointer \
         chase within the caches is far cheaper). Other code built to make fuel slow stays \
         within about 5 times.",
        report.calibration.bot, p.worst_multiple, p.worst_pattern
    ));
    notes.push(format!(
        "lockstep_init's budget (init_fuel = {}) spent on the worst memory pattern would take \
         about {:.0} ms{}; tick 0 may also spend what lockstep_init left.",
        short(report.config.init_fuel),
        p.init_worst_ms,
        if p.init_watchdog_stops_it {
            format!(
                ": past watchdog_ms = {}, so the watchdog would stop it (outcome `watchdog`, \
                 which depends on the machine): raise watchdog_ms or lower init_fuel if honest \
                 bots may do that much",
                thousands(p.watchdog_ms)
            )
        } else {
            format!(", within watchdog_ms = {}", thousands(p.watchdog_ms))
        }
    ));
    if report.config.overrun == OverrunPolicy::Resume {
        let mut budgets = vec![report.config.tick_fuel];
        budgets.extend(report.recommendation.map(|r| r.tick_fuel));
        budgets.dedup();
        for fuel in budgets {
            let slice = crate::sandbox::resume_slice(fuel);
            if slice > crate::sandbox::WATCHDOG_SLICE {
                notes.push(format!(
                    "Under `resume`, tick_fuel = {} has no divisor near 1,000,000, so the \
                     watchdog reads the clock only once per segment of {} fuel: a segment of \
                     the worst memory pattern runs about {:.0} ms before the watchdog can stop \
                     it, whatever watchdog_ms says (docs/limits.md, \"When the budget is not \
                     enough\"). A multiple of 1,000,000 has none of this: {} for instance.",
                    thousands(fuel),
                    short(slice),
                    slice as f64 * p.worst_ns_per_fuel / 1e6,
                    thousands(fuel - fuel % crate::sandbox::WATCHDOG_SLICE),
                ));
            }
        }
    }
    notes.push(format!(
        "During sampling the bots were told tick_fuel = {} (the probe budget): a bot that sizes \
         its work to its budget uses more here than under a smaller one.",
        short(s.probe_fuel)
    ));
    notes
}

/// The lines to paste into the admin config's `[budget]` table.
pub(super) fn toml_lines(report: &TuneReport) -> String {
    let mut out = String::new();
    let s = &report.sampling;
    let p = &report.projection;
    let _ = writeln!(
        out,
        "# lockstep tune: {}, {} of {} players on {}; {} bot-ticks recorded",
        count_of(report.bots.len(), "bot", "bots"),
        count_of(s.matches, "match", "matches"),
        s.players,
        s.maps.join(", "),
        thousands(s.bot_ticks)
    );
    let Some(r) = report.recommendation else {
        let _ = writeln!(
            out,
            "# no tick_fuel meets the target of {} ms: the engine alone takes {:.2} ms per tick",
            p.target_tick_ms, p.engine_ms
        );
        return out;
    };
    if let Some(stats) = &report.overall.ticks {
        let _ = writeln!(
            out,
            "# fuel per bot-tick: p50 {}, p99 {}, max {}",
            short(stats.p50),
            short(stats.p99),
            short(stats.max)
        );
    }
    let _ = writeln!(
        out,
        "# measured {:.4} ns per fuel ({} build); tick 0 also gets what lockstep_init leaves",
        report.calibration.ns_per_fuel, report.build
    );
    let _ = writeln!(out, "[budget]");
    let _ = writeln!(
        out,
        "tick_fuel = {}   # cuts off {}{} of {} bot-ticks ({}); worst-case tick {:.1} ms for {} \
         players on {} (target {} ms)",
        toml_integer(r.tick_fuel),
        if r.at_least { "at least " } else { "" },
        thousands(r.cut_off),
        thousands(r.calls),
        percent(r.cut_off, r.calls),
        r.worst_ms,
        p.players,
        on_threads(p.threads),
        p.target_tick_ms
    );
    let _ = writeln!(
        out,
        "# worst memory pattern ({}, {:.0}x): up to {:.0} ms a call at this budget; the watchdog \
         (watchdog_ms = {}) {}",
        p.worst_pattern,
        p.worst_multiple,
        r.pattern_call_ms,
        toml_integer(p.watchdog_ms),
        if r.watchdog_stops_it {
            format!("stops it at about {:.0} ms", p.watchdog_stop_ms)
        } else {
            "never fires first: the fuel ends it".into()
        }
    );
    out
}

/// What the recommended budget costs on the worst memory pattern, and who
/// stops it: the fuel or the watchdog.
fn worst_sentence(report: &TuneReport, r: &super::report::Recommendation) -> String {
    let p = &report.projection;
    let stop = if r.watchdog_stops_it {
        format!(
            "that is past watchdog_ms = {}, so the watchdog stops such a call at about {:.0} ms \
             (outcome `watchdog`, which depends on the machine and does not replay exactly): \
             raise watchdog_ms above {:.0} ms, or lower the budget, if honest bots may work like \
             that",
            thousands(p.watchdog_ms),
            p.watchdog_stop_ms,
            r.pattern_call_ms
        )
    } else {
        format!(
            "the watchdog (watchdog_ms = {}) would not stop it: it runs out of fuel first, so \
             plan the tick pace for it; the watchdog stops any call at about {:.0} ms",
            thousands(p.watchdog_ms),
            p.watchdog_stop_ms
        )
    };
    format!(
        "At {} fuel a tick: the reference bot up to {:.1} ms a call, the worst memory pattern \
         ({}, {:.0}x) up to {:.0} ms a call, {:.0} ms a tick if every bot on the busiest thread \
         does it; {stop}.",
        short(r.tick_fuel),
        r.reference_call_ms,
        p.worst_pattern,
        p.worst_multiple,
        r.pattern_call_ms,
        r.pattern_tick_ms,
    )
}

/// `1 thread`, `2 threads`.
pub(super) fn on_threads(threads: usize) -> String {
    if threads == 1 {
        "1 thread".into()
    } else {
        format!("{threads} threads")
    }
}
