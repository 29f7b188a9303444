use super::*;
use lockstep_sdk::testing::{core, unit};
use lockstep_sdk::{CoreView, Direction, UnitView};

pub fn info(rows: &[&str], you: u8) -> MatchInfo {
    lockstep_sdk::testing::match_info(rows, PlayerId(you))
}

fn obs(energy: u32, units: Vec<UnitView>, cores: Vec<CoreView>) -> Observation {
    lockstep_sdk::testing::observation(5, energy, units, cores)
}

const MAP: [&str; 5] = [
    "#########",
    "#A......#",
    "#.##.##.#",
    "#......B#",
    "#########",
];

/// Follows the orders of one unit: where it stands after `Move`s.
fn apply(pos: Pos, actions: &[Action], id: u32) -> Pos {
    actions
        .iter()
        .find_map(|a| match *a {
            Action::Move { unit, dir } if unit == UnitId(id) => pos.step(dir, 99, 99),
            _ => None,
        })
        .unwrap_or(pos)
}

#[test]
fn steps_towards_the_enemy_core_and_reaches_it() {
    let info = info(&MAP, 0);
    let mut bot = Rusher::new(&info);
    let mut pos = Pos::new(2, 1);
    let goal = Pos::new(7, 3);
    for step in 0..20 {
        let o = obs(
            0,
            vec![unit(1, 0, pos.x, pos.y)],
            vec![core(0, 1, 1), core(1, 7, 3)],
        );
        let actions = bot.tick(&o);
        if pos.manhattan(goal) == 1 {
            return;
        }
        let next = apply(pos, &actions, 1);
        assert_eq!(next.manhattan(pos), 1, "tick {step}: {actions:?}");
        assert!(info.is_floor(next));
        pos = next;
    }
    panic!("never reached the core");
}

#[test]
fn attacks_the_core_when_adjacent() {
    let mut bot = Rusher::new(&info(&MAP, 0));
    let o = obs(
        0,
        vec![unit(1, 0, 6, 3)],
        vec![core(0, 1, 1), core(1, 7, 3)],
    );
    assert_eq!(
        bot.tick(&o),
        vec![Action::Attack {
            unit: UnitId(1),
            dir: Direction::East
        }]
    );
}

#[test]
fn attacks_an_enemy_unit_in_the_way() {
    let mut bot = Rusher::new(&info(&MAP, 0));
    let o = obs(
        0,
        vec![unit(1, 0, 2, 1), unit(9, 1, 3, 1)],
        vec![core(0, 1, 1), core(1, 7, 3)],
    );
    assert_eq!(
        bot.tick(&o),
        vec![Action::Attack {
            unit: UnitId(1),
            dir: Direction::East
        }]
    );
}

#[test]
fn a_column_follows_its_leader_without_collisions() {
    let mut bot = Rusher::new(&info(&MAP, 0));
    let o = obs(
        0,
        vec![unit(1, 0, 3, 1), unit(2, 0, 2, 1), unit(3, 0, 1, 2)],
        vec![core(0, 1, 1), core(1, 7, 3)],
    );
    let actions = bot.tick(&o);
    assert_eq!(actions.len(), 3, "{actions:?}");
    let mut targets: Vec<Pos> = o
        .units
        .iter()
        .map(|u| apply(u.pos, &actions, u.id.0))
        .collect();
    assert!(targets.iter().zip(&o.units).all(|(t, u)| *t != u.pos));
    targets.sort();
    targets.dedup();
    assert_eq!(
        targets.len(),
        3,
        "two units sent into one cell: {actions:?}"
    );
}

#[test]
fn spawns_only_onto_free_cells() {
    let mut bot = Rusher::new(&info(&MAP, 0));
    // Core A at (1, 1): its floor neighbours are (2, 1) and (1, 2).
    let o = obs(30, vec![], vec![core(0, 1, 1), core(1, 7, 3)]);
    let a = bot.tick(&o);
    assert_eq!(a.len(), 1);
    assert!(matches!(a[0], Action::Spawn { .. }));

    // Both cells held by enemies: no spawn.
    let o = obs(
        30,
        vec![unit(8, 1, 2, 1), unit(9, 1, 1, 2)],
        vec![core(0, 1, 1), core(1, 7, 3)],
    );
    assert!(
        bot.tick(&o)
            .iter()
            .all(|a| !matches!(a, Action::Spawn { .. }))
    );

    // Not enough energy: no spawn.
    assert!(
        bot.tick(&obs(9, vec![], vec![core(0, 1, 1), core(1, 7, 3)]))
            .is_empty()
    );
}

