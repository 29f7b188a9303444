//! The games this build hosts: one registration line each.
//!
//! A game is a crate implementing `lockstep_game_api::Game`; its registry
//! entry (`def::<MyGame>()`) goes in [`GAMES`], and the crate in this one's
//! `Cargo.toml`. Everything else (the engine's match loop, replays,
//! `verify`, the viewer, tournaments; `tune`, the CLI, the server) finds it
//! here by name, as a `dyn GameDef`: the engine depends on this crate and
//! on no game's, so it cannot name a game's types. `docs/new-game.md` walks
//! through adding one.

use lockstep_game_api::GameDef;

/// Every game, the default first.
pub static GAMES: &[&dyn GameDef] = &[
    lockstep_game::DEF,
    lockstep_snake::DEF,
    lockstep_connect_four::DEF,
];

/// The game played when none is named: the reference game.
pub const DEFAULT_GAME: &str = "cores";

/// The game called `name`.
pub fn find(name: &str) -> Result<&'static dyn GameDef, UnknownGame> {
    GAMES
        .iter()
        .copied()
        .find(|game| game.name() == name)
        .ok_or_else(|| UnknownGame(name.to_string()))
}

/// A game name this build does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no game is called {0:?}: this lockstep hosts {list} (`lockstep games` describes them)", list = names())]
pub struct UnknownGame(pub String);

fn names() -> String {
    GAMES
        .iter()
        .map(|g| g.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_default_is_first() {
        assert_eq!(GAMES[0].name(), DEFAULT_GAME);
        let mut names: Vec<_> = GAMES.iter().map(|g| g.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), GAMES.len());
        let unknown = find("chess").err().unwrap().to_string();
        assert!(
            unknown.contains("\"chess\"") && unknown.contains("cores"),
            "{unknown}"
        );
    }
}
