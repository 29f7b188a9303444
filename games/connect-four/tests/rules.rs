//! The rules, driven through `Game` as the engine drives it, and a golden
//! test through the engine's erased path (`def::<ConnectFour>()`).

use lockstep_connect_four::{ConnectFour, Settings};
use lockstep_connect_four_sdk::{Action, Init, Observation, RejectReason, Rejection};
use lockstep_game_api::{DynGame, Encoding, EngineLimits, Game, MapChoice, Setup, SetupError, def};
use serde_json::{Value, json};

fn setup<'a>(map: MapChoice<'a>, settings: &'a Value) -> Setup<'a> {
    let seed = 1; // decides nothing in this game
    Setup {
        map,
        seats: 2,
        seed,
        settings,
    }
}

/// A match as the engine starts one: seats and settings checked, then `new`.
fn start(map: &str, settings: Value) -> Result<Box<dyn DynGame>, SetupError> {
    def::<ConnectFour>().start(&setup(MapChoice::Spec(map), &settings))
}

/// A classic match, to drive through `Game` directly.
fn classic(max_ticks: Option<u32>) -> ConnectFour {
    let setup = setup(MapChoice::Spec("classic"), &Value::Null);
    ConnectFour::new(&setup, Settings { max_ticks }).unwrap()
}

fn drop(column: u8) -> Action {
    Action::Drop { column }
}

/// Plays `moves`, one column digit per turn, checking whose turn it is.
fn play(game: &mut ConnectFour, moves: &str) {
    for column in moves.bytes().map(|b| b - b'0') {
        let seat = game.tick() as usize % 2;
        assert!(
            game.to_act(seat) && !game.to_act(1 - seat),
            "{moves}: over early"
        );
        game.submit(seat, &[drop(column)]);
        game.step();
    }
}

/// The ranking and seat 0's score once `game` is over.
fn outcome(game: &ConnectFour) -> (Vec<u32>, Value) {
    assert!(game.is_over() && !game.to_act(0) && !game.to_act(1));
    (game.ranking(), game.scores()[0].clone())
}

#[test]
fn four_in_a_row_wins_in_every_direction() {
    for (moves, ranking) in [
        ("0011223", [0, 1]),     // horizontal, seat 0
        ("01016161", [1, 0]),    // vertical, seat 1
        ("01122323363", [0, 1]), // diagonal up to the right
        ("65544343303", [0, 1]), // diagonal up to the left
    ] {
        let mut game = classic(None);
        play(&mut game, moves);
        let (got, score) = outcome(&game);
        assert_eq!(got, ranking, "{moves}");
        assert_eq!(score["end"], "four-in-a-row");
    }
}

#[test]
fn a_full_board_or_the_tick_limit_is_a_draw() {
    let mut game = classic(None);
    play(&mut game, "000000111111222222433333344444555555666666");
    let draw = json!({"discs": 21, "end": "board-full"});
    assert_eq!(outcome(&game), (vec![0, 0], draw));

    let mut game = classic(Some(3));
    play(&mut game, "012");
    let draw = json!({"discs": 2, "end": "tick-limit"});
    assert_eq!(outcome(&game), (vec![0, 0], draw));
}

#[test]
fn no_playable_drop_forfeits() {
    // A full column, a column off the board, nothing at all (the bot failed).
    for actions in [vec![drop(0)], vec![drop(7), drop(255)], vec![]] {
        let mut game = classic(None);
        play(&mut game, "000000");
        game.submit(0, &actions);
        game.step();
        let loss = json!({"discs": 3, "end": "forfeit"});
        assert_eq!(outcome(&game), (vec![1, 0], loss));
    }
    let mut game = classic(None);
    play(&mut game, "3");
    game.step(); // seat 1's bot returned nothing decodable: `submit` was never called
    assert_eq!(outcome(&game).0, vec![0, 1]);
}

#[test]
fn the_first_playable_drop_is_played_and_the_rest_rejected() {
    let mut game = classic(None);
    play(&mut game, "000000");
    game.submit(0, &[drop(0), drop(3), drop(4)]);
    game.step();
    play(&mut game, "3");
    let seen = game.observe(0);
    assert_eq!((seen.tick, seen.last_move), (8, Some(3)));
    assert_eq!(&seen.board[3..5], &[1, 0]);
    let column_full = Rejection {
        column: 0,
        reason: RejectReason::ColumnFull,
    };
    assert_eq!(
        (seen.rejected, game.rejected_total(0)),
        (Some(column_full), 2)
    );
}

