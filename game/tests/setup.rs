//! Building a game: errors, and the small accessors.

mod common;

use common::*;
use lockstep_game::{Game, GameConfig, GameError, Map};
use lockstep_sdk::{PlayerId, Pos};

#[test]
fn game_setup_errors_are_clear() {
    let duel = Map::bundled("duel").unwrap();
    let config = GameConfig::default();
    assert_eq!(
        Game::new(&duel, 3, &config).err().unwrap().to_string(),
        "map 'duel' has 2 cores but 3 players were asked for"
    );
    assert_eq!(
        Game::new(&duel, 1, &config).err().unwrap().to_string(),
        "a match needs 2 to 8 players, got 1"
    );
    let mut bad = GameConfig::default();
    bad.rules.unit_hp = 0;
    let err = Game::new(&duel, 2, &bad).err().unwrap();
    assert!(matches!(
        err,
        GameError::Config {
            field: "rules.unit_hp",
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "bad game config: rules.unit_hp is 0, must be at least 1"
    );
}

#[test]
fn a_map_with_spare_cores_is_fitted() {
    let arena = Map::bundled("arena").unwrap();
    let g = Game::new(&arena, 3, &GameConfig::default()).unwrap();
    assert_eq!(g.players(), 3);
    assert_eq!(g.map().cores.len(), 3);
    assert_eq!(g.tick(), 0);
    assert!(!g.is_over());
    assert_eq!(g.scores().len(), 3);
    assert!(
        g.scores()
            .iter()
            .all(|s| s.alive && s.core_hp == 200 && s.energy == 30)
    );
}

#[test]
fn spawn_unit_refuses_bad_cells_and_players() {
    let mut g = game(&[
        "A.#*......",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        ".........B",
    ]);
    assert!(g.spawn_unit(P0, Pos::new(0, 0)).is_none(), "core");
    assert!(g.spawn_unit(P0, Pos::new(2, 0)).is_none(), "wall");
    assert!(g.spawn_unit(P0, Pos::new(3, 0)).is_none(), "source");
    assert!(g.spawn_unit(P0, Pos::new(10, 0)).is_none(), "off the map");
    assert!(
        g.spawn_unit(PlayerId(2), Pos::new(1, 0)).is_none(),
        "no such player"
    );
    let a = g.spawn_unit(P0, Pos::new(1, 0)).unwrap();
    assert!(g.spawn_unit(P1, Pos::new(1, 0)).is_none(), "taken");
    let b = g.spawn_unit(P1, Pos::new(1, 1)).unwrap();
    assert_eq!((a.0, b.0), (0, 1));
    assert_eq!(g.scores()[1].units, 1);
}

#[test]
fn a_game_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Game>();
    let g = Game::new(&Map::bundled("duel").unwrap(), 2, &GameConfig::default()).unwrap();
    let handle = std::thread::spawn(move || {
        let mut g = g;
        g.step();
        g.tick()
    });
    assert_eq!(handle.join().unwrap(), 1);
}
