//! What `lockstep tune` found: the distributions, the cut-offs, the
//! projected tick times and the recommendation, as data (`--json` prints it
//! whole). `text.rs` renders it for people, `plot.rs` draws it.

use super::calibrate::Calibration;
use super::sample::{BotSamples, Samples};
use super::stats::{FuelStats, nice_ceil, nice_floor, nice_ladder, round_down_2_digits};
use crate::match_loop::{MatchConfig, OverrunPolicy};
use crate::sandbox::WATCHDOG_SLICE;
use serde::Serialize;

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct TuneReport {
    /// `release` or `debug`: the build of `lockstep` that measured.
    pub build: String,
    pub sampling: Sampling,
    /// The config's budget settings the cut-offs and the TOML are about.
    pub config: ConfigBudget,
    /// Per bot, in the order given.
    pub bots: Vec<BotReport>,
    /// All bots together.
    pub overall: BotReport,
    pub calibration: Calibration,
    /// The tick time each candidate budget implies.
    pub projection: Projection,
    /// `None` when no budget can meet the target (the engine alone takes longer).
    pub recommendation: Option<Recommendation>,
    /// The smallest candidate that cuts off none of the recorded bot-ticks
    /// (`None` if every candidate cuts some off, or some ran out of the
    /// probe budget): the least a budget can be without losing a recorded tick.
    pub smallest_cutting_none: Option<u64>,
    /// The lines to paste into the admin config.
    pub toml: String,
    /// Caveats worth reading, one sentence or two each.
    pub notes: Vec<String>,
    /// The recorded fuel itself (for the plot; not in the JSON).
    #[serde(skip)]
    pub samples: Samples,
}

/// How the fuel was sampled.
#[derive(Clone, Debug, Serialize)]
pub struct Sampling {
    pub matches: usize,
    pub players: usize,
    /// Matches played at once here; also the threads of the projection.
    pub threads: usize,
    pub maps: Vec<String>,
    pub seed: u64,
    pub max_ticks: u32,
    /// The generous tick budget the sampling matches were played with.
    pub probe_fuel: u64,
    /// Ticks played, all matches together.
    pub match_ticks: u64,
    /// Bot calls recorded, tick 0 included.
    pub bot_ticks: u64,
    /// Of those, tick-0 calls (left out of the percentiles).
    pub first_ticks: u64,
    /// Calls that ran out of even the probe budget (need unknown, at least it).
    pub capped: u64,
    pub wall_ms: f64,
}

/// The `[budget]` settings the report is about.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigBudget {
    pub tick_fuel: u64,
    pub init_fuel: u64,
    pub bucket_cap: u64,
    pub overrun: OverrunPolicy,
}

/// One bot's (or all bots') recorded fuel.
#[derive(Clone, Debug, Serialize)]
pub struct BotReport {
    pub bot: String,
    /// Seats taken in the sampling matches.
    pub seats: u64,
    /// Calls recorded, tick 0 included.
    pub calls: u64,
    /// Fuel per call, ticks 1 on (`None` if the bot never got past tick 0).
    pub ticks: Option<FuelStats>,
    /// The most a tick-0 call used (it may also spend the init remainder).
    pub tick0_max: Option<u64>,
    /// The most `lockstep_init` used.
    pub init_max: Option<u64>,
    pub capped: u64,
    /// Calls that trapped or returned bad output (their fuel still counts).
    pub failures: u64,
    /// Seats where instantiation or `lockstep_init` failed.
    pub init_failures: u64,
    /// One entry per candidate budget, in increasing order.
    pub cutoffs: Vec<Cutoff>,
}

/// The calls one budget would cut off (under `resume`: suspend).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Cutoff {
    pub budget: u64,
    pub count: u64,
    /// `count / calls`, from 0 to 1.
    pub share: f64,
    /// The count is a lower bound: the budget is above the probe budget and
    /// some calls ran out of that, so whether they would fit is unknown.
    pub at_least: bool,
}

