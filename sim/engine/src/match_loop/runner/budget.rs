//! How much fuel a bot's tick call may spend: `tick_fuel`, plus what its
//! `lockstep_init` left (tick 0, and the tick after a `reset`), plus its bucket.
//! `docs/limits.md` ("Budgets and overrun policies") is the rule as bots see it.

/// One seat's fuel carried between ticks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct FuelAccount {
    /// Unused tick fuel saved up; at most `bucket_cap` (0: no bucket).
    bucket: u64,
    /// What the last (re)initialisation's `lockstep_init` left of the init
    /// budget: added to the next tick's budget only, never to the bucket.
    init_remainder: u64,
}

/// What one tick's call may spend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// `skip` and `reset`: exactly this much fuel.
    Fuel(u64),
    /// `resume`: this many whole segments of `segment_fuel` (`tick_fuel`).
    Segments { segment_fuel: u64, segments: u32 },
}

impl Grant {
    /// The fuel the call can spend this tick.
    pub fn budget(&self) -> u64 {
        match *self {
            Grant::Fuel(fuel) => fuel,
            Grant::Segments {
                segment_fuel,
                segments,
            } => segment_fuel.saturating_mul(u64::from(segments)),
        }
    }
}

impl FuelAccount {
    /// `lockstep_init` ran under `init_fuel` and used `used` of it.
    pub(super) fn initialised(&mut self, init_fuel: u64, used: u64) {
        self.init_remainder = init_fuel.saturating_sub(used);
    }

    /// What this tick's call may spend: `tick_fuel + bucket + init remainder`;
    /// under `resume`, the whole segments of `tick_fuel` that fit in it (the
    /// part below one segment stays in the bucket, or is lost if it was the
    /// init remainder's). With `tick_fuel` 0 there are no segments: the
    /// call gets its allowance as under `skip`.
    pub(super) fn grant(&self, tick_fuel: u64, resume: bool) -> Grant {
        let allowance = tick_fuel
            .saturating_add(self.bucket)
            .saturating_add(self.init_remainder);
        if resume && tick_fuel > 0 {
            let segments = (allowance / tick_fuel).min(u64::from(u32::MAX)) as u32;
            Grant::Segments {
                segment_fuel: tick_fuel,
                segments,
            }
        } else {
            Grant::Fuel(allowance)
        }
    }

    /// The call used `used` this tick. The init remainder is spent first (and
    /// what is left of it lost), then `tick_fuel`, then the bucket; what is
    /// left of `tick_fuel` and the bucket is the new bucket, capped:
    /// `bucket = min(cap, bucket + tick_fuel - (used - remainder))`.
    pub(super) fn settle(&mut self, tick_fuel: u64, cap: u64, used: u64) {
        let from_tick = used.saturating_sub(self.init_remainder);
        self.bucket = self
            .bucket
            .saturating_add(tick_fuel)
            .saturating_sub(from_tick)
            .min(cap);
        self.init_remainder = 0;
    }

    pub(super) fn bucket(&self) -> u64 {
        self.bucket
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_init_remainder_is_for_the_next_tick_only_and_never_fills_the_bucket() {
        let mut account = FuelAccount::default();
        account.initialised(1_000, 300);
        assert_eq!(account.grant(100, false), Grant::Fuel(800));
        account.settle(100, 0, 750);
        assert_eq!(account.grant(100, false), Grant::Fuel(100));
        // With a bucket: the remainder pays first, tick 0's unused fuel is saved.
        let mut account = FuelAccount::default();
        account.initialised(1_000, 300);
        account.settle(100, 1_000, 750);
        assert_eq!(account.bucket(), 50);
        account.initialised(1_000, 300);
        account.settle(100, 1_000, 10);
        assert_eq!(account.bucket(), 150);
    }

    #[test]
    fn the_bucket_fills_with_unused_fuel_up_to_its_cap_and_empties_when_spent() {
        let mut account = FuelAccount::default();
        for _ in 0..5 {
            account.settle(100, 250, 10);
        }
        assert_eq!(account.bucket(), 250);
        assert_eq!(account.grant(100, false), Grant::Fuel(350));
        account.settle(100, 250, 350);
        assert_eq!(account.bucket(), 0);
        account.settle(100, 0, 0);
        assert_eq!(account.bucket(), 0, "cap 0: no bucket");
    }

    #[test]
    fn under_resume_only_whole_segments_are_granted() {
        let mut account = FuelAccount::default();
        account.initialised(1_000, 250);
        let grant = account.grant(100, true);
        assert_eq!(
            grant,
            Grant::Segments {
                segment_fuel: 100,
                segments: 8
            }
        );
        assert_eq!(grant.budget(), 800);
        account.settle(100, 1_000, grant.budget());
        assert_eq!(account.bucket(), 50, "the remainder is spent first");
        account.settle(100, 1_000, 100);
        assert_eq!(account.bucket(), 50);
        assert_eq!(account.grant(100, true).budget(), 100, "150: one segment");
        account.settle(100, 1_000, 100);
        assert_eq!(account.bucket(), 50, "the 50 below a segment stay saved");
        account.settle(100, 1_000, 0);
        assert_eq!(account.grant(100, true).budget(), 200);
        assert_eq!(account.grant(0, true), Grant::Fuel(150), "no segments of 0");
    }
}
