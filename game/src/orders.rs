//! Submit-time validation: each order is checked the moment it arrives, in list
//! order, and either queued for the step or recorded as a `Rejection`.

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;
use lockstep_sdk::{Action, PlayerId, RejectReason};

use crate::state::{
    Board, Clock, Order, Orders, Players, Rejections, Settings, SpawnOrder, Tile, Units, View,
};

/// Everything `submit` reads or writes, fetched in one go through a cached
/// `SystemState` (cheaper than one resource lookup per field).
#[derive(SystemParam)]
pub struct Submit<'w> {
    board: Res<'w, Board>,
    settings: Res<'w, Settings>,
    clock: Res<'w, Clock>,
    players: Res<'w, Players>,
    units: Res<'w, Units>,
    orders: ResMut<'w, Orders>,
    rejections: ResMut<'w, Rejections>,
    /// Units by id, exact between steps (nothing moves them but `step`).
    view: Res<'w, View>,
}

impl Submit<'_> {
    /// Validates `actions` for `player`. Calling it twice in one tick is the same
    /// as calling it once with both lists joined (indices keep counting).
    /// Orders from an eliminated or unknown player are ignored.
    pub fn run(&mut self, player: PlayerId, actions: &[Action]) {
        let p = player.0 as usize;
        if !self.players.0.get(p).is_some_and(|s| s.alive) || p >= self.orders.seen.len() {
            return;
        }
        let ids = self.units.next_id as usize;
        // Plain references, taken once: each access through `ResMut` would
        // stamp its change tick again, a cost per order for nothing.
        let mut check = Check {
            board: &self.board,
            settings: &self.settings,
            players: &self.players,
            view: &self.view,
            orders: &mut self.orders,
            player,
            // 0 in `ordered` means "never", so stamp with tick + 1.
            stamp: self.clock.tick.wrapping_add(1),
        };
        let rejections: &mut Rejections = &mut self.rejections;
        if check.orders.ordered.len() < ids {
            check.orders.ordered.resize(ids, 0);
        }
        for &action in actions {
            let seen = &mut check.orders.seen[p];
            let index = *seen;
            *seen = index.saturating_add(1);
            let result = if index >= check.settings.max_actions {
                Err(RejectReason::TooManyActions)
            } else if action.unit().is_some() {
                check.unit_order(index, action)
            } else {
                check.spawn(index, action)
            };
            if let Err(reason) = result {
                rejections.push(player, index, action, reason);
            }
        }
    }
}

/// One player's orders being checked, with what checking reads and writes.
struct Check<'a> {
    board: &'a Board,
    settings: &'a Settings,
    players: &'a Players,
    view: &'a View,
    orders: &'a mut Orders,
    player: PlayerId,
    stamp: u32,
}

impl Check<'_> {
    fn unit_order(&mut self, index: u32, action: Action) -> Result<(), RejectReason> {
        let (player, stamp) = (self.player, self.stamp);
        let id = action.unit().ok_or(RejectReason::NoSuchUnit)?;
        let unit = self.view.unit(id).ok_or(RejectReason::NoSuchUnit)?;
        if unit.owner != player {
            return Err(RejectReason::NotYourUnit);
        }
        let from = unit.pos;
        let orders = &mut *self.orders;
        let last = orders
            .ordered
            .get_mut(id.0 as usize)
            .ok_or(RejectReason::NoSuchUnit)?;
        if *last == stamp {
            return Err(RejectReason::AlreadyOrdered);
        }
        let board = self.board;
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
                let to = board.floor_step(from, dir).ok_or(RejectReason::Blocked)?;
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

    fn spawn(&mut self, index: u32, action: Action) -> Result<(), RejectReason> {
        let Action::Spawn { dir } = action else {
            return Err(RejectReason::NoSuchUnit);
        };
        let p = self.player.0 as usize;
        let slot = self.orders.spawns.get(p).ok_or(RejectReason::NoSuchUnit)?;
        if slot.is_some() {
            return Err(RejectReason::AlreadyOrdered);
        }
        let board = self.board;
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
