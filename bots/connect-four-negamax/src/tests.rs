use super::*;
use lockstep_connect_four_sdk::{Encoding, Limits, Runner, decode, encode};

/// One seat's move maker, in a game played natively.
type Player = Box<dyn FnMut(&Observation) -> Vec<Action>>;

fn init(you: u8, columns: u8, rows: u8) -> Init {
    Init {
        you,
        seed: 1,
        columns,
        rows,
        max_ticks: columns as u32 * rows as u32,
        limits: Limits {
            init_fuel: 200_000_000,
            tick_fuel: 20_000_000,
            max_output_bytes: 4096,
            max_log_lines: 16,
            max_log_line_bytes: 256,
            max_memory_bytes: 64 << 20,
        },
    }
}

/// A board from rows drawn top row first: `X` seat 0, `O` seat 1, `.` empty.
fn board(rows: &[&str]) -> (u8, u8, Vec<u8>) {
    let columns = rows[0].len() as u8;
    let mut cells = Vec::new();
    for row in rows.iter().rev() {
        for c in row.bytes() {
            cells.push(match c {
                b'X' => 1,
                b'O' => 2,
                _ => 0,
            });
        }
    }
    (columns, rows.len() as u8, cells)
}

fn observation(cells: Vec<u8>) -> Observation {
    Observation {
        tick: cells.iter().filter(|&&c| c != 0).count() as u32,
        board: cells,
        last_move: None,
        rejected: None,
    }
}

/// What the bot of `seat` plays on `rows`.
fn play(seat: u8, rows: &[&str]) -> Vec<Action> {
    let (columns, height, cells) = board(rows);
    let mut bot = Negamax::new(&init(seat, columns, height));
    bot.tick(&observation(cells))
}

fn drop(column: u8) -> Vec<Action> {
    vec![Action::Drop { column }]
}

#[test]
fn opens_in_the_centre() {
    assert_eq!(play(0, &["......."; 6]), drop(3));
}

#[test]
fn wins_in_one() {
    // X to move (seat 0, 6 discs each... X has three in the bottom row).
    let rows = [
        ".......", ".......", ".......", ".......", "OOO....", "XXX....",
    ];
    assert_eq!(play(0, &rows), drop(3));
    // Vertically, and for seat 1.
    let rows = [
        ".......", ".......", ".......", "...O...", "X..O...", "XX.OX..",
    ];
    assert_eq!(play(1, &rows), drop(3));
    // Diagonally: (0, 0), (1, 1), (2, 2) and (3, 3).
    let rows = [
        ".......", ".......", ".......", "..XO...", ".XOX...", "XOXO..O",
    ];
    assert_eq!(play(0, &rows), drop(3));
}

#[test]
fn blocks_a_loss_in_one() {
    // O threatens the bottom row at column 3 (0..=2 held); X has nothing.
    let rows = [
        ".......", ".......", ".......", ".......", "X......", "OOO.X.X",
    ];
    assert_eq!(play(0, &rows), drop(3));
    // A vertical threat in column 6.
    let rows = [
        ".......", ".......", ".......", "......X", "......X", "O.O...X",
    ];
    assert_eq!(play(1, &rows), drop(6));
}

#[test]
fn does_not_play_under_a_win_of_the_opponent() {
    // O would complete the second row at (4, 1): X must keep column 4 empty.
    let rows = [
        ".......", ".......", ".......", ".......", "XOOO...", "XOXO.XX",
    ];
    let (columns, height, cells) = board(&rows);
    let g = Geometry::new(columns, height).unwrap();
    let pos = Position::from_board(&g, &cells, 0);
    let choice = choose(&g, &pos, 42, node_budget(20_000_000)).unwrap();
    assert_ne!(choice.column, 4, "{choice:?}");
    // And a threat one row up that is playable now is blocked.
    let rows = [
        ".......", ".......", ".......", ".......", "OOO....", "XXOX..X",
    ];
    assert_eq!(play(0, &rows), drop(3));
}

#[test]
fn finds_a_win_in_two() {
    // X: "..XX..." on the bottom row with both ends open: X at column 1 or 4
    // makes an open three the opponent cannot stop.
    let rows = [
        ".......", ".......", ".......", ".......", ".......", "..XX.OO",
    ];
    let (columns, height, cells) = board(&rows);
    let g = Geometry::new(columns, height).unwrap();
    let pos = Position::from_board(&g, &cells, 0);
    let choice = choose(&g, &pos, 42, node_budget(20_000_000)).unwrap();
    assert_eq!(choice.column, 1, "{choice:?}");
    assert!(choice.score > PROVEN, "{choice:?}");
}

#[test]
fn stays_within_the_node_budget() {
    let g = Geometry::new(7, 6).unwrap();
    let pos = Position::from_board(&g, &[0; 42], 0);
    for budget in [1_000, 2_500, 10_000] {
        let choice = choose(&g, &pos, 42, budget).unwrap();
        assert!(choice.nodes <= budget, "{choice:?}");
        assert!(choice.depth >= 1, "{choice:?}");
    }
    // The default budget (833 nodes) sees a few moves ahead of the
    // empty classic board.
    let choice = choose(&g, &pos, 42, node_budget(20_000_000)).unwrap();
    assert_eq!(node_budget(20_000_000), 833);
    assert!(choice.depth >= 4, "{choice:?}");
}

