//! The seeded map generator behind `random:WxH`.
//!
//! Fairness comes from symmetry: every feature is placed together with all its
//! images under the map's symmetry group, so each core sees the same map.
//! - 2 players: point symmetry, `(x, y)` mirrors `(W-1-x, H-1-y)`.
//! - 3..=4 players: 4-fold rotation on a square map; core `B` is `A` rotated 90°
//!   clockwise, `C` 180°, `D` 270°. With 3 players `D`'s core becomes floor.
//!
//! All randomness is one `ChaCha8Rng` stream (`MAP_STREAM`) of the given seed, so the
//! same (width, height, players, seed) always gives the same map.

use lockstep_sdk::Pos;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use super::{MAX_SIDE, MIN_SIDE, Map, MapError, flood_floor, neighbours};

/// Attempts with walls before the last, wall-free one (which always connects).
const ATTEMPTS: u32 = 64;

/// The ChaCha stream of the match seed reserved for map generation (the match
/// loop derives other streams, e.g. bot seeds, from the same seed).
pub const MAP_STREAM: u64 = 0;

#[derive(Clone, Copy)]
enum Symmetry {
    Point,
    Rotate4,
}

pub(super) fn generate(
    width: u16,
    height: u16,
    players: usize,
    seed: u64,
) -> Result<Map, MapError> {
    let side = (MIN_SIDE as u16)..=(MAX_SIDE as u16);
    if !side.contains(&width) || !side.contains(&height) {
        return Err(MapError::RandomSize {
            width: width.into(),
            height: height.into(),
        });
    }
    let symmetry = match players {
        2 => Symmetry::Point,
        3 | 4 if width == height => Symmetry::Rotate4,
        3 | 4 => {
            return Err(MapError::RandomNotSquare {
                players,
                width,
                height,
            });
        }
        _ => return Err(MapError::RandomPlayers { players }),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(MAP_STREAM);
    let mut builder = Generator {
        width,
        height,
        symmetry,
        grid: Vec::new(),
        reserved: Vec::new(),
        cores: Vec::new(),
    };
    for attempt in 0..=ATTEMPTS {
        let wall_percent = if attempt == ATTEMPTS {
            0
        } else {
            15 + below(&mut rng, 6)
        };
        if builder.attempt(&mut rng, wall_percent) {
            let mut text = String::with_capacity(builder.grid.len() + height as usize);
            for row in builder.grid.chunks(width as usize) {
                text.extend(row.iter().map(|&b| b as char));
                text.push('\n');
            }
            let map = Map::parse(&format!("random:{width}x{height}"), &text)?;
            return if players < map.cores.len() {
                map.with_players(players)
            } else {
                Ok(map)
            };
        }
    }
    Err(MapError::Generate {
        width,
        height,
        players,
    })
}

/// A uniform-enough integer in `0..n` (n > 0); the tiny bias does not matter for maps.
fn below(rng: &mut ChaCha8Rng, n: u32) -> u32 {
    ((rng.next_u32() as u64 * n.max(1) as u64) >> 32) as u32
}

struct Generator {
    width: u16,
    height: u16,
    symmetry: Symmetry,
    /// Row-major map characters.
    grid: Vec<u8>,
    /// Cells that must stay floor: the ring around each core.
    reserved: Vec<bool>,
    cores: Vec<Pos>,
}

impl Generator {
    fn idx(&self, p: Pos) -> usize {
        p.y as usize * self.width as usize + p.x as usize
    }

    /// `p` and its images, in core-letter order (`A`'s image first).
    fn orbit(&self, p: Pos) -> ([Pos; 4], usize) {
        let (w, h) = (self.width - 1, self.height - 1);
        let r180 = Pos::new(w - p.x, h - p.y);
        match self.symmetry {
            Symmetry::Point => ([p, r180, p, p], 2),
            Symmetry::Rotate4 => {
                // Clockwise by 90° on a square map: (x, y) -> (W-1-y, x).
                let r90 = Pos::new(w - p.y, p.x);
                let r270 = Pos::new(p.y, w - p.x);
                ([p, r90, r180, r270], 4)
            }
        }
    }

    /// The orbit of `p` if its cells are pairwise distinct.
    fn distinct_orbit(&self, p: Pos) -> Option<Vec<Pos>> {
        let (cells, n) = self.orbit(p);
        let cells = &cells[..n];
        let distinct = (0..n).all(|i| (i + 1..n).all(|j| cells[i] != cells[j]));
        distinct.then(|| cells.to_vec())
    }

    fn random_pos(&self, rng: &mut ChaCha8Rng) -> Pos {
        Pos::new(
            below(rng, self.width.into()) as u16,
            below(rng, self.height.into()) as u16,
        )
    }

    /// One try: cores, sources, walls, then fill pockets. False if a core or a
    /// source ended up cut off.
    fn attempt(&mut self, rng: &mut ChaCha8Rng, wall_percent: u32) -> bool {
        let (w, h) = (self.width, self.height);
        let cells = w as usize * h as usize;
        self.grid = vec![b'.'; cells];
        self.reserved = vec![false; cells];

        // Core A in the top-left quarter, at least 2 cells from the edges so all
        // four neighbours are floor.
        let a = Pos::new(
            2 + below(rng, (w / 4 - 1).into()) as u16,
            2 + below(rng, (h / 4 - 1).into()) as u16,
        );
        let (orbit, n) = self.orbit(a);
        self.cores = orbit[..n].to_vec();
        for (i, &core) in self.cores.clone().iter().enumerate() {
            let at = self.idx(core);
            self.grid[at] = b'A' + i as u8;
            for dy in -1i32..=1 {
                for dx in -1i32..=1 {
                    let (x, y) = (core.x as i32 + dx, core.y as i32 + dy);
                    if x >= 0 && y >= 0 && x < w as i32 && y < h as i32 {
                        let at = self.idx(Pos::new(x as u16, y as u16));
                        self.reserved[at] = true;
                    }
                }
            }
        }

        // Sources: a few near each core (by symmetry, one placement serves all
        // cores), and one or two contested groups around the centre.
        let near = 2 + below(rng, 2) + u32::from(w.min(h) >= 32);
        for _ in 0..near {
            self.place_source(rng, |g, rng| {
                let dx = below(rng, 13) as i32 - 6;
                let dy = below(rng, 13) as i32 - 6;
                let manhattan = dx.abs() + dy.abs();
                let (x, y) = (a.x as i32 + dx, a.y as i32 + dy);
                ((3..=6).contains(&manhattan)
                    && x >= 1
                    && y >= 1
                    && x < g.width as i32 - 1
                    && y < g.height as i32 - 1)
                    .then(|| Pos::new(x as u16, y as u16))
            });
        }
        let contested = 1 + below(rng, 2);
        for _ in 0..contested {
            self.place_source(rng, |g, rng| {
                let rx = (g.width / 6).max(1) as u32;
                let ry = (g.height / 6).max(1) as u32;
                let x = (g.width / 2) as i32 + below(rng, 2 * rx + 1) as i32 - rx as i32;
                let y = (g.height / 2) as i32 + below(rng, 2 * ry + 1) as i32 - ry as i32;
                (x >= 0 && y >= 0 && x < g.width as i32 && y < g.height as i32)
                    .then(|| Pos::new(x as u16, y as u16))
            });
        }

        // Walls in short random-walk clusters, each cell with all its images.
        let target = cells * wall_percent as usize / 100;
        let mut walls = 0;
        let mut tries = 0;
        while walls < target && tries < 20 * cells {
            tries += 1;
            let mut p = self.random_pos(rng);
            for _ in 0..1 + below(rng, 4) {
                walls += self.place_walls(p);
                let dir = lockstep_sdk::Direction::ALL[below(rng, 4) as usize];
                match p.step(dir, w, h) {
                    Some(next) => p = next,
                    None => break,
                }
            }
        }

        // Anything not reachable from core A becomes wall, then every core and
        // source must touch the reachable area. The reachable area is symmetric
        // whenever all cores are in it, so the map stays symmetric.
        let reach = flood_floor(&self.grid, w, h, self.cores[0]);
        for (cell, reached) in self.grid.iter_mut().zip(&reach) {
            if *cell == b'.' && !reached {
                *cell = b'#';
            }
        }
        let touches = |p: Pos| neighbours(p, w, h).any(|n| reach[self.idx(n)]);
        let sources = (0..cells).filter(|&i| self.grid[i] == b'*');
        let sources_ok = sources
            .map(|i| Pos::new((i % w as usize) as u16, (i / w as usize) as u16))
            .all(touches);
        sources_ok && self.cores.iter().all(|&c| touches(c))
    }

    /// Tries up to 50 candidate cells from `pick` for one symmetric group of sources.
    fn place_source(
        &mut self,
        rng: &mut ChaCha8Rng,
        mut pick: impl FnMut(&Generator, &mut ChaCha8Rng) -> Option<Pos>,
    ) {
        for _ in 0..50 {
            let Some(p) = pick(self, rng) else { continue };
            let Some(orbit) = self.distinct_orbit(p) else {
                continue;
            };
            let free = |q: Pos| {
                let i = self.idx(q);
                self.grid[i] == b'.'
                    && !self.reserved[i]
                    && neighbours(q, self.width, self.height)
                        .all(|n| self.grid[self.idx(n)] != b'*')
            };
            // A source must not touch another source, or one of the group itself.
            let spaced = orbit
                .iter()
                .all(|&q| orbit.iter().all(|&r| q == r || q.manhattan(r) > 1));
            if spaced && orbit.iter().all(|&q| free(q)) {
                for q in orbit {
                    let i = self.idx(q);
                    self.grid[i] = b'*';
                }
                return;
            }
        }
    }

    /// Walls `p` and its images if they are all free floor away from cores and
    /// not next to a source (so sources stay harvestable). Returns cells walled.
    fn place_walls(&mut self, p: Pos) -> usize {
        let Some(orbit) = self.distinct_orbit(p) else {
            return 0;
        };
        let ok = orbit.iter().all(|&q| {
            let i = self.idx(q);
            self.grid[i] == b'.'
                && !self.reserved[i]
                && neighbours(q, self.width, self.height).all(|n| self.grid[self.idx(n)] != b'*')
        });
        if !ok {
            return 0;
        }
        for &q in &orbit {
            let i = self.idx(q);
            self.grid[i] = b'#';
        }
        orbit.len()
    }
}
