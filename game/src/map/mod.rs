//! Maps: the text format, the bundled maps, the seeded generator, and fitting a
//! map to a player count.
//!
//! Format: one line per row of the grid, `#` wall, `.` floor, `*` energy source,
//! `A`..`H` the core of player 0..7. Lines starting with `;` before the grid are
//! comments. Trailing whitespace and trailing blank lines are ignored.

mod error;
mod generate;

use std::collections::VecDeque;
use std::io::Read;

use lockstep_sdk::Pos;

pub use error::MapError;
pub use generate::MAP_STREAM;

/// Smallest and largest side of a map, in cells.
pub const MIN_SIDE: usize = 8;
pub const MAX_SIDE: usize = 128;
/// Cores are lettered `A`..`H`, so at most 8 players.
pub const MAX_PLAYERS: usize = 8;

/// Files larger than this are not maps (a 128x128 map is about 16 KiB).
const MAX_FILE_BYTES: u64 = 1 << 20;

const BUNDLED: &[(&str, &str)] = &[
    ("duel", include_str!("../../../assets/maps/duel.txt")),
    (
        "crossroads",
        include_str!("../../../assets/maps/crossroads.txt"),
    ),
    ("arena", include_str!("../../../assets/maps/arena.txt")),
];
const BUNDLED_NAMES: &[&str] = &["duel", "crossroads", "arena"];

/// A validated map: rectangular, 8..=128 per side, cores lettered from `A`
/// without gaps, every core reachable from core `A` over floor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Map {
    pub name: String,
    pub width: u16,
    pub height: u16,
    /// `height` rows of `width` ASCII bytes each.
    pub rows: Vec<String>,
    /// Core positions; index = player id (`A` = 0).
    pub cores: Vec<Pos>,
    /// Energy sources, sorted by (y, x).
    pub sources: Vec<Pos>,
}

impl Map {
    /// Reads a map from its text. `name` only appears in error messages and `Map::name`.
    pub fn parse(name: &str, text: &str) -> Result<Map, MapError> {
        let mut rows: Vec<(usize, &str)> = Vec::new();
        for (i, raw) in text.split('\n').enumerate() {
            let line = raw.trim_end();
            // Comments and blank lines are allowed only before the grid starts.
            if rows.is_empty() && (line.starts_with(';') || line.is_empty()) {
                continue;
            }
            rows.push((i + 1, line));
        }
        while rows.last().is_some_and(|(_, line)| line.is_empty()) {
            rows.pop();
        }
        let Some(&(_, first)) = rows.first() else {
            return Err(MapError::Empty { map: name.into() });
        };
        let width = first.chars().count();

        let mut cores: [Option<(Pos, usize, usize)>; MAX_PLAYERS] = [None; MAX_PLAYERS];
        let mut sources = Vec::new();
        for (y, &(line_no, line)) in rows.iter().enumerate() {
            for (x, c) in line.chars().enumerate() {
                let column = x + 1;
                match c {
                    '#' | '.' => {}
                    '*' => sources.push(Pos::new(x as u16, y as u16)),
                    'A'..='H' => {
                        let slot = &mut cores[(c as u8 - b'A') as usize];
                        if let Some((_, first_line, first_column)) = *slot {
                            return Err(MapError::DuplicateCore {
                                map: name.into(),
                                letter: c,
                                line: line_no,
                                column,
                                first_line,
                                first_column,
                            });
                        }
                        *slot = Some((Pos::new(x as u16, y as u16), line_no, column));
                    }
                    _ => {
                        return Err(MapError::UnexpectedChar {
                            map: name.into(),
                            line: line_no,
                            column,
                            found: c,
                        });
                    }
                }
                if x >= MAX_SIDE {
                    break; // too wide; reported below without scanning the rest
                }
            }
            let found = line.chars().count();
            if found != width {
                return Err(MapError::RaggedRow {
                    map: name.into(),
                    line: line_no,
                    found,
                    expected: width,
                });
            }
        }
        let height = rows.len();
        if !(MIN_SIDE..=MAX_SIDE).contains(&width) || !(MIN_SIDE..=MAX_SIDE).contains(&height) {
            return Err(MapError::Size {
                map: name.into(),
                width,
                height,
            });
        }

        let count = cores.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
        if let Some(gap) = cores[..count].iter().position(Option::is_none) {
            return Err(MapError::CoreGap {
                map: name.into(),
                missing: (b'A' + gap as u8) as char,
                highest: (b'A' + count as u8 - 1) as char,
            });
        }
        if count < 2 {
            return Err(MapError::TooFewCores {
                map: name.into(),
                cores: count,
            });
        }

        let map = Map {
            name: name.into(),
            width: width as u16,
            height: height as u16,
            rows: rows.iter().map(|(_, line)| (*line).to_owned()).collect(),
            cores: cores.iter().flatten().map(|(pos, _, _)| *pos).collect(),
            sources,
        };
        map.check_cores_reachable()?;
        Ok(map)
    }

    /// A map shipped with the engine, by name (see [`Map::bundled_names`]).
    pub fn bundled(name: &str) -> Option<Map> {
        let (_, text) = BUNDLED.iter().find(|(n, _)| *n == name)?;
        Map::parse(name, text).ok()
    }

