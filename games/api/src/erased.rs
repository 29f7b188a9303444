//! The engine's side of [`Game`]: the same calls with the wire types erased to
//! bytes, so the engine holds any game as a `Box<dyn DynGame>` and never
//! names one.

use crate::{EngineLimits, Game, RecordedMap, Setup, SetupError};
use lockstep_bot::{DecodeError, Encoding};
use std::any::Any;
use std::marker::PhantomData;

/// A match of some game, as the engine sees it. Actions travel as bytes: a
/// bot's output in its encoding on the way in, the game's **canonical bytes**
/// (postcard of the list of actions) in replays.
pub trait DynGame: Send {
    fn name(&self) -> &'static str;
    fn rules_version(&self) -> u32;
    fn seats(&self) -> usize;
    fn tick(&self) -> u32;
    fn recorded_map(&self) -> RecordedMap;
    /// The settings in force, every default filled in, as JSON.
    fn settings(&self) -> serde_json::Value;
    /// `seat`'s init message in `encoding`.
    fn init_message(
        &self,
        seat: usize,
        seed: u64,
        limits: &EngineLimits,
        encoding: Encoding,
    ) -> Vec<u8>;
    fn to_act(&self, seat: usize) -> bool;
    /// Appends `seat`'s observation in `encoding` to `out`.
    fn encode_observation(&mut self, seat: usize, encoding: Encoding, out: &mut Vec<u8>);
    /// Decodes a bot's output and submits it; returns how many actions it
    /// held. An undecodable output submits nothing.
    fn submit_output(
        &mut self,
        seat: usize,
        encoding: Encoding,
        output: &[u8],
    ) -> Result<usize, DecodeError>;
    /// Submits actions given as canonical bytes (a replay's record).
    fn submit_canonical(&mut self, seat: usize, canonical: &[u8]) -> Result<(), DecodeError>;
    /// Appends to `out` the canonical bytes of what `seat` submitted last
    /// this tick (nothing submitted: the empty list's bytes).
    fn submitted_canonical(&self, seat: usize, out: &mut Vec<u8>);
    fn step(&mut self);
    fn is_over(&self) -> bool;
    fn ranking(&self) -> Vec<u32>;
    fn scores(&self) -> Vec<serde_json::Value>;
    fn state_hash(&self) -> [u8; 32];
    fn view(&self) -> serde_json::Value;
    fn rejected_total(&self, seat: usize) -> u64;
    /// The game itself, for tests and benchmarks that set up a scenario.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// A game's registry entry: what can be known of it before a match starts.
/// One per game, made by [`def`]; the engine's list of games is a list of
/// these.
pub trait GameDef: Send + Sync {
    fn name(&self) -> &'static str;
    fn title(&self) -> &'static str;
    fn rules_version(&self) -> u32;
    /// The fewest and most bots a match seats.
    fn seats(&self) -> (usize, usize);
    fn default_map(&self) -> &'static str;
    fn bundled_maps(&self) -> Vec<&'static str>;
    /// [`Game::MAP_SPECS`].
    fn map_specs(&self) -> &'static str;
    /// [`Game::tournament_maps`].
    fn tournament_maps(&self) -> Vec<&'static str>;
    /// The settings with every default, as JSON (for docs and `--help`).
    fn default_settings(&self) -> serde_json::Value;
    /// Parses `settings` and fills in the defaults: what a config file's
    /// section is checked with before anything is queued.
    fn check_settings(&self, settings: &serde_json::Value)
    -> Result<serde_json::Value, SetupError>;
    /// Starts a match.
    /// [`Game::max_ticks`] of these settings (parsed and checked first).
    fn max_ticks(&self, settings: &serde_json::Value) -> Result<u32, SetupError>;
    fn start(&self, setup: &Setup<'_>) -> Result<Box<dyn DynGame>, SetupError>;
    /// Canonical bytes as the game's actions in words, one per action.
    fn describe_actions(&self, canonical: &[u8]) -> Result<Vec<String>, DecodeError>;
    /// Canonical bytes as the game's actions in JSON (serde's form), for the viewer.
    fn actions_json(&self, canonical: &[u8]) -> Result<serde_json::Value, DecodeError>;
}

/// The registry entry of `G`.
pub const fn def<G: Game>() -> &'static dyn GameDef {
    &Def::<G>::ENTRY
}

struct Def<G>(PhantomData<fn() -> G>);

impl<G: Game> Def<G> {
    const ENTRY: Def<G> = Def(PhantomData);

