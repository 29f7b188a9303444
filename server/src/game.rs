//! The game this server hosts: one per process, the admin config's `[match]
//! game` (default `cores`, the reference game), found in the engine's
//! registry (`lockstep_sim::games`). Everything the server knows of a game
//! (its seats, its maps, its bundled bots, its title) comes from that
//! registry entry; no other part of the server names a game.
//!
//! Two ladders of two games are two servers with two data folders: the data
//! folder remembers the game it was made for (`db::settings::folder_game`)
//! and a server configured for another refuses to start on it.

use lockstep_game_api::{GameDef, MapChoice, Setup};
use serde::Serialize;
use serde_json::Value;
use std::path::Path;
use utoipa::ToSchema;

/// Bots a ladder match seats: the ladder pairs two bots (`ladder::pairing`),
/// so a hosted game must seat two.
pub const LADDER_SEATS: usize = 2;

/// The most bots a match of this server seats, whatever the game allows:
/// the workers are sized for 8 bot instances per match (`ladder::LadderConfig::of`).
pub const MAX_SEATS: usize = 8;

/// The hosted game's registry entry.
#[derive(Clone, Copy)]
pub struct HostedGame(pub &'static dyn GameDef);

impl std::fmt::Debug for HostedGame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HostedGame({:?})", self.0.name())
    }
}

impl HostedGame {
    /// The game called `name` in the registry, if it can host a ladder.
    pub fn find(name: &str) -> Result<HostedGame, String> {
        let def = lockstep_sim::games::find(name).map_err(|e| format!("[match] game: {e}"))?;
        let (min, max) = def.seats();
        if !(min..=max.min(MAX_SEATS)).contains(&LADDER_SEATS) {
            return Err(format!(
                "[match] game = {name:?} seats {min} to {max} bots, and the server's ladder \
                 pairs {LADDER_SEATS}: this server cannot host it"
            ));
        }
        Ok(HostedGame(def))
    }

    pub fn def(self) -> &'static dyn GameDef {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The fewest and most bots a match seats (at most [`MAX_SEATS`]).
    pub fn seats(self) -> (usize, usize) {
        let (min, max) = self.0.seats();
        (min, max.min(MAX_SEATS))
    }

