//! `lockstep worker URL`: claims matches of any tournament in the database,
//! plays them, commits each result once. Stateless: everything it needs is
//! in the database (plans, modules); compiled modules are cached on disk by
//! the sandbox as for every command.

use super::{DbError, connect, load_plan, spec_of};
use crate::match_loop::Entrant;
use crate::sandbox::{CompiledCache, Sandbox};
use crate::tournament::{MatchRecord, MatchSpec, Plan, play_match};
use postgres::Client;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a worker runs; nothing here can change a result.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// Matches played at once, one thread (and one connection) each.
    pub threads: usize,
    /// How long a claim holds without a heartbeat; a killed worker's match
    /// is claimed again by another this long after its last heartbeat.
    pub lease: Duration,
    /// Exit once no match is queued or running in the whole database
    /// (else wait for more).
    pub exit_when_idle: bool,
    /// This worker's name in the database (host and process by default).
    pub name: String,
    /// Where compiled modules are cached (the commands' usual cache).
    pub compiled_cache: CompiledCache,
}

/// What a worker did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Worked {
    pub played: u64,
    /// Results refused because the lease had run out (another worker has
    /// the match, or has already committed it).
    pub refused: u64,
}

/// One tournament as a worker plays it.
struct Tournament {
    plan: Plan,
    sandbox: Sandbox,
    bots: Vec<Entrant>,
}

/// Runs until stopped (or idle, with `exit_when_idle`); `log` gets one line
/// per event worth an operator's eye.
pub fn run(
    url: &str,
    options: &WorkerOptions,
    log: &(dyn Fn(String) + Sync),
) -> Result<Worked, DbError> {
    // Fail fast on a bad URL or an unreachable database.
    drop(connect(url)?);
    let tournaments: Mutex<HashMap<String, Arc<Tournament>>> = Mutex::new(HashMap::new());
    let played = AtomicU64::new(0);
    let refused = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let held = Held::default();
    let first_error: Mutex<Option<DbError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        scope.spawn(|| heartbeat(url, options, &held, &stop, log));
        let threads: Vec<_> = (0..options.threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let shared = Shared {
                        tournaments: &tournaments,
                        held: &held,
                        played: &played,
                        refused: &refused,
                        stop: &stop,
                    };
                    let result = work(url, options, &shared, log);
                    if let Err(e) = result {
                        first_error.lock().unwrap().get_or_insert(e);
                        stop.store(true, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for thread in threads {
            let _ = thread.join();
        }
        stop.store(true, Ordering::Relaxed);
    });
    if let Some(e) = first_error.into_inner().unwrap() {
        return Err(e);
    }
    Ok(Worked {
        played: played.into_inner(),
        refused: refused.into_inner(),
    })
}

/// The matches this process is playing: the heartbeat extends their leases
/// and no others (a worker restarted under the same name must not keep a
/// dead one's matches alive).
type Held = Mutex<BTreeSet<(String, i64)>>;

/// What a worker's threads share.
struct Shared<'a> {
    tournaments: &'a Mutex<HashMap<String, Arc<Tournament>>>,
    held: &'a Held,
    played: &'a AtomicU64,
    refused: &'a AtomicU64,
    stop: &'a AtomicBool,
}

