//! Rules 4 to 6: harvest, spawn, income.

use bevy_ecs::prelude::*;
use lockstep_sdk::{RejectReason, UnitId};

use crate::state::{
    At, Board, Changes, Health, Orders, Players, Rejections, Settings, Unit, Units,
};

/// Rule 4: each harvest by a unit that survived this tick's deaths pays its player.
pub fn resolve_harvests(
    orders: Res<Orders>,
    units: Res<Units>,
    settings: Res<Settings>,
    mut players: ResMut<Players>,
) {
    for harvest in &orders.harvests {
        if units.entity(harvest.unit).is_none() {
            continue; // died this tick
        }
        if let Some(p) = players.0.get_mut(harvest.player.0 as usize)
            && p.alive
        {
            p.energy = p.energy.saturating_add(settings.rules.harvest_amount);
        }
    }
}

/// Rule 5: spawns in player-id order, so new unit ids are assigned the same way
/// every run. A cell still occupied after moves and deaths blocks the spawn and
/// costs nothing.
#[expect(clippy::too_many_arguments, reason = "a bevy system's parameters")]
pub fn resolve_spawns(
    mut commands: Commands,
    orders: Res<Orders>,
    board: Res<Board>,
    settings: Res<Settings>,
    mut players: ResMut<Players>,
    mut units: ResMut<Units>,
    mut rejections: ResMut<Rejections>,
    mut changes: ResMut<Changes>,
) {
    let cost = settings.rules.unit_cost;
    for (p, spawn) in orders.spawns.iter().enumerate() {
        let Some(spawn) = spawn else { continue };
        let Some(player) = players.0.get_mut(p) else {
            continue;
        };
        if !player.alive {
            continue;
        }
        let owner = lockstep_sdk::PlayerId(p as u8);
        let cell = board.idx(spawn.at);
        if units.occupant(cell).is_some() {
            rejections.push(owner, spawn.index, spawn.action, RejectReason::SpawnBlocked);
            continue;
        }
        // Checked at submit; energy only grew since, but never underflow.
        let Some(left) = player.energy.checked_sub(cost) else {
            rejections.push(
                owner,
                spawn.index,
                spawn.action,
                RejectReason::NotEnoughEnergy,
            );
            continue;
        };
        let Some(next_id) = units.next_id.checked_add(1) else {
            // 4 billion units in one match: refuse rather than reuse an id.
            rejections.push(owner, spawn.index, spawn.action, RejectReason::SpawnBlocked);
            continue;
        };
        player.energy = left;
        let id = UnitId(units.next_id);
        units.next_id = next_id;
        let entity = commands
            .spawn((
                Unit { id, owner },
                At(spawn.at),
                Health(settings.rules.unit_hp),
            ))
            .id();
        units.entity.push(Some(entity));
        units.occupant[cell] = id.0;
        changes.roster = true;
    }
}

/// Rule 6: every live core earns its income.
pub fn grant_income(settings: Res<Settings>, mut players: ResMut<Players>) {
    for p in players.0.iter_mut().filter(|p| p.alive) {
        p.energy = p.energy.saturating_add(settings.rules.core_income);
    }
}
