//! Ratings, standings, the head-to-head matrix and the results hash, from
//! the finished matches taken in canonical index order.

use super::plan::{Format, Plan};
use super::record::{FuelHistogram, MatchRecord};
use serde::Serialize;
use skillratings::weng_lin::{WengLinConfig, WengLinRating, weng_lin, weng_lin_multi_team};
use skillratings::{MultiTeamOutcome, Outcomes};

/// One bot's line of the standings.
#[derive(Clone, Debug, Serialize)]
pub struct Standing {
    /// 1 for the best.
    pub rank: usize,
    pub bot: String,
    pub module_hash: String,
    /// Weng-Lin skill estimate (μ): starts at 25; a difference of about 4.2
    /// (β) means about a 2:1 winning chance.
    pub rating: f64,
    /// Weng-Lin uncertainty (σ) of `rating`: starts at 8.33 and shrinks with
    /// games. The text table shows `rating ± 2σ`.
    pub uncertainty: f64,
    /// Games played (byes are not games).
    pub games: u64,
    pub wins: u64,
    pub draws: u64,
    pub losses: u64,
    /// Swiss rounds sat out (0 in a round robin).
    pub byes: u32,
    /// The sum of its match scores: head to head, 1 per win and ½ per
    /// draw; in a free-for-all, the share of the others it placed above
    /// (level counts half).
    pub points: f64,
    /// `points / games`: from 0 (last every time) to 1 (first every time).
    pub average_score: f64,
    /// `lockstep_tick` calls made, over all its games.
    pub ticks: u64,
    /// Fuel per call over all its games: total fuel / calls, rounded down.
    pub fuel_per_tick_mean: u64,
    /// 99% of all its calls used at most this: the top of the bucket of the
    /// merged per-call histograms that holds the 99th percentile, capped at
    /// `fuel_max_tick`. Never below the true 99th percentile, at most 3.1%
    /// above it.
    pub fuel_per_tick_p99: u64,
    /// The most fuel any one of its calls used.
    pub fuel_max_tick: u64,
    /// Calls cut off for running out of fuel.
    pub cutoffs: u64,
    /// Calls that trapped.
    pub traps: u64,
    /// Calls stopped by the wall-clock watchdog.
    pub watchdogs: u64,
    /// Calls with bad output.
    pub bad_outputs: u64,
    /// Orders the game rejected.
    pub invalid_actions: u64,
    /// Games in which its instantiation or `lockstep_init` failed.
    pub init_failures: u64,
}

/// Head to head, with bots in standings order: `wins[i][j]` is how many
/// games `bots[i]` placed above `bots[j]` (won, with two seats),
/// `draws[i][j]` how many they placed level, `games[i][j]` how many they
/// played together.
#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    pub bots: Vec<String>,
    pub wins: Vec<Vec<u64>>,
    pub draws: Vec<Vec<u64>>,
    pub games: Vec<Vec<u64>>,
}

/// A finished tournament: what `lockstep tournament --json` prints and
/// `tournament.json` holds.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub format: Format,
    /// Swiss: rounds; round robin: 1.
    pub rounds: u32,
    pub matches: u64,
    pub maps: Vec<String>,
    pub seed: u64,
    /// See [`Report::results_hash`].
    pub results_hash: String,
    /// "weng-lin" (skillratings' default configuration).
    pub rating_system: &'static str,
    /// Best first.
    pub standings: Vec<Standing>,
    pub matrix: Matrix,
}

/// Each bot's Weng-Lin rating after every match in `records`, updated one
/// match at a time in the order given (canonical index order), from the
/// default 25 ± 8.33, with skillratings' default β = 25/6. Head to head from
/// the winner; with more seats from the game's ranking, each bot a team of
/// one and equal places tied (Weng-Lin's multi-team update).
pub fn rate(bots: usize, records: &[MatchRecord]) -> Vec<WengLinRating> {
    let config = WengLinConfig::new();
    let mut ratings = vec![WengLinRating::new(); bots];
    for record in records {
        if let [a, b] = record.spec.seats[..] {
            let outcome = match record.winner {
                None => Outcomes::DRAW,
                Some(0) => Outcomes::WIN,
                Some(_) => Outcomes::LOSS,
            };
            let (ra, rb) = weng_lin(&ratings[a], &ratings[b], &outcome, &config);
            ratings[a] = ra;
            ratings[b] = rb;
            continue;
        }
        let teams: Vec<[WengLinRating; 1]> = record
            .spec
            .seats
            .iter()
            .map(|&bot| [ratings[bot]])
            .collect();
        let ranked: Vec<(&[WengLinRating], MultiTeamOutcome)> = teams
            .iter()
            .zip(&record.players)
            .map(|(team, seat)| (&team[..], MultiTeamOutcome::new(seat.rank as usize + 1)))
            .collect();
        let updated = weng_lin_multi_team(&ranked, &config);
        for (&bot, team) in record.spec.seats.iter().zip(updated) {
            if let Some(&rating) = team.first() {
                ratings[bot] = rating;
            }
        }
    }
    ratings
}

