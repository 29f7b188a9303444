//! The ladder on a full (or failing) disk.
//!
//! When a match's replay cannot be written, or its result not committed,
//! because the disk is out of space (`ENOSPC`, `EDQUOT`, `EFBIG`,
//! `SQLITE_FULL`) or failing (`EIO`, read-only: `storage::Fault`), the
//! worker deletes its replay files and puts the match back in the queue
//! (never leaves it `running`; its attempt is not counted), and the ladder
//! **pauses** ([`on_fault`]): no worker takes a new match (ladder or
//! challenge), challenges are refused with `503`, and the log says so once.
//!
//! Putting the match back is a database write, on a disk with no room: so
//! the ladder keeps a **reserve**, `DATA/ladder-reserve` ([`RESERVE_BYTES`]
//! of zeros, made at start), and deletes it first. A write that failed
//! before it put anything back is retried by the watch.
//!
//! [`watch`] then tries every so often (after [`FIRST_RETRY`], doubling up
//! to [`MAX_RETRY`]) to put back what is left, then to find room for the
//! reserve and a test file beside it ([`PROBE_BYTES`], written, synced and
//! deleted in the replays folder), and writes the reserve again: the first
//! try that succeeds resumes the ladder (logged once). Its own freed
//! reserve never counts as room. `/metrics` shows
//! `lockstep_ladder_paused{reason="disk_full"} 1` meanwhile.

use crate::app::{AppState, State};
use crate::db::queue;
use crate::storage::{Fault, free_bytes};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The first retry after a pause.
pub const FIRST_RETRY: Duration = Duration::from_secs(5);
/// Retries are at most this far apart.
pub const MAX_RETRY: Duration = Duration::from_secs(30);
/// The test file's size: room for a few typical replays (26 KB each) and
/// the database's growth, so that the ladder does not resume into the next
/// failure at once.
pub const PROBE_BYTES: usize = 1 << 20;
/// The reserve's size: room to put a few matches back in the queue and to
/// log, on a disk that is otherwise full.
pub const RESERVE_BYTES: u64 = 4 << 20;
/// A pause within this long of a resume continues the backoff where it
/// was, and is logged at debug only (the disk is still about full).
const FLAPPING: Duration = Duration::from_secs(120);

/// Why the ladder is paused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub fault: Fault,
    /// The error that paused it, as logged.
    pub error: String,
    pub since: Instant,
}

impl Reason {
    /// The `reason` label of `lockstep_ladder_paused`.
    pub fn label(&self) -> &'static str {
        match self.fault {
            Fault::OutOfSpace => "disk_full",
            Fault::Failing => "disk_failing",
        }
    }

    /// In words, for messages: "the disk is full".
    pub fn words(&self) -> &'static str {
        match self.fault {
            Fault::OutOfSpace => "the disk is full",
            Fault::Failing => "the disk is failing",
        }
    }
}

#[derive(Default)]
struct Inner {
    reason: Option<Reason>,
    /// Matches to put back in the queue (their requeue failed too).
    requeue: Vec<i64>,
    resumed_at: Option<Instant>,
}

/// Whether the ladder is paused, and why.
pub struct Pause {
    inner: Mutex<Inner>,
    paused: tokio::sync::watch::Sender<bool>,
}

impl Default for Pause {
    fn default() -> Pause {
        Pause {
            inner: Mutex::default(),
            paused: tokio::sync::watch::Sender::new(false),
        }
    }
}

impl Pause {
    /// Pauses the ladder for `fault` (`error` says what failed); `requeue`,
    /// a match still to put back in the queue. Logged once per pause.
    pub fn pause(&self, fault: Fault, error: &str, requeue: Option<i64>) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.requeue.extend(requeue);
        if inner.reason.is_some() {
            return;
        }
        let reason = Reason {
            fault,
            error: error.to_string(),
            since: Instant::now(),
        };
        let flapping = inner.resumed_at.is_some_and(|at| at.elapsed() < FLAPPING);
        if flapping {
            tracing::debug!(reason = reason.label(), error, "ladder paused again");
        } else {
            tracing::error!(
                reason = reason.label(),
                error,
                "ladder paused: {}; no new matches until a test write succeeds (tried every {} s \
                 at most); free some space in the data folder",
                reason.words(),
                MAX_RETRY.as_secs()
            );
        }
        inner.reason = Some(reason);
        drop(inner);
        self.paused.send_replace(true);
    }

    /// Why the ladder is paused; `None` while it runs.
    pub fn reason(&self) -> Option<Reason> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reason
            .clone()
    }

    pub fn is_paused(&self) -> bool {
        *self.paused.borrow()
    }

    /// Waits until the ladder is not paused.
    pub async fn resumed(&self) {
        let mut paused = self.paused.subscribe();
        let _ = paused.wait_for(|paused| !paused).await;
    }

    fn resume(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(reason) = inner.reason.take() {
            let paused_secs = reason.since.elapsed().as_secs();
            let flapping = inner.resumed_at.is_some_and(|at| at.elapsed() < FLAPPING);
            if flapping {
                tracing::debug!(paused_secs, "ladder resumed again");
            } else {
                tracing::warn!(paused_secs, "ladder resumed: a test write succeeded");
            }
        }
        inner.resumed_at = Some(Instant::now());
        drop(inner);
        self.paused.send_replace(false);
    }

    /// The first retry of a new pause: [`FIRST_RETRY`], or [`MAX_RETRY`]
    /// when it comes soon after a resume.
    fn first_retry(&self) -> Duration {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.resumed_at.is_some_and(|at| at.elapsed() < FLAPPING) {
            MAX_RETRY
        } else {
            FIRST_RETRY
        }
    }
}

