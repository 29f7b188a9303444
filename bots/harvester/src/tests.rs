use super::*;
use lockstep_sdk::testing::{core, unit};
use lockstep_sdk::{CoreView, Direction, UnitView};

pub fn info(rows: &[&str], you: u8) -> MatchInfo {
    lockstep_sdk::testing::match_info(rows, PlayerId(you))
}

fn obs(energy: u32, units: Vec<UnitView>, cores: Vec<CoreView>) -> Observation {
    lockstep_sdk::testing::observation(5, energy, units, cores)
}

const MAP: [&str; 7] = [
    "###########",
    "#A........#",
    "#.........#",
    "#....*....#",
    "#.........#",
    "#........B#",
    "###########",
];

fn cores() -> Vec<CoreView> {
    vec![core(0, 1, 1), core(1, 9, 5)]
}

#[test]
fn harvests_when_next_to_a_source() {
    let mut bot = Harvester::new(&info(&MAP, 0));
    // The first unit is a harvester; (5, 2) is just north of the source (5, 3).
    let o = obs(0, vec![unit(1, 0, 5, 2)], cores());
    assert_eq!(
        bot.tick(&o),
        vec![Action::Harvest {
            unit: UnitId(1),
            dir: Direction::South
        }]
    );
}

#[test]
fn walks_to_the_nearest_source_side_cell_and_stays_there() {
    let info = info(&MAP, 0);
    let mut bot = Harvester::new(&info);
    let mut pos = Pos::new(2, 3);
    for _ in 0..10 {
        let actions = bot.tick(&obs(0, vec![unit(1, 0, pos.x, pos.y)], cores()));
        assert_eq!(actions.len(), 1, "{actions:?}");
        match actions[0] {
            Action::Move { dir, .. } => pos = pos.step(dir, 11, 7).unwrap(),
            Action::Harvest { dir, .. } => {
                assert_eq!(pos.step(dir, 11, 7), Some(Pos::new(5, 3)));
                assert_eq!(pos, Pos::new(4, 3), "the nearest side of the source");
                return;
            }
            a => panic!("unexpected {a:?}"),
        }
    }
    panic!("never harvested");
}

#[test]
fn two_harvesters_claim_different_cells() {
    let mut bot = Harvester::new(&info(&MAP, 0));
    let units = vec![unit(1, 0, 3, 3), unit(2, 0, 3, 2)];
    let actions = bot.tick(&obs(0, units.clone(), cores()));
    let moves: Vec<Pos> = actions
        .iter()
        .map(|a| match *a {
            Action::Move { unit, dir } => {
                let u = units.iter().find(|u| u.id == unit).unwrap();
                u.pos.step(dir, 11, 7).unwrap()
            }
            a => panic!("unexpected {a:?}"),
        })
        .collect();
    assert_eq!(moves.len(), 2, "{actions:?}");
    assert_ne!(moves[0], moves[1]);
    // Unit 1 heads for (4, 3), unit 2 for (5, 2), each by the shortest path.
    assert_eq!(moves[0], Pos::new(4, 3));
    assert_eq!(moves[1], Pos::new(4, 2));
}

#[test]
fn fights_back_and_spawns_onto_free_cells() {
    let mut bot = Harvester::new(&info(&MAP, 0));
    let units = vec![unit(1, 0, 5, 2), unit(7, 1, 5, 1), unit(8, 1, 2, 1)];
    let actions = bot.tick(&obs(30, units, cores()));
    assert_eq!(
        actions,
        vec![
            Action::Attack {
                unit: UnitId(1),
                dir: Direction::North
            },
            // (2, 1) holds an enemy: the core spawns south instead.
            Action::Spawn {
                dir: Direction::South
            }
        ]
    );
}

#[test]
fn new_units_get_all_three_roles() {
    let mut bot = Harvester::new(&info(&MAP, 0));
    // 13 units: some harvest, some defend, the rest are soldiers.
    let mut units: Vec<UnitView> = (0..13u32)
        .map(|k| unit(k + 1, 0, 1 + (k % 9) as u16, 2 + (k / 9) as u16 * 2))
        .collect();
    units.push(unit(99, 1, 3, 1));
    bot.tick(&obs(0, units.clone(), cores()));
    let roles: Vec<Role> = bot.roles.iter().map(|r| r.1).collect();
    assert!(roles.contains(&Role::Harvester));
    assert!(roles.contains(&Role::Defender));
    assert!(roles.iter().any(|r| matches!(r, Role::Soldier { .. })));
}

#[test]
fn a_wave_leaves_once_eight_soldiers_wait() {
    let mut bot = Harvester::new(&info(&MAP, 0));
    // 24 units on distinct floor cells: some harvest, some defend, and the
    // rest are soldiers, at least eight of them, so they march at once.
    let cells: Vec<(u16, u16)> = (1..6u16)
        .flat_map(|y| (1..10u16).map(move |x| (x, y)))
        .filter(|&c| c != (1, 1) && c != (5, 3) && c != (9, 5))
        .collect();
    let units: Vec<UnitView> = cells
        .iter()
        .take(24)
        .enumerate()
        .map(|(k, &(x, y))| unit(k as u32 + 1, 0, x, y))
        .collect();
    bot.tick(&obs(0, units, cores()));
    let count = |r: Role| bot.roles.iter().filter(|x| x.1 == r).count();
    assert!(count(Role::Harvester) >= 1);
    assert!(count(Role::Defender) >= 1);
    assert!(count(Role::Soldier { marching: true }) >= WAVE_SIZE);
    assert_eq!(count(Role::Soldier { marching: false }), 0);
}

#[test]
fn settled_cells_are_never_chokepoints() {
    // The only way between the two rooms is the doorway at (3, 2), right
    // under the source at (3, 1). Nobody may harvest, guard or wait in it.
    let rows = ["########", "#A.*...#", "#......#", "#..#..B#", "########"];
    let bot = Harvester::new(&info(&rows, 0));
    let door = Pos::new(3, 2);
    let mut sides: Vec<Pos> = bot.spots.iter().map(|s| s.0).collect();
    sides.sort();
    assert_eq!(sides, vec![Pos::new(2, 1), Pos::new(4, 1)]);
    assert!(bot.spots.iter().all(|&(p, _)| p != door));
    assert!(!bot.posts.contains(&door));
    assert!(!bot.rally.contains(&door));
}
