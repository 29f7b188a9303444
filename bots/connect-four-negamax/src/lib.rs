//! # Negamax: a connect-four bot that searches
//!
//! Negamax with alpha-beta pruning over bitboards, deepened one ply at a time
//! until a node budget runs out; the move of the deepest finished search is
//! played.
//!
//! - **Board.** Two `u128` bitboards (Pascal Pons' layout): each column is
//!   `rows + 1` bits, bottom cell first, the extra bit always empty so that
//!   lines never wrap from one column into the next. Any board with
//!   `columns * (rows + 1) <= 128` fits (every size up to 12x9, and the
//!   classic 7x6 in 49 bits); on a bigger board the bot falls back to
//!   [`simple_move`]: win, else block, else the centre-most column that does
//!   not hand the opponent a win.
//! - **Pruning before searching.** A node that can win at once scores the win
//!   without searching. Otherwise, if the opponent threatens to win in two
//!   places the node is lost; in one place, that cell is the only move; and a
//!   move right under a cell where the opponent would complete four is never
//!   tried.
//! - **Move order.** Moves that create the most cells where we would complete
//!   four come first, ties centre-most first; at the root, the previous
//!   iteration's best move leads.
//! - **Leaves.** Three points for each empty cell that would complete four of
//!   ours, minus the same for the opponent, plus one for each disc of ours in
//!   the centre column(s), minus the opponent's.
//! - **Budget.** [`FUEL_PER_NODE`] bounds the fuel (wasm instructions) one
//!   node costs, so the node budget is half of `Limits::tick_fuel` over it
//!   (`tick_fuel` 20,000,000: 833 nodes; see [`node_budget`]). An
//!   iteration that runs out is thrown away. The search is deterministic: the
//!   same board gets the same move.
//!
//! Wins are scored `WIN - ply` so a nearer win is preferred and a loss is
//! put off as long as possible; a draw (full board or `max_ticks`) is 0.

use lockstep_connect_four_sdk::{Action, Bot, Init, Observation};

/// A won position's score, less the plies it takes.
const WIN: i32 = 1_000_000;
/// Scores beyond this are proven wins (or losses, negated).
const PROVEN: i32 = WIN - 1_000;

/// An upper bound on the fuel one searched node costs in the wasm build, the
/// move ordering included: the bundled build spent 9,300 to 9,600 fuel per
/// node over a classic game against itself (the fuel of each call over the
/// nodes it logs: `lockstep match --game connect-four connect-four-negamax
/// connect-four-negamax --replay r`, then `lockstep replay show r --tick N`);
/// the rest is margin. Bitboards are `u128`, two `i64`s in wasm.
pub const FUEL_PER_NODE: u64 = 12_000;
/// Nodes the search never goes below, whatever the limits say.
const MIN_NODES: u64 = 200;

/// The nodes one turn may search: half the tick's fuel, at
/// [`FUEL_PER_NODE`] each (the rest is for decoding and move ordering at the
/// root, with room to spare).
pub fn node_budget(tick_fuel: u64) -> u64 {
    (tick_fuel / 2 / FUEL_PER_NODE).max(MIN_NODES)
}

/// The board's shape as bit masks.
#[derive(Clone, Debug)]
pub struct Geometry {
    columns: u8,
    rows: u8,
    /// Bits per column: `rows + 1`.
    stride: u32,
    /// The bottom cell of every column.
    bottom: u128,
    /// Every cell of the board (no sentinel bits).
    board: u128,
    /// The centre column, or the two middle ones on an even width.
    centre: u128,
    /// Columns, centre-most first.
    order: Vec<u8>,
}

impl Geometry {
    /// `None` if the board does not fit in 128 bits.
    pub fn new(columns: u8, rows: u8) -> Option<Geometry> {
        let stride = rows as u32 + 1;
        if columns == 0 || rows == 0 || columns as u32 * stride > 128 {
            return None;
        }
        let column_cells = (1u128 << rows) - 1;
        let (mut bottom, mut board, mut centre) = (0, 0, 0);
        for c in 0..columns {
            let shift = c as u32 * stride;
            bottom |= 1u128 << shift;
            board |= column_cells << shift;
            if (2 * c as i32 - (columns as i32 - 1)).abs() <= 1 {
                centre |= column_cells << shift;
            }
        }
        let mut order: Vec<u8> = (0..columns).collect();
        order.sort_by_key(|&c| ((2 * c as i32 - (columns as i32 - 1)).abs(), c));
        Some(Geometry {
            columns,
            rows,
            stride,
            bottom,
            board,
            centre,
            order,
        })
    }

