use super::*;
use lockstep_sdk::testing::{core, unit};
use lockstep_sdk::{CoreView, Direction, UnitView};

pub fn info(rows: &[&str], you: u8) -> MatchInfo {
    lockstep_sdk::testing::match_info(rows, PlayerId(you))
}

fn obs(energy: u32, units: Vec<UnitView>, cores: Vec<CoreView>) -> Observation {
    lockstep_sdk::testing::observation(5, energy, units, cores)
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
