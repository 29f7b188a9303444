//! [`Game`]: what a game implements, over its own wire types.

use crate::{EngineLimits, RecordedMap, Setup, SetupError};
use lockstep_bot::{DecodeError, Encoding};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// One match of a game, as the engine drives it. Each tick the engine:
///
/// 1. asks [`Game::to_act`] for every seat, and encodes each acting seat's
///    [`Game::encode_observation`] in that bot's encoding;
/// 2. runs those bots (in parallel, under fuel);
/// 3. decodes each bot's output with [`Game::decode_actions`] and calls
///    [`Game::submit`] **in seat order**, whatever bot finished first;
/// 4. calls [`Game::step`], then [`Game::is_over`].
///
/// Everything here must be a function of the setup and of the calls made so
/// far: no clock, no thread, no entropy, no iteration order of a hash map. The
/// engine checks it, by [`Game::state_hash`], in every replay it verifies.
///
/// How the game holds its world is its own business: `bevy_ecs` systems over
/// plain components, as the bundled games do, or anything else. Nothing here
/// exposes it.
pub trait Game: Send + Sized + 'static {
    /// The name players and configs choose it by (`--game NAME`): lower
    /// case, digits and `-`.
    const NAME: &'static str;
    /// One line for `lockstep games`.
    const TITLE: &'static str;
    /// Bumped by any change that can make the same actions play out
    /// differently; replays record it, and one made under other rules is
    /// refused rather than misread.
    const RULES_VERSION: u32;
    /// The fewest and most bots a match seats.
    const SEATS: (usize, usize);
    /// The map used when none is named.
    const DEFAULT_MAP: &'static str;

    /// The game's settings (rules' numbers, tick limit, ...), read from
    /// [`Setup::settings`]: `#[serde(default, deny_unknown_fields)]`, so that
    /// a missing key takes its default and a misspelt one is an error.
    type Settings: Serialize + DeserializeOwned + Default + Clone;
    /// What a bot gets once, before its first tick.
    type Init: Serialize;
    /// What a bot gets each tick it acts.
    type Observation: Serialize;
    /// One order a bot gives. A bot returns a list of them.
    type Action: Serialize + DeserializeOwned + Clone + Send;

    /// Other maps the game accepts, in a line for `lockstep games`: say
    /// what a generator spec looks like (`random:WxH, generated from the
    /// match seed`). Empty if the bundled maps are all.
    const MAP_SPECS: &'static str = "";

    /// The maps a tournament plays when none are named: by default the
    /// default map alone; a fixed map and a generated one give a fairer test.
    fn tournament_maps() -> Vec<&'static str> {
        vec![Self::DEFAULT_MAP]
    }

    /// The names of the maps bundled with the game, for `lockstep games`
    /// and the server's checks.
    fn bundled_maps() -> Vec<&'static str> {
        Vec::new()
    }

    /// Values the settings' types allow but the game does not (a zero tick
    /// limit, a percentage over 100): the message names the key. Called
    /// whenever settings are parsed, so a config file is refused when it is
    /// read, not when a match starts.
    fn check_settings(_settings: &Self::Settings) -> Result<(), String> {
        Ok(())
    }

    /// The most ticks a match with these settings can last, on any map:
    /// what the server charges a match against a player's fair share before
    /// it is played, and what progress is measured against.
    fn max_ticks(settings: &Self::Settings) -> u32;

    /// A new match at tick 0, or why not. `setup.seats` is already within
    /// [`Game::SEATS`]; the settings are already parsed and checked.
    fn new(setup: &Setup<'_>, settings: Self::Settings) -> Result<Self, SetupError>;

    /// The map as played, from which [`crate::MapChoice::Recorded`] makes
    /// the same match again.
    fn recorded_map(&self) -> RecordedMap;

    /// The settings in force (every default filled in).
    fn settings(&self) -> &Self::Settings;

    /// Ticks completed so far.
    fn tick(&self) -> u32;

    /// What `seat`'s bot gets before tick 0. `seed` is the bot's own, drawn
    /// by the engine from the match seed.
    fn init(&self, seat: usize, seed: u64, limits: &EngineLimits) -> Self::Init;

    /// Whether `seat` acts this tick: every seat still in the game for a
    /// simultaneous game, the one whose turn it is for a turn-based one. A
    /// seat that does not act is not called, and spends no fuel.
    fn to_act(&self, seat: usize) -> bool;

    /// What `seat` sees now.
    fn observe(&mut self, seat: usize) -> Self::Observation;

    /// Appends `seat`'s observation, in `encoding`, to `out`. The default
    /// encodes [`Game::observe`]; override it to encode faster (the bytes
    /// must stay exactly those).
    fn encode_observation(&mut self, seat: usize, encoding: Encoding, out: &mut Vec<u8>) {
        let observation = self.observe(seat);
        lockstep_bot::encode_into(encoding, &observation, out);
    }

    /// Decodes a bot's output into `out` (cleared first). The default is
    /// serde's; override it to decode faster (the result must stay exactly that).
    fn decode_actions(
        encoding: Encoding,
        bytes: &[u8],
        out: &mut Vec<Self::Action>,
    ) -> Result<(), DecodeError> {
        *out = lockstep_bot::decode(encoding, bytes)?;
        Ok(())
    }

    /// `seat`'s actions for this tick, in the order the bot gave them. Invalid
    /// ones are the game's to refuse (and to tell the bot about next tick); a
    /// bot can never make this fail.
    fn submit(&mut self, seat: usize, actions: &[Self::Action]);

    /// Resolves the tick.
    fn step(&mut self);

    /// Whether the match has ended (the engine asks after each step).
    fn is_over(&self) -> bool;

    /// Each seat's place, by seat: 0 is first, equal places are ties. Asked
    /// once the match is over; a single seat at place 0 is the winner.
    fn ranking(&self) -> Vec<u32>;

    /// Each seat's score for people and records, by seat: a JSON object of
    /// the game's own numbers (the ranking already says who won).
    fn scores(&self) -> Vec<serde_json::Value>;

    /// blake3 of the whole state: equal hashes after equal calls, on every
    /// machine. Asked only when something records or checks it.
    fn state_hash(&self) -> [u8; 32];

    /// The whole state, unfogged, for `replay show` and the viewer's
    /// renderer. Never given to a bot.
    fn view(&self) -> serde_json::Value;

    /// One action in words, for `replay show`.
    fn describe(action: &Self::Action) -> String;

    /// `seat`'s actions that did not take effect, over the whole match.
    fn rejected_total(&self, _seat: usize) -> u64 {
        0
    }
}
