//! One finished match as the results file keeps it, and the per-tick fuel
//! histogram collected while it is played.

use super::plan::MatchSpec;
use crate::json::Json;
use crate::match_loop::{BotTick, MatchObserver, MatchResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A match's result: one line of `results.jsonl`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRecord {
    /// What was played (checked against the plan on resume).
    #[serde(flatten)]
    pub spec: MatchSpec,
    /// The winning seat, `None` for a draw.
    pub winner: Option<usize>,
    pub ticks: u32,
    /// blake3 of the final world state, hex.
    pub final_hash: String,
    /// One per seat, in seat order.
    pub players: Vec<SeatRecord>,
}

/// How one seat's bot did in one match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatRecord {
    /// The seat's place: 0 first, equal places tie.
    #[serde(default)]
    pub rank: u32,
    /// The game's score object at the end (`docs/games/`).
    pub score: Json,
    /// `lockstep_tick` calls made.
    pub ticks_played: u32,
    /// Fuel used by all its `lockstep_tick` calls.
    pub fuel_total: u64,
    /// The most one call used.
    pub fuel_max_tick: u64,
    /// The fuel of each call, bucketed (see [`FuelHistogram`]).
    pub fuel_histogram: FuelHistogram,
    /// Calls cut off for running out of fuel.
    pub cutoffs: u32,
    /// Calls that trapped (out-of-memory traps included).
    pub traps: u32,
    /// Calls stopped by the wall-clock watchdog.
    pub watchdogs: u32,
    /// Calls with bad output or a bad `lockstep_alloc`.
    pub bad_outputs: u32,
    /// Orders the game rejected.
    pub invalid_actions: u64,
    /// Whether instantiation and `lockstep_init` succeeded.
    pub init_ok: bool,
}

impl MatchRecord {
    /// The record of `spec`, played with the result `result` and the fuel
    /// `observer` saw.
    pub fn new(spec: MatchSpec, result: &MatchResult, observer: FuelObserver) -> MatchRecord {
        let players = result
            .players
            .iter()
            .zip(observer.histograms)
            .map(|(p, fuel_histogram)| SeatRecord {
                rank: p.rank,
                score: p.score.clone(),
                ticks_played: p.ticks_played,
                fuel_total: p.fuel_total,
                fuel_max_tick: p.fuel_max_tick,
                fuel_histogram,
                cutoffs: p.cutoffs,
                traps: p.traps,
                watchdogs: p.watchdogs,
                bad_outputs: p.bad_outputs,
                invalid_actions: p.invalid_actions,
                init_ok: p.init.is_ok(),
            })
            .collect();
        MatchRecord {
            spec,
            winner: result.winner,
            ticks: result.ticks,
            final_hash: result.final_hash.clone(),
            players,
        }
    }

    /// Chess points of the bot in `seat`: 1 for a win, ½ for a draw, 0 for
    /// a loss, counted in half points (2, 1, 0) to stay exact. With more
    /// than two seats: 2 alone in first place, 1 sharing it, 0 below it.
    pub fn half_points(&self, seat: usize) -> u64 {
        match self.winner {
            Some(w) if w == seat => 2,
            Some(_) => 0,
            None if self.players.len() == 2 || self.players[seat].rank == 0 => 1,
            None => 0,
        }
    }

    /// The bot in `seat` against the bot in `other`, in half points: 2 if
    /// it placed above, 1 level, 0 below. Head to head, this is
    /// [`MatchRecord::half_points`].
    pub fn half_points_against(&self, seat: usize, other: usize) -> u64 {
        if self.players.len() == 2 {
            return self.half_points(seat);
        }
        match self.players[seat].rank.cmp(&self.players[other].rank) {
            std::cmp::Ordering::Less => 2,
            std::cmp::Ordering::Equal => 1,
            std::cmp::Ordering::Greater => 0,
        }
    }

    /// The share of the other seats the bot in `seat` placed above (one
    /// placed level counts half), from 0 to 1: with two seats, its chess
    /// points.
    pub fn score(&self, seat: usize) -> f64 {
        let others = self.players.len().saturating_sub(1).max(1);
        let half_points: u64 = (0..self.players.len())
            .filter(|&other| other != seat)
            .map(|other| self.half_points_against(seat, other))
            .sum();
        half_points as f64 / (2 * others) as f64
    }
}

