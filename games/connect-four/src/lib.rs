//! Connect four, the tutorial game: the smallest complete [`Game`].
//!
//! Two seats take turns dropping discs into the columns of an upright grid
//! (7 wide and 6 high on the classic board); the first to line up four of its
//! discs, horizontally, vertically or diagonally, wins. The rules as a bot
//! author reads them are in `docs/games/connect-four.md`; the wire types are in
//! `lockstep-connect-four-sdk`. The engine hosts it as
//! `lockstep_game_api::def::<ConnectFour>()`, in its list of games.
//!
//! A game holds its world however it likes: the reference game runs
//! `bevy_ecs` systems, this one keeps a plain array of cells. What the engine
//! asks is determinism: everything must follow from the setup and the calls
//! made. Connect four has no randomness at all, so the match seed decides
//! nothing: seat 0 always moves first (to be fair, play both seatings).

use lockstep_connect_four_sdk::{Action, Init, Limits, Observation, RejectReason, Rejection};
use lockstep_game_api::{EngineLimits, Game, MapChoice, RecordedMap, Setup, SetupError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Connect four's registry entry: the one line that adds it to the engine's
/// list of games (`games/registry/src/lib.rs`).
pub const DEF: &dyn lockstep_game_api::GameDef = lockstep_game_api::def::<ConnectFour>();

/// The board sizes a map may have, in columns and in rows.
const SIZES: std::ops::RangeInclusive<u8> = 4..=12;

/// The game's settings: every key is optional, an unknown one is an error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The match is a draw after this many ticks (one disc each). `None`:
    /// when the board is full (42 ticks on the classic board).
    pub max_ticks: Option<u32>,
}

/// How a match ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum End {
    /// The seat that moved lined up four and won.
    FourInARow,
    /// The seat to move gave no playable drop and lost.
    Forfeit,
    /// A draw: no cell left.
    BoardFull,
    /// A draw: `max_ticks` reached.
    TickLimit,
}

/// One match of connect four.
pub struct ConnectFour {
    map_name: String,
    columns: u8,
    rows: u8,
    max_ticks: u32,
    /// With `max_ticks` filled in.
    settings: Settings,
    /// `columns * rows` cells, bottom row first (the observation's layout):
    /// 0 empty, 1 seat 0's disc, 2 seat 1's.
    board: Vec<u8>,
    /// Ticks completed: discs dropped, since every tick but a forfeit drops one.
    tick: u32,
    last_move: Option<u8>,
    /// What the seat to move submitted this tick; `step` plays it.
    submitted: Vec<Action>,
    /// Each seat's first rejected action on its last turn, for it to see.
    rejected: [Option<Rejection>; 2],
    rejected_total: [u64; 2],
    /// How the match ended; `None` while it goes on.
    end: Option<End>,
    /// `None` while the match goes on, and after a draw.
    winner: Option<usize>,
}

impl ConnectFour {
    /// The seat whose turn it is: turns alternate and seat 0 starts.
    fn to_move(&self) -> usize {
        self.tick as usize % 2
    }

    /// Where (`column`, `row`) is in `board`.
    fn index(&self, column: u8, row: u8) -> usize {
        row as usize * self.columns as usize + column as usize
    }

    /// The board's rows, bottom first.
    fn board_rows(&self) -> std::slice::Chunks<'_, u8> {
        self.board.chunks(self.columns as usize)
    }

    /// Discs in `column` (the row the next one lands on).
    fn height(&self, column: u8) -> u8 {
        self.board_rows()
            .take_while(|row| row[column as usize] != 0)
            .count() as u8
    }

    /// Whether the disc at (`column`, `row`) is in a line of four or more.
    fn four_in_a_row(&self, column: u8, row: u8) -> bool {
        let disc = self.board[self.index(column, row)];
        let at = |c: i32, r: i32| {
            let inside =
                (0..self.columns as i32).contains(&c) && (0..self.rows as i32).contains(&r);
            inside && self.board[self.index(c as u8, r as u8)] == disc
        };
        let run = |dc: i32, dr: i32| {
            (1..4)
                .take_while(|&k| at(column as i32 + k * dc, row as i32 + k * dr))
                .count()
        };
        [(1, 0), (0, 1), (1, 1), (1, -1)]
            .into_iter()
            .any(|(dc, dr)| 1 + run(dc, dr) + run(-dc, -dr) >= 4)
    }
}

