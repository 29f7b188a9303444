//! Rough timings of the hot calls on a crowded 8-player arena.
//! `cargo build -p lockstep-game --release --examples && target/release/examples/perf`

use std::hint::black_box;
use std::time::Instant;

use lockstep_game::{Game, GameConfig, Map};
use lockstep_sdk::{Action, Direction, Observation, PlayerId, Pos};

fn main() {
    let map = Map::bundled("arena").expect("arena is bundled");
    let config = GameConfig {
        max_ticks: 1_000_000,
        ..GameConfig::default()
    };
    let mut game = Game::new(&map, 8, &config).expect("game");
    // 50 units per player, packed into the middle so everyone sees most of them.
    let mut placed = 0;
    'outer: for y in 16..48u16 {
        for x in 16..48u16 {
            let player = PlayerId((placed % 8) as u8);
            if game.spawn_unit(player, Pos::new(x, y)).is_some() {
                placed += 1;
                if placed == 400 {
                    break 'outer;
                }
            }
        }
    }
    let mut obs = Observation::default();
    game.observe(PlayerId(0), &mut obs);
    println!(
        "units on the map: {placed}; player 0 sees {} units",
        obs.units.len()
    );

    let n = 100_000;
    let t = Instant::now();
    for i in 0..n {
        game.observe(PlayerId((i % 8) as u8), &mut obs);
        black_box(&obs);
    }
    println!(
        "observe: {:.2} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );

    // One order per unit (moves in alternating directions) for every player.
    let mut orders: Vec<Vec<Action>> = vec![Vec::new(); 8];
    let ticks: usize = std::env::var("TICKS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(200);
    let mut submit_time = 0.0;
    let mut step_time = 0.0;
    let mut hash_time = 0.0;
    for tick in 0..ticks {
        for p in 0..8u8 {
            game.observe(PlayerId(p), &mut obs);
            let list = &mut orders[p as usize];
            list.clear();
            let dir = Direction::ALL[(tick + p as usize) % 4];
            list.extend(
                obs.my_units(PlayerId(p))
                    .map(|u| Action::Move { unit: u.id, dir }),
            );
        }
        let t = Instant::now();
        for p in 0..8u8 {
            game.submit(PlayerId(p), &orders[p as usize]);
        }
        submit_time += t.elapsed().as_secs_f64();
        let t = Instant::now();
        game.step();
        step_time += t.elapsed().as_secs_f64();
        let t = Instant::now();
        black_box(game.state_hash());
        hash_time += t.elapsed().as_secs_f64();
    }
    let per = |s: f64| s * 1e6 / ticks as f64;
    println!(
        "submit (8 players, 50 orders each): {:.2} µs per tick",
        per(submit_time)
    );
    println!(
        "step (400 units, 400 orders): {:.2} µs per tick",
        per(step_time)
    );
    println!("state_hash: {:.2} µs", per(hash_time));

    let t = Instant::now();
    for _ in 0..ticks {
        game.step();
    }
    println!(
        "step without orders: {:.2} µs per tick",
        per(t.elapsed().as_secs_f64())
    );
}
