//! What a challenge may cost, and who pays for it.
//!
//! **Cost.** A challenge is bounded by the fuel its seats may burn under the
//! settings in force: per seat `max_ticks x tick_fuel + 2 x init_fuel`
//! (instantiation and `lockstep_init` each get `init_fuel`; the bucket only
//! moves fuel between ticks, and `resume` runs whole `tick_fuel` segments),
//! and under `overrun = "reset"`, where every tick may start a fresh
//! instance, `max_ticks x (tick_fuel + 2 x init_fuel)`. Wall time follows
//! fuel (docs/limits.md: within about 5x of ordinary code, and the watchdog
//! stops a call past `watchdog_ms`), so this bounds a challenge's CPU.
//! `[server] challenge_max_fuel` caps it.
//!
//! **Charge.** While a challenge is played its cost is charged to its
//! player and to its client address; when it finishes the charge becomes
//! the fuel its bots used. Charges fade: each counts half after
//! [`HALF_LIFE`]. The claim (`claim.rs`) plays the queued challenge whose
//! address, then player, has been charged least: a player who has asked
//! for little goes before one who has asked for much, whatever the queue's
//! order, and ten accounts from one address are charged as one.
//!
//! Kept in memory: a restart forgets the charges (everyone starts even).

use lockstep_sim::match_loop::{MatchConfig, OverrunPolicy};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A charge counts half after this long: long enough that someone who
/// kept a worker busy for minutes waits behind everyone who did not, short
/// enough that they are even again within the hour.
pub const HALF_LIFE: Duration = Duration::from_secs(600);

/// Charges below this (fuel) are forgotten when the table is swept.
const NEGLIGIBLE: f64 = 1_000_000.0;
/// The table is swept of negligible charges when it grows past this.
const SWEEP_PAST: usize = 4_096;
/// The most players and addresses remembered; past it the smallest
/// charges are forgotten (about 5 MB).
const MAX_KEYS: usize = 65_536;

/// The most fuel one seat may burn in a match played with `config`.
pub fn seat_fuel(config: &MatchConfig) -> u64 {
    let ticks = u64::from(config.max_ticks());
    let init = config.init_fuel.saturating_mul(2);
    match config.overrun {
        OverrunPolicy::Reset => ticks.saturating_mul(config.tick_fuel.saturating_add(init)),
        OverrunPolicy::Skip | OverrunPolicy::Resume => {
            ticks.saturating_mul(config.tick_fuel).saturating_add(init)
        }
    }
}

/// The most fuel a match of `seats` seats played with `config` may cost.
pub fn cost(seats: usize, config: &MatchConfig) -> u64 {
    seat_fuel(config).saturating_mul(seats as u64)
}

