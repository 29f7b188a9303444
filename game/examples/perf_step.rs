use lockstep_game::{Game, GameConfig, Map};
use lockstep_sdk::{PlayerId, Pos};
use std::time::Instant;
fn main() {
    let map = Map::bundled("arena").unwrap();
    let config = GameConfig {
        max_ticks: 10_000_000,
        ..GameConfig::default()
    };
    let mut game = Game::new(&map, 8, &config).unwrap();
    let mut placed = 0;
    'outer: for y in 16..48u16 {
        for x in 16..48u16 {
            if game
                .spawn_unit(PlayerId((placed % 8) as u8), Pos::new(x, y))
                .is_some()
            {
                placed += 1;
                if placed == 400 {
                    break 'outer;
                }
            }
        }
    }
    let n = 200000;
    let t = Instant::now();
    for _ in 0..n {
        game.step();
    }
    println!("step: {:.2} µs", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
