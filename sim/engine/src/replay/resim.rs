//! The recorded orders played through the game alone: no bots, no wasm. Shows
//! any tick's world, and checks on the way that the orders reproduce every
//! recorded state hash.

use super::ReplayError;
use super::format::{ReplayHeader, STATE_HASH_BYTES, TickRecord};
use lockstep_game_api::{DynGame, GameDef, MapChoice, Setup};

/// The game, advanced one recorded tick at a time.
pub struct Resim {
    def: &'static dyn GameDef,
    game: Box<dyn DynGame>,
}

/// The whole world at the start of a tick: what the bots were observing.
#[derive(Clone, Debug)]
pub struct WorldAt {
    pub tick: u32,
    /// The game's view of its whole state (`Game::view`).
    pub view: serde_json::Value,
    /// Each seat's score as it stands, by seat.
    pub scores: Vec<serde_json::Value>,
}

impl Resim {
    pub fn new(header: &ReplayHeader) -> Result<Resim, ReplayError> {
        let setup_error = |what: String| ReplayError::Malformed {
            offset: 0,
            what: format!("the header's settings do not make a game: {what}"),
        };
        let def =
            crate::games::find(&header.config.game).map_err(|e| setup_error(e.to_string()))?;
        let game = def
            .start(&Setup {
                map: MapChoice::Recorded(&header.map),
                seats: header.players.len(),
                seed: header.config.seed,
                settings: &header.config.settings.0,
            })
            .map_err(|e| setup_error(e.to_string()))?;
        Ok(Resim { def, game })
    }

    /// The game's registry entry (to read its actions in words or JSON).
    pub fn def(&self) -> &'static dyn GameDef {
        self.def
    }

    /// The world as it stands (at the start of the next tick).
    pub fn world(&self) -> WorldAt {
        WorldAt {
            tick: self.game.tick(),
            view: self.game.view(),
            scores: self.game.scores(),
        }
    }

    /// Orders of `seat` rejected so far, over the whole match.
    pub fn rejected_total(&self, seat: usize) -> u64 {
        self.game.rejected_total(seat)
    }

    /// Applies one recorded tick and checks the state hash it recorded (its
    /// first bytes); returns the whole hash.
    pub fn apply(&mut self, record: &TickRecord) -> Result<[u8; 32], ReplayError> {
        if record.tick != self.game.tick() || self.game.is_over() {
            return Err(ReplayError::Malformed {
                offset: 0,
                what: format!(
                    "tick {} is recorded, but the game is at tick {}{}",
                    record.tick,
                    self.game.tick(),
                    if self.game.is_over() { " and over" } else { "" }
                ),
            });
        }
        for bot in &record.bots {
            if bot.outcome.is_ok() {
                let seat = usize::from(bot.seat);
                self.game
                    .submit_canonical(seat, &bot.actions)
                    .map_err(|e| ReplayError::Malformed {
                        offset: 0,
                        what: format!("tick {}: seat {seat}'s recorded orders: {e}", record.tick),
                    })?;
            }
        }
        self.game.step();
        let hash = self.game.state_hash();
        if hash[..STATE_HASH_BYTES] != record.state_hash {
            return Err(ReplayError::Malformed {
                offset: 0,
                what: format!(
                    "tick {}: the recorded orders do not give the recorded world state \
                     (the replay was edited, or recorded by a build with other rules)",
                    record.tick
                ),
            });
        }
        Ok(hash)
    }

    pub fn game(&self) -> &dyn DynGame {
        &*self.game
    }
}
