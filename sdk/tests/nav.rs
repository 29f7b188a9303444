//! The navigation helpers against brute force on a small map.

use lockstep_sdk::nav::{Grid, INF};
use lockstep_sdk::{Direction, MatchInfo, PlayerId, Pos};

const MAP: [&str; 6] = [
    "A.#.....", "..#.##..", "..*.#...", "....#.#.", ".##...#.", "......#B",
];

fn info() -> MatchInfo {
    lockstep_sdk::testing::match_info(&MAP, PlayerId(0))
}

#[test]
fn floor_next_lists_exactly_the_walkable_neighbours() {
    let info = info();
    let grid = Grid::new(&info);
    for i in 0..grid.cell_count() {
        let here = grid.pos(i);
        let expected: Vec<u32> = Direction::ALL
            .into_iter()
            .filter_map(|d| here.step(d, 8, 6))
            .filter(|&n| info.is_floor(n))
            .map(|n| grid.idx(n) as u32)
            .collect();
        assert_eq!(grid.floor_next(i), expected.as_slice(), "cell {here:?}");
    }
}

#[test]
fn weighted_field_without_penalties_is_the_bfs_field_plus_one_step() {
    let info = info();
    let grid = Grid::new(&info);
    let core_b = Pos::new(7, 5);
    let mut bfs = Vec::new();
    grid.bfs_field(grid.floor_around(core_b).map(|(_, p)| p), &mut bfs);
    let (mut weighted, mut buckets) = (Vec::new(), Vec::new());
    grid.weighted_field(core_b, 3, |_| 0, &mut weighted, &mut buckets);
    assert_eq!(weighted, bfs);
    assert_eq!(weighted[grid.idx(Pos::new(0, 1))], 14); // via (5,3), (3,4), (1,3)
    assert_eq!(
        weighted[grid.idx(Pos::new(2, 0))],
        INF,
        "walls are never reached"
    );
}

#[test]
fn weighted_field_routes_round_a_penalised_cell() {
    let info = info();
    let grid = Grid::new(&info);
    let core_b = Pos::new(7, 5);
    let (mut field, mut buckets) = (Vec::new(), Vec::new());
    // A unit on (7,3), the only way out of B's corner, costs 3 extra.
    let blocked = grid.idx(Pos::new(7, 3));
    grid.weighted_field(
        core_b,
        3,
        |i| if i == blocked { 3 } else { 0 },
        &mut field,
        &mut buckets,
    );
    let (mut plain, mut buckets2) = (Vec::new(), Vec::new());
    grid.weighted_field(core_b, 3, |_| 0, &mut plain, &mut buckets2);
    assert_eq!(field[blocked], plain[blocked] + 3);
    let north = grid.idx(Pos::new(7, 0));
    assert_eq!(field[north], plain[north] + 3);
}
