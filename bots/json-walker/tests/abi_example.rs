//! The worked example of `docs/abi.md`, encoded for real: the bytes and JSON
//! printed in the doc are asserted here, and the doc is checked to contain
//! them, so the two cannot drift apart.

use lockstep_sdk::{
    Action, CoreInfo, CoreView, Direction, Encoding, Limits, MatchInfo, Observation, PlayerId, Pos,
    RejectReason, Rejection, Rules, UnitId, UnitView, decode, encode,
};

fn observation() -> Observation {
    Observation {
        tick: 7,
        energy: 25,
        units: vec![
            UnitView {
                id: UnitId(3),
                owner: PlayerId(0),
                pos: Pos::new(2, 1),
                hp: 10,
            },
            UnitView {
                id: UnitId(9),
                owner: PlayerId(1),
                pos: Pos::new(3, 1),
                hp: 4,
            },
        ],
        cores: vec![CoreView {
            owner: PlayerId(0),
            pos: Pos::new(1, 1),
            hp: 200,
        }],
        rejected: vec![Rejection {
            index: 1,
            action: Action::Move {
                unit: UnitId(3),
                dir: Direction::East,
            },
            reason: RejectReason::MoveCollided,
        }],
        eliminated: vec![],
    }
}

fn actions() -> Vec<Action> {
    vec![
        Action::Attack {
            unit: UnitId(3),
            dir: Direction::East,
        },
        Action::Spawn {
            dir: Direction::South,
        },
    ]
}

