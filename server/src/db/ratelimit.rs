//! Per-client allowances (`crate::ratelimit`): one row per counted event in
//! `rate_events`, so that a limit holds across restarts.
//!
//! Every statement goes through an index (`rate_events_by_client`,
//! `rate_events_by_time`, or the row id), checked by
//! [`tests::every_statement_uses_an_index`]. The table stays small: each
//! [`acquire`] deletes the events of its kind that have left their window,
//! and the rows past the newest [`MAX_EVENTS`], oldest first.

use crate::db::sql::{Connection, TransactionBehavior, params};

/// The most events kept, of all kinds and clients together (a few MB). Past
/// it the oldest are dropped, giving their clients some allowance back:
/// someone with that many addresses is not held by a per-address limit
/// anyway, while refusing newcomers instead would let them lock everyone
/// else out.
pub const MAX_EVENTS: i64 = 100_000;

/// A client's events of one kind still in the window: how many, and the
/// oldest's time.
pub(crate) const IN_WINDOW: &str = "SELECT COUNT(*), MIN(at) FROM rate_events
     WHERE kind = ?1 AND client = ?2 AND at > ?3";
/// Events of one kind that have left the window.
pub(crate) const EXPIRE: &str = "DELETE FROM rate_events WHERE kind = ?1 AND at <= ?2";
/// Everything older than the newest [`MAX_EVENTS`].
pub(crate) const CAP: &str =
    "DELETE FROM rate_events WHERE id <= (SELECT MAX(id) FROM rate_events) - ?1";
pub(crate) const INSERT: &str = "INSERT INTO rate_events (kind, client, at) VALUES (?1, ?2, ?3)";
pub(crate) const RELEASE: &str = "DELETE FROM rate_events WHERE id = ?1";

/// Counts an event of `kind` by `client` at `now_ms` (unix ms) if fewer
/// than `limit` of its events are in the last `window_ms`: `Ok(id)`, the
/// event's id for [`release`]. Otherwise changes nothing but the pruning
/// and returns `Err(ms)`, how long until the oldest leaves the window (at
/// least 1, at most `window_ms`, also if the clock went back). One
/// `IMMEDIATE` transaction, so that simultaneous requests cannot all slip
/// through.
pub fn acquire(
    conn: &mut Connection,
    kind: &str,
    client: &str,
    limit: u32,
    window_ms: i64,
    now_ms: i64,
) -> crate::db::sql::Result<Result<i64, i64>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let since = now_ms - window_ms;
    tx.prepare_cached(EXPIRE)?.execute(params![kind, since])?;
    tx.prepare_cached(CAP)?.execute([MAX_EVENTS])?;
    let (count, oldest): (i64, Option<i64>) = tx
        .prepare_cached(IN_WINDOW)?
        .query_row(params![kind, client, since], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let taken = if count >= i64::from(limit.max(1)) {
        let oldest = oldest.unwrap_or(now_ms);
        Err((oldest + window_ms - now_ms).clamp(1, window_ms.max(1)))
    } else {
        tx.prepare_cached(INSERT)?
            .execute(params![kind, client, now_ms])?;
        Ok(tx.last_insert_rowid()?)
    };
    tx.commit()?;
    Ok(taken)
}

/// Gives back the event `id` (what it counted did not happen). Nothing if
/// it is gone already.
pub fn release(conn: &Connection, id: i64) -> crate::db::sql::Result<()> {
    conn.prepare_cached(RELEASE)?.execute([id]).map(drop)
}

