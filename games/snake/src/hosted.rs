//! Snake as the engine hosts it: `lockstep_game_api::Game`.

use lockstep_game_api as api;
use lockstep_game_api::{EngineLimits, RecordedMap, Setup, SetupError};
use lockstep_snake_sdk::{Action, Init, Limits, Observation};
use serde_json::{Value, json};

use crate::map::BUNDLED;
use crate::state::{self, Food, Hazards};
use crate::{NAME, Settings, Snake};

/// Snake's registry entry.
pub const DEF: &dyn api::GameDef = api::def::<Snake>();

impl api::Game for Snake {
    const NAME: &'static str = NAME;
    const TITLE: &'static str = "snake: BattleSnake's standard rules, simultaneous moves on a grid";
    const RULES_VERSION: u32 = crate::RULES_VERSION;
    const SEATS: (usize, usize) = (1, 8);
    const DEFAULT_MAP: &'static str = "standard";

    type Settings = Settings;
    type Init = Init;
    type Observation = Observation;
    type Action = Action;

    const MAP_SPECS: &'static str =
        "random:WxH (W and H from 5 to 25): an empty board of that size";

    fn tournament_maps() -> Vec<&'static str> {
        vec!["standard", "small", "large"]
    }

    fn bundled_maps() -> Vec<&'static str> {
        BUNDLED.iter().map(|&(name, _)| name).collect()
    }

    fn check_settings(settings: &Settings) -> Result<(), String> {
        settings.check().map_err(|e| match e {
            SetupError::Settings { message, .. } => message,
            other => other.to_string(),
        })
    }

    fn max_ticks(settings: &Settings) -> u32 {
        settings.max_ticks
    }

    fn new(setup: &Setup<'_>, settings: Settings) -> Result<Snake, SetupError> {
        Snake::start(setup, settings)
    }

    fn recorded_map(&self) -> RecordedMap {
        self.board.recorded(self.settings.hazards)
    }

    fn settings(&self) -> &Settings {
        &self.settings
    }

    fn tick(&self) -> u32 {
        Snake::tick(self)
    }

    fn init(&self, seat: usize, seed: u64, limits: &EngineLimits) -> Init {
        Init {
            you: seat as u8,
            snakes: self.seats() as u8,
            seed,
            width: self.board.width,
            height: self.board.height,
            rules: self.settings.rules(),
            limits: Limits {
                init_fuel: limits.init_fuel,
                tick_fuel: limits.tick_fuel,
                max_output_bytes: limits.max_output_bytes,
                max_log_lines: limits.max_log_lines,
                max_log_line_bytes: limits.max_log_line_bytes,
                max_memory_bytes: limits.max_memory_bytes,
            },
        }
    }

    fn to_act(&self, seat: usize) -> bool {
        self.is_alive(seat)
    }

    fn observe(&mut self, seat: usize) -> Observation {
        Snake::observe(self, seat)
    }

    fn submit(&mut self, seat: usize, actions: &[Action]) {
        Snake::submit(self, seat, actions);
    }

    fn step(&mut self) {
        Snake::step(self);
    }

    fn is_over(&self) -> bool {
        Snake::is_over(self)
    }

    /// Later elimination is better, alive best; snakes eliminated in the same
    /// tick share a place. Snakes alive at the end are ordered by length
    /// (equal lengths share a place).
    fn ranking(&self) -> Vec<u32> {
        let key = |s: &state::SnakeState| match (s.alive, s.eliminated) {
            (true, _) => (u64::from(u32::MAX) + 1, s.length()),
            (false, Some((tick, _))) => (u64::from(tick), 0),
            (false, None) => (0, 0),
        };
        let snakes = self.snakes();
        snakes
            .iter()
            .map(|s| snakes.iter().filter(|o| key(o) > key(s)).count() as u32)
            .collect()
    }

    fn scores(&self) -> Vec<Value> {
        self.snakes()
            .iter()
            .map(|s| {
                json!({
                    "alive": s.alive,
                    "length": s.length(),
                    "health": s.health,
                    "eliminated_at": s.eliminated.map(|(t, _)| t),
                    "cause": s.eliminated.map(|(_, c)| c.name()),
                })
            })
            .collect()
    }

    fn state_hash(&self) -> [u8; 32] {
        Snake::state_hash(self)
    }

    /// `{tick, width, height, snakes: [{seat, alive, health, length, body:
    /// [[x, y], ...], eliminated_at, cause}], food: [[x, y]], hazards:
    /// [[x, y]]}`. An eliminated snake keeps the body it died with (its head
    /// may be off the board, at -1 or the width/height).
    fn view(&self) -> Value {
        let size = *self.world.resource::<state::Board>();
        let pair = |p: &lockstep_snake_sdk::Pos| json!([p.x, p.y]);
        let snakes: Vec<Value> = (self.snakes().iter().enumerate())
            .map(|(seat, s)| {
                json!({
                    "seat": seat,
                    "alive": s.alive,
                    "health": s.health,
                    "length": s.length(),
                    "body": s.body.iter().map(|c| json!([c.x, c.y])).collect::<Vec<_>>(),
                    "eliminated_at": s.eliminated.map(|(t, _)| t),
                    "cause": s.eliminated.map(|(_, c)| c.name()),
                })
            })
            .collect();
        json!({
            "tick": Snake::tick(self),
            "width": size.width,
            "height": size.height,
            "snakes": snakes,
            "food": self.world.resource::<Food>().0.iter().map(pair).collect::<Vec<_>>(),
            "hazards": self.world.resource::<Hazards>().cells(&size).iter().map(pair).collect::<Vec<_>>(),
        })
    }

    fn describe(action: &Action) -> String {
        match action {
            Action::Move { dir } => format!("move {}", dir.name()),
        }
    }

    fn rejected_total(&self, seat: usize) -> u64 {
        Snake::rejected_total(self, seat)
    }
}
