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
    /// Every pair of bots meets once: every map, `games_per_pair` times, in
    /// both seat orders.
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
    /// How many games a pair plays on each map *in each seat order*; a pair
    /// meets `2 * games_per_pair * maps` times. At least 1.
    pub games_per_pair: u32,
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
    /// Which of the pair's `games_per_pair` games on this map, from 0.
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
        if let Err(e) = game.check_settings(&spec.match_config.settings.0) {
            return invalid(e.to_string());
        }
        let mut maps = Vec::with_capacity(spec.maps.len());
        for (i, name) in spec.maps.iter().enumerate() {
            if spec.maps[..i].contains(name) {
                return invalid(format!("map '{name}' is given twice in --maps"));
            }
            let (min_seats, _) = game.seats();
            let map = game
                .start(&Setup {
                    map: MapChoice::Spec(name),
                    seats: min_seats.max(2),
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
        let n = plan.bots.len() as u64;
        plan.matches = match plan.format {
            Format::RoundRobin => n * (n - 1) / 2 * plan.games_per_pairing(),
            Format::Swiss => u64::from(rounds) * plan.per_round(),
        };
        Ok(plan)
    }

    /// Games one pairing plays: every map, `games_per_pair` times, both seat orders.
    pub fn games_per_pairing(&self) -> u64 {
        self.maps.len() as u64 * u64::from(self.games_per_pair) * 2
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
    /// game), numbered from `first_index`: for each game number, each map,
    /// each pair, the two seat orders. So every pair's games interleave with
    /// the others' and each bot's results spread over the whole order.
    pub fn pairing_matches(
        &self,
        round: u32,
        pairs: &[(usize, usize)],
        first_index: u64,
    ) -> Vec<MatchSpec> {
        let mut specs = Vec::with_capacity(pairs.len() * self.games_per_pairing() as usize);
        let mut index = first_index;
        for game in 0..self.games_per_pair {
            for map in 0..self.maps.len() {
                let seed = self.match_seed(round, map, game);
                for &(a, b) in pairs {
                    for seats in [vec![a, b], vec![b, a]] {
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

    /// A round robin's matches: every pair `(i, j)` with `i < j`, in order.
    pub fn round_robin_matches(&self) -> Vec<MatchSpec> {
        let n = self.bots.len();
        let pairs: Vec<(usize, usize)> = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect();
        self.pairing_matches(0, &pairs, 0)
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