/// How [`cost`] is made up, for messages: `8 seats x (500 ticks x
/// 20,000,000 tick_fuel + 2 x 200,000,000 init_fuel)`.
pub fn cost_in_words(seats: usize, config: &MatchConfig) -> String {
    let n = lockstep_sim::tune::stats::thousands;
    let (ticks, tick, init) = (
        u64::from(config.max_ticks()),
        config.tick_fuel,
        config.init_fuel,
    );
    match config.overrun {
        OverrunPolicy::Reset => format!(
            "{seats} seats x {} ticks x ({} tick_fuel + 2 x {} init_fuel, as overrun = \"reset\" \
             may start a fresh instance every tick)",
            n(ticks),
            n(tick),
            n(init)
        ),
        _ => format!(
            "{seats} seats x ({} ticks x {} tick_fuel + 2 x {} init_fuel)",
            n(ticks),
            n(tick),
            n(init)
        ),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Player(i64),
    Address(String),
}

/// Fading fuel charges per player and per client address.
#[derive(Default)]
pub struct Usage {
    charges: Mutex<HashMap<Key, (f64, Instant)>>,
}

/// `value` charged at `then`, as it counts at `now`.
fn faded(value: f64, then: Instant, now: Instant) -> f64 {
    let age = now.saturating_duration_since(then).as_secs_f64();
    value * 0.5f64.powf(age / HALF_LIFE.as_secs_f64())
}

impl Usage {
    /// Adds `fuel` (negative: gives some back) to `player`'s and
    /// `address`'s charges (an unknown address counts as `unknown`).
    pub fn charge(&self, player: Option<i64>, address: Option<&str>, fuel: f64) {
        self.charge_at(player, address, fuel, Instant::now());
    }

    /// `(address's, player's)` charges now.
    pub fn of(&self, player: Option<i64>, address: Option<&str>) -> (f64, f64) {
        self.of_at(player, address, Instant::now())
    }

    fn keys(player: Option<i64>, address: Option<&str>) -> [Key; 2] {
        [
            Key::Address(address.unwrap_or("unknown").to_string()),
            Key::Player(player.unwrap_or(0)),
        ]
    }

    fn charge_at(&self, player: Option<i64>, address: Option<&str>, fuel: f64, now: Instant) {
        let mut charges = self.charges.lock().unwrap_or_else(PoisonError::into_inner);
        for key in Self::keys(player, address) {
            let entry = charges.entry(key).or_insert((0.0, now));
            *entry = ((faded(entry.0, entry.1, now) + fuel).max(0.0), now);
        }
        if charges.len() > SWEEP_PAST {
            charges.retain(|_, (value, then)| faded(*value, *then, now) >= NEGLIGIBLE);
            if charges.len() > MAX_KEYS {
                let mut values: Vec<f64> = charges
                    .values()
                    .map(|(value, then)| faded(*value, *then, now))
                    .collect();
                values.sort_by(|a, b| b.total_cmp(a));
                let floor = values[MAX_KEYS - 1];
                charges.retain(|_, (value, then)| faded(*value, *then, now) >= floor);
            }
        }
    }

    /// `(address's, player's)` charges as they count at `now` (one `now`
    /// for every challenge compared, so that equal charges compare equal).
    pub fn of_at(&self, player: Option<i64>, address: Option<&str>, now: Instant) -> (f64, f64) {
        let charges = self.charges.lock().unwrap_or_else(PoisonError::into_inner);
        let [address, player] = Self::keys(player, address).map(|key| {
            charges
                .get(&key)
                .map_or(0.0, |(value, then)| faded(*value, *then, now))
        });
        (address, player)
    }

    /// Players and addresses remembered (for tests).
    pub fn len(&self) -> usize {
        self.charges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cost_of_a_challenge_at_the_default_settings() {
        let mut config = MatchConfig::default();
        assert_eq!(seat_fuel(&config), 500 * 20_000_000 + 400_000_000);
        assert_eq!(cost(8, &config), 83_200_000_000);
        assert_eq!(
            cost_in_words(8, &config),
            "8 seats x (500 ticks x 20,000,000 tick_fuel + 2 x 200,000,000 init_fuel)"
        );
        config.overrun = OverrunPolicy::Reset;
        assert_eq!(cost(2, &config), 2 * 500 * 420_000_000);
        assert!(cost_in_words(2, &config).contains("overrun = \"reset\""));
        config.tick_fuel = u64::MAX;
        assert_eq!(cost(8, &config), u64::MAX, "saturates");
    }

    #[test]
    fn charges_fade_by_half_each_half_life_and_add_up_per_key() {
        let usage = Usage::default();
        let t0 = Instant::now();
        usage.charge_at(Some(1), Some("1.2.3.4"), 8e9, t0);
        usage.charge_at(Some(2), Some("1.2.3.4"), 2e9, t0);
        let (address, player) = usage.of_at(Some(1), Some("1.2.3.4"), t0);
        assert_eq!((address, player), (10e9, 8e9));
        let (address, player) = usage.of_at(Some(2), Some("1.2.3.4"), t0 + HALF_LIFE);
        assert!((address - 5e9).abs() < 1.0 && (player - 1e9).abs() < 1.0);
        // Given back (a match put back in the queue): never below zero.
        usage.charge_at(Some(3), None, 1e9, t0);
        usage.charge_at(Some(3), None, -5e9, t0);
        assert_eq!(usage.of_at(Some(3), None, t0), (0.0, 0.0));
        assert_eq!(usage.of_at(Some(9), Some("9.9.9.9"), t0), (0.0, 0.0));
    }

    #[test]
    fn the_table_forgets_negligible_charges() {
        let usage = Usage::default();
        let t0 = Instant::now();
        for player in 0..SWEEP_PAST as i64 {
            usage.charge_at(Some(player), Some("1.2.3.4"), 2e6, t0);
        }
        assert_eq!(usage.len(), SWEEP_PAST + 1);
        // Much later: the next charge sweeps the faded ones away.
        usage.charge_at(Some(-1), Some("5.6.7.8"), 1e9, t0 + HALF_LIFE * 20);
        assert_eq!(usage.len(), 2);
    }
}