    fn column_mask(&self, column: u8) -> u128 {
        ((1u128 << self.rows) - 1) << (column as u32 * self.stride)
    }

    /// The empty cells where `discs` would complete four (or more) in a line.
    fn winning_cells(&self, discs: u128, mask: u128) -> u128 {
        let p = discs;
        // Vertical: three below.
        let mut r = (p << 1) & (p << 2) & (p << 3);
        for d in [self.stride, self.stride - 1, self.stride + 1] {
            let two = (p << d) & (p << (2 * d));
            r |= two & (p << (3 * d));
            r |= two & (p >> d);
            let two = (p >> d) & (p >> (2 * d));
            r |= two & (p << d);
            r |= two & (p >> (3 * d));
        }
        r & (self.board & !mask)
    }

    /// Whether `discs` holds four in a line.
    pub fn has_four(&self, discs: u128) -> bool {
        [1, self.stride, self.stride - 1, self.stride + 1]
            .into_iter()
            .any(|d| {
                let m = discs & (discs >> d);
                m & (m >> (2 * d)) != 0
            })
    }
}

/// A position: the discs of the side to move, all discs, and their count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub current: u128,
    pub mask: u128,
    pub moves: u32,
}

impl Position {
    /// The position of `obs` for `seat` (0 or 1) to move, or `None` if the
    /// board does not fit.
    pub fn from_board(g: &Geometry, board: &[u8], seat: u8) -> Position {
        let (mut current, mut mask, mut moves) = (0, 0, 0);
        for (i, &cell) in board.iter().enumerate() {
            if cell == 0 {
                continue;
            }
            let (column, row) = (i % g.columns as usize, i / g.columns as usize);
            if column >= g.columns as usize || row >= g.rows as usize {
                continue;
            }
            let bit = 1u128 << (column as u32 * g.stride + row as u32);
            mask |= bit;
            moves += 1;
            if cell == seat + 1 {
                current |= bit;
            }
        }
        Position {
            current,
            mask,
            moves,
        }
    }

    /// The cells a disc can be dropped into now, one per open column.
    fn playable(&self, g: &Geometry) -> u128 {
        (self.mask + g.bottom) & g.board
    }

    /// The position after the side to move drops its disc at `cell` (a bit
    /// of [`Position::playable`]); the other side is to move then.
    fn play(&self, cell: u128) -> Position {
        Position {
            current: self.current ^ self.mask,
            mask: self.mask | cell,
            moves: self.moves + 1,
        }
    }
}

/// The search state of one turn.
struct Search<'g> {
    g: &'g Geometry,
    /// The match is a draw once this many discs are down.
    max_moves: u32,
    nodes: u64,
    budget: u64,
    aborted: bool,
}

impl Search<'_> {
    /// The score of `pos` for the side to move, searching `depth` plies.
    fn negamax(&mut self, pos: &Position, depth: u32, ply: i32, mut alpha: i32, beta: i32) -> i32 {
        self.nodes += 1;
        if self.nodes > self.budget {
            self.aborted = true;
            return 0;
        }
        let g = self.g;
        if pos.moves >= self.max_moves {
            return 0;
        }
        let playable = pos.playable(g);
        if playable == 0 {
            return 0;
        }
        if g.winning_cells(pos.current, pos.mask) & playable != 0 {
            return WIN - (ply + 1);
        }
        if pos.moves + 1 >= self.max_moves {
            // Our move is the last one and it does not win.
            return 0;
        }
        let Some(candidates) = candidates(g, pos, playable) else {
            return -(WIN - (ply + 2));
        };
        if depth == 0 {
            return evaluate(g, pos);
        }
        let mut best = -WIN;
        for cell in ordered(g, pos, candidates, 0) {
            let score = -self.negamax(&pos.play(cell), depth - 1, ply + 1, -beta, -alpha);
            if self.aborted {
                return 0;
            }
            if score > best {
                best = score;
                if score > alpha {
                    alpha = score;
                    if alpha >= beta {
                        break;
                    }
                }
            }
        }
        best
    }
}

