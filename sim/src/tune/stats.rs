//! Percentiles and cut-offs over recorded fuel, and fuel figures as text.
//!
//! Percentiles use the **nearest-rank** method: the p-th percentile of `n`
//! sorted values is the value at rank `ceil(p × n / 100)` (1-based; rank 1
//! for p = 0). It is always one of the recorded values, and at least p% of
//! them are less than or equal to it. p100 is the maximum.

use serde::Serialize;

/// The nearest-rank `p`-th percentile (`p` in whole percent, 0 to 100) of
/// values sorted in ascending order; `None` if there are none.
///
/// # Panics
/// If `p` is over 100.
pub fn percentile(sorted: &[u64], p: u32) -> Option<u64> {
    assert!(p <= 100, "a percentile is at most 100, not {p}");
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (u64::from(p) * n).div_ceil(100).max(1);
    Some(sorted[(rank - 1) as usize])
}

/// How many of the values (sorted ascending) are over `budget`: the bot-ticks
/// that a budget of `budget` would cut off.
pub fn count_over(sorted: &[u64], budget: u64) -> u64 {
    (sorted.len() - sorted.partition_point(|&fuel| fuel <= budget)) as u64
}

/// A fuel distribution's summary.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FuelStats {
    /// Bot-ticks summarised.
    pub count: u64,
    pub mean: f64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

impl FuelStats {
    /// The summary of values sorted in ascending order; `None` if there are none.
    pub fn of(sorted: &[u64]) -> Option<FuelStats> {
        debug_assert!(sorted.is_sorted(), "FuelStats::of needs sorted values");
        let max = *sorted.last()?;
        let sum: u128 = sorted.iter().map(|&fuel| u128::from(fuel)).sum();
        Some(FuelStats {
            count: sorted.len() as u64,
            mean: sum as f64 / sorted.len() as f64,
            p50: percentile(sorted, 50)?,
            p90: percentile(sorted, 90)?,
            p99: percentile(sorted, 99)?,
            max,
        })
    }
}

/// The nearest-rank percentile of floating-point values sorted ascending
/// (`p` in whole percent).
pub(crate) fn percentile_f64(sorted: &[f64], p: u32) -> f64 {
    let n = sorted.len() as u64;
    let rank = (u64::from(p.min(100)) * n).div_ceil(100).max(1);
    sorted[(rank - 1) as usize]
}

// The fuel reader is shared with every command and the admin config.
pub use crate::fuel::{parse_fuel, parse_fuel_list};

/// Fuel as a short figure: 950 → `950`, 1234 → `1.2k`, 12345678 → `12.3M`,
/// 20000000 → `20M` (no `.0`).
pub fn short(fuel: u64) -> String {
    let (value, suffix) = match fuel {
        0..1_000 => return fuel.to_string(),
        1_000..1_000_000 => (fuel as f64 / 1e3, "k"),
        1_000_000..1_000_000_000 => (fuel as f64 / 1e6, "M"),
        _ => (fuel as f64 / 1e9, "G"),
    };
    let text = if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    };
    format!("{}{suffix}", text.strip_suffix(".0").unwrap_or(&text))
}

/// A count with thousands separators: 12345 → `12,345` (the validator's
/// formatting, so limits and figures read alike everywhere).
pub fn thousands(n: u64) -> String {
    crate::sandbox::count(n)
}

/// `1 match`, `12 matches`: a count and its noun.
pub fn count_of(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A whole number with `_` every three digits, as TOML writes it: `20_000_000`.
pub fn toml_integer(n: u64) -> String {
    thousands(n).replace(',', "_")
}

/// A share as a percentage with enough digits to tell a few in a million
/// from none: `0%`, `0.0012%`, `0.25%`, `12.5%`.
pub fn percent(count: u64, total: u64) -> String {
    if count == 0 || total == 0 {
        return "0%".into();
    }
    let share = count as f64 * 100.0 / total as f64;
    if share >= 10.0 {
        format!("{share:.1}%")
    } else if share >= 0.1 {
        format!("{share:.2}%")
    } else {
        // Two significant digits: 0.050%, 0.0012%.
        let decimals = (1.0 - share.log10().floor()).clamp(2.0, 12.0) as usize;
        format!("{share:.decimals$}%")
    }
}

/// The "nice" fuel values 1, 2 and 5 times a power of ten.
pub(crate) fn nice_ladder(from: u64, to: u64) -> Vec<u64> {
    let mut ladder = Vec::new();
    let mut decade = 1u64;
    'outer: loop {
        for step in [1u64, 2, 5] {
            let Some(value) = decade.checked_mul(step) else {
                break 'outer;
            };
            if value > to {
                break 'outer;
            }
            if value >= from {
                ladder.push(value);
            }
        }
        let Some(next) = decade.checked_mul(10) else {
            break;
        };
        decade = next;
    }
    ladder
}

/// The largest value 1, 2 or 5 times a power of ten that is at most `fuel`
/// (1 for 0).
pub(crate) fn nice_floor(fuel: u64) -> u64 {
    nice_ladder(1, fuel.max(1)).last().copied().unwrap_or(1)
}

/// The smallest value 1, 2 or 5 times a power of ten that is at least `fuel`.
pub(crate) fn nice_ceil(fuel: u64) -> u64 {
    let floor = nice_floor(fuel);
    if floor >= fuel {
        return floor;
    }
    nice_ladder(floor + 1, u64::MAX)
        .first()
        .copied()
        .unwrap_or(u64::MAX)
}

/// `fuel` rounded down to two significant digits: 833,333,333 → 830,000,000.
pub(crate) fn round_down_2_digits(fuel: u64) -> u64 {
    let mut unit = 1u64;
    while fuel / unit >= 100 {
        unit *= 10;
    }
    fuel / unit * unit
}
