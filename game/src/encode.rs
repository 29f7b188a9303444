//! Encoding each tick's observations without encoding the same unit once per
//! player.
//!
//! Postcard has no framing: a struct is its fields one after the other and a
//! sequence is a varint count then its elements. So an `Observation`'s bytes
//! are `tick`, `energy`, the unit count, each visible unit's own bytes, then
//! `cores`, `rejected` and `eliminated`. [`Observations`] encodes every unit
//! once per tick ([`Game::units`], sorted by id), and each postcard player's
//! message splices the byte ranges of the runs of units it sees
//! ([`Game::observe_runs`]). The encoding is written out by hand (varints,
//! enum variant indices, `docs/abi.md` section 5), without serde; the bytes
//! are exactly `postcard::to_allocvec` of the player's `Observation`, which
//! the tests check value by value and message by message over whole games.
//! JSON players take the plain path (`observe`, then serde). The game keeps
//! one [`Observations`] and forgets its unit bytes whenever the world changes.

use crate::Game;
use lockstep_sdk::{
    Action, CoreView, Direction, Encoding, Observation, PlayerId, RejectReason, Rejection, UnitView,
};
use std::ops::Range;

/// Buffers reused from tick to tick: no allocation once they have grown.
#[derive(Default)]
pub(crate) struct Observations {
    /// The tick whose units `unit_bytes` holds, if any.
    encoded_for: Option<u32>,
    /// Every unit's postcard bytes, in `Game::units` order.
    unit_bytes: Vec<u8>,
    /// `unit_bytes` offsets: unit `i` is `offsets[i]..offsets[i + 1]`.
    offsets: Vec<u32>,
    runs: Vec<Range<usize>>,
    observation: Observation,
}

impl Observations {
    /// Forgets this tick's unit bytes: call once the game may have changed
    /// (at the start of each tick).
    pub(crate) fn invalidate(&mut self) {
        self.encoded_for = None;
    }

    /// Appends `player`'s observation, in `encoding`, to `out`.
    pub(crate) fn encode_into(
        &mut self,
        game: &mut Game,
        player: PlayerId,
        encoding: Encoding,
        out: &mut Vec<u8>,
    ) {
        if encoding != Encoding::Postcard {
            game.observe(player, &mut self.observation);
            lockstep_sdk::encode_into(encoding, &self.observation, out);
            return;
        }
        if self.encoded_for != Some(game.tick()) {
            self.encode_units(game.units());
            self.encoded_for = Some(game.tick());
        }
        game.observe_runs(player, &mut self.observation, &mut self.runs);
        let obs = &self.observation;
        let count: usize = self.runs.iter().map(|r| r.len()).sum();
        let units_len: usize = self
            .runs
            .iter()
            .map(|r| (self.offsets[r.end] - self.offsets[r.start]) as usize)
            .sum();
        out.reserve(3 * 5 + units_len + 16 * (obs.cores.len() + obs.rejected.len()) + 8);
        varint(out, obs.tick);
        varint(out, obs.energy);
        varint(out, count as u32);
        for r in &self.runs {
            let bytes = self.offsets[r.start] as usize..self.offsets[r.end] as usize;
            out.extend_from_slice(&self.unit_bytes[bytes]);
        }
        varint(out, obs.cores.len() as u32);
        for c in &obs.cores {
            encode_core(out, c);
        }
        varint(out, obs.rejected.len() as u32);
        for r in &obs.rejected {
            encode_rejection(out, r);
        }
        varint(out, obs.eliminated.len() as u32);
        out.extend(obs.eliminated.iter().map(|p| p.0));
    }

    fn encode_units(&mut self, units: &[UnitView]) {
        self.unit_bytes.clear();
        self.offsets.clear();
        self.unit_bytes.reserve(units.len() * 11);
        self.offsets.reserve(units.len() + 1);
        self.offsets.push(0);
        for u in units {
            encode_unit(&mut self.unit_bytes, u);
            self.offsets.push(self.unit_bytes.len() as u32);
        }
    }
}

