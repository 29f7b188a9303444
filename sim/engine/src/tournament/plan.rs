//! What a tournament plays: the bots, maps, seeds and settings, and the
//! canonical list of matches.

use super::TournamentError;
use crate::match_loop::{Entrant, MatchConfig};
use crate::replay::{ENGINE_VERSION, SandboxLimits};
use crate::sandbox::Sandbox;
use lockstep_game_api::{MapChoice, Setup};
use serde::{Deserialize, Serialize};

/// The version of the plan line and result lines of `results.jsonl`.
pub const PLAN_VERSION: u32 = 1;

/// How bots are paired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Every group of `seats` bots meets once (every pair, with two seats):
    /// every map, `games_per_pair` times, in each rotation of its seats.
    RoundRobin,
    /// `rounds` rounds; each round pairs bots with equal or close points
    /// (see [`super::swiss`]), and each pair plays as in a round robin.
    Swiss,
}

/// A tournament as asked for, before it is checked and planned.
#[derive(Clone, Debug)]
pub struct TournamentSpec {
    pub format: Format,
    /// Swiss only: how many rounds (at least 1). Ignored for a round robin.
    pub rounds: u32,
    /// Map specs, as for `lockstep match --map`: bundled names, map files,
    /// `random:WxH`. At least one.
    pub maps: Vec<String>,
    /// How many games a group plays on each map *in each seat rotation*; a
    /// pair meets `2 * games_per_pair * maps` times. At least 1.
    pub games_per_pair: u32,
    /// Bots per match: 2 (head to head) or more (free for all, round robin
    /// only), within what the game seats.
    pub seats: usize,
    /// The tournament seed; every match's seed derives from it.
    pub seed: u64,
    /// The settings of every match. Its `map` and `seed` are ignored (each
    /// match has its own) and `threads` is forced to 1: matches run in
    /// parallel, each on one thread.
    pub match_config: MatchConfig,
}

/// One bot of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanBot {
    pub name: String,
    /// blake3 of the module, hex.
    pub module_hash: String,
}

/// One map of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanMap {
    /// As given: a bundled name, a file, or `random:WxH`.
    pub spec: String,
    /// blake3 of the map's rows (for two players), hex; `None` for
    /// `random:WxH`, which is a function of each match's seed.
    pub digest: Option<String>,
}

/// Everything that decides a tournament's results: the first line of
/// `results.jsonl`. Two runs with equal plans play identical matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// [`PLAN_VERSION`].
    pub lockstep_tournament: u32,
    pub engine_version: String,
    pub rules_version: u32,
    pub format: Format,
    /// Swiss: the number of rounds; round robin: 1.
    pub rounds: u32,
    pub games_per_pair: u32,
    /// Bots per match.
    pub seats: usize,
    pub seed: u64,
    pub bots: Vec<PlanBot>,
    pub maps: Vec<PlanMap>,
    /// Every match's settings (its `map` and `seed` are set per match).
    pub config: MatchConfig,
    pub sandbox: SandboxLimits,
    /// How many matches the whole tournament has.
    pub matches: u64,
}

/// One match of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchSpec {
    /// Its place in the canonical order, from 0: results, ratings and the
    /// results hash are taken in this order.
    pub index: u64,
    /// The Swiss round (0 in a round robin).
    pub round: u32,
    /// Index into [`Plan::maps`].
    pub map: usize,
    /// Which of the group's `games_per_pair` games on this map, from 0.
    pub game: u32,
    /// The match seed: random maps and the bots' own seeds.
    pub seed: u64,
    /// The bots in seat order (indices into [`Plan::bots`]).
    pub seats: Vec<usize>,
}

