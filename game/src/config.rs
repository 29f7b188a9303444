//! The numbers a match is played with.

use lockstep_sdk::Rules;

/// Rule numbers plus the two limits the game itself enforces.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GameConfig {
    pub rules: Rules,
    /// The match ends after this many ticks.
    pub max_ticks: u32,
    /// Orders past this count in one tick are rejected with `TooManyActions`.
    pub max_actions: u32,
}

impl Default for GameConfig {
    /// The v1 defaults, as documented in `docs/rules.md`.
    fn default() -> Self {
        GameConfig {
            rules: Rules::default(),
            max_ticks: 500,
            max_actions: 256,
        }
    }
}