/// `DATA/ladder-reserve`.
pub fn reserve_path(data_dir: &Path) -> PathBuf {
    data_dir.join("ladder-reserve")
}

/// Makes sure the reserve is there, whole (written and synced).
pub fn ensure_reserve(data_dir: &Path) -> std::io::Result<()> {
    let path = reserve_path(data_dir);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == RESERVE_BYTES) {
        return Ok(());
    }
    let written = (|| {
        let mut file = std::fs::File::create(&path)?;
        file.write_all(&vec![0u8; RESERVE_BYTES as usize])?;
        file.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    written
}

/// The disk refused a write (`error`, a `fault`): the reserve goes, `job`
/// (a match that was running) goes back in the queue, and the ladder
/// pauses. Call it off the async runtime.
pub fn on_fault(state: &AppState, fault: Fault, error: &str, job: Option<i64>) {
    let freed = std::fs::remove_file(reserve_path(&state.config.data_dir)).is_ok();
    let requeued = job.is_none_or(|id| {
        matches!(
            state.db.blocking(|conn| queue::requeue(conn, id)),
            Ok(Ok(_))
        )
    });
    if let Some(id) = job {
        tracing::warn!(
            id,
            error,
            requeued,
            reserve_freed = freed,
            "match put back in the queue: the disk refused a write"
        );
    }
    let pending = job.filter(|_| !requeued);
    state.ladder.pause.pause(fault, error, pending);
}

/// While the server runs: whenever the ladder is paused, tries [`probe`]
/// with backoff until it succeeds, then resumes the ladder.
pub async fn watch(state: State) {
    let pause = &state.ladder.pause;
    let mut paused = pause.paused.subscribe();
    let mut shutdown = state.shutdown.subscribe();
    loop {
        tokio::select! {
            changed = paused.wait_for(|paused| *paused) => if changed.is_err() { return },
            _ = shutdown.wait_for(|stopping| *stopping) => return,
        }
        let mut delay = pause.first_retry();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.wait_for(|stopping| *stopping) => return,
            }
            let probing = state.clone();
            match tokio::task::spawn_blocking(move || probe(&probing)).await {
                Ok(Ok(())) => {
                    pause.resume();
                    break;
                }
                Ok(Err(e)) => tracing::debug!(error = %e, "the disk is still refusing writes"),
                Err(e) => tracing::error!(error = %e, "the disk probe panicked"),
            }
            delay = (delay * 2).min(MAX_RETRY);
        }
    }
}

/// One try: the matches still to requeue, then room for the reserve and a
/// test file (written, synced and deleted in the replays folder), then the
/// reserve written again.
pub fn probe(state: &AppState) -> Result<(), String> {
    let pending = std::mem::take(
        &mut state
            .ladder
            .pause
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .requeue,
    );
    for (n, &id) in pending.iter().enumerate() {
        let requeued = match state.db.blocking(|conn| queue::requeue(conn, id)) {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = requeued {
            let mut inner = state
                .ladder
                .pause
                .inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            inner.requeue.extend_from_slice(&pending[n..]);
            return Err(format!("putting match {id} back in the queue: {e}"));
        }
        tracing::info!(id, "match put back in the queue");
    }
    let data = &state.config.data_dir;
    let reserve = reserve_path(data);
    let have = std::fs::metadata(&reserve).map_or(0, |m| m.len());
    let needed = RESERVE_BYTES - have.min(RESERVE_BYTES) + PROBE_BYTES as u64;
    let free = free_bytes(data).map_err(|e| format!("{}: {e}", data.display()))?;
    if free < needed {
        return Err(format!(
            "{free} bytes free in {}, {needed} needed",
            data.display()
        ));
    }
    let path = state.replays_dir.join(".space-probe");
    let written = (|| {
        std::fs::create_dir_all(&state.replays_dir)?;
        let mut file = std::fs::File::create(&path)?;
        file.write_all(&vec![0u8; PROBE_BYTES])?;
        file.sync_all()
    })();
    let _ = std::fs::remove_file(&path);
    written.map_err(|e| format!("{}: {e}", path.display()))?;
    ensure_reserve(data).map_err(|e| format!("{}: {e}", reserve.display()))
}
