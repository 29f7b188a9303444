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

/// Reads a fuel amount: a whole number, optionally with `_` separators, a
/// decimal point and a suffix `k` (thousand), `M` (million) or `G` (billion),
/// e.g. `20000000`, `20_000_000`, `20M`, `1.5M`, `500k`. The result must be
/// a whole number of at least 1.
pub fn parse_fuel(text: &str) -> Result<u64, String> {
    let bad = |why: &str| {
        format!(
            "'{text}' is not a fuel amount ({why}); write a whole number with an optional \
             suffix k, M or G, e.g. 500k, 20M, 1.5G"
        )
    };
    let cleaned: String = text.trim().chars().filter(|&c| c != '_').collect();
    let (number, multiplier) = match cleaned.char_indices().last() {
        None => return Err(bad("it is empty")),
        Some((at, 'k' | 'K')) => (&cleaned[..at], 1_000u128),
        Some((at, 'm' | 'M')) => (&cleaned[..at], 1_000_000),
        Some((at, 'g' | 'G')) => (&cleaned[..at], 1_000_000_000),
        Some((_, c)) if c.is_ascii_digit() || c == '.' => (&cleaned[..], 1),
        Some((_, c)) => return Err(bad(&format!("unknown suffix '{c}'"))),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(bad("not a number"));
    }
    if whole.len() + fraction.len() > 30 {
        return Err(bad("too large"));
    }
    let digits: u128 = format!("{whole}{fraction}")
        .parse()
        .map_err(|_| bad("not a number"))?;
    let scale = 10u128.pow(fraction.len() as u32);
    let scaled = digits * multiplier;
    if !scaled.is_multiple_of(scale) {
        return Err(bad("not a whole number of fuel units"));
    }
    let value = u64::try_from(scaled / scale).map_err(|_| bad("too large"))?;
    if value == 0 {
        return Err(bad("a budget must be at least 1"));
    }
    Ok(value)
}

/// A comma-separated list of fuel amounts (see [`parse_fuel`]), sorted, with
/// repeats removed.
pub fn parse_fuel_list(text: &str) -> Result<Vec<u64>, String> {
    let mut budgets = text
        .split(',')
        .map(parse_fuel)
        .collect::<Result<Vec<_>, _>>()?;
    budgets.sort_unstable();
    budgets.dedup();
    Ok(budgets)
}

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
