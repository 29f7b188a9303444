//! Where the snakes start and the first food lies: BattleSnake's placement,
//! drawn from the match's dice.

use lockstep_snake_sdk::Pos;

use crate::map::Board;
use crate::state::Dice;

/// Segments of a new snake, all on its starting cell.
pub const START_LENGTH: usize = 3;

/// A cell for each of `seats` snakes (at most 8). On a square 7, 11 or 19
/// board, BattleSnake's eight fixed spots (four near the corners, four at
/// the middle of the sides), each group shuffled and the group that comes
/// first drawn; on any other board, distinct random cells with `x + y` even.
pub fn starting_cells(board: &Board, seats: usize, dice: &mut Dice) -> Vec<Pos> {
    if board.is_standard_size() {
        let (mn, md, mx) = (1, (board.width - 1) / 2, board.width - 2);
        let mut corners = [(mn, mn), (mn, mx), (mx, mn), (mx, mx)].map(|(x, y)| Pos::new(x, y));
        let mut sides = [(mn, md), (md, mn), (md, mx), (mx, md)].map(|(x, y)| Pos::new(x, y));
        shuffle(&mut corners, dice);
        shuffle(&mut sides, dice);
        let (first, then) = if dice.below(2) == 0 {
            (corners, sides)
        } else {
            (sides, corners)
        };
        return first.into_iter().chain(then).take(seats).collect();
    }
    let mut even: Vec<Pos> = (0..board.height)
        .flat_map(|y| (0..board.width).map(move |x| Pos::new(x, y)))
        .filter(|p| (p.x + p.y) % 2 == 0)
        .collect();
    (0..seats)
        .map_while(|_| (!even.is_empty()).then(|| even.remove(dice.below(even.len()))))
        .collect()
}

/// The first food, unsorted: for each snake (unless more than 4 share a
/// board smaller than 11x11), one on a diagonal neighbour of its head that is
/// on the board, not the centre, not a corner, free, and further from the
/// centre than the head on some axis (none such: none for that snake); then
/// one in the centre if no snake or food is there.
pub fn starting_food(board: &Board, heads: &[Pos], dice: &mut Dice) -> Vec<Pos> {
    let (w, h) = (i32::from(board.width), i32::from(board.height));
    let (cx, cy) = ((w - 1) / 2, (h - 1) / 2);
    let small = w * h < 11 * 11;
    let mut food: Vec<Pos> = Vec::new();
    let taken = |p: Pos, food: &[Pos]| heads.contains(&p) || food.contains(&p);
    if heads.len() <= 4 || !small {
        for head in heads {
            let (hx, hy) = (i32::from(head.x), i32::from(head.y));
            let options: Vec<Pos> = [(-1, -1), (-1, 1), (1, -1), (1, 1)]
                .into_iter()
                .map(|(dx, dy)| (hx + dx, hy + dy))
                .filter(|&(x, y)| x >= 0 && y >= 0 && x < w && y < h)
                .filter(|&(x, y)| (x, y) != (cx, cy))
                .filter(|&(x, y)| !((x == 0 || x == w - 1) && (y == 0 || y == h - 1)))
                .filter(|&(x, y)| {
                    (x < hx && hx < cx)
                        || (cx < hx && hx < x)
                        || (y < hy && hy < cy)
                        || (cy < hy && hy < y)
                })
                .map(|(x, y)| Pos::new(x as u16, y as u16))
                .filter(|&p| !taken(p, &food))
                .collect();
            if !options.is_empty() {
                food.push(options[dice.below(options.len())]);
            }
        }
    }
    let centre = Pos::new(cx as u16, cy as u16);
    if !taken(centre, &food) {
        food.push(centre);
    }
    food
}

/// Fisher-Yates from the back, as Go's `rand.Shuffle`.
fn shuffle<T>(items: &mut [T], dice: &mut Dice) {
    for i in (1..items.len()).rev() {
        items.swap(i, dice.below(i + 1));
    }
}
