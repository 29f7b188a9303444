//! # First: the simplest connect-four bot
//!
//! Every turn it drops a disc into the open column closest to the centre
//! (on an even width, of the two middle columns the left one first; between
//! two columns as far from the centre, the left one). It neither wins on
//! purpose nor blocks, so any bot that looks one move ahead beats it: it is
//! the opponent to try a first bot against, and the smallest example of
//! `lockstep_connect_four_sdk::export_bot!`.

use lockstep_connect_four_sdk::{Action, Bot, Init, Observation};

pub struct First {
    columns: u8,
}

/// The columns of a board `columns` wide, centre-most first.
pub fn centre_first(columns: u8) -> Vec<u8> {
    let mut order: Vec<u8> = (0..columns).collect();
    // Twice the distance to the centre, (columns - 1) / 2, in whole numbers.
    order.sort_by_key(|&c| ((2 * c as i32 - (columns as i32 - 1)).abs(), c));
    order
}

impl Bot for First {
    fn new(init: &Init) -> Self {
        First {
            columns: init.columns,
        }
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        centre_first(self.columns)
            .into_iter()
            .find(|&c| obs.is_open(self.columns, c))
            .map(|column| Action::Drop { column })
            .into_iter()
            .collect()
    }
}

lockstep_connect_four_sdk::export_bot!(First);

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_connect_four_sdk::{Encoding, Limits, Runner, decode, encode};

    fn init(columns: u8, rows: u8) -> Init {
        Init {
            you: 0,
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

    fn observation(columns: u8, rows: u8, filled: &[u8]) -> Observation {
        // `filled`: discs per column, alternating seats does not matter here.
        let mut board = vec![0; columns as usize * rows as usize];
        for (c, &n) in filled.iter().enumerate() {
            for r in 0..n as usize {
                board[r * columns as usize + c] = 1 + (r % 2) as u8;
            }
        }
        Observation {
            tick: filled.iter().map(|&n| n as u32).sum(),
            board,
            last_move: None,
            rejected: None,
        }
    }

    #[test]
    fn centre_order() {
        assert_eq!(centre_first(7), [3, 2, 4, 1, 5, 0, 6]);
        assert_eq!(centre_first(6), [2, 3, 1, 4, 0, 5]);
        assert_eq!(centre_first(4), [1, 2, 0, 3]);
    }

    #[test]
    fn plays_the_centre_then_the_next_open_column() {
        let mut bot = First::new(&init(7, 6));
        let empty = observation(7, 6, &[0; 7]);
        assert_eq!(bot.tick(&empty), [Action::Drop { column: 3 }]);
        let centre_full = observation(7, 6, &[0, 0, 0, 6, 0, 0, 0]);
        assert_eq!(bot.tick(&centre_full), [Action::Drop { column: 2 }]);
        let middle_full = observation(7, 6, &[0, 6, 6, 6, 6, 6, 0]);
        assert_eq!(bot.tick(&middle_full), [Action::Drop { column: 0 }]);
    }

    #[test]
    fn never_plays_a_full_column() {
        let mut bot = First::new(&init(5, 4));
        let mut filled = [0u8; 5];
        for _ in 0..20 {
            let obs = observation(5, 4, &filled);
            let [Action::Drop { column }] = bot.tick(&obs)[..] else {
                panic!("one drop expected");
            };
            assert!(filled[column as usize] < 4, "column {column} is full");
            filled[column as usize] += 1;
        }
        // The board is full: nothing left to play.
        assert!(bot.tick(&observation(5, 4, &filled)).is_empty());
    }

    #[test]
    fn runs_through_the_wire_encoding() {
        let mut runner = Runner::<First>::new(Encoding::Postcard);
        assert_eq!(runner.init(&encode(Encoding::Postcard, &init(7, 6))), 0);
        let out = runner
            .tick(&encode(Encoding::Postcard, &observation(7, 6, &[0; 7])))
            .to_vec();
        assert_eq!(out, [1, 0, 3]);
        let actions: Vec<Action> = decode(Encoding::Postcard, &out).unwrap();
        assert_eq!(actions, [Action::Drop { column: 3 }]);
        // Undecodable input: an empty list, as the glue logs.
        assert_eq!(runner.tick(&[0xff]), [0]);
    }
}