#[test]
fn turns_alternate_and_only_the_seat_to_move_is_heard() {
    let mut game = classic(None);
    assert!(game.to_act(0) && !game.to_act(1));
    game.submit(1, &[drop(3)]); // not its turn: ignored
    game.submit(0, &[drop(2)]);
    game.step();
    assert!(!game.to_act(0) && game.to_act(1));
    assert_eq!(&game.observe(1).board[..4], &[0, 0, 1, 0]);
}

#[test]
fn maps_and_settings() {
    let engine = def::<ConnectFour>();
    assert_eq!(engine.default_settings(), json!({"max_ticks": null}));
    let typo = engine.check_settings(&json!({"max_tick": 9}));
    assert!(matches!(typo, Err(SetupError::Settings { .. })), "{typo:?}");
    let zero = start("classic", json!({"max_ticks": 0})).err();
    assert!(
        matches!(zero, Some(SetupError::Settings { .. })),
        "{zero:?}"
    );

    for (spec, size, max_ticks) in [
        ("classic", "7x6", 42),
        ("8x7", "8x7", 56),
        ("4x12", "4x12", 48),
    ] {
        let game = start(spec, Value::Null).unwrap();
        let map = game.recorded_map();
        assert_eq!((map.name.as_str(), map.data.as_str()), (spec, size));
        assert_eq!(game.settings(), json!({ "max_ticks": max_ticks }));
        let again = engine.start(&setup(MapChoice::Recorded(&map), &Value::Null));
        assert_eq!(again.unwrap().recorded_map(), map);
    }
    for spec in ["3x6", "7x13", "7x", "x", "random", ""] {
        let Some(SetupError::Map(message)) = start(spec, Value::Null).err() else {
            panic!("{spec}")
        };
        assert!(message.contains("W and H from 4 to 12"), "{message}");
    }
    assert!(start("classic", json!({})).is_ok());
}

/// A game of seeded pseudo-random legal moves, played as the engine plays
/// one: JSON init and observations, postcard actions, canonical bytes.
fn random_game(map: &str, mut seed: u64) -> String {
    let mut game = start(map, Value::Null).unwrap();
    let init = game.init_message(0, seed, &EngineLimits::default(), Encoding::Json);
    let init: Init = serde_json::from_slice(&init).unwrap();
    let (mut bytes, mut recorded) = (Vec::new(), Vec::new());
    while !game.is_over() {
        let seat = (0..2).find(|&seat| game.to_act(seat)).unwrap();
        bytes.clear();
        game.encode_observation(seat, Encoding::Json, &mut bytes);
        let seen: Observation = serde_json::from_slice(&bytes).unwrap();
        let open: Vec<u8> = (0..init.columns)
            .filter(|&c| seen.is_open(init.columns, c))
            .collect();
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let column = open[(seed >> 33) as usize % open.len()];
        // Postcard: a list of one action, variant 0 (`Drop`), the column's byte.
        let canonical = [1, 0, column];
        game.submit_canonical(seat, &canonical).unwrap();
        recorded.clear();
        game.submitted_canonical(seat, &mut recorded);
        assert_eq!(recorded, canonical);
        game.step();
    }
    let hash: String = game
        .state_hash()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{map} {} {:?} {hash}", game.tick(), game.ranking())
}

#[test]
fn golden_random_games() {
    let engine = def::<ConnectFour>();
    assert_eq!(
        engine.describe_actions(&[1, 0, 3]).unwrap(),
        ["drop in column 3"]
    );
    assert_eq!(
        engine.actions_json(&[1, 0, 3]).unwrap(),
        json!([{"Drop": {"column": 3}}])
    );
    let games = [("classic", 1), ("classic", 2), ("8x7", 3), ("4x4", 8)];
    let played: Vec<String> = games
        .iter()
        .map(|&(map, seed)| random_game(map, seed))
        .collect();
    assert_eq!(
        played,
        [
            "classic 26 [1, 0] fe9d99a14ea8f277709ce3173ebc217f5598f1c03da854862d01730ce329965d",
            "classic 33 [0, 1] dd2d575b7f48a7ce8819eb2b0554fddd6696edc751389fc3897ca452e9befad2",
            "8x7 26 [1, 0] 6457d47d02823902d8d57de7f5d5346535fa4f56bf1c26230fdedd8cdd469a09",
            "4x4 16 [0, 0] bef2a236ba145166898f9d594a31ea262f157339b58ab13645bc3f66fd55b784",
        ]
    );
}
