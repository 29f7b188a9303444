//! The view refresh patches only what a step changed (`state::Changes`); a
//! missed change would go unnoticed until a bot saw a stale unit or vision.
//! These play busy games and check, after every step, that the patched view
//! equals one rebuilt from the entities.

use lockstep_sdk::Direction;

use super::*;

type ViewState = (
    Vec<UnitView>,
    Vec<u32>,
    Option<(Pos, Pos)>,
    Vec<u128>,
    Vec<PlayerState>,
);

fn view_state(game: &Game) -> ViewState {
    let view = game.world.resource::<View>();
    let players = game.world.resource::<Players>();
    let slot = view.slot.clone();
    (
        view.units.clone(),
        slot,
        view.extent,
        view.vision.clone(),
        players.0.clone(),
    )
}

/// The view as a full refresh makes it: what the patch must equal.
fn rebuilt(game: &mut Game) -> ViewState {
    game.world.resource_mut::<Changes>().roster = true;
    game.refresh.run(&mut game.world);
    view_state(game)
}

#[test]
fn the_patched_view_equals_a_rebuilt_one_after_every_step() {
    let mut config = GameConfig::default();
    // Frail units and cores, plenty of energy: deaths, spawns and
    // eliminations every few ticks.
    config.rules.unit_hp = 2;
    config.rules.core_hp = 6;
    config.rules.start_energy = 10_000;
    config.max_ticks = 400;
    let dirs = [
        Direction::North,
        Direction::East,
        Direction::South,
        Direction::West,
    ];
    for (spec, players) in [("duel", 2), ("arena", 8), ("random:24x24", 4)] {
        let map = Map::resolve(spec, players, 3).unwrap();
        let mut game = Game::new(&map, players, &config).unwrap();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u32| {
            rng = rng
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (rng >> 33) as u32 % n
        };
        let (mut deaths, mut moved) = (0, 0);
        let mut last: Vec<UnitView> = Vec::new();
        let mut obs = Observation::default();
        while !game.is_over() {
            for p in 0..players as u8 {
                game.observe(PlayerId(p), &mut obs);
                let mut actions = vec![Action::Spawn {
                    dir: dirs[next(4) as usize],
                }];
                // Mostly towards the next player's core, to reach it.
                let goal = game.map().cores[(p as usize + 1) % players];
                for u in obs.units.iter().filter(|u| u.owner == PlayerId(p)) {
                    let toward = if u.pos.x.abs_diff(goal.x) > u.pos.y.abs_diff(goal.y) {
                        if u.pos.x < goal.x { 1 } else { 3 }
                    } else if u.pos.y < goal.y {
                        2
                    } else {
                        0
                    };
                    let dir = dirs[if next(3) == 0 {
                        next(4) as usize
                    } else {
                        toward
                    }];
                    actions.push(match next(3) {
                        0 => Action::Attack { unit: u.id, dir },
                        _ => Action::Move { unit: u.id, dir },
                    });
                }
                game.submit(PlayerId(p), &actions);
            }
            game.step();
            let patched = view_state(&game);
            // Units of the last tick that are gone, or stand elsewhere.
            for u in &last {
                match patched.0.iter().find(|v| v.id == u.id) {
                    None => deaths += 1,
                    Some(v) if v.pos != u.pos => moved += 1,
                    Some(_) => {}
                }
            }
            last = patched.0.clone();
            assert_eq!(
                patched,
                rebuilt(&mut game),
                "{spec} after tick {}",
                game.tick()
            );
        }
        let out = players - game.scores().iter().filter(|s| s.alive).count();
        assert!(deaths > 10 && moved > 100 && out > 0, "{spec}: a busy game");
    }
}