impl Report {
    /// The report of `plan` from all its matches (`records` in index order)
    /// and each bot's Swiss byes.
    pub fn new(plan: &Plan, records: &[MatchRecord], byes: &[u32]) -> Report {
        let n = plan.bots.len();
        let ratings = rate(n, records);
        let mut stats: Vec<Tally> = (0..n).map(|_| Tally::default()).collect();
        let mut wins = vec![vec![0u64; n]; n];
        let mut draws = vec![vec![0u64; n]; n];
        let mut games = vec![vec![0u64; n]; n];
        for record in records {
            for (seat, &bot) in record.spec.seats.iter().enumerate() {
                let tally = &mut stats[bot];
                tally.points += record.score(seat);
                match record.half_points(seat) {
                    2 => tally.wins += 1,
                    1 => tally.draws += 1,
                    _ => tally.losses += 1,
                }
                let player = &record.players[seat];
                tally.ticks += u64::from(player.ticks_played);
                tally.fuel += player.fuel_total;
                tally.fuel_max = tally.fuel_max.max(player.fuel_max_tick);
                tally.histogram.merge(&player.fuel_histogram);
                tally.cutoffs += u64::from(player.cutoffs);
                tally.traps += u64::from(player.traps);
                tally.watchdogs += u64::from(player.watchdogs);
                tally.bad_outputs += u64::from(player.bad_outputs);
                tally.invalid_actions += player.invalid_actions;
                tally.init_failures += u64::from(!player.init_ok);
                for (other_seat, &other) in record.spec.seats.iter().enumerate() {
                    if other_seat == seat {
                        continue;
                    }
                    games[bot][other] += 1;
                    match record.half_points_against(seat, other_seat) {
                        2 => wins[bot][other] += 1,
                        1 => draws[bot][other] += 1,
                        _ => {}
                    }
                }
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            ratings[b]
                .rating
                .total_cmp(&ratings[a].rating)
                .then(stats[b].points.total_cmp(&stats[a].points))
                .then(a.cmp(&b))
        });
        let standings = order
            .iter()
            .enumerate()
            .map(|(place, &bot)| {
                let t = &stats[bot];
                let played = t.wins + t.draws + t.losses;
                let points = t.points;
                Standing {
                    rank: place + 1,
                    bot: plan.bots[bot].name.clone(),
                    module_hash: plan.bots[bot].module_hash.clone(),
                    rating: ratings[bot].rating,
                    uncertainty: ratings[bot].uncertainty,
                    games: played,
                    wins: t.wins,
                    draws: t.draws,
                    losses: t.losses,
                    byes: byes.get(bot).copied().unwrap_or(0),
                    points,
                    average_score: if played == 0 {
                        0.0
                    } else {
                        points / played as f64
                    },
                    ticks: t.ticks,
                    fuel_per_tick_mean: t.fuel.checked_div(t.ticks).unwrap_or(0),
                    fuel_per_tick_p99: t.histogram.quantile(0.99).min(t.fuel_max),
                    fuel_max_tick: t.fuel_max,
                    cutoffs: t.cutoffs,
                    traps: t.traps,
                    watchdogs: t.watchdogs,
                    bad_outputs: t.bad_outputs,
                    invalid_actions: t.invalid_actions,
                    init_failures: t.init_failures,
                }
            })
            .collect();
        let reorder = |m: &Vec<Vec<u64>>| -> Vec<Vec<u64>> {
            order
                .iter()
                .map(|&i| order.iter().map(|&j| m[i][j]).collect())
                .collect()
        };
        Report {
            format: plan.format,
            rounds: plan.rounds,
            matches: records.len() as u64,
            maps: plan.maps.iter().map(|m| m.spec.clone()).collect(),
            seed: plan.seed,
            results_hash: Report::results_hash(plan, records),
            rating_system: "weng-lin",
            standings,
            matrix: Matrix {
                bots: order.iter().map(|&i| plan.bots[i].name.clone()).collect(),
                wins: reorder(&wins),
                draws: reorder(&draws),
                games: reorder(&games),
            },
        }
    }

    /// blake3, hex, over a domain tag, the plan's bots (names and module
    /// hashes) and maps as JSON, then every match's line of `results.jsonl`
    /// (its spec, winner, ticks, final state hash, and each seat's score,
    /// fuel and failure counts) in index order, one per line. Equal hashes:
    /// the same matches with the same results.
    pub fn results_hash(plan: &Plan, records: &[MatchRecord]) -> String {
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"lockstep tournament results v1\n");
        hasher.update(&json(&plan.bots));
        hasher.update(b"\n");
        hasher.update(&json(&plan.maps));
        hasher.update(b"\n");
        for record in records {
            hasher.update(&json(record));
            hasher.update(b"\n");
        }
        hasher.finalize().to_hex().to_string()
    }
}

/// One bot's running totals.
#[derive(Default)]
struct Tally {
    /// The sum of its match scores ([`MatchRecord::score`]).
    points: f64,
    wins: u64,
    draws: u64,
    losses: u64,
    ticks: u64,
    fuel: u64,
    fuel_max: u64,
    histogram: FuelHistogram,
    cutoffs: u64,
    traps: u64,
    watchdogs: u64,
    bad_outputs: u64,
    invalid_actions: u64,
    init_failures: u64,
}

/// Compact JSON, as in `results.jsonl`.
fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("results serialise")
}