/// One thread's loop: claim, play, commit; reconnects when the database
/// goes away.
fn work(
    url: &str,
    options: &WorkerOptions,
    shared: &Shared<'_>,
    log: &(dyn Fn(String) + Sync),
) -> Result<(), DbError> {
    let Shared {
        tournaments,
        held,
        played,
        refused,
        stop,
    } = *shared;
    let mut client = reconnect(url, stop, log)?;
    while !stop.load(Ordering::Relaxed) {
        let claimed = match claim(&mut client, options) {
            Ok(claimed) => claimed,
            Err(e) => {
                log(format!("database error while claiming ({e}); reconnecting"));
                client = reconnect(url, stop, log)?;
                continue;
            }
        };
        let Some((id, spec)) = claimed else {
            match idle(&mut client) {
                Ok(true) if options.exit_when_idle => return Ok(()),
                Ok(_) => std::thread::sleep(Duration::from_millis(250)),
                Err(e) => {
                    log(format!("database error ({e}); reconnecting"));
                    client = reconnect(url, stop, log)?;
                }
            }
            continue;
        };
        let key = (id.clone(), spec.index as i64);
        held.lock().unwrap().insert(key.clone());
        // The match is ours (the heartbeat keeps it so): load its tournament
        // through any number of reconnections.
        let tournament = loop {
            match tournament(&mut client, tournaments, &id, options) {
                Ok(t) => break t,
                Err(DbError::Query(e)) => {
                    log(format!(
                        "database error while loading tournament {id} ({e}); reconnecting"
                    ));
                    client = reconnect(url, stop, log)?;
                }
                Err(e) => return Err(e),
            }
        };
        let index = spec.index;
        let record = play_match(
            &tournament.sandbox,
            &tournament.bots,
            &tournament.plan,
            spec,
        )
        .map_err(|e| DbError::Invalid(format!("tournament {id}: {e}")))?;
        // A commit cut off by a lost connection is tried again: the lease
        // (kept by the heartbeat) decides whether it still counts.
        loop {
            match commit(&mut client, &id, &record, &options.name) {
                Ok(true) => {
                    played.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Ok(false) => {
                    refused.fetch_add(1, Ordering::Relaxed);
                    log(format!(
                        "tournament {id} match {index}: the lease ran out before the result \
                         was committed; another worker plays it"
                    ));
                    break;
                }
                Err(e) => {
                    log(format!(
                        "database error while committing ({e}); reconnecting"
                    ));
                    client = reconnect(url, stop, log)?;
                }
            }
        }
        held.lock().unwrap().remove(&key);
    }
    Ok(())
}

/// Takes the first open match of the database (queued, or running under a
/// lease that ran out), in tournament and index order, for
/// `options.name` and `options.lease`.
pub fn claim(
    client: &mut Client,
    options: &WorkerOptions,
) -> Result<Option<(String, MatchSpec)>, DbError> {
    let lease_ms = options.lease.as_millis() as f64;
    let row = client.query_opt(
        "UPDATE matches m
         SET state = 'running', worker = $1, attempts = m.attempts + 1,
             lease_until = now() + $2 * interval '1 millisecond'
         FROM (SELECT tournament, idx FROM matches
               WHERE state <> 'done' AND (state = 'queued' OR lease_until < now())
               ORDER BY tournament, idx
               FOR UPDATE SKIP LOCKED
               LIMIT 1) open
         WHERE m.tournament = open.tournament AND m.idx = open.idx
         RETURNING m.tournament, m.spec",
        &[&options.name, &lease_ms],
    )?;
    match row {
        None => Ok(None),
        Some(row) => {
            let id: String = row.get(0);
            let spec: String = row.get(1);
            Ok(Some((id, spec_of(&spec)?)))
        }
    }
}

/// Whether nothing is left to claim or wait for in the whole database.
fn idle(client: &mut Client) -> Result<bool, DbError> {
    let row = client.query_one("SELECT count(*) FROM matches WHERE state <> 'done'", &[])?;
    Ok(row.get::<_, i64>(0) == 0)
}

/// Commits `record` if worker `worker` still holds the match's lease: the
/// match done and its result written, in one transaction. `false`: refused
/// (the lease ran out, or another worker committed it).
pub fn commit(
    client: &mut Client,
    id: &str,
    record: &MatchRecord,
    worker: &str,
) -> Result<bool, DbError> {
    let index = record.spec.index as i64;
    let text = serde_json::to_string(record).expect("a match record serialises");
    let mut tx = client.transaction()?;
    let held = tx.execute(
        "UPDATE matches SET state = 'done', lease_until = NULL
         WHERE tournament = $1 AND idx = $2 AND worker = $3
           AND state = 'running' AND lease_until >= now()",
        &[&id, &index, &worker],
    )?;
    if held == 0 {
        tx.rollback()?;
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO results (tournament, idx, record, worker) VALUES ($1, $2, $3, $4)",
        &[&id, &index, &text, &worker],
    )?;
    tx.commit()?;
    Ok(true)
}

/// Extends the lease of every match this process is playing, a third of a
/// lease apart, on a connection of its own.
fn heartbeat(
    url: &str,
    options: &WorkerOptions,
    held: &Held,
    stop: &AtomicBool,
    log: &(dyn Fn(String) + Sync),
) {
    let every = options.lease / 3;
    let lease_ms = options.lease.as_millis() as f64;
    let mut client: Option<Client> = None;
    while !stop.load(Ordering::Relaxed) {
        if client.is_none() {
            client = connect(url).ok();
        }
        let (ids, indices): (Vec<String>, Vec<i64>) = held.lock().unwrap().iter().cloned().unzip();
        if let Some(c) = client.as_mut()
            && !ids.is_empty()
        {
            let beat = c.execute(
                "UPDATE matches SET lease_until = now() + $2 * interval '1 millisecond'
                 WHERE worker = $1 AND state = 'running'
                   AND (tournament, idx) IN (SELECT * FROM UNNEST($3::text[], $4::bigint[]))",
                &[&options.name, &lease_ms, &ids, &indices],
            );
            if let Err(e) = beat {
                log(format!("heartbeat failed ({e}); reconnecting"));
                client = None;
            }
        }
        // Sleep in short steps, so that stopping is quick.
        let mut slept = Duration::ZERO;
        while slept < every && !stop.load(Ordering::Relaxed) {
            let step = Duration::from_millis(50);
            std::thread::sleep(step);
            slept += step;
        }
    }
}

/// A fresh connection, retried every second until it works or the worker
/// stops.
fn reconnect(
    url: &str,
    stop: &AtomicBool,
    log: &(dyn Fn(String) + Sync),
) -> Result<Client, DbError> {
    let mut warned = false;
    loop {
        match connect(url) {
            Ok(client) => return Ok(client),
            Err(e) if stop.load(Ordering::Relaxed) => return Err(e),
            Err(e) => {
                if !warned {
                    log(format!("{e}; retrying every second"));
                    warned = true;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

/// Tournament `id` ready to play: its plan, a sandbox with the plan's
/// limits, its bots loaded from the database. Loaded once per process.
fn tournament(
    client: &mut Client,
    cache: &Mutex<HashMap<String, Arc<Tournament>>>,
    id: &str,
    options: &WorkerOptions,
) -> Result<Arc<Tournament>, DbError> {
    if let Some(t) = cache.lock().unwrap().get(id) {
        return Ok(t.clone());
    }
    let plan = load_plan(client, id)?;
    let config = crate::sandbox::SandboxConfig {
        start_fuel: plan.config.init_fuel,
        compiled_cache: options.compiled_cache.clone(),
        ..plan.sandbox.to_config()
    };
    let sandbox = Sandbox::new(config).map_err(DbError::Invalid)?;
    let mut bots = Vec::new();
    for row in client.query(
        "SELECT b.name, m.bytes FROM tournament_bots b JOIN modules m ON m.hash = b.module_hash
         WHERE b.tournament = $1 ORDER BY b.bot",
        &[&id],
    )? {
        let name: String = row.get(0);
        let bytes: Vec<u8> = row.get(1);
        let module = sandbox
            .load(&bytes)
            .map_err(|e| DbError::Invalid(format!("tournament {id}: bot '{name}': {e}")))?;
        bots.push(Entrant { name, module });
    }
    let t = Arc::new(Tournament {
        plan,
        sandbox,
        bots,
    });
    cache.lock().unwrap().insert(id.to_string(), t.clone());
    Ok(t)
}
