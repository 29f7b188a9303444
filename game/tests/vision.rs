//! Fog of war: what each player's observation contains.

mod common;

use common::*;
use lockstep_game::{Game, GameConfig, Map};
use lockstep_sdk::{Observation, PlayerId, Pos};

fn open_map(w: usize, h: usize) -> Map {
    let mut rows = vec![".".repeat(w); h];
    rows[0].replace_range(0..1, "A");
    rows[h - 1].replace_range(w - 1..w, "B");
    Map::parse("open", &rows.join("\n")).unwrap()
}

fn open_game(w: usize, h: usize, config: GameConfig) -> Game {
    Game::new(&open_map(w, h), 2, &config).unwrap()
}

#[test]
fn enemies_out_of_range_are_hidden_and_in_range_shown() {
    let mut g = open_game(30, 30, GameConfig::default());
    let enemy = spawn(&mut g, P1, 15, 15);
    let obs = observe(&mut g, P0);
    assert!(obs.units.is_empty(), "nothing of P0's near (15, 15)");
    assert_eq!(obs.cores.len(), 1, "only its own core");

    // Distance² 26 from (10, 14): still hidden. Distance² exactly 25: seen.
    let scout = spawn(&mut g, P0, 10, 14);
    let obs = observe(&mut g, P0);
    assert_eq!(
        obs.units.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![scout]
    );
    let scout2 = spawn(&mut g, P0, 10, 15);
    let obs = observe(&mut g, P0);
    let ids: Vec<_> = obs.units.iter().map(|u| u.id).collect();
    assert_eq!(ids, vec![enemy, scout, scout2], "sorted by id");

    // The enemy sees the scout on (10, 15) at distance² 25 too, and its own unit.
    let obs = observe(&mut g, P1);
    let ids: Vec<_> = obs.units.iter().map(|u| u.id).collect();
    assert_eq!(ids, vec![enemy, scout2]);
}

#[test]
fn vision_follows_moves_and_cores_are_seen_by_units() {
    let mut g = open_game(30, 30, GameConfig::default());
    let scout = spawn(&mut g, P0, 24, 26); // distance² to B's core (29, 29) = 34
    assert_eq!(observe(&mut g, P0).cores.len(), 1);
    g.submit(P0, &[mv(scout, lockstep_sdk::Direction::East)]); // (25, 26): 16 + 9 = 25
    g.step();
    let obs = observe(&mut g, P0);
    let owners: Vec<_> = obs.cores.iter().map(|c| c.owner).collect();
    assert_eq!(owners, vec![P0, P1], "sorted by owner");
    assert_eq!(obs.cores[1].pos, Pos::new(29, 29));
    assert_eq!(obs.cores[1].hp, 200);
}

#[test]
fn the_core_sees_its_surroundings() {
    let mut g = open_game(30, 30, GameConfig::default());
    let near = spawn(&mut g, P1, 7, 0); // 49 from A's core: seen
    let far = spawn(&mut g, P1, 5, 5); // 50: hidden
    let ids: Vec<_> = observe(&mut g, P0).units.iter().map(|u| u.id).collect();
    assert_eq!(ids, vec![near]);
    assert!(!ids.contains(&far));
}

/// Brute force: every enemy unit within `unit_vision2` of an own unit, or
/// `core_vision2` of the own core.
fn expected(
    g: &mut Game,
    me: PlayerId,
    config: &GameConfig,
    core: Pos,
) -> Vec<lockstep_sdk::UnitId> {
    let all = all_units(g);
    let mine: Vec<Pos> = all
        .iter()
        .filter(|u| u.owner == me)
        .map(|u| u.pos)
        .collect();
    all.iter()
        .filter(|u| {
            u.owner == me
                || core.dist2(u.pos) <= config.rules.core_vision2
                || mine
                    .iter()
                    .any(|m| m.dist2(u.pos) <= config.rules.unit_vision2)
        })
        .map(|u| u.id)
        .collect()
}

#[test]
fn vision_matches_brute_force_on_many_layouts() {
    let mut seed = 12345u64;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for &(w, h) in &[(128usize, 16usize), (20, 20), (9, 128)] {
        for &(uv, cv) in &[(25u32, 49u32), (0, 0), (1, 2), (50, 10), (100_000, 3)] {
            let mut config = GameConfig::default();
            config.rules.unit_vision2 = uv;
            config.rules.core_vision2 = cv;
            let mut g = open_game(w, h, config.clone());
            for _ in 0..60 {
                let p = PlayerId(next(2) as u8);
                let pos = Pos::new(next(w as u64) as u16, next(h as u64) as u16);
                let _ = g.spawn_unit(p, pos);
            }
            let cores = [Pos::new(0, 0), Pos::new(w as u16 - 1, h as u16 - 1)];
            for p in 0..2u8 {
                let me = PlayerId(p);
                let mut obs = Observation::default();
                g.observe(me, &mut obs);
                let got: Vec<_> = obs.units.iter().map(|u| u.id).collect();
                let want = expected(&mut g, me, &config, cores[p as usize]);
                assert_eq!(got, want, "{w}x{h} vision {uv}/{cv} player {p}");
            }
        }
    }
}

#[test]
fn observe_reuses_the_output_buffers() {
    let mut g = open_game(30, 30, GameConfig::default());
    spawn(&mut g, P0, 3, 3);
    let mut obs = Observation::default();
    g.observe(P0, &mut obs);
    obs.units.reserve(100);
    let cap = obs.units.capacity();
    let ptr = obs.units.as_ptr();
    g.observe(P0, &mut obs);
    assert_eq!((obs.units.capacity(), obs.units.as_ptr()), (cap, ptr));
    assert_eq!(obs.units.len(), 1);
}