/// The events kept, of all kinds (for tests and the log).
pub fn count(conn: &Connection) -> crate::db::sql::Result<i64> {
    conn.query_row("SELECT COUNT(*) FROM rate_events", [], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn db(tag: &str) -> Connection {
        let dir = std::env::temp_dir().join(format!("lockstep-rate-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        crate::db::open(&dir.join("t.db")).unwrap()
    }

    #[test]
    fn allows_the_limit_then_refuses_with_the_wait() {
        let mut conn = db("limit");
        let t0 = 1_800_000_000_000;
        let mut take = |at: i64| acquire(&mut conn, "registration", "1.2.3.4", 3, HOUR, at);
        for minute in 0..3 {
            assert!(
                take(t0 + 60_000 * minute).unwrap().is_ok(),
                "event {minute}"
            );
        }
        // The fourth, 10 minutes in: the first leaves the window at 60.
        assert_eq!(take(t0 + 600_000).unwrap(), Err(3_000_000));
        assert_eq!(take(t0 + 600_000).unwrap(), Err(3_000_000), "not counted");
        // An hour after the first, one place again; then none.
        assert!(take(t0 + HOUR).unwrap().is_ok());
        assert_eq!(take(t0 + HOUR).unwrap(), Err(60_000));
        // Other clients and other kinds are counted apart.
        assert!(
            acquire(&mut conn, "registration", "1.2.3.5", 3, HOUR, t0 + HOUR)
                .unwrap()
                .is_ok()
        );
        assert!(
            acquire(&mut conn, "other", "1.2.3.4", 3, HOUR, t0 + HOUR)
                .unwrap()
                .is_ok()
        );
    }

    #[test]
    fn a_released_event_is_given_back_and_expired_ones_are_deleted() {
        let mut conn = db("release");
        let t0 = 1_800_000_000_000;
        let id = acquire(&mut conn, "registration", "ann", 1, HOUR, t0)
            .unwrap()
            .unwrap();
        assert!(
            acquire(&mut conn, "registration", "ann", 1, HOUR, t0)
                .unwrap()
                .is_err()
        );
        release(&conn, id).unwrap();
        release(&conn, id).unwrap();
        assert_eq!(count(&conn).unwrap(), 0);
        for i in 0..50 {
            let client = format!("10.0.0.{i}");
            acquire(&mut conn, "registration", &client, 1, HOUR, t0)
                .unwrap()
                .unwrap();
        }
        assert_eq!(count(&conn).unwrap(), 50);
        // An hour later the next acquire deletes every expired event.
        acquire(&mut conn, "registration", "bob", 1, HOUR, t0 + HOUR)
            .unwrap()
            .unwrap();
        assert_eq!(count(&conn).unwrap(), 1);
    }

    #[test]
    fn the_clock_going_back_never_makes_a_longer_wait_than_the_window() {
        let mut conn = db("clock");
        let t0 = 1_800_000_000_000;
        acquire(&mut conn, "registration", "ann", 1, HOUR, t0)
            .unwrap()
            .unwrap();
        let wait = acquire(&mut conn, "registration", "ann", 1, HOUR, t0 - 5 * HOUR).unwrap();
        assert_eq!(wait, Err(HOUR));
    }

    #[test]
    fn the_table_is_capped() {
        let mut conn = db("cap");
        let t0 = 1_800_000_000_000;
        // Ids from near the cap: the next inserts push the oldest out.
        conn.execute(
            "INSERT INTO rate_events (id, kind, client, at) VALUES (?1, 'registration', 'old', ?2)",
            params![1, t0],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO rate_events (id, kind, client, at) VALUES (?1, 'registration', 'x', ?2)",
            params![MAX_EVENTS + 1, t0],
        )
        .unwrap();
        acquire(&mut conn, "registration", "y", 5, HOUR, t0)
            .unwrap()
            .unwrap();
        let old: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM rate_events WHERE client = 'old'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old, 0, "the oldest row past the cap is gone");
        assert_eq!(count(&conn).unwrap(), 2);
    }

    #[test]
    fn every_statement_uses_an_index() {
        let conn = db("plans");
        for (sql, n) in [(IN_WINDOW, 3), (EXPIRE, 2), (CAP, 1), (RELEASE, 1)] {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let mut stmt = conn.prepare(&explain).unwrap();
            let params: Vec<i64> = (0..n).collect();
            let plan: Vec<String> = stmt
                .query_map(crate::db::sql::params_from_iter(params), |r| {
                    r.get::<_, String>(3)
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert!(!plan.is_empty(), "{sql}");
            for step in &plan {
                assert!(
                    !step.starts_with("SCAN") && !step.contains("AUTOMATIC"),
                    "{sql}: {plan:?}"
                );
            }
        }
    }
}
