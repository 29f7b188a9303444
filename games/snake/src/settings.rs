//! The numbers a match is played with, as a config file or `--settings`
//! gives them.

use lockstep_game_api::SetupError;
use lockstep_snake_sdk::{HazardMode, Rules};
use serde::{Deserialize, Serialize};

/// Health at the start and after eating: fixed, as in BattleSnake.
pub const MAX_HEALTH: u16 = 100;

/// The snake game's settings. A missing key takes its default, an unknown
/// key is refused. JSON, e.g. `{"hazards": "royale", "shrink_every": 10}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The match ends after this many ticks. Default 500; at least 1.
    pub max_ticks: u32,
    /// Extra health a snake loses on a tick its head ends on a hazard cell
    /// without food. Default 14.
    pub hazard_damage: u16,
    /// While fewer food than this are on the board, food spawns to make up
    /// the difference. Default 1.
    pub minimum_food: u16,
    /// Otherwise, the chance in percent that one food spawns each tick.
    /// Default 15; at most 100.
    pub food_spawn_chance: u8,
    /// `"none"` (default) or `"royale"`: the safe area shrinks from a seeded
    /// side every `shrink_every` ticks.
    pub hazards: HazardMode,
    /// Ticks between two royale shrinks. Default 20; at least 1.
    pub shrink_every: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_ticks: 500,
            hazard_damage: 14,
            minimum_food: 1,
            food_spawn_chance: 15,
            hazards: HazardMode::None,
            shrink_every: 20,
        }
    }
}

impl Settings {
    /// Refuses numbers that make no game: the message names the key.
    pub fn check(&self) -> Result<(), SetupError> {
        let bad = |message: String| {
            Err(SetupError::Settings {
                game: crate::NAME,
                message,
            })
        };
        if self.max_ticks == 0 {
            return bad("max_ticks must be at least 1, not 0".into());
        }
        if self.food_spawn_chance > 100 {
            return bad(format!(
                "food_spawn_chance is a percentage (0 to 100), not {}",
                self.food_spawn_chance
            ));
        }
        if self.shrink_every == 0 {
            return bad("shrink_every must be at least 1, not 0".into());
        }
        Ok(())
    }

    /// What a bot is told of them.
    pub fn rules(&self) -> Rules {
        Rules {
            max_ticks: self.max_ticks,
            max_health: MAX_HEALTH,
            hazard_damage: self.hazard_damage,
            minimum_food: self.minimum_food,
            food_spawn_chance: self.food_spawn_chance,
            hazards: self.hazards,
            shrink_every: self.shrink_every,
        }
    }
}
