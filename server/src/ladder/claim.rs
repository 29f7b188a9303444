//! What a free worker plays next, chosen and marked `running` in one
//! transaction.
//!
//! The ladder's workers ([`Slot::Ladder`], `ladder_workers`) play ladder
//! matches: the oldest queued one (put back by a restart or a full disk),
//! else a new pair (`pairing.rs`); only when they cannot pair (the ladder
//! off, fewer than two bots) do they play a challenge. The challenge
//! workers ([`Slot::Challenge`], `challenge_workers`) play challenges only.
//! So challenges never take a worker from the ladder while it has work.
//!
//! **The fair order.** Of the queued challenges whose player has fewer than
//! `challenges_running_per_player` running, the one whose client address has
//! been charged least (`fair.rs`), then whose player has, then the oldest.
//! A challenge whose cost under the settings in force is over
//! `challenge_max_fuel` (the admin changed the budgets since it was queued)
//! fails, saying so.

use super::fair::Usage;
use super::pairing::{self, Rng};
use super::{LadderConfig, MAX_ATTEMPTS};
use crate::db::matches::{self, Job, NewMatch};
use crate::db::now_ms;
use crate::db::queue::{self, Queued};
use crate::db::sql::{Connection, TransactionBehavior};
use lockstep_sim::tune::stats::thousands;
use std::collections::HashMap;

/// Which worker is asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// One of `ladder_workers`.
    Ladder,
    /// One of `challenge_workers`.
    Challenge,
}

/// What a claim needs beside the database.
pub struct Claim<'a> {
    pub slot: Slot,
    pub ladder: &'a LadderConfig,
    /// The challenges' charges: read to order them, charged when one starts.
    pub usage: &'a Usage,
    /// The most fuel one seat may burn under the settings in force
    /// ([`super::fair::seat_fuel`]).
    pub seat_fuel: u64,
}

/// In one transaction: the next match for `c.slot`, marked running, or
/// `None` with nothing to play. A challenge taken is charged its cost.
pub fn claim(
    conn: &mut Connection,
    c: &Claim<'_>,
    rng: &mut Rng,
) -> crate::db::sql::Result<Option<Job>> {
    let now = now_ms();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let job = loop {
        let picked = match c.slot {
            Slot::Ladder => match queue::next_queued_ladder(&tx)? {
                Some(id) => Some(id),
                None => match new_ladder_match(&tx, c.ladder, rng)? {
                    Some(new) => {
                        let id = matches::insert(&tx, &new, now)?;
                        tracing::info!(id, map = %new.map, seed = new.seed,
                            seats = ?new.seats, "ladder match scheduled");
                        Some(id)
                    }
                    None => next_challenge(&tx, c)?,
                },
            },
            Slot::Challenge => next_challenge(&tx, c)?,
        };
        let Some(id) = picked else {
            break None;
        };
        let mut job = matches::start(&tx, id, now)?;
        if job.attempts > MAX_ATTEMPTS {
            let error =
                format!("abandoned: the server stopped while it was played, {MAX_ATTEMPTS} times");
            tracing::warn!(id, %error, "match abandoned");
            matches::fail(&tx, id, &error, now)?;
            continue;
        }
        if job.kind == "challenge" {
            let cost = c.seat_fuel.saturating_mul(job.seats.len() as u64);
            let cap = c.ladder.challenges.max_fuel;
            if cost > cap {
                let error = format!(
                    "not played: under the settings in force now it may cost {} fuel, over \
                     this server's cap of {} ([server] challenge_max_fuel)",
                    thousands(cost),
                    thousands(cap)
                );
                tracing::warn!(id, %error, "challenge refused");
                matches::fail(&tx, id, &error, now)?;
                continue;
            }
            job.cost = cost;
        }
        break Some(job);
    };
    tx.commit()?;
    if let Some(job) = &job
        && job.cost > 0
    {
        let address = job.requested_from.as_deref();
        c.usage.charge(job.requested_by, address, job.cost as f64);
    }
    Ok(job)
}

/// The queued challenge to play next in the fair order, if any may start.
fn next_challenge(conn: &Connection, c: &Claim<'_>) -> crate::db::sql::Result<Option<i64>> {
    let queued = queue::queued_challenges(conn)?;
    if queued.is_empty() {
        return Ok(None);
    }
    let running = queue::running_challenges(conn)?;
    Ok(pick(
        &queued,
        &running,
        c.ladder.challenges.running_per_player,
        c.usage,
    ))
}

/// [`next_challenge`]'s choice among `queued` (oldest first), with each
/// player's `running` challenges and the charges in `usage`.
pub fn pick(
    queued: &[Queued],
    running: &HashMap<i64, u64>,
    running_per_player: u64,
    usage: &Usage,
) -> Option<i64> {
    let may_start = |q: &&Queued| {
        running.get(&q.player.unwrap_or(0)).copied().unwrap_or(0) < running_per_player
    };
    let now = std::time::Instant::now();
    queued
        .iter()
        .filter(may_start)
        .map(|q| (usage.of_at(q.player, q.address.as_deref(), now), q.id))
        .min_by(|((a1, p1), id1), ((a2, p2), id2)| {
            a1.total_cmp(a2).then(p1.total_cmp(p2)).then(id1.cmp(id2))
        })
        .map(|(_, id)| id)
}

fn new_ladder_match(
    conn: &Connection,
    config: &LadderConfig,
    rng: &mut Rng,
) -> crate::db::sql::Result<Option<NewMatch>> {
    if !config.enabled || config.maps.is_empty() {
        return Ok(None);
    }
    let candidates = matches::candidates(conn)?;
    let Some((a, b)) = pairing::pick_pair(&candidates, rng) else {
        return Ok(None);
    };
    let seat = |i: usize| (candidates[i].bot, candidates[i].bot_version);
    Ok(Some(NewMatch {
        kind: "ladder",
        rated: true,
        requested_by: None,
        map: config.maps[rng.below(config.maps.len())].clone(),
        seed: rng.seed(),
        seats: vec![seat(a), seat(b)],
    }))
}

/// Charges a finished challenge what it used instead of what it might have
/// (`used`, its bots' fuel), or gives its charge back (`used` 0: put back
/// in the queue, to be charged again when it starts).
pub fn settle(usage: &Usage, job: &Job, used: u64) {
    if job.cost > 0 {
        let address = job.requested_from.as_deref();
        usage.charge(job.requested_by, address, used as f64 - job.cost as f64);
    }
}

/// The fuel the seats of a match with this result used (their tick calls).
pub fn fuel_used(result: &lockstep_sim::match_loop::MatchResult) -> u64 {
    result.players.iter().map(|p| p.fuel_total).sum()
}
