//! Submit-time validation: each order is checked the moment it arrives, in list
//! order, and either queued for the step or recorded as a `Rejection`.

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;
use lockstep_sdk::{Action, PlayerId, RejectReason};

use crate::state::{
    At, Board, Clock, Order, Orders, Players, Rejections, Settings, SpawnOrder, Tile, Unit, Units,
};

/// Everything `submit` reads or writes, fetched in one go through a cached
/// `SystemState` (cheaper than one resource lookup per field).
#[derive(SystemParam)]
pub struct Submit<'w, 's> {
    board: Res<'w, Board>,
    settings: Res<'w, Settings>,
    clock: Res<'w, Clock>,
    players: Res<'w, Players>,
    units: Res<'w, Units>,
    orders: ResMut<'w, Orders>,
    rejections: ResMut<'w, Rejections>,
    query: Query<'w, 's, (&'static Unit, &'static At)>,
}

impl Submit<'_, '_> {
    /// Validates `actions` for `player`. Calling it twice in one tick is the same
    /// as calling it once with both lists joined (indices keep counting).
    /// Orders from an eliminated or unknown player are ignored.
    pub fn run(&mut self, player: PlayerId, actions: &[Action]) {
        let p = player.0 as usize;
        if !self.players.0.get(p).is_some_and(|s| s.alive) || p >= self.orders.seen.len() {
            return;
        }
        let ids = self.units.next_id as usize;
        if self.orders.ordered.len() < ids {
            self.orders.ordered.resize(ids, 0);
        }
        // 0 in `ordered` means "never", so stamp with tick + 1.
        let stamp = self.clock.tick.wrapping_add(1);
        for &action in actions {
            let index = self.orders.seen[p];
            self.orders.seen[p] = index.saturating_add(1);
            let result = if index >= self.settings.max_actions {
                Err(RejectReason::TooManyActions)
            } else if action.unit().is_some() {
                self.accept_unit_order(player, index, action, stamp)
            } else {
                self.accept_spawn(player, index, action)
            };
            if let Err(reason) = result {
                self.rejections.push(player, index, action, reason);
            }
        }
    }

    fn accept_unit_order(
        &mut self,
        player: PlayerId,
        index: u32,
        action: Action,
        stamp: u32,
    ) -> Result<(), RejectReason> {
        let id = action.unit().ok_or(RejectReason::NoSuchUnit)?;
        let (unit, at) = self
            .units
            .entity(id)
            .and_then(|e| self.query.get(e).ok())
            .ok_or(RejectReason::NoSuchUnit)?;
        if unit.owner != player {
            return Err(RejectReason::NotYourUnit);
        }
        let from = at.0;
        let orders = &mut *self.orders;
        let last = orders
            .ordered
            .get_mut(id.0 as usize)
            .ok_or(RejectReason::NoSuchUnit)?;
        if *last == stamp {
            return Err(RejectReason::AlreadyOrdered);
        }
        let board = &*self.board;
        let order = |target| Order {
            unit: id,
            player,
            index,
            action,
            from,
            target,
        };
        match action {
            Action::Move { dir, .. } => {
                let to = board
                    .step(from, dir)
                    .filter(|&t| board.tile(t) == Tile::Floor)
                    .ok_or(RejectReason::Blocked)?;
                orders.moves.push(order(Some(to)));
            }
            // Whether an enemy is there is decided after the moves.
            Action::Attack { dir, .. } => orders.attacks.push(order(board.step(from, dir))),
            Action::Harvest { dir, .. } => {
                let at = board
                    .step(from, dir)
                    .filter(|&t| board.tile(t) == Tile::Source)
                    .ok_or(RejectReason::NoSource)?;
                orders.harvests.push(order(Some(at)));
            }
            Action::Spawn { .. } => return Err(RejectReason::NoSuchUnit),
        }
        *last = stamp;
        Ok(())
    }

    fn accept_spawn(
        &mut self,
        player: PlayerId,
        index: u32,
        action: Action,
    ) -> Result<(), RejectReason> {
        let Action::Spawn { dir } = action else {
            return Err(RejectReason::NoSuchUnit);
        };
        let p = player.0 as usize;
        let slot = self.orders.spawns.get(p).ok_or(RejectReason::NoSuchUnit)?;
        if slot.is_some() {
            return Err(RejectReason::AlreadyOrdered);
        }
        let board = &*self.board;
        let core = board.cores.get(p).copied().ok_or(RejectReason::Blocked)?;
        let at = board
            .step(core, dir)
            .filter(|&t| board.tile(t) == Tile::Floor)
            .ok_or(RejectReason::Blocked)?;
        let state = self.players.0.get(p).ok_or(RejectReason::NoSuchUnit)?;
        if state.energy < self.settings.rules.unit_cost {
            return Err(RejectReason::NotEnoughEnergy);
        }
        if state.units >= u32::from(self.settings.rules.max_units) {
            return Err(RejectReason::UnitCap);
        }
        self.orders.spawns[p] = Some(SpawnOrder { index, action, at });
        Ok(())
    }
}