/// Expected tick wall time for `players` bots on `threads` threads.
#[derive(Clone, Debug, Serialize)]
pub struct Projection {
    pub players: usize,
    pub threads: usize,
    /// Bots run one after another on the busiest thread: `ceil(players / threads)`.
    pub bots_per_thread: usize,
    pub target_tick_ms: f64,
    /// The engine's own work per tick for `players` players (added to every row).
    pub engine_ms: f64,
    /// ns per fuel the worst case is computed with: the calibration's p90
    /// (its slow end), so that noise does not make a budget look safe.
    pub ns_per_fuel: f64,
    /// The largest tick budget whose worst case meets the target, rounded
    /// down to two significant digits (0 if none).
    pub max_budget_for_target: u64,
    /// The worst memory pattern (see [`Calibration::worst_pattern`]) and the
    /// ns per fuel its rows use: its slowest measured call's.
    pub worst_pattern: String,
    pub worst_ns_per_fuel: f64,
    /// That over the reference's median ns per fuel.
    pub worst_multiple: f64,
    /// The sandbox's watchdog (`[limits] watchdog_ms`).
    pub watchdog_ms: u64,
    /// When the watchdog has stopped a call of the worst pattern at the
    /// latest: `watchdog_ms` plus two slices of fuel (the clock is read once
    /// per slice) at its ns per fuel, in ms.
    pub watchdog_stop_ms: f64,
    /// `init_fuel` spent on the worst pattern (`lockstep_init`), in ms, and
    /// whether the watchdog stops that first.
    pub init_worst_ms: f64,
    pub init_watchdog_stops_it: bool,
    pub rows: Vec<ProjectionRow>,
}

/// One candidate budget's tick time.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ProjectionRow {
    pub budget: u64,
    /// Every bot spends its whole budget (plus a full bucket if there is
    /// one), at the calibration's p90 ns per fuel.
    pub worst_ms: f64,
    /// The same at the calibration's median.
    pub worst_ms_median: f64,
    /// Every bot needs the observed overall p50 (or the budget if smaller),
    /// at the median ns per fuel.
    pub p50_ms: f64,
    /// The same with the observed overall p99.
    pub p99_ms: f64,
    pub meets_target: bool,
    /// One call that spends the budget (plus a full bucket) on the worst
    /// memory pattern, as if no watchdog stopped it.
    pub pattern_call_ms: f64,
    /// Whether the watchdog stops that call (it would outlast `watchdog_ms`)
    /// rather than the fuel running out.
    pub watchdog_stops_it: bool,
    /// The tick if every bot on the busiest thread does that: the engine's
    /// work plus `bots_per_thread` such calls, each ended by the fuel or the
    /// watchdog, whichever comes first.
    pub pattern_tick_ms: f64,
}

/// The budget to use.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Recommendation {
    pub tick_fuel: u64,
    /// Whether it is one of the candidates (else the computed largest budget
    /// that meets the target, as no candidate did).
    pub from_candidates: bool,
    pub worst_ms: f64,
    /// One bot's call spending the whole budget (plus a full bucket) at the
    /// reference's p90 ns per fuel, in ms.
    pub reference_call_ms: f64,
    /// The same on the worst memory pattern, and the tick if every bot on
    /// the busiest thread does it (see [`ProjectionRow`]).
    pub pattern_call_ms: f64,
    pub pattern_tick_ms: f64,
    pub watchdog_stops_it: bool,
    pub cut_off: u64,
    pub calls: u64,
    pub share: f64,
    pub at_least: bool,
}

/// Everything the report is computed from besides the samples.
pub struct Inputs<'a> {
    pub config: &'a MatchConfig,
    pub maps: Vec<String>,
    pub players: usize,
    pub threads: usize,
    pub seed: u64,
    pub probe_fuel: u64,
    /// `None`: the default ladder.
    pub budgets: Option<Vec<u64>>,
    pub target_tick_ms: f64,
    /// The sandbox's `watchdog_ms`.
    pub watchdog_ms: u64,
    pub sampling_ms: f64,
}

