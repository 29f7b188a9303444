//! What the harvester works out once, at init, from the map: where to
//! harvest, which enemy core to march on, where to guard and where to gather.
//!
//! Settled units (harvesting, on guard, waiting) never stand on a cut cell,
//! so they cannot wall the base off from the rest of the map.

use super::{MAX_DEFENDERS, RALLY_STEPS};
use lockstep_sdk::nav::{Grid, INF};
use lockstep_sdk::{Direction, MatchInfo, PlayerId, Pos};

pub struct Target {
    pub owner: PlayerId,
    pub pos: Pos,
    /// Steps to the floor around this core, from every cell.
    pub field: Vec<u32>,
}

/// Floor cells next to a source, reachable from home and not cut cells, with
/// the source's direction; and, per cell, 1 + the index of its spot (0 = none).
pub fn source_spots(
    grid: &Grid,
    info: &MatchInfo,
    home: &[u32],
    cut: &[bool],
) -> (Vec<(Pos, Direction)>, Vec<u16>) {
    let mut spots = Vec::new();
    let mut spot_at = vec![0u16; grid.cell_count()];
    for &s in &info.sources {
        for (d, p) in grid.floor_around(s) {
            let i = grid.idx(p);
            if home[i] != INF && !cut[i] && spot_at[i] == 0 {
                spots.push((p, d.opposite()));
                spot_at[i] = spots.len() as u16;
            }
        }
    }
    (spots, spot_at)
}

/// Every enemy core, nearest to ours first (by walking distance).
pub fn enemy_targets(grid: &Grid, info: &MatchInfo, core: Pos) -> Vec<Target> {
    let mut targets: Vec<(u32, Target)> = info
        .cores
        .iter()
        .filter(|c| c.owner != info.you)
        .map(|c| {
            let mut field = Vec::new();
            grid.bfs_field(grid.floor_around(c.pos).map(|(_, p)| p), &mut field);
            let d = grid
                .floor_around(core)
                .map(|(_, p)| field[grid.idx(p)])
                .min();
            let t = Target {
                owner: c.owner,
                pos: c.pos,
                field,
            };
            (d.unwrap_or(INF), t)
        })
        .collect();
    targets.sort_by_key(|(d, t)| (*d, t.owner));
    targets.into_iter().map(|(_, t)| t).collect()
}

/// Steps from cell `i` towards the nearest enemy core (0 with no enemy).
fn towards(targets: &[Target], i: usize) -> u32 {
    targets.first().map_or(0, |t| t.field[i])
}

/// Guard posts: two steps out, not on a spot, nearest the enemy first.
pub fn guard_posts(
    grid: &Grid,
    home: &[u32],
    spot_at: &[u16],
    cut: &[bool],
    targets: &[Target],
) -> Vec<Pos> {
    let mut posts: Vec<(u32, Pos)> = (0..grid.cell_count())
        .filter(|&i| home[i] == 2 && spot_at[i] == 0 && !cut[i])
        .map(|i| (towards(targets, i), grid.pos(i)))
        .collect();
    posts.sort();
    posts
        .into_iter()
        .map(|(_, p)| p)
        .take(MAX_DEFENDERS)
        .collect()
}

/// Rally cells: a few steps further out, off spots and posts, so the waiting
/// army never crowds the spawn cells. Nearest the enemy first.
pub fn rally_cells(
    grid: &Grid,
    home: &[u32],
    spot_at: &[u16],
    cut: &[bool],
    posts: &[Pos],
    targets: &[Target],
) -> Vec<Pos> {
    let mut rally: Vec<(u32, u32, Pos)> = (0..grid.cell_count())
        .filter(|&i| home[i] >= RALLY_STEPS && home[i] <= RALLY_STEPS + 4)
        .filter(|&i| spot_at[i] == 0 && !cut[i] && !posts.contains(&grid.pos(i)))
        .map(|i| (towards(targets, i), home[i], grid.pos(i)))
        .collect();
    rally.sort();
    rally.into_iter().map(|(_, _, p)| p).take(64).collect()
}
