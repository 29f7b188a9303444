//! The step schedule: one system per rule, chained in BattleSnake's order.

mod eliminate;
mod food;
mod hazards;
mod health;
mod moves;
mod tick;

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{LogLevel, ScheduleBuildSettings, SingleThreadedExecutor};

/// Rules 1 to 7 (`docs/games/snake.md`), in order, single threaded; any
/// ambiguity between systems is a build error.
pub fn step_schedule() -> Schedule {
    let mut schedule = Schedule::default();
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.set_build_settings(ScheduleBuildSettings {
        ambiguity_detection: LogLevel::Error,
        ..Default::default()
    });
    schedule.add_systems(
        (
            moves::move_snakes,
            health::drain_health,
            food::feed_snakes,
            eliminate::eliminate_snakes,
            food::spawn_food,
            hazards::shrink_safe_area,
            tick::end_tick,
        )
            .chain(),
    );
    schedule
}
