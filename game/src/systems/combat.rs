//! Rules 2 and 3: simultaneous attacks, then deaths and eliminations.

use bevy_ecs::prelude::*;
use lockstep_sdk::{RejectReason, UnitId};

use crate::state::{
    At, Board, Changes, Clock, Health, Orders, Players, Rejections, Scratch, Settings, Tile, Unit,
    Units,
};

/// Rule 2: every attack hits whatever enemy stands on its target cell after the
/// moves. Damage is summed per cell first and applied after, so the order of
/// attacks never matters and units that die this tick still strike.
#[expect(clippy::too_many_arguments, reason = "a bevy system's parameters")]
pub fn resolve_attacks(
    orders: Res<Orders>,
    board: Res<Board>,
    units: Res<Units>,
    settings: Res<Settings>,
    mut players: ResMut<Players>,
    mut scratch: ResMut<Scratch>,
    mut rejections: ResMut<Rejections>,
    mut changes: ResMut<Changes>,
    mut health: Query<(&Unit, &mut Health)>,
) {
    let s = &mut *scratch;
    let damage = u32::from(settings.rules.unit_damage);
    for attack in &orders.attacks {
        let hit = attack.target.and_then(|t| {
            let cell = board.idx(t);
            let enemy = match units.occupant(cell) {
                Some(id) => owner_of(&units, &health, id).is_some_and(|o| o != attack.player),
                None => match board.tile(t) {
                    Tile::Core(owner) => {
                        owner != attack.player
                            && players.0.get(owner.0 as usize).is_some_and(|p| p.alive)
                    }
                    _ => false,
                },
            };
            enemy.then_some(cell)
        });
        match hit {
            Some(cell) => {
                // A cell hit twice is listed twice; the second visit applies 0.
                s.touched.push(cell);
                s.damage[cell] = s.damage[cell].saturating_add(damage);
            }
            None => rejections.reject(attack, RejectReason::NoEnemy),
        }
    }

    for &cell in &s.touched {
        let total = u16::try_from(std::mem::take(&mut s.damage[cell])).unwrap_or(u16::MAX);
        if let Some(id) = units.occupant(cell) {
            if let Some(entity) = units.entity(id)
                && let Ok((_, mut hp)) = health.get_mut(entity)
            {
                hp.0 = hp.0.saturating_sub(total);
                changes.hurt.push(id);
            }
        } else if let Tile::Core(owner) = board.tiles[cell]
            && let Some(p) = players.0.get_mut(owner.0 as usize)
        {
            p.core_hp = p.core_hp.saturating_sub(total);
        }
    }
    s.touched.clear();
}

fn owner_of(
    units: &Units,
    health: &Query<(&Unit, &mut Health)>,
    id: UnitId,
) -> Option<lockstep_sdk::PlayerId> {
    let entity = units.entity(id)?;
    health.get(entity).ok().map(|(unit, _)| unit.owner)
}

/// Rule 3: units at 0 hp die; a core at 0 hp eliminates its player this tick
/// and takes all of that player's units with it.
#[expect(clippy::too_many_arguments, reason = "a bevy system's parameters")]
pub fn resolve_deaths(
    mut commands: Commands,
    clock: Res<Clock>,
    board: Res<Board>,
    mut players: ResMut<Players>,
    mut units: ResMut<Units>,
    mut changes: ResMut<Changes>,
    mut dead: Local<Vec<(UnitId, Entity, usize)>>,
    query: Query<(Entity, &Unit, &At, &Health)>,
) {
    for p in players.0.iter_mut() {
        if p.alive && p.core_hp == 0 {
            p.alive = false;
            p.eliminated_at = Some(clock.tick);
        }
    }
    dead.clear();
    for (entity, unit, at, hp) in &query {
        let owner_alive = players
            .0
            .get(unit.owner.0 as usize)
            .is_some_and(|p| p.alive);
        if hp.0 == 0 || !owner_alive {
            dead.push((unit.id, entity, board.idx(at.0)));
        }
    }
    // Query order is archetype order: sort by our id before touching anything.
    dead.sort_unstable_by_key(|d| d.0);
    if !dead.is_empty() {
        changes.roster = true;
    }
    for &(id, entity, cell) in dead.iter() {
        if units.occupant[cell] == id.0 {
            units.occupant[cell] = Units::NONE;
        }
        if let Some(slot) = units.entity.get_mut(id.0 as usize) {
            *slot = None;
        }
        commands.entity(entity).despawn();
    }
}
