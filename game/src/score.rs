//! Standings and the winner.

use core::cmp::Ordering;

use lockstep_sdk::PlayerId;

/// A player's standing. See [`Score::rank`] for how two are compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Score {
    pub player: PlayerId,
    pub alive: bool,
    /// The tick in which the player's core died.
    pub eliminated_at: Option<u32>,
    pub core_hp: u16,
    pub units: u32,
    pub energy: u32,
}

impl Score {
    /// Better first: alive, then later elimination, then core hp, units, energy.
    /// `Less` means `self` ranks ahead, so `scores.sort_by(Score::rank)` puts the
    /// leader first. The player id never breaks a tie: equal standings draw.
    pub fn rank(&self, other: &Score) -> Ordering {
        other.key().cmp(&self.key())
    }

    /// Whether the two standings are equal (a tie at the top is a draw).
    pub fn ties(&self, other: &Score) -> bool {
        self.key() == other.key()
    }

    fn key(&self) -> (bool, u32, u16, u32, u32) {
        let survived_until = match (self.alive, self.eliminated_at) {
            (true, _) => u32::MAX,
            (false, Some(t)) => t,
            (false, None) => 0,
        };
        (
            self.alive,
            survived_until,
            self.core_hp,
            self.units,
            self.energy,
        )
    }
}

/// The unique best score, or `None` if the best is shared.
pub(crate) fn unique_best(scores: &[Score]) -> Option<PlayerId> {
    let best = scores.iter().min_by(|a, b| a.rank(b))?;
    let tied = scores.iter().filter(|s| s.ties(best)).count();
    (tied == 1).then_some(best.player)
}

/// Each player's place, by player id: 0 is first, equal places tie (as
/// many players ahead as have a better standing). The winner's rules hold:
/// with players alive, the standings decide; with none alive, only when
/// each was eliminated (the last to fall all share first place: a draw).
pub(crate) fn ranking(scores: &[Score]) -> Vec<u32> {
    let anyone_alive = scores.iter().any(|s| s.alive);
    let key = |s: &Score| {
        if anyone_alive {
            s.key()
        } else {
            (false, s.eliminated_at.unwrap_or(0), 0, 0, 0)
        }
    };
    scores
        .iter()
        .map(|s| scores.iter().filter(|o| key(o) > key(s)).count() as u32)
        .collect()
}