/// The board size a map spec names: `classic` (7x6) or `WxH`.
fn parse_map(spec: &str) -> Result<(u8, u8), SetupError> {
    let size = match spec {
        "classic" => Some((7, 6)),
        _ => spec
            .split_once('x')
            .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?))),
    };
    match size {
        Some((w, h)) if SIZES.contains(&w) && SIZES.contains(&h) => Ok((w, h)),
        _ => Err(SetupError::Map(format!(
            "connect-four has no map {spec:?}: give \"classic\" (7x6) or a size WxH \
             such as 8x7, with W and H from 4 to 12"
        ))),
    }
}

impl Game for ConnectFour {
    const NAME: &'static str = "connect-four";
    const TITLE: &'static str = "Connect four: take turns dropping discs, line up four";
    const RULES_VERSION: u32 = 1;
    const SEATS: (usize, usize) = (2, 2);
    const DEFAULT_MAP: &'static str = "classic";

    type Settings = Settings;
    type Init = Init;
    type Observation = Observation;
    type Action = Action;

    const MAP_SPECS: &'static str = "WxH (W and H from 4 to 12): a board of that size, e.g. 8x7";

    fn bundled_maps() -> Vec<&'static str> {
        vec!["classic"]
    }

    fn check_settings(settings: &Settings) -> Result<(), String> {
        match settings.max_ticks {
            Some(0) => Err("max_ticks must be at least 1".to_string()),
            _ => Ok(()),
        }
    }

    /// `max_ticks`, or a full board of the largest size a map may have.
    fn max_ticks(settings: &Settings) -> u32 {
        let largest = u32::from(*SIZES.end()) * u32::from(*SIZES.end());
        settings.max_ticks.unwrap_or(largest)
    }

    fn new(setup: &Setup<'_>, settings: Settings) -> Result<Self, SetupError> {
        let (name, spec) = match setup.map {
            MapChoice::Spec(spec) => (spec, spec),
            MapChoice::Recorded(map) => (map.name.as_str(), map.data.as_str()),
        };
        let (columns, rows) = parse_map(spec)?;
        let cells = columns as usize * rows as usize;
        let max_ticks = settings.max_ticks.unwrap_or(cells as u32);
        if max_ticks == 0 {
            let message = "max_ticks must be at least 1".to_string();
            return Err(SetupError::Settings {
                game: Self::NAME,
                message,
            });
        }
        Ok(ConnectFour {
            map_name: name.to_string(),
            columns,
            rows,
            max_ticks,
            settings: Settings {
                max_ticks: Some(max_ticks),
            },
            board: vec![0; cells],
            tick: 0,
            last_move: None,
            submitted: Vec::new(),
            rejected: [None; 2],
            rejected_total: [0; 2],
            end: None,
            winner: None,
        })
    }

    fn recorded_map(&self) -> RecordedMap {
        let data = format!("{}x{}", self.columns, self.rows);
        RecordedMap {
            name: self.map_name.clone(),
            data,
        }
    }

    fn settings(&self) -> &Settings {
        &self.settings
    }

    fn tick(&self) -> u32 {
        self.tick
    }

    fn init(&self, seat: usize, seed: u64, limits: &EngineLimits) -> Init {
        let limits = Limits {
            init_fuel: limits.init_fuel,
            tick_fuel: limits.tick_fuel,
            max_output_bytes: limits.max_output_bytes,
            max_log_lines: limits.max_log_lines,
            max_log_line_bytes: limits.max_log_line_bytes,
            max_memory_bytes: limits.max_memory_bytes,
        };
        Init {
            you: seat as u8,
            seed,
            columns: self.columns,
            rows: self.rows,
            max_ticks: self.max_ticks,
            limits,
        }
    }

    fn to_act(&self, seat: usize) -> bool {
        self.end.is_none() && seat == self.to_move()
    }

    fn observe(&mut self, seat: usize) -> Observation {
        Observation {
            tick: self.tick,
            board: self.board.clone(),
            last_move: self.last_move,
            rejected: self.rejected[seat],
        }
    }

    /// Only the seat to move is heard; `step` judges its actions.
    fn submit(&mut self, seat: usize, actions: &[Action]) {
        if self.to_act(seat) {
            self.submitted.extend_from_slice(actions);
        }
    }

    /// Plays the first playable drop of the seat to move; none (including
    /// nothing submitted: its bot failed) forfeits the match.
    fn step(&mut self) {
        if self.end.is_some() {
            return;
        }
        let seat = self.to_move();
        let (mut played, mut rejected) = (None, None);
        for Action::Drop { column } in std::mem::take(&mut self.submitted) {
            let reason = if played.is_some() {
                RejectReason::AlreadyDropped
            } else if column >= self.columns {
                RejectReason::NoSuchColumn
            } else if self.height(column) == self.rows {
                RejectReason::ColumnFull
            } else {
                played = Some(column);
                continue;
            };
            self.rejected_total[seat] += 1;
            rejected.get_or_insert(Rejection { column, reason });
        }
        self.rejected[seat] = rejected;
        self.tick += 1;
        let Some(column) = played else {
            self.end = Some(End::Forfeit);
            self.winner = Some(1 - seat);
            return;
        };
        let row = self.height(column);
        let cell = self.index(column, row);
        self.board[cell] = seat as u8 + 1;
        self.last_move = Some(column);
        let won = self.four_in_a_row(column, row);
        self.winner = won.then_some(seat);
        self.end = if won {
            Some(End::FourInARow)
        } else if !self.board.contains(&0) {
            Some(End::BoardFull)
        } else if self.tick >= self.max_ticks {
            Some(End::TickLimit)
        } else {
            None
        };
    }

    fn is_over(&self) -> bool {
        self.end.is_some()
    }

    fn ranking(&self) -> Vec<u32> {
        match self.winner {
            Some(winner) => (0..2).map(|seat| (seat != winner) as u32).collect(),
            None => vec![0, 0],
        }
    }

    /// `{"discs": 12, "end": "four-in-a-row"}`: the discs a seat dropped, and
    /// how the match ended (`forfeit`, `board-full`, `tick-limit`; `null` while
    /// it goes on). The ranking says who won, or who forfeited.
    fn scores(&self) -> Vec<Value> {
        let discs = |seat: u8| self.board.iter().filter(|&&cell| cell == seat + 1).count();
        (0..2)
            .map(|seat| json!({ "discs": discs(seat), "end": self.end }))
            .collect()
    }

    /// blake3 over a fixed encoding of everything that decides the rest of the
    /// match (`0xff` stands for `None`; `submitted` is empty between ticks).
    /// Change the tag with the encoding, so that old hashes never match.
    fn state_hash(&self) -> [u8; 32] {
        const NONE: u8 = 0xff;
        let mut h = blake3::Hasher::new();
        h.update(b"lockstep-connect-four state v1");
        h.update(&[self.columns, self.rows]);
        h.update(&self.max_ticks.to_le_bytes());
        h.update(&self.tick.to_le_bytes());
        h.update(&self.board);
        h.update(&[self.last_move.unwrap_or(NONE)]);
        for seat in 0..2 {
            h.update(&self.rejected_total[seat].to_le_bytes());
            let rejected = self.rejected[seat].map(|r| [r.column, r.reason as u8]);
            h.update(&rejected.unwrap_or([NONE; 2]));
        }
        h.update(&[self.end.map_or(NONE, |end| end as u8)]);
        h.update(&[self.winner.map_or(NONE, |seat| seat as u8)]);
        h.finalize().into()
    }

    /// The board as drawn, top row first (cells as in the observation), whose
    /// turn it is and how the match ended.
    fn view(&self) -> Value {
        let grid: Vec<&[u8]> = self.board_rows().rev().collect();
        json!({
            "columns": self.columns,
            "rows": self.rows,
            "grid": grid,
            "tick": self.tick,
            "last_move": self.last_move,
            "to_move": self.end.is_none().then(|| self.to_move()),
            "winner": self.winner,
            "end": self.end,
        })
    }

    fn describe(action: &Action) -> String {
        let Action::Drop { column } = action;
        format!("drop in column {column}")
    }

    fn rejected_total(&self, seat: usize) -> u64 {
        self.rejected_total[seat]
    }
}