    fn parse(settings: &serde_json::Value) -> Result<G::Settings, SetupError> {
        if settings.is_null() {
            return Ok(G::Settings::default());
        }
        let parsed: G::Settings =
            serde_json::from_value(settings.clone()).map_err(|e| SetupError::Settings {
                game: G::NAME,
                message: e.to_string(),
            })?;
        G::check_settings(&parsed).map_err(|message| SetupError::Settings {
            game: G::NAME,
            message,
        })?;
        Ok(parsed)
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    // Plain data types with string keys always serialise.
    serde_json::to_value(value).expect("JSON of a game's own types")
}

fn decode_canonical<G: Game>(canonical: &[u8]) -> Result<Vec<G::Action>, DecodeError> {
    let mut actions = Vec::new();
    G::decode_actions(Encoding::Postcard, canonical, &mut actions)?;
    Ok(actions)
}

impl<G: Game> GameDef for Def<G> {
    fn name(&self) -> &'static str {
        G::NAME
    }
    fn title(&self) -> &'static str {
        G::TITLE
    }
    fn rules_version(&self) -> u32 {
        G::RULES_VERSION
    }
    fn seats(&self) -> (usize, usize) {
        G::SEATS
    }
    fn default_map(&self) -> &'static str {
        G::DEFAULT_MAP
    }
    fn bundled_maps(&self) -> Vec<&'static str> {
        G::bundled_maps()
    }
    fn map_specs(&self) -> &'static str {
        G::MAP_SPECS
    }
    fn tournament_maps(&self) -> Vec<&'static str> {
        G::tournament_maps()
    }
    fn default_settings(&self) -> serde_json::Value {
        to_json(&G::Settings::default())
    }
    fn check_settings(
        &self,
        settings: &serde_json::Value,
    ) -> Result<serde_json::Value, SetupError> {
        Self::parse(settings).map(|s| to_json(&s))
    }
    fn max_ticks(&self, settings: &serde_json::Value) -> Result<u32, SetupError> {
        Self::parse(settings).map(|s| G::max_ticks(&s))
    }
    fn start(&self, setup: &Setup<'_>) -> Result<Box<dyn DynGame>, SetupError> {
        let (min, max) = G::SEATS;
        if !(min..=max).contains(&setup.seats) {
            return Err(SetupError::Seats {
                game: G::NAME,
                given: setup.seats,
                min,
                max,
            });
        }
        let game = G::new(setup, Self::parse(setup.settings)?)?;
        Ok(Box::new(Hosted {
            submitted: vec![Vec::new(); setup.seats],
            game,
        }))
    }
    fn describe_actions(&self, canonical: &[u8]) -> Result<Vec<String>, DecodeError> {
        Ok(decode_canonical::<G>(canonical)?
            .iter()
            .map(G::describe)
            .collect())
    }
    fn actions_json(&self, canonical: &[u8]) -> Result<serde_json::Value, DecodeError> {
        Ok(to_json(&decode_canonical::<G>(canonical)?))
    }
}

/// A match of `G` with what the erased calls need between them: each seat's
/// last submitted actions, kept so that their canonical bytes are made only
/// when something records them.
struct Hosted<G: Game> {
    game: G,
    submitted: Vec<Vec<G::Action>>,
}

impl<G: Game> DynGame for Hosted<G> {
    fn name(&self) -> &'static str {
        G::NAME
    }
    fn rules_version(&self) -> u32 {
        G::RULES_VERSION
    }
    fn seats(&self) -> usize {
        self.submitted.len()
    }
    fn tick(&self) -> u32 {
        self.game.tick()
    }
    fn recorded_map(&self) -> RecordedMap {
        self.game.recorded_map()
    }
    fn settings(&self) -> serde_json::Value {
        to_json(self.game.settings())
    }
    fn init_message(
        &self,
        seat: usize,
        seed: u64,
        limits: &EngineLimits,
        encoding: Encoding,
    ) -> Vec<u8> {
        lockstep_bot::encode(encoding, &self.game.init(seat, seed, limits))
    }
    fn to_act(&self, seat: usize) -> bool {
        self.game.to_act(seat)
    }
    fn encode_observation(&mut self, seat: usize, encoding: Encoding, out: &mut Vec<u8>) {
        self.game.encode_observation(seat, encoding, out);
    }
    fn submit_output(
        &mut self,
        seat: usize,
        encoding: Encoding,
        output: &[u8],
    ) -> Result<usize, DecodeError> {
        let Some(actions) = self.submitted.get_mut(seat) else {
            return Ok(0);
        };
        if let Err(e) = G::decode_actions(encoding, output, actions) {
            actions.clear();
            return Err(e);
        }
        self.game.submit(seat, actions);
        Ok(actions.len())
    }
    fn submit_canonical(&mut self, seat: usize, canonical: &[u8]) -> Result<(), DecodeError> {
        self.submit_output(seat, Encoding::Postcard, canonical)
            .map(drop)
    }
    fn submitted_canonical(&self, seat: usize, out: &mut Vec<u8>) {
        let empty = Vec::new();
        let actions = self.submitted.get(seat).unwrap_or(&empty);
        lockstep_bot::encode_into(Encoding::Postcard, actions, out);
    }
    fn step(&mut self) {
        self.game.step();
        for actions in &mut self.submitted {
            actions.clear();
        }
    }
    fn is_over(&self) -> bool {
        self.game.is_over()
    }
    fn ranking(&self) -> Vec<u32> {
        self.game.ranking()
    }
    fn scores(&self) -> Vec<serde_json::Value> {
        self.game.scores()
    }
    fn state_hash(&self) -> [u8; 32] {
        self.game.state_hash()
    }
    fn view(&self) -> serde_json::Value {
        self.game.view()
    }
    fn rejected_total(&self, seat: usize) -> u64 {
        self.game.rejected_total(seat)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        &mut self.game
    }
}