    pub fn bundled_names() -> &'static [&'static str] {
        BUNDLED_NAMES
    }

    /// A seeded random map; see the module `generate` for the symmetry rules.
    pub fn generate(width: u16, height: u16, players: usize, seed: u64) -> Result<Map, MapError> {
        generate::generate(width, height, players, seed)
    }

    /// A map from a command-line style spec, fitted to `players`:
    /// a bundled name, `random:WxH` (generated from `seed`), or a file path.
    pub fn resolve(spec: &str, players: usize, seed: u64) -> Result<Map, MapError> {
        if let Some(size) = spec.strip_prefix("random:") {
            let bad = || MapError::RandomSpec { spec: spec.into() };
            let (w, h) = size.split_once(['x', 'X']).ok_or_else(bad)?;
            let w: u32 = w.trim().parse().map_err(|_| bad())?;
            let h: u32 = h.trim().parse().map_err(|_| bad())?;
            let side = (MIN_SIDE as u32)..=(MAX_SIDE as u32);
            if !side.contains(&w) || !side.contains(&h) {
                return Err(MapError::RandomSize {
                    width: w,
                    height: h,
                });
            }
            return Map::generate(w as u16, h as u16, players, seed)?.with_players(players);
        }
        if let Some(map) = Map::bundled(spec) {
            return map.with_players(players);
        }
        let text = read_map_file(spec)?;
        Map::parse(spec, &text)?.with_players(players)
    }

    /// This map for `players` players: cores `A`.. up to the player count stay,
    /// the others become floor.
    pub fn with_players(&self, players: usize) -> Result<Map, MapError> {
        if !(2..=MAX_PLAYERS).contains(&players) {
            return Err(MapError::Players { players });
        }
        if players > self.cores.len() {
            return Err(MapError::NotEnoughCores {
                map: self.name.clone(),
                cores: self.cores.len(),
                players,
            });
        }
        let mut map = self.clone();
        for &pos in &self.cores[players..] {
            map.set(pos, '.');
        }
        map.cores.truncate(players);
        Ok(map)
    }

    /// The character at `pos` (`#` off the grid).
    pub fn cell(&self, pos: Pos) -> u8 {
        lockstep_sdk::map_cell(&self.rows, pos)
    }

    pub fn is_floor(&self, pos: Pos) -> bool {
        self.cell(pos) == b'.'
    }

    /// Checks that every core and every source can be reached over floor from core
    /// `A` (i.e. one of its neighbours is reachable). Parsing only enforces cores.
    pub fn check_connected(&self) -> Result<(), MapError> {
        self.check_cores_reachable()?;
        let reach = self.reachable_from_core_a();
        for &s in &self.sources {
            if !self.touches(&reach, s) {
                return Err(MapError::Unreachable {
                    map: self.name.clone(),
                    what: format!("the source at ({}, {})", s.x, s.y),
                });
            }
        }
        Ok(())
    }

    fn check_cores_reachable(&self) -> Result<(), MapError> {
        let reach = self.reachable_from_core_a();
        for (i, &core) in self.cores.iter().enumerate() {
            if !self.touches(&reach, core) {
                return Err(MapError::Unreachable {
                    map: self.name.clone(),
                    what: format!("core {}", (b'A' + i as u8) as char),
                });
            }
        }
        Ok(())
    }

    /// Floor cells reachable from the neighbours of core `A` (row-major flags).
    fn reachable_from_core_a(&self) -> Vec<bool> {
        let grid: Vec<u8> = self.rows.iter().flat_map(|r| r.bytes()).collect();
        let start = self.cores.first().copied().unwrap_or(Pos::new(0, 0));
        flood_floor(&grid, self.width, self.height, start)
    }

    fn touches(&self, reach: &[bool], pos: Pos) -> bool {
        neighbours(pos, self.width, self.height)
            .any(|n| reach[n.y as usize * self.width as usize + n.x as usize])
    }

    fn set(&mut self, pos: Pos, c: char) {
        let x = pos.x as usize;
        if let Some(row) = self.rows.get_mut(pos.y as usize)
            && row.is_char_boundary(x)
            && row.is_char_boundary(x + 1)
            && x < row.len()
        {
            row.replace_range(x..x + 1, c.encode_utf8(&mut [0; 4]));
        }
    }
}

fn read_map_file(path: &str) -> Result<String, MapError> {
    let io = |e: std::io::Error| MapError::Io {
        path: path.into(),
        message: e.to_string(),
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(MapError::NotFound {
                spec: path.into(),
                bundled: BUNDLED_NAMES.join(", "),
            });
        }
        Err(e) => return Err(io(e)),
    };
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(MapError::Io {
            path: path.into(),
            message: format!("larger than {MAX_FILE_BYTES} bytes, not a map"),
        });
    }
    Ok(text)
}

/// The in-grid orthogonal neighbours of `pos`.
pub(crate) fn neighbours(pos: Pos, width: u16, height: u16) -> impl Iterator<Item = Pos> {
    lockstep_sdk::Direction::ALL
        .into_iter()
        .filter_map(move |d| pos.step(d, width, height))
}

/// Breadth-first flood over `.` cells of a row-major grid, starting from the floor
/// neighbours of `start` (a core, usually, which is itself not walkable).
pub(crate) fn flood_floor(grid: &[u8], width: u16, height: u16, start: Pos) -> Vec<bool> {
    let w = width as usize;
    let mut seen = vec![false; grid.len()];
    let mut queue = VecDeque::new();
    let visit = |p: Pos, seen: &mut Vec<bool>, queue: &mut VecDeque<Pos>| {
        let i = p.y as usize * w + p.x as usize;
        if grid.get(i) == Some(&b'.') && !seen[i] {
            seen[i] = true;
            queue.push_back(p);
        }
    };
    for n in neighbours(start, width, height) {
        visit(n, &mut seen, &mut queue);
    }
    while let Some(p) = queue.pop_front() {
        for n in neighbours(p, width, height) {
            visit(n, &mut seen, &mut queue);
        }
    }
    seen
}
