//! The Lockstep engine: the match loop, replays, tournaments, for any game
//! in the registry (`lockstep-games`) on the wasm sandbox
//! (`lockstep-sandbox`). It depends on no game's crate, so it cannot name a
//! game's types: it holds a match as a `dyn DynGame` and finds a game's
//! `dyn GameDef` by the name a config or a replay header gives.
//! `lockstep-sim` re-exports all of it beside the CLI.

pub mod json;
pub mod match_loop;
pub mod replay;
pub mod tournament;

/// The games this build hosts (`lockstep-games`).
pub use lockstep_games as games;
/// The wasm sandbox, a crate of its own (`sim/sandbox`).
pub use lockstep_sandbox as sandbox;

#[cfg(test)]
mod tests {
    /// The `lockstep-*` crates the manifest at `path` depends on.
    fn lockstep_dependencies(manifest: &str) -> Vec<String> {
        let mut in_dependencies = false;
        let mut found = Vec::new();
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                in_dependencies = line == "[dependencies]";
            } else if in_dependencies && line.starts_with("lockstep-") {
                let name = line.split(['.', ' ', '=']).next().unwrap_or_default();
                found.push(name.to_string());
            }
        }
        found
    }

    /// "The engine never names a game" and "the sandbox never names the
    /// engine's or a game's types" hold because neither depends on a crate
    /// that has them; this keeps it so.
    #[test]
    fn the_engine_and_the_sandbox_depend_on_no_game() {
        let engine = include_str!("../Cargo.toml");
        assert_eq!(
            lockstep_dependencies(engine),
            ["lockstep-game-api", "lockstep-games", "lockstep-sandbox"]
        );
        let sandbox = include_str!("../../sandbox/Cargo.toml");
        assert_eq!(lockstep_dependencies(sandbox), ["lockstep-bot"]);
        let api = include_str!("../../../games/api/Cargo.toml");
        assert_eq!(lockstep_dependencies(api), ["lockstep-bot"]);
    }
}
