//! Swiss pairing: each round pairs bots by their standing so far, avoiding
//! rematches where it can.
//!
//! The standing is the points of the finished rounds (in half points: 2 per
//! game won, 1 per draw), ties broken by bot index (the order the bots were
//! given). Pairs are taken down that order (Monrad style: 1st–2nd, 3rd–4th,
//! ...), so bots meet others of their score group, except that a bot is
//! never paired with one it has already met if some pairing of the whole
//! field avoids it (a bounded backtracking search). With an odd count, the
//! lowest-standing bot among those with the fewest byes sits the round out;
//! a bye counts, for pairing only, as winning every game of the round. It is
//! not a game: it counts in no win/draw/loss, average or rating.
//!
//! Everything here is a function of the finished rounds' results, so a round
//! is paired the same way whatever order its matches finished in, and again
//! when a tournament is resumed.

use super::record::MatchRecord;

/// Backtracking steps tried before giving up on a rematch-free pairing.
const SEARCH_BUDGET: u32 = 100_000;

/// The pairing state after some rounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwissTable {
    /// Per bot: half points (2 per win, 1 per draw; a bye: 2 per game of the round).
    pub half_points: Vec<u64>,
    /// `met[a][b]`: how many rounds paired `a` with `b`.
    pub met: Vec<Vec<u32>>,
    /// Per bot: rounds sat out.
    pub byes: Vec<u32>,
}

/// One round's pairs (higher standing first) and the bot with the bye.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pairing {
    pub pairs: Vec<(usize, usize)>,
    pub bye: Option<usize>,
}

impl SwissTable {
    pub fn new(bots: usize) -> SwissTable {
        SwissTable {
            half_points: vec![0; bots],
            met: vec![vec![0; bots]; bots],
            byes: vec![0; bots],
        }
    }

    /// Bots by standing: points, most first, then index.
    pub fn order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.half_points.len()).collect();
        order.sort_by_key(|&b| (std::cmp::Reverse(self.half_points[b]), b));
        order
    }

    /// The next round's pairing.
    pub fn pair(&self) -> Pairing {
        let mut field = self.order();
        let bye = (field.len() % 2 == 1).then(|| {
            let fewest = field.iter().map(|&b| self.byes[b]).min().unwrap_or(0);
            let at = field
                .iter()
                .rposition(|&b| self.byes[b] == fewest)
                .expect("some bot has the fewest byes");
            field.remove(at)
        });
        let mut pairs = Vec::with_capacity(field.len() / 2);
        let mut budget = SEARCH_BUDGET;
        if !self.search(&mut field.clone(), &mut pairs, &mut budget) {
            pairs = self.fewest_rematches(field);
        }
        Pairing { pairs, bye }
    }

    /// Pairs `rest` down its order with no rematch, backtracking; false if
    /// there is no such pairing or the budget runs out.
    fn search(
        &self,
        rest: &mut Vec<usize>,
        pairs: &mut Vec<(usize, usize)>,
        budget: &mut u32,
    ) -> bool {
        if rest.is_empty() {
            return true;
        }
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let first = rest.remove(0);
        for k in 0..rest.len() {
            let other = rest[k];
            if self.met[first][other] > 0 {
                continue;
            }
            rest.remove(k);
            pairs.push((first, other));
            if self.search(rest, pairs, budget) {
                return true;
            }
            pairs.pop();
            rest.insert(k, other);
        }
        rest.insert(0, first);
        false
    }

    /// When rematches cannot be avoided: down the order, each bot meets the
    /// next one it has met the fewest times.
    fn fewest_rematches(&self, mut rest: Vec<usize>) -> Vec<(usize, usize)> {
        let mut pairs = Vec::with_capacity(rest.len() / 2);
        while rest.len() >= 2 {
            let first = rest.remove(0);
            let at = (0..rest.len())
                .min_by_key(|&k| (self.met[first][rest[k]], k))
                .expect("rest is not empty");
            pairs.push((first, rest.remove(at)));
        }
        pairs
    }

    /// Folds a played round in: its pairing and the results of its matches.
    pub fn record_round(
        &mut self,
        pairing: &Pairing,
        records: &[MatchRecord],
        games_per_pairing: u64,
    ) {
        for &(a, b) in &pairing.pairs {
            self.met[a][b] += 1;
            self.met[b][a] += 1;
        }
        if let Some(bye) = pairing.bye {
            self.byes[bye] += 1;
            self.half_points[bye] += 2 * games_per_pairing;
        }
        for record in records {
            for (seat, &bot) in record.spec.seats.iter().enumerate() {
                self.half_points[bot] += record.half_points(seat);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_bots_meet_everyone_once_in_three_rounds() {
        let mut table = SwissTable::new(4);
        for _ in 0..3 {
            let pairing = table.pair();
            assert_eq!(pairing.bye, None);
            assert_eq!(pairing.pairs.len(), 2);
            table.record_round(&pairing, &[], 2);
        }
        for a in 0..4 {
            for b in 0..4 {
                assert_eq!(table.met[a][b], u32::from(a != b), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn odd_field_spreads_byes() {
        let mut table = SwissTable::new(5);
        for _ in 0..5 {
            let pairing = table.pair();
            assert!(pairing.bye.is_some());
            table.record_round(&pairing, &[], 2);
        }
        assert_eq!(table.byes, vec![1; 5]);
    }

    #[test]
    fn rematches_only_when_unavoidable() {
        let mut table = SwissTable::new(2);
        for _ in 0..3 {
            let pairing = table.pair();
            assert_eq!(pairing.pairs, vec![(0, 1)]);
            table.record_round(&pairing, &[], 2);
        }
        assert_eq!(table.met[0][1], 3);
    }
}
