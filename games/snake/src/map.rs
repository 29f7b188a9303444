//! Boards: the bundled names, `random:WxH`, and the recorded text form.
//!
//! A snake board is only a size; what is random in a match (starting spots,
//! food, royale sides) comes from the match seed, not from the board.

use lockstep_game_api::{MapChoice, RecordedMap};
use lockstep_snake_sdk::HazardMode;

/// The bundled boards, by name: BattleSnake's three standard sizes.
pub const BUNDLED: [(&str, u16); 3] = [("standard", 11), ("small", 7), ("large", 19)];

/// The sides `random:WxH` accepts.
pub const SIDES: std::ops::RangeInclusive<u16> = 5..=25;

/// Why a board could not be built; `SetupError::Map` carries its text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error(
        "snake has no map {0:?}: use standard (11x11), small (7x7), large (19x19) \
         or random:WxH with W and H in 5..=25"
    )]
    Unknown(String),
    #[error("recorded snake map {name:?}: {problem}")]
    Recorded { name: String, problem: String },
}

/// The board a match is played on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Board {
    /// What it was chosen by (`standard`, `random:9x13`, ...).
    pub name: String,
    pub width: u16,
    pub height: u16,
}

impl Board {
    /// The board for `choice`. A recorded board must have been played with
    /// the same hazard mode as `hazards` (the settings in force).
    pub fn resolve(choice: MapChoice<'_>, hazards: HazardMode) -> Result<Board, MapError> {
        match choice {
            MapChoice::Spec(spec) => Board::from_spec(spec),
            MapChoice::Recorded(recorded) => Board::from_recorded(recorded, hazards),
        }
    }

    /// `standard`, `small`, `large` or `random:WxH`.
    pub fn from_spec(spec: &str) -> Result<Board, MapError> {
        let unknown = || MapError::Unknown(spec.to_owned());
        let (width, height) = if let Some(&(_, side)) = BUNDLED.iter().find(|(n, _)| *n == spec) {
            (side, side)
        } else {
            let size = spec.strip_prefix("random:").ok_or_else(unknown)?;
            parse_size(size).ok_or_else(unknown)?
        };
        Ok(Board {
            name: spec.to_owned(),
            width,
            height,
        })
    }

    /// The text [`Board::from_recorded`] reads: `key value` lines.
    pub fn recorded(&self, hazards: HazardMode) -> RecordedMap {
        RecordedMap {
            name: self.name.clone(),
            data: format!(
                "snake-board v1\nsize {}x{}\nhazards {}\n",
                self.width,
                self.height,
                hazard_word(hazards)
            ),
        }
    }

    /// Rebuilds the board from [`Board::recorded`]'s text.
    pub fn from_recorded(recorded: &RecordedMap, hazards: HazardMode) -> Result<Board, MapError> {
        let problem = |problem: String| MapError::Recorded {
            name: recorded.name.clone(),
            problem,
        };
        let mut lines = recorded
            .data
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        if lines.next() != Some("snake-board v1") {
            return Err(problem("the first line must be `snake-board v1`".into()));
        }
        let (mut size, mut mode) = (None, None);
        for line in lines {
            match line.split_once(' ') {
                Some(("size", value)) if size.is_none() => {
                    size = Some(parse_size(value).ok_or_else(|| {
                        problem(format!("size {value:?} is not WxH with W and H in 5..=25"))
                    })?);
                }
                Some(("hazards", value)) if mode.is_none() => {
                    mode = Some(match value {
                        "none" => HazardMode::None,
                        "royale" => HazardMode::Royale,
                        _ => return Err(problem(format!("unknown hazards mode {value:?}"))),
                    });
                }
                _ => return Err(problem(format!("unexpected line {line:?}"))),
            }
        }
        let (width, height) = size.ok_or_else(|| problem("no size line".into()))?;
        let mode = mode.ok_or_else(|| problem("no hazards line".into()))?;
        if mode != hazards {
            return Err(problem(format!(
                "it was played with hazards {}, but the settings say {}",
                hazard_word(mode),
                hazard_word(hazards)
            )));
        }
        Ok(Board {
            name: recorded.name.clone(),
            width,
            height,
        })
    }

    /// BattleSnake's fixed starting spots apply: a square 7, 11 or 19 board.
    pub fn is_standard_size(&self) -> bool {
        self.width == self.height && BUNDLED.iter().any(|&(_, side)| side == self.width)
    }
}

fn hazard_word(mode: HazardMode) -> &'static str {
    match mode {
        HazardMode::None => "none",
        HazardMode::Royale => "royale",
    }
}

/// `WxH` with both sides in [`SIDES`], digits only.
fn parse_size(text: &str) -> Option<(u16, u16)> {
    let (w, h) = text.split_once('x')?;
    let side = |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 3 {
            return None;
        }
        s.parse::<u16>().ok().filter(|n| SIDES.contains(n))
    };
    Some((side(w)?, side(h)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        let b = Board::from_spec("standard").unwrap();
        assert_eq!((b.width, b.height), (11, 11));
        assert!(b.is_standard_size());
        let b = Board::from_spec("random:5x25").unwrap();
        assert_eq!((b.width, b.height, b.name.as_str()), (5, 25, "random:5x25"));
        assert!(!b.is_standard_size());
        assert!(Board::from_spec("random:11x11").unwrap().is_standard_size());
        for bad in [
            "",
            "huge",
            "random:",
            "random:4x9",
            "random:9x26",
            "random:9",
            "random:+9x9",
            "random:9x9x9",
            "random:0009x9",
            "Standard",
        ] {
            let err = Board::from_spec(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
            assert!(
                err.contains("standard (11x11)") && err.contains("random:WxH"),
                "{err}"
            );
        }
    }

    #[test]
    fn recorded_round_trip() {
        for spec in ["standard", "small", "large", "random:5x5", "random:25x7"] {
            for mode in [HazardMode::None, HazardMode::Royale] {
                let board = Board::from_spec(spec).unwrap();
                let recorded = board.recorded(mode);
                assert_eq!(Board::from_recorded(&recorded, mode).unwrap(), board);
                let other = match mode {
                    HazardMode::None => HazardMode::Royale,
                    HazardMode::Royale => HazardMode::None,
                };
                assert!(Board::from_recorded(&recorded, other).is_err());
            }
        }
    }

    #[test]
    fn recorded_errors() {
        let bad = |data: &str| {
            let map = RecordedMap {
                name: "x".into(),
                data: data.into(),
            };
            Board::from_recorded(&map, HazardMode::None)
                .unwrap_err()
                .to_string()
        };
        assert!(bad("size 9x9\nhazards none").contains("first line"));
        assert!(bad("snake-board v1\nhazards none").contains("no size"));
        assert!(bad("snake-board v1\nsize 9x9").contains("no hazards"));
        assert!(bad("snake-board v1\nsize 3x9\nhazards none").contains("5..=25"));
        assert!(bad("snake-board v1\nsize 9x9\nhazards lava").contains("lava"));
        assert!(bad("snake-board v1\nsize 9x9\nsize 9x9\nhazards none").contains("unexpected"));
    }
}