/// The moves worth searching from `pos` (no immediate win there): `None` if
/// every move loses at once (two threats, or only moves under an opponent's
/// winning cell).
fn candidates(g: &Geometry, pos: &Position, playable: u128) -> Option<u128> {
    let theirs = pos.current ^ pos.mask;
    let their_wins = g.winning_cells(theirs, pos.mask);
    let mut moves = playable;
    let forced = playable & their_wins;
    if forced != 0 {
        if forced & (forced - 1) != 0 {
            return None;
        }
        moves = forced;
    }
    moves &= !(their_wins >> 1);
    (moves != 0).then_some(moves)
}

/// The cells of `moves`, best first: most new winning cells, then centre-most
/// (but `first`, if one of them, before all).
fn ordered(g: &Geometry, pos: &Position, moves: u128, first: u128) -> impl Iterator<Item = u128> {
    let mut list = [(0i32, 0u128); 16];
    let mut n = 0;
    for &column in &g.order {
        let cell = moves & g.column_mask(column);
        if cell == 0 {
            continue;
        }
        let score = if cell == first {
            i32::MAX
        } else {
            g.winning_cells(pos.current | cell, pos.mask | cell)
                .count_ones() as i32
        };
        // Insertion sort, stable: equal scores keep the centre-first order.
        let mut i = n;
        while i > 0 && list[i - 1].0 < score {
            list[i] = list[i - 1];
            i -= 1;
        }
        list[i] = (score, cell);
        n += 1;
    }
    list.into_iter().take(n).map(|(_, cell)| cell)
}

/// A leaf's score for the side to move.
fn evaluate(g: &Geometry, pos: &Position) -> i32 {
    let theirs = pos.current ^ pos.mask;
    let threats = g.winning_cells(pos.current, pos.mask).count_ones() as i32
        - g.winning_cells(theirs, pos.mask).count_ones() as i32;
    let centre =
        (pos.current & g.centre).count_ones() as i32 - (theirs & g.centre).count_ones() as i32;
    3 * threats + centre
}

/// What one turn's search found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    pub column: u8,
    pub score: i32,
    /// The deepest search that finished.
    pub depth: u32,
    pub nodes: u64,
}

/// The best column for the side to move in `pos`, searching at most `budget`
/// nodes; `None` if no column is open.
pub fn choose(g: &Geometry, pos: &Position, max_moves: u32, budget: u64) -> Option<Choice> {
    let playable = pos.playable(g);
    if playable == 0 || pos.moves >= max_moves {
        return None;
    }
    let column_of = |cell: u128| (cell.trailing_zeros() / g.stride) as u8;
    let mut search = Search {
        g,
        max_moves,
        nodes: 0,
        budget,
        aborted: false,
    };
    let wins = g.winning_cells(pos.current, pos.mask) & playable;
    if wins != 0 {
        let cell = ordered(g, pos, wins, 0).next().unwrap();
        return Some(Choice {
            column: column_of(cell),
            score: WIN - 1,
            depth: 1,
            nodes: 1,
        });
    }
    // Lost whatever we do: still play, the centre-most playable column.
    let Some(moves) = candidates(g, pos, playable) else {
        let cell = ordered(g, pos, playable, 0).next().unwrap();
        return Some(Choice {
            column: column_of(cell),
            score: -(WIN - 2),
            depth: 1,
            nodes: 1,
        });
    };
    let mut best = Choice {
        column: column_of(ordered(g, pos, moves, 0).next().unwrap()),
        score: 0,
        depth: 0,
        nodes: 0,
    };
    // A single move needs no search.
    if moves & (moves - 1) == 0 {
        return Some(best);
    }
    let remaining = max_moves - pos.moves;
    let mut best_cell = 0;
    for depth in 1..=remaining {
        let (mut alpha, beta) = (-WIN, WIN);
        let mut iteration = None;
        for cell in ordered(g, pos, moves, best_cell) {
            let score = -search.negamax(&pos.play(cell), depth - 1, 1, -beta, -alpha);
            if search.aborted {
                break;
            }
            if iteration.is_none_or(|(_, s)| score > s) {
                iteration = Some((cell, score));
                alpha = alpha.max(score);
            }
        }
        if search.aborted {
            break;
        }
        let (cell, score) = iteration.expect("at least one candidate");
        best_cell = cell;
        best = Choice {
            column: column_of(cell),
            score,
            depth,
            nodes: search.nodes,
        };
        if score.abs() > PROVEN {
            break;
        }
    }
    best.nodes = search.nodes.min(budget);
    Some(best)
}

