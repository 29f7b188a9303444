//! The state hash: blake3 over a fixed little-endian encoding of everything that
//! decides the rest of the match. Replays compare it tick by tick, so the
//! encoding only ever walks our own ids in order, never `Entity` or a hash map.

use lockstep_sdk::{Action, Direction, RejectReason, Rejection};

use crate::GameConfig;
use crate::map::Map;
use crate::state::{Clock, Players, Rejections, Units, View};

/// Bump when the encoding changes, so old and new hashes never match by accident.
const TAG: &[u8] = b"lockstep-game state v1";

/// A digest of what never changes during a match: map grid, player count, config.
pub(crate) fn setup_digest(map: &Map, players: usize, config: &GameConfig) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"lockstep-game setup v1");
    h.update(&map.width.to_le_bytes());
    h.update(&map.height.to_le_bytes());
    for row in &map.rows {
        h.update(row.as_bytes());
    }
    h.update(&(players as u32).to_le_bytes());
    let r = &config.rules;
    for v in [r.core_hp, r.unit_hp, r.unit_damage, r.max_units] {
        h.update(&v.to_le_bytes());
    }
    for v in [
        r.unit_cost,
        r.start_energy,
        r.core_income,
        r.harvest_amount,
        r.unit_vision2,
        r.core_vision2,
        config.max_ticks,
        config.max_actions,
    ] {
        h.update(&v.to_le_bytes());
    }
    h.finalize().into()
}

pub(crate) fn state_hash(
    setup: &[u8; 32],
    clock: &Clock,
    players: &Players,
    units: &Units,
    view: &View,
    rejections: &Rejections,
) -> [u8; 32] {
    let mut buf = Vec::with_capacity(128 + players.0.len() * 16 + view.units.len() * 11);
    buf.extend_from_slice(TAG);
    buf.extend_from_slice(setup);
    buf.extend_from_slice(&clock.tick.to_le_bytes());
    buf.extend_from_slice(&units.next_id.to_le_bytes());
    for p in &players.0 {
        buf.extend_from_slice(&p.energy.to_le_bytes());
        buf.extend_from_slice(&p.core_hp.to_le_bytes());
        buf.push(p.alive as u8);
        buf.extend_from_slice(&p.eliminated_at.map_or(u32::MAX, |t| t).to_le_bytes());
    }
    // `View::units` is sorted by id and rebuilt after every change to units.
    buf.extend_from_slice(&(view.units.len() as u32).to_le_bytes());
    for u in &view.units {
        // One fixed-size append per unit: the same 11 bytes as field by field.
        let mut bytes = [0u8; 11];
        bytes[0..4].copy_from_slice(&u.id.0.to_le_bytes());
        bytes[4] = u.owner.0;
        bytes[5..7].copy_from_slice(&u.pos.x.to_le_bytes());
        bytes[7..9].copy_from_slice(&u.pos.y.to_le_bytes());
        bytes[9..11].copy_from_slice(&u.hp.to_le_bytes());
        buf.extend_from_slice(&bytes);
    }
    // Last tick's rejections are part of what bots see next, so they count.
    for list in &rejections.last {
        buf.extend_from_slice(&(list.len() as u32).to_le_bytes());
        for r in list {
            encode_rejection(&mut buf, r);
        }
    }
    blake3::hash(&buf).into()
}

fn encode_rejection(buf: &mut Vec<u8>, r: &Rejection) {
    buf.extend_from_slice(&r.index.to_le_bytes());
    let (tag, unit, dir) = match r.action {
        Action::Spawn { dir } => (0u8, u32::MAX, dir),
        Action::Move { unit, dir } => (1, unit.0, dir),
        Action::Attack { unit, dir } => (2, unit.0, dir),
        Action::Harvest { unit, dir } => (3, unit.0, dir),
    };
    buf.push(tag);
    buf.extend_from_slice(&unit.to_le_bytes());
    buf.push(match dir {
        Direction::North => 0,
        Direction::East => 1,
        Direction::South => 2,
        Direction::West => 3,
    });
    buf.push(match r.reason {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::PlayerState;
    use lockstep_sdk::{Pos, UnitId, UnitView};

    /// The units encoded field by field, as first written: `state_hash`
    /// (one 11-byte append per unit) must give the same digest.
    fn reference(
        setup: &[u8; 32],
        clock: &Clock,
        players: &Players,
        units: &Units,
        view: &View,
        rejections: &Rejections,
    ) -> [u8; 32] {
        let mut buf = Vec::new();
        buf.extend_from_slice(TAG);
        buf.extend_from_slice(setup);
        buf.extend_from_slice(&clock.tick.to_le_bytes());
        buf.extend_from_slice(&units.next_id.to_le_bytes());
        for p in &players.0 {
            buf.extend_from_slice(&p.energy.to_le_bytes());
            buf.extend_from_slice(&p.core_hp.to_le_bytes());
            buf.push(p.alive as u8);
            buf.extend_from_slice(&p.eliminated_at.map_or(u32::MAX, |t| t).to_le_bytes());
        }
        buf.extend_from_slice(&(view.units.len() as u32).to_le_bytes());
        for u in &view.units {
            buf.extend_from_slice(&u.id.0.to_le_bytes());
            buf.push(u.owner.0);
            buf.extend_from_slice(&u.pos.x.to_le_bytes());
            buf.extend_from_slice(&u.pos.y.to_le_bytes());
            buf.extend_from_slice(&u.hp.to_le_bytes());
        }
        for list in &rejections.last {
            buf.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for r in list {
                encode_rejection(&mut buf, r);
            }
        }
        blake3::hash(&buf).into()
    }

    #[test]
    fn unit_bytes_appended_at_once_hash_the_same() {
        let setup = [7u8; 32];
        for count in [0u32, 1, 300, 372, 373, 1000] {
            let players = Players(
                (0..8)
                    .map(|i| PlayerState {
                        energy: 1000 * i,
                        core_hp: 200 - i as u16,
                        alive: i % 3 != 0,
                        eliminated_at: (i % 3 == 0).then_some(i * 5),
                        units: count,
                    })
                    .collect(),
            );
            let view = View {
                units: (0..count)
                    .map(|i| UnitView {
                        id: UnitId(i * 3),
                        owner: lockstep_sdk::PlayerId((i % 8) as u8),
                        pos: Pos::new((i % 128) as u16, (i / 128) as u16),
                        hp: (i % 11) as u16,
                    })
                    .collect(),
                ..View::default()
            };
            let units = Units {
                occupant: Vec::new(),
                entity: Vec::new(),
                next_id: count * 3,
            };
            let reasons = [RejectReason::NoSuchUnit, RejectReason::SpawnBlocked];
            let rejections = Rejections {
                current: Vec::new(),
                last: (0..8u32)
                    .map(|p| {
                        (0..count / 4 * p % 97)
                            .map(|i| Rejection {
                                index: i,
                                action: if i % 2 == 0 {
                                    Action::Move {
                                        unit: UnitId(i),
                                        dir: Direction::West,
                                    }
                                } else {
                                    Action::Spawn {
                                        dir: Direction::North,
                                    }
                                },
                                reason: reasons[i as usize % 2],
                            })
                            .collect()
                    })
                    .collect(),
                total: Vec::new(),
                spare: Vec::new(),
            };
            let clock = Clock { tick: count };
            assert_eq!(
                state_hash(&setup, &clock, &players, &units, &view, &rejections),
                reference(&setup, &clock, &players, &units, &view, &rejections),
                "{count} units"
            );
        }
    }
}
