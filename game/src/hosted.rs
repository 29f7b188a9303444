//! The reference game as the engine hosts it: `lockstep_game_api::Game`.

use crate::score::ranking;
use crate::{Game, GameConfig, Map, RULES_VERSION};
use lockstep_game_api as api;
use lockstep_game_api::{Encoding, EngineLimits, MapChoice, RecordedMap, Setup, SetupError};
use lockstep_sdk::{Action, DecodeError, Limits, MatchInfo, Observation, PlayerId};

/// The reference game's registry entry.
pub const DEF: &dyn api::GameDef = api::def::<Game>();

impl api::Game for Game {
    const NAME: &'static str = "cores";
    const TITLE: &'static str =
        "the reference game: spawn units, harvest energy, destroy the enemy cores";
    const RULES_VERSION: u32 = RULES_VERSION;
    const SEATS: (usize, usize) = (2, 8);
    const DEFAULT_MAP: &'static str = "duel";

    type Settings = GameConfig;
    type Init = MatchInfo;
    type Observation = Observation;
    type Action = Action;

    const MAP_SPECS: &'static str = "random:WxH (W and H from 8 to 128): point-symmetric, generated from the match seed; \
         or a map file (docs/rules.md, \"The map\")";

    fn tournament_maps() -> Vec<&'static str> {
        vec!["duel", "random:32x32"]
    }

    fn bundled_maps() -> Vec<&'static str> {
        Map::bundled_names().to_vec()
    }

    fn check_settings(settings: &GameConfig) -> Result<(), String> {
        crate::game::check_config(settings).map_err(|e| e.to_string())
    }

    fn max_ticks(settings: &GameConfig) -> u32 {
        settings.max_ticks
    }

    fn new(setup: &Setup<'_>, settings: GameConfig) -> Result<Game, SetupError> {
        let map = match setup.map {
            MapChoice::Spec(spec) => Map::resolve(spec, setup.seats, setup.seed),
            MapChoice::Recorded(recorded) => Map::parse(&recorded.name, &recorded.data),
        }
        .map_err(|e| SetupError::Map(e.to_string()))?;
        let game = <Game as api::Game>::NAME;
        Game::new(&map, setup.seats, &settings).map_err(|e| match e {
            crate::GameError::Map(e) => SetupError::Map(e.to_string()),
            crate::GameError::Config { .. } => SetupError::Settings {
                game,
                message: e.to_string(),
            },
            crate::GameError::Schedule(message) => SetupError::Internal { game, message },
        })
    }

    fn recorded_map(&self) -> RecordedMap {
        RecordedMap {
            name: self.map().name.clone(),
            data: self.map().rows.join("\n"),
        }
    }

    fn settings(&self) -> &GameConfig {
        self.config()
    }

    fn tick(&self) -> u32 {
        Game::tick(self)
    }

    fn init(&self, seat: usize, seed: u64, limits: &EngineLimits) -> MatchInfo {
        self.match_info(
            PlayerId(seat as u8),
            seed,
            Limits {
                max_ticks: 0,
                init_fuel: limits.init_fuel,
                tick_fuel: limits.tick_fuel,
                max_actions: 0,
                max_output_bytes: limits.max_output_bytes,
                max_log_lines: limits.max_log_lines,
                max_log_line_bytes: limits.max_log_line_bytes,
                max_memory_bytes: limits.max_memory_bytes,
            },
        )
    }

    fn to_act(&self, seat: usize) -> bool {
        self.is_alive(PlayerId(seat as u8))
    }

    fn observe(&mut self, seat: usize) -> Observation {
        let mut observation = Observation::default();
        Game::observe(self, PlayerId(seat as u8), &mut observation);
        observation
    }

    /// Each unit encoded once per tick, spliced into every postcard message
    /// (`encode.rs`); JSON through serde.
    fn encode_observation(&mut self, seat: usize, encoding: Encoding, out: &mut Vec<u8>) {
        let mut encoder = std::mem::take(&mut self.encoder);
        encoder.encode_into(self, PlayerId(seat as u8), encoding, out);
        self.encoder = encoder;
    }

    /// Plain postcard by hand, the rest by serde (`decode.rs`).
    fn decode_actions(
        encoding: Encoding,
        bytes: &[u8],
        out: &mut Vec<Action>,
    ) -> Result<(), DecodeError> {
        *out = crate::decode::decode_actions(encoding, bytes)?;
        Ok(())
    }

    fn submit(&mut self, seat: usize, actions: &[Action]) {
        Game::submit(self, PlayerId(seat as u8), actions);
    }

    fn step(&mut self) {
        Game::step(self);
    }

    fn is_over(&self) -> bool {
        Game::is_over(self)
    }

    fn ranking(&self) -> Vec<u32> {
        ranking(&self.scores())
    }

    fn scores(&self) -> Vec<serde_json::Value> {
        Game::scores(self)
            .iter()
            .map(|s| {
                serde_json::json!({
                    "alive": s.alive,
                    "eliminated_at": s.eliminated_at,
                    "core_hp": s.core_hp,
                    "units": s.units,
                    "energy": s.energy,
                })
            })
            .collect()
    }

    fn state_hash(&self) -> [u8; 32] {
        Game::state_hash(self)
    }

    /// What the viewer's renderer draws (`docs/replay.md`, "Viewer data"):
    /// units as `[id, owner, x, y, hp]`, cores as `[owner, x, y, hp]` (0 hp:
    /// destroyed), and each player's energy and unit count.
    fn view(&self) -> serde_json::Value {
        let (units, cores) = self.full_view();
        let units: Vec<[u32; 5]> = (units.iter())
            .map(|u| {
                let (x, y) = (u32::from(u.pos.x), u32::from(u.pos.y));
                [u.id.0, u32::from(u.owner.0), x, y, u32::from(u.hp)]
            })
            .collect();
        let cores: Vec<[u32; 4]> = (cores.iter())
            .map(|c| {
                let (x, y) = (u32::from(c.pos.x), u32::from(c.pos.y));
                [u32::from(c.owner.0), x, y, u32::from(c.hp)]
            })
            .collect();
        let scores = Game::scores(self);
        serde_json::json!({
            "units": units,
            "cores": cores,
            "energy": scores.iter().map(|s| s.energy).collect::<Vec<_>>(),
            "scores": scores.iter().map(|s| s.units).collect::<Vec<_>>(),
        })
    }

    fn describe(action: &Action) -> String {
        match action {
            Action::Spawn { dir } => format!("spawn {dir:?}"),
            Action::Move { unit, dir } => format!("unit #{} move {dir:?}", unit.0),
            Action::Attack { unit, dir } => format!("unit #{} attack {dir:?}", unit.0),
            Action::Harvest { unit, dir } => format!("unit #{} harvest {dir:?}", unit.0),
        }
    }

    fn rejected_total(&self, seat: usize) -> u64 {
        Game::rejected_total(self, PlayerId(seat as u8))
    }
}