/// A whole game between two bots on a `columns` x `rows` board with a small
/// referee; returns the winner's seat. Every move must be legal.
fn referee(columns: u8, rows: u8, mut seats: [Player; 2]) -> Option<u8> {
    let (w, h) = (columns as usize, rows as usize);
    let mut cells = vec![0u8; w * h];
    for tick in 0..(w * h) as u32 {
        let seat = (tick % 2) as u8;
        let obs = Observation {
            tick,
            board: cells.clone(),
            last_move: None,
            rejected: None,
        };
        let actions = seats[seat as usize](&obs);
        let Some(Action::Drop { column }) = actions.first().copied() else {
            panic!("seat {seat} passed on tick {tick}");
        };
        assert_eq!(actions.len(), 1);
        let column = column as usize;
        assert!(column < w, "no column {column}");
        let row = (0..h)
            .find(|&r| cells[r * w + column] == 0)
            .unwrap_or_else(|| panic!("seat {seat} played the full column {column}"));
        cells[row * w + column] = seat + 1;
        let g = Geometry::new(columns, rows);
        let won = match &g {
            Some(g) => g.has_four(Position::from_board(g, &cells, seat).current),
            None => four_anywhere(&cells, w, h, seat + 1),
        };
        if won {
            return Some(seat);
        }
    }
    None
}

fn four_anywhere(cells: &[u8], w: usize, h: usize, who: u8) -> bool {
    let at = |c: i32, r: i32| {
        c >= 0
            && r >= 0
            && (c as usize) < w
            && (r as usize) < h
            && cells[r as usize * w + c as usize] == who
    };
    (0..w as i32).any(|c| {
        (0..h as i32).any(|r| {
            [(1, 0), (0, 1), (1, 1), (1, -1)]
                .iter()
                .any(|&(dc, dr)| (0..4).all(|k| at(c + k * dc, r + k * dr)))
        })
    })
}

fn negamax(seat: u8, columns: u8, rows: u8) -> Player {
    let mut bot = Negamax::new(&init(seat, columns, rows));
    Box::new(move |obs| bot.tick(obs))
}

/// The centre-most open column, as `bot-connect-four-first` plays.
fn first(columns: u8) -> Player {
    let mut order: Vec<u8> = (0..columns).collect();
    order.sort_by_key(|&c| ((2 * c as i32 - (columns as i32 - 1)).abs(), c));
    Box::new(move |obs| {
        order
            .iter()
            .find(|&&c| obs.is_open(columns, c))
            .map(|&column| Action::Drop { column })
            .into_iter()
            .collect()
    })
}

#[test]
fn beats_the_centre_bot_from_both_seats() {
    for (columns, rows) in [(7, 6), (4, 4), (8, 7), (12, 9), (12, 12)] {
        assert_eq!(
            referee(columns, rows, [negamax(0, columns, rows), first(columns)]),
            Some(0),
            "{columns}x{rows}, negamax first"
        );
        assert_eq!(
            referee(columns, rows, [first(columns), negamax(1, columns, rows)]),
            Some(1),
            "{columns}x{rows}, negamax second"
        );
    }
}

#[test]
fn never_plays_a_full_column() {
    // Self-play to the end on boards of every shape class: the referee
    // panics on a full column or a pass.
    for (columns, rows) in [(7, 6), (4, 4), (5, 4), (4, 12), (12, 4), (12, 12)] {
        referee(
            columns,
            rows,
            [negamax(0, columns, rows), negamax(1, columns, rows)],
        );
    }
}

#[test]
fn the_big_board_fallback_wins_and_blocks() {
    // 12x12 does not fit in 128 bits.
    assert!(Geometry::new(12, 12).is_none());
    let mut cells = vec![0u8; 144];
    cells[..3].copy_from_slice(&[1, 1, 1]);
    cells[5..8].copy_from_slice(&[2, 2, 2]);
    assert_eq!(simple_move(12, 12, &cells, 0), Some(3));
    assert_eq!(simple_move(12, 12, &cells, 1), Some(4));
    let mut cells = vec![0u8; 144];
    cells[..3].copy_from_slice(&[2, 2, 2]);
    assert_eq!(simple_move(12, 12, &cells, 0), Some(3));
    assert_eq!(simple_move(12, 12, &[0; 144], 0), Some(5));
    assert_eq!(simple_move(12, 12, &[1; 144], 0), None);
}

#[test]
fn respects_the_tick_limit() {
    // One move left before the draw: a win in one is still a win, and with
    // none the bot still plays.
    let mut init = init(0, 7, 6);
    init.max_ticks = 7;
    let rows = [
        ".......", ".......", ".......", ".......", "OOO....", "XXX....",
    ];
    let (_, _, cells) = board(&rows);
    let mut bot = Negamax::new(&init);
    assert_eq!(bot.tick(&observation(cells)), drop(3));
}

#[test]
fn runs_through_the_wire_encoding() {
    let mut runner = Runner::<Negamax>::new(Encoding::Postcard);
    assert_eq!(runner.init(&encode(Encoding::Postcard, &init(0, 7, 6))), 0);
    let out = runner
        .tick(&encode(Encoding::Postcard, &observation(vec![0; 42])))
        .to_vec();
    assert_eq!(out, [1, 0, 3]);
    let actions: Vec<Action> = decode(Encoding::Postcard, &out).unwrap();
    assert_eq!(actions, drop(3));
    // A board of the wrong size: nothing played, logged.
    assert_eq!(
        runner.tick(&encode(Encoding::Postcard, &observation(vec![0; 5]))),
        [0]
    );
}