/// Builds the report.
pub fn build(inputs: &Inputs<'_>, samples: Samples, calibration: Calibration) -> TuneReport {
    let config = inputs.config;
    let all_ticks = samples.all_ticks();
    let overall_stats = FuelStats::of(&all_ticks);
    let bots_per_thread = inputs.players.div_ceil(inputs.threads.max(1));
    let engine_ms = inputs.players as f64 * calibration.engine_us_per_player / 1e3;
    let slow = calibration.ns_per_fuel_p90.max(f64::MIN_POSITIVE);
    let room_ns = (inputs.target_tick_ms - engine_ms).max(0.0) * 1e6;
    let max_budget_for_target = round_down_2_digits(
        ((room_ns / (bots_per_thread as f64 * slow)).floor() as u64)
            .saturating_sub(config.bucket_cap),
    );
    let candidates = candidates(inputs, overall_stats.as_ref(), max_budget_for_target);

    let cutoffs = |bot: &BotSamples| -> Vec<Cutoff> {
        candidates
            .iter()
            .map(|&budget| {
                cutoff(
                    budget,
                    bot.cut_off(budget),
                    bot.calls(),
                    bot.capped,
                    inputs.probe_fuel,
                )
            })
            .collect()
    };
    let bots: Vec<BotReport> = samples
        .bots
        .iter()
        .map(|bot| BotReport {
            bot: bot.name.clone(),
            seats: bot.seats,
            calls: bot.calls(),
            ticks: FuelStats::of(&bot.ticks),
            tick0_max: bot.first.iter().map(|t| t.fuel).max(),
            init_max: bot.init.iter().copied().max(),
            capped: bot.capped,
            failures: bot.failures,
            init_failures: bot.init_failures,
            cutoffs: cutoffs(bot),
        })
        .collect();
    let total_calls = samples.calls();
    let overall = BotReport {
        bot: "all".into(),
        seats: bots.iter().map(|b| b.seats).sum(),
        calls: total_calls,
        ticks: overall_stats,
        tick0_max: bots.iter().filter_map(|b| b.tick0_max).max(),
        init_max: bots.iter().filter_map(|b| b.init_max).max(),
        capped: samples.capped(),
        failures: bots.iter().map(|b| b.failures).sum(),
        init_failures: bots.iter().map(|b| b.init_failures).sum(),
        cutoffs: candidates
            .iter()
            .map(|&b| {
                cutoff(
                    b,
                    samples.cut_off(b),
                    total_calls,
                    samples.capped(),
                    inputs.probe_fuel,
                )
            })
            .collect(),
    };

    let (p50, p99) = overall_stats.map_or((0, 0), |s| (s.p50, s.p99));
    let median = calibration.ns_per_fuel;
    let per_thread_ms = |fuel: u64, ns: f64| bots_per_thread as f64 * fuel as f64 * ns / 1e6;
    let worst_ns = calibration.worst_pattern.ns_per_fuel_max;
    let worst_multiple = calibration.worst_multiple();
    let worst_pattern = calibration.worst_pattern.name.clone();
    let watchdog_ms = inputs.watchdog_ms as f64;
    let watchdog_stop_ms = watchdog_ms + 2.0 * WATCHDOG_SLICE as f64 * worst_ns / 1e6;
    // One call of the worst pattern on `budget` (plus a full bucket), the
    // watchdog aside; whether the watchdog ends it; the busiest thread's tick.
    let pattern = |budget: u64| {
        let call_ms = budget.saturating_add(config.bucket_cap) as f64 * worst_ns / 1e6;
        let stopped = call_ms > watchdog_ms;
        let tick_ms = engine_ms + bots_per_thread as f64 * call_ms.min(watchdog_stop_ms);
        (call_ms, stopped, tick_ms)
    };
    let rows: Vec<ProjectionRow> = candidates
        .iter()
        .map(|&budget| {
            let whole = budget.saturating_add(config.bucket_cap);
            let worst_ms = engine_ms + per_thread_ms(whole, slow);
            let (pattern_call_ms, watchdog_stops_it, pattern_tick_ms) = pattern(budget);
            ProjectionRow {
                budget,
                worst_ms,
                worst_ms_median: engine_ms + per_thread_ms(whole, median),
                p50_ms: engine_ms + per_thread_ms(p50.min(budget), median),
                p99_ms: engine_ms + per_thread_ms(p99.min(budget), median),
                meets_target: worst_ms <= inputs.target_tick_ms,
                pattern_call_ms,
                watchdog_stops_it,
                pattern_tick_ms,
            }
        })
        .collect();

    let best = rows.iter().rev().find(|row| row.meets_target);
    let recommended = match best {
        Some(row) => Some((row.budget, true, row.worst_ms)),
        None if max_budget_for_target > 0 => Some((
            max_budget_for_target,
            false,
            engine_ms + per_thread_ms(max_budget_for_target + config.bucket_cap, slow),
        )),
        None => None,
    };
    let recommendation = recommended.map(|(tick_fuel, from_candidates, worst_ms)| {
        let cut = cutoff(
            tick_fuel,
            samples.cut_off(tick_fuel),
            total_calls,
            samples.capped(),
            inputs.probe_fuel,
        );
        let (pattern_call_ms, watchdog_stops_it, pattern_tick_ms) = pattern(tick_fuel);
        Recommendation {
            tick_fuel,
            from_candidates,
            worst_ms,
            reference_call_ms: tick_fuel.saturating_add(config.bucket_cap) as f64 * slow / 1e6,
            pattern_call_ms,
            pattern_tick_ms,
            watchdog_stops_it,
            cut_off: cut.count,
            calls: total_calls,
            share: cut.share,
            at_least: cut.at_least,
        }
    });

    let smallest_cutting_none = overall
        .cutoffs
        .iter()
        .find(|c| c.count == 0 && !c.at_least)
        .map(|c| c.budget);
    let mut report = TuneReport {
        build: calibration.build.clone(),
        sampling: Sampling {
            matches: samples.matches,
            players: inputs.players,
            threads: inputs.threads,
            maps: inputs.maps.clone(),
            seed: inputs.seed,
            max_ticks: config.settings.get_u64("max_ticks").unwrap_or(0) as u32,
            probe_fuel: inputs.probe_fuel,
            match_ticks: samples.match_ticks,
            bot_ticks: total_calls,
            first_ticks: samples.bots.iter().map(|b| b.first.len() as u64).sum(),
            capped: samples.capped(),
            wall_ms: inputs.sampling_ms,
        },
        config: ConfigBudget {
            tick_fuel: config.tick_fuel,
            init_fuel: config.init_fuel,
            bucket_cap: config.bucket_cap,
            overrun: config.overrun,
        },
        bots,
        overall,
        calibration,
        projection: Projection {
            players: inputs.players,
            threads: inputs.threads,
            bots_per_thread,
            target_tick_ms: inputs.target_tick_ms,
            engine_ms,
            ns_per_fuel: slow,
            max_budget_for_target,
            worst_pattern,
            worst_ns_per_fuel: worst_ns,
            worst_multiple,
            watchdog_ms: inputs.watchdog_ms,
            watchdog_stop_ms,
            init_worst_ms: config.init_fuel as f64 * worst_ns / 1e6,
            init_watchdog_stops_it: config.init_fuel as f64 * worst_ns / 1e6 > watchdog_ms,
            rows,
        },
        recommendation,
        smallest_cutting_none,
        toml: String::new(),
        notes: Vec::new(),
        samples,
    };
    report.notes = super::text::notes(&report);
    report.toml = super::text::toml_lines(&report);
    report
}

