use super::*;
use lockstep_sdk::CoreInfo;
use lockstep_sdk::{CoreView, Direction, Limits, Rules, UnitView};

pub fn info(rows: &[&str], you: u8) -> MatchInfo {
    let mut sources = Vec::new();
    let mut cores = Vec::new();
    for (y, row) in rows.iter().enumerate() {
        for (x, c) in row.bytes().enumerate() {
            let pos = Pos::new(x as u16, y as u16);
            match c {
                b'*' => sources.push(pos),
                b'A'..=b'H' => cores.push(CoreInfo {
                    owner: PlayerId(c - b'A'),
                    pos,
                }),
                _ => {}
            }
        }
    }
    cores.sort_by_key(|c| c.owner);
    MatchInfo {
        abi_version: 1,
        you: PlayerId(you),
        players: cores.len() as u8,
        seed: 7,
        width: rows[0].len() as u16,
        height: rows.len() as u16,
        rows: rows.iter().map(|r| r.to_string()).collect(),
        sources,
        cores,
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
            init_fuel: 100_000_000,
            tick_fuel: 10_000_000,
            max_actions: 64,
            max_output_bytes: 65536,
            max_log_lines: 8,
            max_log_line_bytes: 256,
            max_memory_bytes: 64 << 20,
        },
    }
}

fn unit(id: u32, owner: u8, x: u16, y: u16) -> UnitView {
    UnitView {
        id: UnitId(id),
        owner: PlayerId(owner),
        pos: Pos::new(x, y),
        hp: 10,
    }
}

fn obs(energy: u32, units: Vec<UnitView>, cores: Vec<CoreView>) -> Observation {
    Observation {
        tick: 5,
        energy,
        units,
        cores,
        rejected: Vec::new(),
    }
}

fn core(owner: u8, x: u16, y: u16) -> CoreView {
    CoreView {
        owner: PlayerId(owner),
        pos: Pos::new(x, y),
        hp: 200,
    }
}

const OPEN: [&str; 7] = [
    "#########",
    "#A......#",
    "#.......#",
    "#...*...#",
    "#.......#",
    "#......B#",
    "#########",
];

fn run(seed: u64, ticks: u32) -> Vec<Vec<Action>> {
    let mut info = info(&OPEN, 0);
    info.seed = seed;
    let mut bot = RandomWalker::new(&info);
    let units = vec![unit(1, 0, 3, 2), unit(2, 0, 5, 4), unit(3, 0, 2, 4)];
    (0..ticks)
        .map(|t| {
            let mut o = obs(30, units.clone(), vec![core(0, 1, 1), core(1, 7, 5)]);
            o.tick = t;
            bot.tick(&o)
        })
        .collect()
}

#[test]
fn same_seed_same_play_other_seed_other_play() {
    assert_eq!(run(1, 20), run(1, 20));
    assert_ne!(run(1, 20), run(2, 20));
    assert_ne!(run(2, 20), run(3, 20));
}

#[test]
fn never_sends_two_units_into_one_cell_nor_spawns_onto_a_unit() {
    for seed in 0..200 {
        let mut info = info(&OPEN, 0);
        info.seed = seed;
        let mut bot = RandomWalker::new(&info);
        // A crowd around the core: units at (2, 1), (1, 2), (2, 2).
        let units = vec![unit(1, 0, 2, 1), unit(2, 0, 1, 2), unit(3, 0, 2, 2)];
        let o = obs(30, units.clone(), vec![core(0, 1, 1), core(1, 7, 5)]);
        let actions = bot.tick(&o);
        let mut cells = Vec::new();
        for a in &actions {
            match *a {
                Action::Move { unit, dir } => {
                    let u = units.iter().find(|u| u.id == unit).unwrap();
                    let to = u.pos.step(dir, 9, 7).unwrap();
                    assert!(info.is_floor(to), "seed {seed}: {a:?}");
                    cells.push(to);
                }
                Action::Spawn { dir } => {
                    let to = Pos::new(1, 1).step(dir, 9, 7).unwrap();
                    assert!(!units.iter().any(|u| u.pos == to), "seed {seed}: {a:?}");
                    cells.push(to);
                }
                _ => panic!("seed {seed}: unexpected {a:?}"),
            }
        }
        let n = cells.len();
        cells.sort();
        cells.dedup();
        assert_eq!(n, cells.len(), "seed {seed}: {actions:?}");
    }
}

#[test]
fn hits_an_adjacent_enemy() {
    let mut bot = RandomWalker::new(&info(&OPEN, 0));
    let o = obs(
        0,
        vec![unit(1, 0, 4, 2), unit(9, 1, 4, 1)],
        vec![core(0, 1, 1), core(1, 7, 5)],
    );
    assert_eq!(
        bot.tick(&o),
        vec![Action::Attack {
            unit: UnitId(1),
            dir: Direction::North
        }]
    );
    let o = obs(
        0,
        vec![unit(1, 0, 7, 4)],
        vec![core(0, 1, 1), core(1, 7, 5)],
    );
    assert_eq!(
        bot.tick(&o),
        vec![Action::Attack {
            unit: UnitId(1),
            dir: Direction::South
        }]
    );
}