impl Plan {
    /// Checks `spec` and `bots` and plans the tournament. Each map is
    /// resolved once here, so an unknown map or a bad file is refused before
    /// any match is played.
    pub fn new(
        spec: &TournamentSpec,
        bots: &[Entrant],
        sandbox: &Sandbox,
    ) -> Result<Plan, TournamentError> {
        let invalid = |m: String| Err(TournamentError::Invalid(m));
        if bots.len() < 2 {
            return invalid(format!(
                "a tournament needs at least 2 bots, but {} {} given",
                bots.len(),
                if bots.len() == 1 { "was" } else { "were" }
            ));
        }
        for (i, bot) in bots.iter().enumerate() {
            if bots[..i].iter().any(|other| other.name == bot.name) {
                return invalid(format!(
                    "bot '{}' is given twice: each bot plays once (copy the file under another name to enter it twice)",
                    bot.name
                ));
            }
        }
        if spec.games_per_pair == 0 {
            return invalid("--games-per-pair must be at least 1".into());
        }
        if spec.format == Format::Swiss && spec.rounds == 0 {
            return invalid("--rounds must be at least 1".into());
        }
        if spec.maps.is_empty() {
            return invalid("--maps needs at least one map".into());
        }
        let game = crate::games::find(&spec.match_config.game)
            .map_err(|e| TournamentError::Invalid(e.to_string()))?;
        let (min_seats, max_seats) = game.seats();
        if !(min_seats.max(2)..=max_seats).contains(&spec.seats) {
            return invalid(format!(
                "--seats {}: a match of {} seats {} to {} bots (and a tournament at least 2)",
                spec.seats,
                game.name(),
                min_seats,
                max_seats
            ));
        }
        if spec.seats > bots.len() {
            return invalid(format!(
                "--seats {} needs at least {} bots, but {} were given",
                spec.seats,
                spec.seats,
                bots.len()
            ));
        }
        if spec.seats > 2 && spec.format == Format::Swiss {
            return invalid(format!(
                "--format swiss pairs two bots per match; for --seats {} use a round robin",
                spec.seats
            ));
        }
        if let Err(e) = game.check_settings(&spec.match_config.settings.0) {
            return invalid(e.to_string());
        }
        let mut maps = Vec::with_capacity(spec.maps.len());
        for (i, name) in spec.maps.iter().enumerate() {
            if spec.maps[..i].contains(name) {
                return invalid(format!("map '{name}' is given twice in --maps"));
            }
            let map = game
                .start(&Setup {
                    map: MapChoice::Spec(name),
                    seats: spec.seats,
                    seed: 0,
                    settings: &spec.match_config.settings.0,
                })
                .map_err(|e| TournamentError::Invalid(format!("map '{name}': {e}")))?
                .recorded_map();
            // A generated map's text follows the seed: only a fixed map's
            // text is pinned (its rows, each ended by a newline).
            let digest = (!name.starts_with("random:")).then(|| {
                let mut hasher = blake3::Hasher::new();
                hasher.update(map.data.as_bytes());
                hasher.update(b"\n");
                hasher.finalize().to_hex().to_string()
            });
            maps.push(PlanMap {
                spec: name.clone(),
                digest,
            });
        }
        let config = MatchConfig {
            map: String::new(),
            seed: 0,
            threads: 1,
            ..spec.match_config.clone()
        };
        let rounds = match spec.format {
            Format::RoundRobin => 1,
            Format::Swiss => spec.rounds,
        };
        let mut plan = Plan {
            lockstep_tournament: PLAN_VERSION,
            engine_version: ENGINE_VERSION.to_string(),
            rules_version: game.rules_version(),
            format: spec.format,
            rounds,
            games_per_pair: spec.games_per_pair,
            seats: spec.seats,
            seed: spec.seed,
            bots: bots
                .iter()
                .map(|b| PlanBot {
                    name: b.name.clone(),
                    module_hash: b.module.hash.to_hex(),
                })
                .collect(),
            maps,
            config,
            sandbox: SandboxLimits::of(sandbox.config()),
            matches: 0,
        };
        plan.matches = match plan.format {
            Format::RoundRobin => {
                let matches = binomial(plan.bots.len() as u64, plan.seats as u64)
                    .and_then(|groups| groups.checked_mul(plan.games_per_pairing()));
                match matches {
                    Some(m) if m <= MAX_MATCHES => m,
                    _ => {
                        return invalid(format!(
                            "{} bots in groups of {} would play more than {} matches: \
                             use fewer bots, fewer --seats or fewer maps",
                            plan.bots.len(),
                            plan.seats,
                            MAX_MATCHES
                        ));
                    }
                }
            }
            Format::Swiss => u64::from(rounds) * plan.per_round(),
        };
        Ok(plan)
    }

