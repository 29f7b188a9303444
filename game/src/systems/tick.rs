//! Rule 7: close the tick.

use bevy_ecs::prelude::*;
use lockstep_sdk::Rejection;

use crate::state::{Clock, Orders, Rejections};

/// Counts the tick, drops its orders, and makes its rejections (sorted by order
/// index) the ones the next observation reports.
pub fn end_tick(
    mut clock: ResMut<Clock>,
    mut orders: ResMut<Orders>,
    mut rejections: ResMut<Rejections>,
) {
    clock.tick = clock.tick.saturating_add(1);
    let orders = &mut *orders;
    orders.moves.clear();
    orders.attacks.clear();
    orders.harvests.clear();
    orders.spawns.iter_mut().for_each(|s| *s = None);
    orders.seen.iter_mut().for_each(|n| *n = 0);
    // `orders.ordered` is stamped with the tick, so it needs no clearing.

    let rejections = &mut *rejections;
    let spare = &mut rejections.spare;
    for (current, last) in rejections.current.iter_mut().zip(&mut rejections.last) {
        std::mem::swap(current, last);
        current.clear();
        sort_runs(last, spare);
    }
}

/// Sorts `list` by order index. Each rule pushes its rejections in index
/// order (submit as orders arrive, then each system over its orders), so the
/// list is a few ascending runs, usually one or two: merging them is linear,
/// where a general sort pays a partition pass per level. Indices are unique
/// (an order is rejected at most once), so this is the one sorted order.
fn sort_runs(list: &mut [Rejection], spare: &mut Vec<Rejection>) {
    let mut end = run_end(list, 0);
    while end < list.len() {
        let next = run_end(list, end);
        let (a, b) = list[..next].split_at(end);
        spare.clear();
        // Walk the shorter run and copy the longer one's stretches between
        // its elements whole: typically a handful of submit-time rejections
        // among a tick's worth of collided moves.
        if a.len() <= b.len() {
            merge(a, b, spare);
        } else {
            merge(b, a, spare);
        }
        list[..next].copy_from_slice(spare);
        end = next;
    }
}

/// Appends the sorted union of `short` and `long` (both ascending by index,
/// no index in both) to `out`.
fn merge(short: &[Rejection], long: &[Rejection], out: &mut Vec<Rejection>) {
    let mut rest = long;
    for r in short {
        let k = rest.partition_point(|x| x.index < r.index);
        out.extend_from_slice(&rest[..k]);
        out.push(*r);
        rest = &rest[k..];
    }
    out.extend_from_slice(rest);
}

/// The end of the ascending run that starts at `start`.
fn run_end(list: &[Rejection], start: usize) -> usize {
    let mut end = start + 1;
    while end < list.len() && list[end - 1].index < list[end].index {
        end += 1;
    }
    end.min(list.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_sdk::{Action, Direction, RejectReason};

    /// Any list of ascending runs over unique indices comes out as a sort would.
    #[test]
    fn merging_runs_sorts_like_a_sort() {
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let mut spare = Vec::new();
        for _ in 0..500 {
            let len = next(60) as usize;
            let runs = 1 + next(5) as usize;
            let mut indices: Vec<u32> = (0..len as u32 * 2).filter(|_| next(2) == 0).collect();
            // Deal the indices to `runs` runs, each kept ascending.
            let mut dealt = vec![Vec::new(); runs];
            for i in indices.drain(..) {
                dealt[next(runs as u64) as usize].push(i);
            }
            let mut list: Vec<Rejection> = (dealt.into_iter().flatten())
                .map(|index| Rejection {
                    index,
                    action: Action::Spawn {
                        dir: Direction::North,
                    },
                    reason: RejectReason::Blocked,
                })
                .collect();
            let mut sorted = list.clone();
            sorted.sort_by_key(|r| r.index);
            sort_runs(&mut list, &mut spare);
            assert_eq!(list, sorted);
        }
    }
}