fn match_info() -> MatchInfo {
    MatchInfo {
        abi_version: 1,
        you: PlayerId(0),
        players: 2,
        seed: 300,
        width: 5,
        height: 3,
        rows: vec!["#####".into(), "#A*B#".into(), "#####".into()],
        sources: vec![Pos::new(2, 1)],
        cores: vec![
            CoreInfo {
                owner: PlayerId(0),
                pos: Pos::new(1, 1),
            },
            CoreInfo {
                owner: PlayerId(1),
                pos: Pos::new(3, 1),
            },
        ],
        rules: Rules {
            core_hp: 200,
            unit_hp: 10,
            unit_damage: 2,
            unit_cost: 10,
            start_energy: 30,
            core_income: 1,
            harvest_amount: 1,
            unit_vision2: 25,
            core_vision2: 49,
            max_units: 50,
        },
        limits: Limits {
            max_ticks: 500,
            init_fuel: 200_000_000,
            tick_fuel: 20_000_000,
            max_actions: 64,
            max_output_bytes: 65536,
            max_log_lines: 16,
            max_log_line_bytes: 256,
            max_memory_bytes: 64 << 20,
        },
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

const OBSERVATION_HEX: &str =
    "07 19 02 03 00 02 01 0a 09 01 03 01 04 01 00 01 01 c8 01 01 01 01 03 01 05 00";
const OBSERVATION_JSON: &str = r#"{"tick":7,"energy":25,"units":[{"id":3,"owner":0,"pos":{"x":2,"y":1},"hp":10},{"id":9,"owner":1,"pos":{"x":3,"y":1},"hp":4}],"cores":[{"owner":0,"pos":{"x":1,"y":1},"hp":200}],"rejected":[{"index":1,"action":{"Move":{"unit":3,"dir":"East"}},"reason":"MoveCollided"}],"eliminated":[]}"#;
const ACTIONS_HEX: &str = "02 02 03 01 00 02";
const ACTIONS_JSON: &str = r#"[{"Attack":{"unit":3,"dir":"East"}},{"Spawn":{"dir":"South"}}]"#;
const MATCH_INFO_HEX: &str = "01 00 02 ac 02 05 03 03 05 23 23 23 23 23 05 23 41 2a 42 23 05 23 23 23 23 23 01 02 01 02 00 01 01 01 03 01 c8 01 0a 02 0a 1e 01 01 19 31 32 f4 03 80 84 af 5f 80 da c4 09 40 80 80 04 10 80 02 80 80 80 20";
const MATCH_INFO_JSON: &str = r######"{"abi_version":1,"you":0,"players":2,"seed":300,"width":5,"height":3,"rows":["#####","#A*B#","#####"],"sources":[{"x":2,"y":1}],"cores":[{"owner":0,"pos":{"x":1,"y":1}},{"owner":1,"pos":{"x":3,"y":1}}],"rules":{"core_hp":200,"unit_hp":10,"unit_damage":2,"unit_cost":10,"start_energy":30,"core_income":1,"harvest_amount":1,"unit_vision2":25,"core_vision2":49,"max_units":50},"limits":{"max_ticks":500,"init_fuel":200000000,"tick_fuel":20000000,"max_actions":64,"max_output_bytes":65536,"max_log_lines":16,"max_log_line_bytes":256,"max_memory_bytes":67108864}}"######;

/// One value against its documented bytes and JSON: encodes to exactly them,
/// decodes back from both, and the doc shows both verbatim.
macro_rules! check {
    ($ty:ty, $value:expr, $hex:expr, $json:expr) => {{
        let value: $ty = $value;
        let postcard = encode(Encoding::Postcard, &value);
        assert_eq!(hex(&postcard), $hex);
        let json = encode(Encoding::Json, &value);
        assert_eq!(String::from_utf8(json.clone()).unwrap(), $json);
        assert_eq!(decode::<$ty>(Encoding::Postcard, &postcard).unwrap(), value);
        assert_eq!(decode::<$ty>(Encoding::Json, &json).unwrap(), value);
        let doc = abi_doc();
        assert!(doc.contains($hex), "docs/abi.md lacks the bytes {}", $hex);
        assert!(doc.contains($json), "docs/abi.md lacks the JSON {}", $json);
    }};
}

fn abi_doc() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/abi.md");
    std::fs::read_to_string(path).expect("docs/abi.md")
}

#[test]
fn observation_example() {
    check!(
        Observation,
        observation(),
        OBSERVATION_HEX,
        OBSERVATION_JSON
    );
}

#[test]
fn actions_example() {
    check!(Vec<Action>, actions(), ACTIONS_HEX, ACTIONS_JSON);
}

#[test]
fn match_info_example() {
    check!(MatchInfo, match_info(), MATCH_INFO_HEX, MATCH_INFO_JSON);
}

#[test]
fn packed_output_word_example() {
    assert_eq!(
        lockstep_sdk::abi::pack_output(0x11000, 6),
        0x0001_1000_0000_0006
    );
    assert!(abi_doc().contains("`0x0001100000000006`"));
}

#[test]
fn documented_variant_indices_hold() {
    // Direction and RejectReason indices as listed in section 6.
    let dir = |d| encode(Encoding::Postcard, &d)[0];
    assert_eq!(
        [
            Direction::North,
            Direction::East,
            Direction::South,
            Direction::West
        ]
        .map(dir),
        [0, 1, 2, 3]
    );
    use RejectReason::*;
    let all = [
        NoSuchUnit,
        NotYourUnit,
        AlreadyOrdered,
        TooManyActions,
        Blocked,
        MoveCollided,
        NoEnemy,
        NoSource,
        NotEnoughEnergy,
        UnitCap,
        SpawnBlocked,
    ];
    for (k, r) in all.into_iter().enumerate() {
        assert_eq!(encode(Encoding::Postcard, &r), vec![k as u8]);
        assert!(abi_doc().contains(&format!("`{k} {r:?}`")), "{r:?} at {k}");
    }
    let empty: Vec<Action> = Vec::new();
    assert_eq!(encode(Encoding::Postcard, &empty), vec![0]);
    assert_eq!(encode(Encoding::Json, &empty), b"[]".to_vec());
    // Trailing bytes make a message undecodable.
    assert!(decode::<Vec<Action>>(Encoding::Postcard, &[0, 0]).is_err());
    // The worked varints.
    assert_eq!(encode(Encoding::Postcard, &300u64), vec![0xac, 0x02]);
    assert_eq!(encode(Encoding::Postcard, &200u16), vec![0xc8, 0x01]);
}