/// On a board too big for the bitboards: win if we can, else block, else the
/// centre-most open column whose next cell up is not an opponent's win.
pub fn simple_move(columns: u8, rows: u8, board: &[u8], seat: u8) -> Option<u8> {
    let (me, them) = (seat + 1, 2 - seat);
    let (w, h) = (columns as i32, rows as i32);
    let cell = |c: i32, r: i32| board[(r * w + c) as usize];
    let height = |c: i32| (0..h).find(|&r| cell(c, r) == 0);
    // Whether a disc of `who` at (c, r) would make four.
    let fours = |c: i32, r: i32, who: u8| {
        [(1, 0), (0, 1), (1, 1), (1, -1)].iter().any(|&(dc, dr)| {
            let run = |sign: i32| {
                (1..4)
                    .take_while(|&k| {
                        let (x, y) = (c + sign * k * dc, r + sign * k * dr);
                        x >= 0 && y >= 0 && x < w && y < h && cell(x, y) == who
                    })
                    .count()
            };
            run(1) + run(-1) >= 3
        })
    };
    let mut order: Vec<i32> = (0..w).collect();
    order.sort_by_key(|&c| ((2 * c - (w - 1)).abs(), c));
    let open: Vec<(i32, i32)> = order
        .iter()
        .filter_map(|&c| height(c).map(|r| (c, r)))
        .collect();
    let pick = open
        .iter()
        .find(|&&(c, r)| fours(c, r, me))
        .or_else(|| open.iter().find(|&&(c, r)| fours(c, r, them)))
        .or_else(|| {
            open.iter()
                .find(|&&(c, r)| r + 1 >= h || !fours(c, r + 1, them))
        })
        .or(open.first());
    pick.map(|&(c, _)| c as u8)
}

pub struct Negamax {
    seat: u8,
    columns: u8,
    rows: u8,
    max_moves: u32,
    budget: u64,
    geometry: Option<Geometry>,
}

impl Negamax {
    /// The column to play on `obs`'s board, if any is open.
    pub fn choose(&self, obs: &Observation) -> Option<u8> {
        if obs.board.len() != self.columns as usize * self.rows as usize {
            lockstep_connect_four_sdk::log!("negamax: a board of {} cells", obs.board.len());
            return None;
        }
        match &self.geometry {
            Some(g) => {
                let pos = Position::from_board(g, &obs.board, self.seat);
                // The host's tick count is the truth about the tick limit.
                let pos = Position {
                    moves: obs.tick.max(pos.moves),
                    ..pos
                };
                let choice = choose(g, &pos, self.max_moves, self.budget)?;
                lockstep_connect_four_sdk::log!(
                    "column {}: depth {}, {} nodes, score {}",
                    choice.column,
                    choice.depth,
                    choice.nodes,
                    choice.score
                );
                Some(choice.column)
            }
            None => simple_move(self.columns, self.rows, &obs.board, self.seat),
        }
    }
}

impl Bot for Negamax {
    fn new(init: &Init) -> Self {
        Negamax {
            seat: init.you.min(1),
            columns: init.columns,
            rows: init.rows,
            max_moves: init.max_ticks.min(init.columns as u32 * init.rows as u32),
            budget: node_budget(init.limits.tick_fuel),
            geometry: Geometry::new(init.columns, init.rows),
        }
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        self.choose(obs)
            .map(|column| Action::Drop { column })
            .into_iter()
            .collect()
    }
}

lockstep_connect_four_sdk::export_bot!(Negamax);

#[cfg(test)]
mod tests;
