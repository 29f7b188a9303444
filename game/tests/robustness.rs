//! Garbage in, no panic out: random maps texts and random order lists.

mod common;

use common::*;
use lockstep_game::{Game, GameConfig, Map};
use lockstep_sdk::{Action, Direction, Observation, PlayerId, UnitId};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn random_map_texts_never_panic() {
    let mut rng = Lcg(3);
    let alphabet = b"#.*ABCDEFGHIxyz; \n\n\n\r\t";
    for _ in 0..2000 {
        let len = rng.next(400) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[rng.next(alphabet.len() as u64) as usize] as char)
            .collect();
        let _ = Map::parse("fuzz", &text);
    }
    // Mostly valid grids with a few flipped cells.
    let base: Vec<u8> = OPEN.join("\n").into_bytes();
    for _ in 0..2000 {
        let mut bytes = base.clone();
        for _ in 0..1 + rng.next(4) {
            let i = rng.next(bytes.len() as u64) as usize;
            bytes[i] = alphabet[rng.next(alphabet.len() as u64) as usize];
        }
        if let Ok(text) = String::from_utf8(bytes)
            && let Ok(map) = Map::parse("fuzz", &text)
        {
            for players in 0..10 {
                let _ = Game::new(&map, players, &GameConfig::default());
            }
        }
    }
}

#[test]
fn random_orders_never_panic_and_stay_deterministic() {
    let run = |seed: u64| {
        let map = Map::bundled("crossroads").unwrap();
        let mut g = Game::new(&map, 4, &GameConfig::default()).unwrap();
        let mut rng = Lcg(seed);
        let mut obs = Observation::default();
        let mut hashes = Vec::new();
        for _ in 0..300 {
            for p in 0..6u8 {
                g.observe(PlayerId(p), &mut obs);
                let n = rng.next(40);
                let actions: Vec<Action> = (0..n)
                    .map(|_| {
                        let dir = Direction::ALL[rng.next(4) as usize];
                        // Mostly real units, sometimes nonsense ids.
                        let unit = if !obs.units.is_empty() && rng.next(4) != 0 {
                            obs.units[rng.next(obs.units.len() as u64) as usize].id
                        } else {
                            UnitId(rng.next(u32::MAX as u64) as u32)
                        };
                        match rng.next(5) {
                            0 => Action::Spawn { dir },
                            1 => Action::Attack { unit, dir },
                            2 => Action::Harvest { unit, dir },
                            _ => Action::Move { unit, dir },
                        }
                    })
                    .collect();
                g.submit(PlayerId(p), &actions);
            }
            g.step();
            hashes.push(g.state_hash());
        }
        hashes
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}
