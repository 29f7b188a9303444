//! Tournaments over PostgreSQL: a plan and its modules written once, then
//! any number of stateless workers on any hosts claiming matches
//! (`FOR UPDATE SKIP LOCKED`, a lease kept alive by heartbeats), playing
//! them and committing each result exactly once. The report is computed
//! from the results in match-index order, as a local tournament's is, so its
//! results hash is the single-machine run's whatever the workers did.
//!
//! - [`submit`] writes a planned tournament (idempotent: the same plan again
//!   is the same tournament);
//! - [`worker::run`] is `lockstep worker`;
//! - [`status`] and [`results`] read progress and the finished matches.

mod schema;
pub mod worker;

use crate::sandbox::ModuleHash;
use crate::tournament::{Format, MatchRecord, MatchSpec, Plan};
use postgres::{Client, NoTls};

/// Why the database could not be used; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database: {0} (give a URL such as postgres://user@host/db)")]
    Connect(String),
    #[error("database: {0}")]
    Query(#[from] postgres::Error),
    #[error("{0}")]
    Invalid(String),
}

/// Connects to `url` and brings its tables up to date.
pub fn connect(url: &str) -> Result<Client, DbError> {
    let mut client = Client::connect(url, NoTls).map_err(|e| DbError::Connect(e.to_string()))?;
    schema::migrate(&mut client)?;
    Ok(client)
}

/// Writes `plan` (its matches, in canonical order) and its bots' modules
/// (`modules[i]`: the bytes of `plan.bots[i]`). The same plan again changes
/// nothing: the tournament resumes. Returns the tournament's id (the plan's
/// fingerprint, as the local output folder's).
pub fn submit(client: &mut Client, plan: &Plan, modules: &[&[u8]]) -> Result<String, DbError> {
    if plan.format == Format::Swiss {
        return Err(DbError::Invalid(
            "--db plays round robins only: a Swiss round's pairings wait for the last \
             round's results (play Swiss tournaments locally)"
                .into(),
        ));
    }
    let id = plan.id();
    let plan_json = serde_json::to_string(plan).map_err(|e| DbError::Invalid(e.to_string()))?;
    let mut tx = client.transaction()?;
    let inserted = tx.execute(
        "INSERT INTO tournaments (id, plan, matches) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO NOTHING",
        &[&id, &plan_json, &(plan.matches as i64)],
    )?;
    if inserted == 0 {
        tx.commit()?;
        return Ok(id);
    }
    for (i, (bot, bytes)) in plan.bots.iter().zip(modules).enumerate() {
        let hash = ModuleHash::of(bytes);
        if hash.to_hex() != bot.module_hash {
            return Err(DbError::Invalid(format!(
                "bot '{}': its bytes are not the module the plan names",
                bot.name
            )));
        }
        let hash = hash.0.to_vec();
        tx.execute(
            "INSERT INTO modules (hash, bytes) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
            &[&hash, bytes],
        )?;
        tx.execute(
            "INSERT INTO tournament_bots (tournament, bot, name, module_hash)
             VALUES ($1, $2, $3, $4)",
            &[&id, &(i as i32), &bot.name, &hash],
        )?;
    }
    for chunk in plan.round_robin_matches().chunks(2_000) {
        let indices: Vec<i64> = chunk.iter().map(|m| m.index as i64).collect();
        let specs: Vec<String> = chunk
            .iter()
            .map(|m| serde_json::to_string(m).expect("a match spec serialises"))
            .collect();
        tx.execute(
            "INSERT INTO matches (tournament, idx, spec)
             SELECT $1, * FROM UNNEST($2::bigint[], $3::text[])",
            &[&id, &indices, &specs],
        )?;
    }
    tx.commit()?;
    Ok(id)
}

/// A tournament's progress.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    pub id: String,
    pub matches: u64,
    pub done: u64,
    /// Claimed by a worker whose lease has not run out.
    pub running: u64,
    /// Matches claimed more than once (a worker died or lost its lease).
    pub retried: u64,
}

/// The progress of tournament `id`.
pub fn status(client: &mut Client, id: &str) -> Result<Status, DbError> {
    let row = client
        .query_opt("SELECT matches FROM tournaments WHERE id = $1", &[&id])?
        .ok_or_else(|| DbError::Invalid(format!("no tournament {id:?} in this database")))?;
    let matches: i64 = row.get(0);
    let counts = client.query_one(
        "SELECT count(*) FILTER (WHERE state = 'done'),
                count(*) FILTER (WHERE state = 'running' AND lease_until >= now()),
                count(*) FILTER (WHERE attempts > 1)
         FROM matches WHERE tournament = $1",
        &[&id],
    )?;
    let count = |i: usize| counts.get::<_, i64>(i) as u64;
    Ok(Status {
        id: id.to_string(),
        matches: matches as u64,
        done: count(0),
        running: count(1),
        retried: count(2),
    })
}

/// The plan of tournament `id` and its finished matches, in index order.
pub fn results(client: &mut Client, id: &str) -> Result<(Plan, Vec<MatchRecord>), DbError> {
    let plan = load_plan(client, id)?;
    let mut records = Vec::new();
    for row in client.query(
        "SELECT record FROM results WHERE tournament = $1 ORDER BY idx",
        &[&id],
    )? {
        let text: String = row.get(0);
        let record: MatchRecord = serde_json::from_str(&text)
            .map_err(|e| DbError::Invalid(format!("tournament {id}: a result is damaged: {e}")))?;
        records.push(record);
    }
    Ok((plan, records))
}

/// The ids of the tournaments in this database, newest first.
pub fn tournaments(client: &mut Client) -> Result<Vec<String>, DbError> {
    let rows = client.query(
        "SELECT id FROM tournaments ORDER BY created_at DESC, id",
        &[],
    )?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

fn load_plan(client: &mut Client, id: &str) -> Result<Plan, DbError> {
    let row = client
        .query_opt("SELECT plan FROM tournaments WHERE id = $1", &[&id])?
        .ok_or_else(|| DbError::Invalid(format!("no tournament {id:?} in this database")))?;
    let text: String = row.get(0);
    serde_json::from_str(&text).map_err(|e| {
        DbError::Invalid(format!(
            "tournament {id}: its plan was written by another version of lockstep ({e})"
        ))
    })
}

fn spec_of(text: &str) -> Result<MatchSpec, DbError> {
    serde_json::from_str(text)
        .map_err(|e| DbError::Invalid(format!("a match spec is damaged: {e}")))
}
