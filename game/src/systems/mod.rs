//! The step schedule: one system per rule, chained in rule order.

mod combat;
mod economy;
mod moves;
mod tick;
mod vision;

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{LogLevel, ScheduleBuildSettings, SingleThreadedExecutor};

pub use vision::{disk, visible};

/// The step schedule: rules 1 to 7 in order, then the view refresh (units,
/// then vision). Single
/// threaded, and any ambiguity between systems is a build error.
pub fn step_schedule() -> Schedule {
    let mut schedule = Schedule::default();
    configure(&mut schedule);
    schedule.add_systems(
        (
            moves::resolve_moves,
            combat::resolve_attacks,
            combat::resolve_deaths,
            economy::resolve_harvests,
            economy::resolve_spawns,
            economy::grant_income,
            tick::end_tick,
            vision::snapshot_units,
            vision::light_vision,
            vision::forget_changes,
        )
            .chain(),
    );
    schedule
}

/// A schedule that only refreshes the view, for changes made outside a step
/// (`Game::new`, `Game::spawn_unit`).
pub fn view_schedule() -> Schedule {
    let mut schedule = Schedule::default();
    configure(&mut schedule);
    schedule.add_systems(
        (
            vision::snapshot_units,
            vision::light_vision,
            vision::forget_changes,
        )
            .chain(),
    );
    schedule
}

fn configure(schedule: &mut Schedule) {
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.set_build_settings(ScheduleBuildSettings {
        ambiguity_detection: LogLevel::Error,
        ..Default::default()
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Clock;

    fn bump(mut clock: ResMut<Clock>) {
        clock.tick += 1;
    }

    fn bump_again(mut clock: ResMut<Clock>) {
        clock.tick += 2;
    }

    /// The settings really turn an unordered conflict into a build error.
    #[test]
    fn ambiguous_systems_refuse_to_build() {
        let mut world = World::new();
        world.insert_resource(Clock::default());
        let mut schedule = Schedule::default();
        configure(&mut schedule);
        schedule.add_systems((bump, bump_again));
        assert!(schedule.initialize(&mut world).is_err());

        let mut chained = Schedule::default();
        configure(&mut chained);
        chained.add_systems((bump, bump_again).chain());
        assert!(chained.initialize(&mut world).is_ok());
    }
}