/// Fuel per call, bucketed on a log scale with bounded error: values below 64
/// have a bucket each; above, each power of two is cut into 32 equal buckets,
/// so a bucket spans at most 1/32 (3.1%) of its lower bound. Stored sparse,
/// as a JSON object from bucket number to count. Merging histograms is exact,
/// so the tournament's percentiles do not depend on how matches were split.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FuelHistogram(pub BTreeMap<u32, u64>);

const EXACT: u64 = 64;
const SUB_BITS: u32 = 5;

impl FuelHistogram {
    /// The bucket of `fuel`.
    pub fn bucket(fuel: u64) -> u32 {
        if fuel < EXACT {
            return fuel as u32;
        }
        let exponent = 63 - fuel.leading_zeros(); // >= 6
        let sub = (fuel >> (exponent - SUB_BITS)) & ((1 << SUB_BITS) - 1);
        EXACT as u32 + (exponent - 6) * (1 << SUB_BITS) + sub as u32
    }

    /// The largest fuel value that falls in `bucket`.
    pub fn bucket_max(bucket: u32) -> u64 {
        if u64::from(bucket) < EXACT {
            return u64::from(bucket);
        }
        let above = bucket - EXACT as u32;
        let exponent = above / (1 << SUB_BITS) + 6;
        let sub = u64::from(above % (1 << SUB_BITS));
        let width = 1u64 << (exponent - SUB_BITS);
        let low = ((1 << SUB_BITS) + sub) * width;
        low + (width - 1)
    }

    pub fn add(&mut self, fuel: u64) {
        *self.0.entry(Self::bucket(fuel)).or_default() += 1;
    }

    pub fn merge(&mut self, other: &FuelHistogram) {
        for (&bucket, &count) in &other.0 {
            *self.0.entry(bucket).or_default() += count;
        }
    }

    pub fn count(&self) -> u64 {
        self.0.values().sum()
    }

    /// The `q`-quantile (0 < q ≤ 1) as the top of its bucket: the smallest
    /// bucket maximum `v` such that at least `ceil(q * count)` calls used at
    /// most `v`. Never below the true value, at most 3.1% above it (exact
    /// below 64). 0 for an empty histogram.
    pub fn quantile(&self, q: f64) -> u64 {
        let count = self.count();
        if count == 0 {
            return 0;
        }
        let rank = ((q * count as f64).ceil() as u64).clamp(1, count);
        let mut seen = 0;
        for (&bucket, &n) in &self.0 {
            seen += n;
            if seen >= rank {
                return Self::bucket_max(bucket);
            }
        }
        Self::bucket_max(*self.0.keys().next_back().expect("not empty"))
    }
}

/// Collects each seat's per-call fuel into a [`FuelHistogram`] as the match
/// is played: memory bounded by the number of distinct buckets, not ticks.
#[derive(Debug)]
pub struct FuelObserver {
    pub histograms: Vec<FuelHistogram>,
}

impl FuelObserver {
    pub fn new(seats: usize) -> FuelObserver {
        FuelObserver {
            histograms: vec![FuelHistogram::default(); seats],
        }
    }
}

impl MatchObserver for FuelObserver {
    fn bot_tick(&mut self, call: &BotTick<'_>) {
        if let Some(histogram) = self.histograms.get_mut(call.seat) {
            histogram.add(call.report.fuel_used);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FuelHistogram;

    #[test]
    fn buckets_are_ordered_and_tight() {
        let mut last = 0;
        for fuel in (0..5000u64).chain([1 << 20, (1 << 20) + 1, u64::MAX / 3, u64::MAX]) {
            let bucket = FuelHistogram::bucket(fuel);
            assert!(bucket >= last, "{fuel}");
            last = bucket;
            let max = FuelHistogram::bucket_max(bucket);
            assert!(max >= fuel, "{fuel} -> {bucket} -> {max}");
            assert!((max - fuel) as f64 <= fuel as f64 / 32.0, "{fuel}: {max}");
            if fuel < 64 {
                assert_eq!(max, fuel);
            }
        }
    }

    #[test]
    fn quantiles() {
        let mut h = FuelHistogram::default();
        for fuel in 1..=100 {
            h.add(fuel);
        }
        assert_eq!(h.quantile(0.5), 50);
        // Above 64, buckets are 2 wide here: [98, 99], [100, 101].
        assert_eq!(h.quantile(0.99), 99);
        assert_eq!(h.quantile(1.0), 101);
        assert_eq!(FuelHistogram::default().quantile(0.99), 0);
    }
}