    /// The maps the ladder plays when `[server] ladder_maps` is not set: the
    /// game's tournament maps (the reference game's: `duel` and
    /// `random:32x32`).
    pub fn default_ladder_maps(self) -> Vec<String> {
        self.0
            .tournament_maps()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// "2 to 8 bots", "2 bots", "1 to 8 bots".
    pub fn seats_in_words(self) -> String {
        match self.seats() {
            (min, max) if min == max => format!("{min} bot{}", if min == 1 { "" } else { "s" }),
            (min, max) => format!("{min} to {max} bots"),
        }
    }

    /// The maps a config or a challenge may name, in words: the bundled
    /// ones and the generated ones, never a file.
    pub fn maps_in_words(self) -> String {
        let generated = self.generated_maps();
        let bundled = self.0.bundled_maps().join(", ");
        match (bundled.is_empty(), generated.is_empty()) {
            (false, false) => format!("the {} maps {bundled}, or {generated}", self.name()),
            (false, true) => format!("the {} maps {bundled}", self.name()),
            (true, _) => format!("the {} maps {generated}", self.name()),
        }
    }

    /// The game's generated maps in words ([`GameDef::map_specs`]), without
    /// what it says of map files: the server never reads a map from a file.
    pub fn generated_maps(self) -> String {
        (self.0.map_specs().split("; "))
            .map(|part| part.trim_start_matches("or ").trim())
            .filter(|part| !part.is_empty() && !part.contains("file"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Checks a map spec for a match of `seats` bots under the game's
    /// `settings`: a bundled map's name or a spec the game generates a map
    /// from (`random:WxH`), started as a match would be
    /// ([`GameDef::start`]). Never a file: a spec that is not bundled and
    /// looks like a path, or names something in the working folder, is
    /// refused before the game sees it (a game may read map files).
    /// The message names the spec and, when the game does not have the
    /// map, lists the ones it has.
    pub fn check_map(self, spec: &str, seats: usize, settings: &Value) -> Result<(), String> {
        let bundled = self.0.bundled_maps().contains(&spec);
        let unknown =
            |why: String| format!("unknown map '{spec}': use {}{why}", self.maps_in_words());
        if !bundled && !plain_spec(spec) {
            return Err(unknown("; never a file".to_string()));
        }
        let setup = Setup {
            map: MapChoice::Spec(spec),
            seats,
            seed: 0,
            settings,
        };
        match self.0.start(&setup) {
            Ok(_) => Ok(()),
            Err(e) if bundled => Err(e.to_string()),
            Err(e) => Err(unknown(format!(" ({e})"))),
        }
    }

    /// The game's name and title, for answers and pages.
    pub fn named(self) -> GameName {
        GameName {
            name: self.name().to_string(),
            title: self.0.title().to_string(),
        }
    }
}

/// A spec that can only be a generator's: short, letters, digits, `:`, `-`
/// and `_` only (no `.`, no `/`), and nothing of that name in the working
/// folder.
fn plain_spec(spec: &str) -> bool {
    !spec.is_empty()
        && spec.len() <= 64
        && spec
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_'))
        && std::fs::symlink_metadata(Path::new(spec)).is_err()
}

/// Which game a server plays.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GameName {
    /// Its registry name (`[match] game`, `lockstep games`): `cores`,
    /// `snake`, `connect-four`.
    pub name: String,
    /// One line about it.
    pub title: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn game(name: &str) -> HostedGame {
        HostedGame::find(name).unwrap()
    }

    #[test]
    fn every_registered_game_seats_two() {
        for def in lockstep_sim::games::GAMES {
            let game = game(def.name());
            for map in game.default_ladder_maps() {
                game.check_map(&map, LADDER_SEATS, &Value::Null)
                    .unwrap_or_else(|e| panic!("{}: {map}: {e}", def.name()));
            }
        }
        let e = HostedGame::find("chess").unwrap_err();
        assert!(
            e.starts_with("[match] game: no game is called \"chess\""),
            "{e}"
        );
    }

    #[test]
    fn maps_are_the_games_and_never_files() {
        let cores = game("cores");
        assert_eq!(cores.default_ladder_maps(), ["duel", "random:32x32"]);
        assert_eq!(cores.seats_in_words(), "2 to 8 bots");
        assert!(
            cores.generated_maps().starts_with("random:WxH")
                && !cores.generated_maps().contains("file"),
            "{}",
            cores.generated_maps()
        );
        cores.check_map("random:16x16", 4, &Value::Null).unwrap();
        let e = cores.check_map("duel", 3, &Value::Null).unwrap_err();
        assert!(e.contains("map 'duel' has 2 cores but 3 players"), "{e}");
        for spec in [
            "../etc/passwd",
            "/etc/passwd",
            "Cargo.toml",
            "src",
            "",
            "a b",
        ] {
            let e = cores.check_map(spec, 2, &Value::Null).unwrap_err();
            assert!(
                e.starts_with(&format!("unknown map '{spec}': use the cores maps duel, "))
                    && e.ends_with("; never a file"),
                "{e}"
            );
        }
        let e = cores.check_map("random:2x2", 2, &Value::Null).unwrap_err();
        assert!(e.contains("random map size 2x2 out of range"), "{e}");

        let snake = game("snake");
        assert_eq!(snake.seats_in_words(), "1 to 8 bots");
        snake
            .check_map("small", 8, &json!({"max_ticks": 10}))
            .unwrap();
        let e = snake.check_map("duel", 2, &Value::Null).unwrap_err();
        assert!(
            e.starts_with("unknown map 'duel'") && e.contains("use the snake maps standard, "),
            "{e}"
        );
        let four = game("connect-four");
        assert_eq!(four.seats_in_words(), "2 bots");
        four.check_map("classic", 2, &Value::Null).unwrap();
    }
}