    /// Games one group plays: every map, `games_per_pair` times, each
    /// rotation of its seats.
    pub fn games_per_pairing(&self) -> u64 {
        self.maps.len() as u64 * u64::from(self.games_per_pair) * self.seats as u64
    }

    /// Swiss: matches in each round (every bot but a bye plays one pairing).
    pub fn per_round(&self) -> u64 {
        (self.bots.len() / 2) as u64 * self.games_per_pairing()
    }

    /// A short fingerprint of the plan (blake3 of its JSON, 12 hex digits):
    /// the default output folder is named after it.
    pub fn id(&self) -> String {
        let json = serde_json::to_vec(self).expect("a plan serialises");
        blake3::hash(&json).to_hex()[..12].to_string()
    }

    /// The seed of a match: the first 8 bytes of blake3 over the tournament
    /// seed, the round, the map's index and the game number (little-endian
    /// u64s after a domain tag). The pairing is not part of it, so every
    /// pair meets the same random maps and bot seeds, in both seat orders.
    pub fn match_seed(&self, round: u32, map: usize, game: u32) -> u64 {
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"lockstep tournament match seed v1");
        for word in [self.seed, u64::from(round), map as u64, u64::from(game)] {
            hasher.update(&word.to_le_bytes());
        }
        let bytes = hasher.finalize();
        u64::from_le_bytes(bytes.as_bytes()[..8].try_into().expect("8 bytes"))
    }

    /// The matches of `pairs` (each `(a, b)`, `a` seated first in the first
    /// game), numbered from `first_index`, as [`Plan::group_matches`].
    pub fn pairing_matches(
        &self,
        round: u32,
        pairs: &[(usize, usize)],
        first_index: u64,
    ) -> Vec<MatchSpec> {
        let groups: Vec<Vec<usize>> = pairs.iter().map(|&(a, b)| vec![a, b]).collect();
        self.group_matches(round, &groups, first_index)
    }

    /// The matches of `groups` (bots in the seat order of the first game),
    /// numbered from `first_index`: for each game number, each map, each
    /// group, each rotation of its seats (the first bot in seat 0, then in
    /// seat 1, ...; with two bots, both seat orders). So every bot plays
    /// every seat equally often against the same opponents, every group's
    /// games interleave with the others', and each bot's results spread over
    /// the whole order.
    pub fn group_matches(
        &self,
        round: u32,
        groups: &[Vec<usize>],
        first_index: u64,
    ) -> Vec<MatchSpec> {
        let mut specs = Vec::with_capacity(groups.len() * self.games_per_pairing() as usize);
        let mut index = first_index;
        for game in 0..self.games_per_pair {
            for map in 0..self.maps.len() {
                let seed = self.match_seed(round, map, game);
                for group in groups {
                    for turn in 0..group.len() {
                        // Rotation `turn`: seat s holds group[(s + k) % n],
                        // k chosen so the first bot sits in seat `turn`.
                        let n = group.len();
                        let seats = (0..n).map(|s| group[(s + n - turn) % n]).collect();
                        specs.push(MatchSpec {
                            index,
                            round,
                            map,
                            game,
                            seed,
                            seats,
                        });
                        index += 1;
                    }
                }
            }
        }
        specs
    }

    /// A round robin's matches: every group of [`Plan::seats`] bots, in
    /// lexicographic order (every pair `(i, j)` with `i < j`, with two).
    pub fn round_robin_matches(&self) -> Vec<MatchSpec> {
        let groups = combinations(self.bots.len(), self.seats);
        self.group_matches(0, &groups, 0)
    }

    /// The settings one match is played with.
    pub fn match_config(&self, spec: &MatchSpec) -> MatchConfig {
        MatchConfig {
            map: self.maps[spec.map].spec.clone(),
            seed: spec.seed,
            threads: 1,
            ..self.config.clone()
        }
    }

    /// What differs between two plans, in words, e.g. to refuse resuming a
    /// results file with a different command.
    pub fn differences(&self, other: &Plan) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut check = |same: bool, what: &'static str| {
            if !same {
                out.push(what);
            }
        };
        check(
            self.lockstep_tournament == other.lockstep_tournament,
            "file version",
        );
        check(
            self.engine_version == other.engine_version,
            "engine version",
        );
        check(self.rules_version == other.rules_version, "rules version");
        check(self.format == other.format, "format");
        check(self.rounds == other.rounds, "rounds");
        check(
            self.games_per_pair == other.games_per_pair,
            "games per pair",
        );
        check(self.seats == other.seats, "seats per match");
        check(self.seed == other.seed, "seed");
        check(
            self.bots
                .iter()
                .map(|b| &b.name)
                .eq(other.bots.iter().map(|b| &b.name)),
            "bots",
        );
        check(
            self.bots
                .iter()
                .map(|b| &b.module_hash)
                .eq(other.bots.iter().map(|b| &b.module_hash)),
            "bot modules",
        );
        check(
            self.maps
                .iter()
                .map(|m| &m.spec)
                .eq(other.maps.iter().map(|m| &m.spec)),
            "maps",
        );
        check(
            self.maps
                .iter()
                .map(|m| &m.digest)
                .eq(other.maps.iter().map(|m| &m.digest)),
            "map contents",
        );
        check(self.config == other.config, "match settings");
        check(self.sandbox == other.sandbox, "sandbox limits");
        out
    }
}

