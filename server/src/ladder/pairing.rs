//! Who plays whom next: the bot with the fewest games (queued and running
//! ones included) against one of the `NEAREST` bots nearest to it by rating,
//! or, with probability `EXPLORE`, against any other bot. Seats are drawn at
//! random. A seeded generator makes it reproducible in tests.

use crate::db::matches::Candidate;

/// Opponents considered when pairing by rating.
pub const NEAREST: usize = 3;
/// The chance of pairing with any bot instead of a near one.
pub const EXPLORE: f64 = 0.1;

/// SplitMix64: small, fast, good enough for choosing pairs and seeds.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A match seed: 53 bits, so that it survives JSON numbers in browsers.
    pub fn seed(&mut self) -> u64 {
        self.next_u64() >> 11
    }
}

/// Indexes into `candidates` of the pair to play, in seat order, or `None`
/// with fewer than two candidates.
pub fn pick_pair(candidates: &[Candidate], rng: &mut Rng) -> Option<(usize, usize)> {
    if candidates.len() < 2 {
        return None;
    }
    let load = |c: &Candidate| c.games + c.pending;
    let least = candidates.iter().map(load).min()?;
    let idle: Vec<usize> = (0..candidates.len())
        .filter(|&i| load(&candidates[i]) == least)
        .collect();
    let first = idle[rng.below(idle.len())];
    let mut others: Vec<usize> = (0..candidates.len()).filter(|&i| i != first).collect();
    let opponent = if rng.unit() < EXPLORE {
        others[rng.below(others.len())]
    } else {
        let mu = candidates[first].mu;
        others.sort_by(|&a, &b| {
            let da = (candidates[a].mu - mu).abs();
            let db = (candidates[b].mu - mu).abs();
            da.total_cmp(&db).then(a.cmp(&b))
        });
        let near = others.len().min(NEAREST);
        others[rng.below(near)]
    };
    if rng.below(2) == 0 {
        Some((first, opponent))
    } else {
        Some((opponent, first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bot(id: i64, mu: f64, games: i64) -> Candidate {
        Candidate {
            bot: id,
            bot_version: id * 10,
            mu,
            games,
            pending: 0,
        }
    }

    #[test]
    fn fewer_than_two_bots_make_no_pair() {
        let mut rng = Rng::new(1);
        assert_eq!(pick_pair(&[], &mut rng), None);
        assert_eq!(pick_pair(&[bot(1, 25.0, 0)], &mut rng), None);
    }

    #[test]
    fn the_least_played_bot_always_plays_mostly_against_near_ratings() {
        let mut bots: Vec<Candidate> = (0..10).map(|i| bot(i, i as f64 * 5.0, 10)).collect();
        bots[4].games = 3; // mu 20: nearest are 15, 25 (then 10 or 30)
        let mut rng = Rng::new(7);
        let mut far = 0;
        for _ in 0..1000 {
            let (a, b) = pick_pair(&bots, &mut rng).unwrap();
            assert!(a == 4 || b == 4, "{a} {b}");
            assert_ne!(a, b);
            let other = if a == 4 { b } else { a };
            if !matches!(other, 3 | 5 | 2 | 6) {
                far += 1;
            }
        }
        // Only exploration reaches beyond the 3 nearest: about 10% x 6/9.
        assert!((20..=120).contains(&far), "{far}");
    }

    #[test]
    fn pending_matches_count_as_games_and_seats_are_mixed() {
        let mut bots = vec![bot(1, 25.0, 0), bot(2, 25.0, 0), bot(3, 25.0, 0)];
        bots[0].pending = 1;
        bots[1].pending = 1;
        let mut rng = Rng::new(3);
        let mut first_seat = [0; 3];
        for _ in 0..200 {
            let (a, b) = pick_pair(&bots, &mut rng).unwrap();
            assert!(a == 2 || b == 2);
            first_seat[a] += 1;
        }
        assert!(first_seat[2] > 50 && first_seat[2] < 150, "{first_seat:?}");
    }

    #[test]
    fn the_generator_is_seeded_and_uniform_enough() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        assert_eq!(a.next_u64(), b.next_u64());
        let mut counts = [0u32; 4];
        for _ in 0..4000 {
            counts[a.below(4)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
        assert!(a.seed() < 1 << 53);
    }
}