fn cutoff(budget: u64, count: u64, calls: u64, capped: u64, probe_fuel: u64) -> Cutoff {
    Cutoff {
        budget,
        count,
        share: if calls == 0 {
            0.0
        } else {
            count as f64 / calls as f64
        },
        at_least: capped > 0 && budget > probe_fuel,
    }
}

/// The candidate budgets: the given list, or 1-2-5 steps from the observed
/// p90 (rounded down) to twice the observed maximum (rounded up), the
/// config's `tick_fuel` and the largest budget that meets the target.
fn candidates(inputs: &Inputs<'_>, overall: Option<&FuelStats>, max_for_target: u64) -> Vec<u64> {
    if let Some(given) = &inputs.budgets {
        return given.clone();
    }
    let mut list = match overall {
        Some(stats) => nice_ladder(
            nice_floor(stats.p90),
            nice_ceil(stats.max).saturating_mul(2),
        ),
        None => Vec::new(),
    };
    list.push(inputs.config.tick_fuel);
    if max_for_target > 0 {
        list.push(max_for_target);
    }
    list.sort_unstable();
    list.dedup();
    list
}

#[cfg(test)]
mod tests {
    use crate::sandbox::resume_slice;

    #[test]
    fn round_budgets_have_small_slices_and_some_do_not() {
        assert_eq!(resume_slice(20_000_000), 1_000_000);
        assert_eq!(resume_slice(1_000_000_000_000_000), 1_000_000);
        assert_eq!(resume_slice(1_500_000), 750_000);
        // A prime; powers of two up to 2^50, the most the config allows.
        assert_eq!(resume_slice(1_000_003), 1_000_003);
        assert_eq!(resume_slice(1 << 35), 1 << 19);
        assert_eq!(resume_slice(1 << 50), 1 << 19);
        assert_eq!(resume_slice(1 << 30), 1 << 19);
    }
}
