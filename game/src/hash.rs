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
        buf.extend_from_slice(&u.id.0.to_le_bytes());
        buf.push(u.owner.0);
        buf.extend_from_slice(&u.pos.x.to_le_bytes());
        buf.extend_from_slice(&u.pos.y.to_le_bytes());
        buf.extend_from_slice(&u.hp.to_le_bytes());
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
