//! The recorded orders played through the game alone: no bots, no wasm. Shows
//! any tick's world, and checks on the way that the orders reproduce every
//! recorded state hash.

use super::ReplayError;
use super::format::{ReplayHeader, STATE_HASH_BYTES, TickRecord};
use lockstep_game::{Game, Map, Score};
use lockstep_sdk::{CoreView, PlayerId, UnitView};

/// The game, advanced one recorded tick at a time.
pub struct Resim {
    game: Game,
}

/// The whole world at the start of a tick: what the bots were observing.
#[derive(Clone, Debug)]
pub struct WorldAt {
    pub tick: u32,
    pub units: Vec<UnitView>,
    pub cores: Vec<CoreView>,
    pub scores: Vec<Score>,
}

impl Resim {
    pub fn new(header: &ReplayHeader) -> Result<Resim, ReplayError> {
        let map = header_map(header)?;
        let game = Game::new(&map, header.players.len(), &header.config.game).map_err(|e| {
            ReplayError::Malformed {
                offset: 0,
                what: format!("the header's settings do not make a game: {e}"),
            }
        })?;
        Ok(Resim { game })
    }

    /// The world as it stands (at the start of the next tick).
    pub fn world(&self) -> WorldAt {
        let (units, cores) = self.game.full_view();
        WorldAt {
            tick: self.game.tick(),
            units,
            cores,
            scores: self.game.scores(),
        }
    }

    /// Orders of `seat` rejected so far, over the whole match.
    pub fn rejected_total(&self, seat: usize) -> u64 {
        self.game.rejected_total(PlayerId(seat as u8))
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
                self.game.submit(PlayerId(bot.seat), &bot.actions);
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

    pub fn game(&self) -> &Game {
        &self.game
    }
}

/// The map the header recorded.
pub(crate) fn header_map(header: &ReplayHeader) -> Result<Map, ReplayError> {
    Map::parse(&header.map.name, &header.map.rows.join("\n")).map_err(|e| ReplayError::Malformed {
        offset: 0,
        what: format!("the recorded map does not parse: {e}"),
    })
}