#[test]
fn spawn_prefers_a_cell_nobody_is_leaving() {
    let mut bot = Rusher::new(&info(&MAP, 0));
    // Our unit at (2, 1) must go east; the spawn takes the empty (1, 2) instead
    // of the cell the unit is leaving.
    let o = obs(
        30,
        vec![unit(1, 0, 2, 1)],
        vec![core(0, 1, 1), core(1, 7, 3)],
    );
    assert_eq!(
        bot.tick(&o),
        vec![
            Action::Move {
                unit: UnitId(1),
                dir: Direction::East
            },
            Action::Spawn {
                dir: Direction::South
            }
        ]
    );
}

#[test]
fn runs_through_the_encoded_abi_path() {
    use lockstep_sdk::{Encoding, Runner, decode, encode};
    let mut runner = Runner::<Rusher>::new(Encoding::Postcard);
    assert_eq!(runner.init(&encode(Encoding::Postcard, &info(&MAP, 1))), 0);
    let o = obs(30, vec![], vec![core(1, 7, 3)]);
    let out = runner.tick(&encode(Encoding::Postcard, &o)).to_vec();
    let actions: Vec<Action> = decode(Encoding::Postcard, &out).unwrap();
    assert_eq!(actions.len(), 1);
}

#[test]
fn a_lost_contest_sometimes_becomes_an_ambush() {
    use lockstep_sdk::{RejectReason, Rejection};
    // Unit 1 at (3, 1) wants (4, 1); enemy 9 at (5, 1) wants it too, and last
    // tick both bumped. Over seeds the rusher must sometimes hold and hit the
    // cell and sometimes try again, and never do anything else.
    let (mut ambush, mut retry) = (0, 0);
    for seed in 0..64 {
        let mut info = info(&MAP, 0);
        info.seed = seed;
        let mut bot = Rusher::new(&info);
        let mut o = obs(
            0,
            vec![unit(1, 0, 3, 1), unit(9, 1, 5, 1)],
            vec![core(0, 1, 1), core(1, 7, 3)],
        );
        let bumped = Action::Move {
            unit: UnitId(1),
            dir: Direction::East,
        };
        o.rejected = vec![Rejection {
            index: 0,
            action: bumped,
            reason: RejectReason::MoveCollided,
        }];
        match bot.tick(&o).as_slice() {
            [Action::Attack { unit, dir }] if *unit == UnitId(1) && *dir == Direction::East => {
                ambush += 1
            }
            [a] if *a == bumped => retry += 1,
            other => panic!("seed {seed}: {other:?}"),
        }
    }
    assert!(
        ambush > 10 && retry > 10,
        "{ambush} ambushes, {retry} retries"
    );
}

#[test]
fn stops_walking_to_an_eliminated_core_but_not_to_one_out_of_view() {
    let mut bot = Rusher::new(&info(&MAP, 0));
    // Core B is not in view: out of sight only, so the rush goes on.
    let o = obs(0, vec![unit(1, 0, 4, 3)], vec![core(0, 1, 1)]);
    assert_eq!(bot.tick(&o).len(), 1);
    // Player 1 is out: nothing left to walk to.
    let mut o = obs(0, vec![unit(1, 0, 4, 3)], vec![core(0, 1, 1)]);
    o.eliminated = vec![PlayerId(1)];
    assert!(bot.tick(&o).is_empty());
}

#[test]
fn cut_cells_are_the_chokepoints() {
    let rows = ["#######", "#..#..#", "#.....#", "#..#..#", "#######"];
    let grid = Grid::new(&info(&rows, 0));
    let cut: Vec<Pos> = (0..grid.cell_count())
        .filter(|&i| grid.cut_cells()[i])
        .map(|i| grid.pos(i))
        .collect();
    // The doorway between the two rooms, and the one cell on each side that
    // leads to it, each split the floor; no cell inside a room does.
    assert_eq!(cut, vec![Pos::new(2, 2), Pos::new(3, 2), Pos::new(4, 2)]);
}
