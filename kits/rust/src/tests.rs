//! The bot's behaviour, tick by tick, natively (`cargo test`): hand-made
//! maps and observations from `lockstep_sdk::testing`.

use super::*;
use lockstep_sdk::testing::{core, match_info, observation, unit};
use lockstep_sdk::{Direction, UnitView};

/// Two cores, a source near each, a wide floor between.
const MAP: [&str; 9] = [
    "##############",
    "#A...........#",
    "#*...........#",
    "#............#",
    "#............#",
    "#............#",
    "#...........*#",
    "#...........B#",
    "##############",
];

fn pack() -> Pack {
    Pack::new(&match_info(&MAP, PlayerId(0)))
}

fn cores() -> Vec<lockstep_sdk::CoreView> {
    vec![core(0, 1, 1), core(1, 12, 7)]
}

/// Two miners in place, by the source near core A.
fn miners() -> Vec<UnitView> {
    vec![unit(1, 0, 2, 2), unit(2, 0, 1, 3)]
}

fn orders_of(actions: &[Action], id: u32) -> Vec<Action> {
    actions
        .iter()
        .copied()
        .filter(|a| a.unit() == Some(UnitId(id)))
        .collect()
}

#[test]
fn the_core_spawns_when_it_can_afford_a_unit() {
    let mut bot = pack();
    let actions = bot.tick(&observation(0, 30, vec![], cores()));
    assert!(
        actions.iter().any(|a| matches!(a, Action::Spawn { .. })),
        "{actions:?}"
    );
    let actions = bot.tick(&observation(1, 9, vec![], cores()));
    assert!(actions.is_empty(), "{actions:?}");
}

#[test]
fn the_first_units_mine_next_to_a_source() {
    let mut bot = pack();
    // The nearest cell to mine from is (2, 2), west of the source at (1, 2):
    // unit 1 walks there, then harvests.
    let actions = bot.tick(&observation(3, 0, vec![unit(1, 0, 2, 3)], cores()));
    assert_eq!(
        orders_of(&actions, 1),
        [Action::Move {
            unit: UnitId(1),
            dir: Direction::North
        }]
    );
    let actions = bot.tick(&observation(4, 0, vec![unit(1, 0, 2, 2)], cores()));
    assert_eq!(
        orders_of(&actions, 1),
        [Action::Harvest {
            unit: UnitId(1),
            dir: Direction::West
        }]
    );
}

#[test]
fn the_pack_waits_until_it_is_big_enough_then_marches() {
    let mut bot = pack();
    // Two miners at their source, and pack units near home.
    let mut units: Vec<UnitView> = miners();
    let waiting = [(4, 1), (4, 2), (4, 3), (3, 4), (2, 5)];
    assert_eq!(units.len(), 2);
    for (k, &(x, y)) in waiting.iter().enumerate() {
        units.push(unit(10 + k as u32, 0, x, y));
    }
    bot.tick(&observation(20, 0, units.clone(), cores()));
    assert!(bot.marching.is_empty(), "five wait: {:?}", bot.marching);
    units.push(unit(20, 0, 3, 3));
    bot.tick(&observation(21, 0, units, cores()));
    assert_eq!(bot.marching.len(), PACK_SIZE, "six leave together");
}

#[test]
fn a_unit_hits_the_weakest_enemy_unit_before_the_core() {
    let mut bot = pack();
    // Unit 5 has the enemy core east, a full enemy unit west, a weak one north.
    let mut weak = unit(7, 1, 11, 6);
    weak.hp = 3;
    let units = vec![unit(5, 0, 11, 7), weak, unit(8, 1, 10, 7)];
    let actions = bot.tick(&observation(40, 0, units, cores()));
    assert_eq!(
        orders_of(&actions, 5),
        [Action::Attack {
            unit: UnitId(5),
            dir: Direction::North
        }]
    );
}

#[test]
fn a_unit_goes_for_a_nearby_enemy_unit() {
    let mut bot = pack();
    // An enemy three steps east of a pack unit: the unit steps towards it.
    let mut units = miners();
    units.extend([unit(5, 0, 6, 4), unit(9, 1, 9, 4)]);
    let actions = bot.tick(&observation(40, 0, units, cores()));
    assert_eq!(
        orders_of(&actions, 5),
        [Action::Move {
            unit: UnitId(5),
            dir: Direction::East
        }]
    );
}