/// The most matches a tournament may plan: past it, a typo in `--seats` or
/// the bot list would plan a tournament that never ends.
pub const MAX_MATCHES: u64 = 10_000_000;

/// `n` choose `k`, or `None` past `u64`.
fn binomial(n: u64, k: u64) -> Option<u64> {
    if k > n {
        return Some(0);
    }
    // Each partial product is itself a binomial, so the division is exact.
    (0..k.min(n - k)).try_fold(1u64, |acc, i| Some(acc.checked_mul(n - i)? / (i + 1)))
}

/// Every `k`-subset of `0..n`, each ascending, in lexicographic order. The
/// plan has checked there are at most [`MAX_MATCHES`] of them.
pub fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    if k == 0 || k > n {
        return out;
    }
    let mut pick: Vec<usize> = (0..k).collect();
    loop {
        out.push(pick.clone());
        // The rightmost index that can still move right.
        let Some(i) = (0..k).rev().find(|&i| pick[i] < n - k + i) else {
            return out;
        };
        pick[i] += 1;
        for j in i + 1..k {
            pick[j] = pick[j - 1] + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{binomial, combinations};

    #[test]
    fn combinations_are_every_subset_once_in_order() {
        assert_eq!(
            combinations(4, 2),
            [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
        );
        assert_eq!(combinations(5, 3).len(), 10);
        assert_eq!(combinations(3, 3), [[0, 1, 2]]);
        assert!(combinations(2, 3).is_empty());
        assert_eq!(binomial(8, 4), Some(70));
        assert_eq!(binomial(5, 3), Some(10));
        assert_eq!(binomial(3, 5), Some(0));
        assert_eq!(binomial(200, 100), None);
    }
}
