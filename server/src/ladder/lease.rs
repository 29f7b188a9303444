//! Which process plays a running match, and until when (PostgreSQL, where
//! ladder workers on several hosts share the queue).
//!
//! A process that takes a match writes its name and a lease into the row
//! (`matches.worker`, `lease_until`) and renews the leases of its matches
//! every [`renew_every`] while it plays them. A match whose lease ran out was
//! left by a process that died or lost the database: any process puts it
//! back in the queue ([`requeue_expired`]), and the match is played again
//! from its seed. A result is committed only by the process named in the
//! row (`matches::FINISH`), so a process that comes back after its lease ran
//! out writes nothing twice.
//!
//! On SQLite one process owns the file: at its start every running match
//! goes back to the queue at once (`matches::requeue_running`).

use crate::db::sql::{Connection, Result, TransactionBehavior, params};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// How long a lease holds without renewal, in ms: `[server]
/// worker_lease_secs` (default 30), set at start ([`set_lease`]).
static LEASE_MS: AtomicI64 = AtomicI64::new(30_000);

/// Sets the lease (from the config, at start).
pub fn set_lease(lease: Duration) {
    LEASE_MS.store(lease.as_millis() as i64, Ordering::Relaxed);
}

/// How often a process renews its leases and looks for expired ones: a
/// sixth of the lease, so a renewal delayed by a slow database or a busy
/// host still lands well before the lease runs out.
pub fn renew_every() -> Duration {
    Duration::from_millis((LEASE_MS.load(Ordering::Relaxed) / 6).max(100) as u64)
}

/// This process's name in `matches.worker`: host, pid and start time, so a
/// restarted process on the same host is another worker.
pub fn this_process() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".into());
        format!("{host}:{}:{}", std::process::id(), crate::db::now_ms())
    })
}

/// When a lease taken or renewed at `now` (unix ms) runs out.
pub fn lease_until(now: i64) -> i64 {
    now + LEASE_MS.load(Ordering::Relaxed)
}

pub(crate) const RENEW: &str =
    "UPDATE matches SET lease_until = ?1 WHERE state = 'running' AND worker = ?2";

/// Renews the leases of the matches `worker` plays.
pub fn renew(conn: &Connection, worker: &str, now: i64) -> Result<usize> {
    conn.execute(RENEW, params![lease_until(now), worker])
}

pub(crate) const EXPIRED: &str = "SELECT id, worker FROM matches
     WHERE state = 'running' AND (lease_until IS NULL OR lease_until < ?1) ORDER BY id";
pub(crate) const REQUEUE_EXPIRED: &str =
    "UPDATE matches SET state = 'queued', started_at = NULL, worker = NULL, lease_until = NULL
     WHERE state = 'running' AND (lease_until IS NULL OR lease_until < ?1)";

/// Puts back in the queue every running match whose lease ran out by `now`;
/// returns them with the process that held each.
pub fn requeue_expired(conn: &mut Connection, now: i64) -> Result<Vec<(i64, Option<String>)>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let expired = {
        let mut stmt = tx.prepare(EXPIRED)?;
        stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>>>()?
    };
    if !expired.is_empty() {
        tx.execute(REQUEUE_EXPIRED, [now])?;
    }
    tx.commit()?;
    Ok(expired)
}

pub(crate) const LIVE: &str = "SELECT id FROM matches
     WHERE state = 'running' AND lease_until >= ?1 ORDER BY id";

/// The running matches whose lease holds at `now` (some process plays them).
pub fn live(conn: &Connection, now: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(LIVE)?;
    stmt.query_map([now], |r| r.get(0))?.collect()
}

/// While the server runs on PostgreSQL: every [`renew_every`], renews this
/// process's leases, puts back the matches of processes whose leases ran
/// out (waking the schedulers), and takes up the settings an admin changed
/// through another process (`PUT /api/admin/settings` writes them to the
/// database; `api::admin::apply_stored`).
pub async fn keep(state: crate::app::State) {
    let mut shutdown = state.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(renew_every()) => {}
            _ = shutdown.wait_for(|stopping| *stopping) => return,
        }
        let turn = state.clone();
        let done = tokio::task::spawn_blocking(move || {
            let now = crate::db::now_ms();
            let worker = this_process();
            let expired = turn
                .db
                .blocking(|conn| {
                    renew(conn, worker, now)?;
                    requeue_expired(conn, now)
                })
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            crate::api::admin::apply_stored(&turn)?;
            Ok::<_, String>(expired)
        })
        .await;
        match done {
            Ok(Ok(expired)) if !expired.is_empty() => {
                tracing::warn!(
                    ?expired,
                    "matches whose worker's lease ran out are queued again"
                );
                state.ladder.wake(&state);
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not renew the ladder's leases"),
            Err(e) => tracing::error!(error = %e, "renewing the ladder's leases panicked"),
        }
    }
}