/// A `UnitView` as postcard writes it: varint id, owner byte, varint x, y, hp.
fn encode_unit(out: &mut Vec<u8>, u: &UnitView) {
    varint(out, u.id.0);
    out.push(u.owner.0);
    varint(out, u32::from(u.pos.x));
    varint(out, u32::from(u.pos.y));
    varint(out, u32::from(u.hp));
}

/// A `CoreView` as postcard writes it: owner byte, varint x, y, hp.
fn encode_core(out: &mut Vec<u8>, c: &CoreView) {
    out.push(c.owner.0);
    varint(out, u32::from(c.pos.x));
    varint(out, u32::from(c.pos.y));
    varint(out, u32::from(c.hp));
}

/// A `Rejection` as postcard writes it: varint index, the action (variant
/// index, then its fields), the reason's variant index. Enum variant
/// indices are declaration order (`docs/abi.md`).
fn encode_rejection(out: &mut Vec<u8>, r: &Rejection) {
    varint(out, r.index);
    let (variant, unit, dir) = match r.action {
        Action::Spawn { dir } => (0, None, dir),
        Action::Move { unit, dir } => (1, Some(unit), dir),
        Action::Attack { unit, dir } => (2, Some(unit), dir),
        Action::Harvest { unit, dir } => (3, Some(unit), dir),
    };
    out.push(variant);
    if let Some(unit) = unit {
        varint(out, unit.0);
    }
    out.push(match dir {
        Direction::North => 0,
        Direction::East => 1,
        Direction::South => 2,
        Direction::West => 3,
    });
    out.push(match r.reason {
        RejectReason::NoSuchUnit => 0,
        RejectReason::NotYourUnit => 1,
        RejectReason::AlreadyOrdered => 2,
        RejectReason::TooManyActions => 3,
        RejectReason::Blocked => 4,
        RejectReason::MoveCollided => 5,
        RejectReason::NoEnemy => 6,
        RejectReason::NoSource => 7,
        RejectReason::NotEnoughEnergy => 8,
        RejectReason::UnitCap => 9,
        RejectReason::SpawnBlocked => 10,
    });
}

/// Unsigned LEB128, shortest form: postcard's `u16` and `u32`.
fn varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GameConfig, Map};
    use lockstep_sdk::{Pos, UnitId};

    #[test]
    fn varints_match_postcard() {
        for v in [
            0u32,
            1,
            127,
            128,
            255,
            16_383,
            16_384,
            65_535,
            2_097_151,
            2_097_152,
            u32::MAX,
        ] {
            let mut ours = Vec::new();
            varint(&mut ours, v);
            assert_eq!(ours, postcard::to_allocvec(&v).unwrap(), "u32 {v}");
            if let Ok(small) = u16::try_from(v) {
                assert_eq!(ours, postcard::to_allocvec(&small).unwrap(), "u16 {v}");
            }
        }
    }

    #[test]
    fn units_match_postcard() {
        for (id, owner, x, y, hp) in [
            (0, 0, 0, 0, 0),
            (127, 7, 127, 127, 127),
            (128, 255, 128, 128, 128),
            (u32::MAX, 3, u16::MAX, u16::MAX, u16::MAX),
            (300, 1, 16_384, 5, 200),
        ] {
            let u = UnitView {
                id: UnitId(id),
                owner: PlayerId(owner),
                pos: Pos::new(x, y),
                hp,
            };
            let mut ours = Vec::new();
            encode_unit(&mut ours, &u);
            assert_eq!(ours, postcard::to_allocvec(&u).unwrap(), "{u:?}");
        }
    }

    #[test]
    fn cores_and_rejections_match_postcard() {
        let reasons = [
            RejectReason::NoSuchUnit,
            RejectReason::NotYourUnit,
            RejectReason::AlreadyOrdered,
            RejectReason::TooManyActions,
            RejectReason::Blocked,
            RejectReason::MoveCollided,
            RejectReason::NoEnemy,
            RejectReason::NoSource,
            RejectReason::NotEnoughEnergy,
            RejectReason::UnitCap,
            RejectReason::SpawnBlocked,
        ];
        for (i, reason) in reasons.into_iter().enumerate() {
            for dir in Direction::ALL {
                for unit in [0, 127, 128, u32::MAX] {
                    let unit = UnitId(unit);
                    for action in [
                        Action::Spawn { dir },
                        Action::Move { unit, dir },
                        Action::Attack { unit, dir },
                        Action::Harvest { unit, dir },
                    ] {
                        let r = Rejection {
                            index: [0, 200, u32::MAX][i % 3],
                            action,
                            reason,
                        };
                        let mut ours = Vec::new();
                        encode_rejection(&mut ours, &r);
                        assert_eq!(ours, postcard::to_allocvec(&r).unwrap(), "{r:?}");
                    }
                }
            }
        }
        for (owner, x, y, hp) in [(0, 0, 0, 0), (7, 128, 300, 65_535), (255, 127, 16_384, 200)] {
            let c = CoreView {
                owner: PlayerId(owner),
                pos: Pos::new(x, y),
                hp,
            };
            let mut ours = Vec::new();
            encode_core(&mut ours, &c);
            assert_eq!(ours, postcard::to_allocvec(&c).unwrap(), "{c:?}");
        }
    }

    /// Every player's spliced message is `postcard::to_vec` of `observe`'s
    /// `Observation`, tick after tick, with fog, deaths and rejections.
    #[test]
    fn spliced_messages_are_postcard_of_observe() {
        let cases = [
            ("random:48x48", 2, 1),
            ("random:48x48", 4, 7),
            ("arena", 8, 0),
        ];
        for (map, players, seed) in cases {
            let map = Map::resolve(map, players, seed).unwrap();
            let mut game = Game::new(&map, players, &GameConfig::default()).unwrap();
            // Units scattered over the map, most out of most players' sight.
            let mut placed = 0;
            for y in 0..map.height {
                for x in 0..map.width {
                    if (x * 7 + y * 13) % 11 == 0 && placed < 120 {
                        let owner = PlayerId((placed % players) as u8);
                        if game.spawn_unit(owner, Pos::new(x, y)).is_some() {
                            placed += 1;
                        }
                    }
                }
            }
            let mut obs = Observations::default();
            let mut expected = Observation::default();
            let (mut checked, mut fogged, mut rejected) = (0, 0, 0);
            for tick in 0..40u32 {
                obs.invalidate();
                for p in 0..players {
                    let player = PlayerId(p as u8);
                    let mut ours = vec![0xee];
                    obs.encode_into(&mut game, player, Encoding::Postcard, &mut ours);
                    game.observe(player, &mut expected);
                    let mut want = vec![0xee];
                    want.extend(postcard::to_allocvec(&expected).unwrap());
                    assert_eq!(ours, want, "players {players}, tick {tick}, player {p}");
                    checked += expected.units.len();
                    fogged += usize::from(obs.runs.len() > 1);
                    rejected += usize::from(!expected.rejected.is_empty());
                    let mut json = Vec::new();
                    obs.encode_into(&mut game, player, Encoding::Json, &mut json);
                    assert_eq!(json, serde_json::to_vec(&expected).unwrap());
                }
                // Everyone orders every unit it sees (own and enemy: the
                // enemy ones are rejected, so `rejected` fills up).
                for p in 0..players {
                    let player = PlayerId(p as u8);
                    game.observe(player, &mut expected);
                    let actions: Vec<_> = (expected.units.iter().enumerate())
                        .map(|(i, u)| {
                            let dir = lockstep_sdk::Direction::ALL[(i + tick as usize) % 4];
                            if i % 3 == 0 {
                                lockstep_sdk::Action::Attack { unit: u.id, dir }
                            } else if i % 7 == 1 {
                                lockstep_sdk::Action::Harvest { unit: u.id, dir }
                            } else {
                                lockstep_sdk::Action::Move { unit: u.id, dir }
                            }
                        })
                        .chain([lockstep_sdk::Action::Spawn {
                            dir: lockstep_sdk::Direction::ALL[tick as usize % 4],
                        }])
                        .collect();
                    game.submit(player, &actions);
                }
                game.step();
            }
            assert!(checked > 1000, "the test saw units ({checked})");
            assert!(fogged > 10, "and fog splitting them into runs ({fogged})");
            assert!(rejected > 10, "and rejections ({rejected})");
        }
    }
}
