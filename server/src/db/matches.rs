//! Matches and their seats: queueing, claiming, the one transaction that
//! finishes a match (result, ratings, game counts), restart recovery, and
//! the queries the API and the web pages read.

use crate::db::sql::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use crate::error::ApiError;
use serde::Serialize;
use skillratings::Outcomes;
use skillratings::weng_lin::{WengLinConfig, WengLinRating, weng_lin};
use std::collections::HashMap;

/// A bot that the ladder may schedule: active, with its current version.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub bot: i64,
    pub bot_version: i64,
    pub mu: f64,
    pub games: i64,
    /// Its queued and running matches: counted as games when choosing who
    /// plays next, so that parallel workers spread over the bots.
    pub pending: i64,
}

/// Active bots (every one: the ladder chooses among them) with their current
/// version, through the `(bot, version)` index.
pub(crate) const CANDIDATE_BOTS: &str = "
    SELECT b.id, (SELECT v.id FROM bot_versions v WHERE v.bot = b.id
                  ORDER BY v.version DESC LIMIT 1),
           b.rating_mu, b.games
    FROM bots b WHERE b.active = 1 ORDER BY b.id";

/// Seats in queued and running matches per bot: counted from the few
/// pending matches (`matches_by_state`), never from a bot's every seat.
pub(crate) const PENDING_SEATS: &str = "
    SELECT s.bot, COUNT(*) FROM matches m CROSS JOIN match_seats s ON s.match = m.id
    WHERE m.state IN ('queued', 'running') GROUP BY s.bot";

/// Every active bot with at least one version, by id.
pub fn candidates(conn: &Connection) -> crate::db::sql::Result<Vec<Candidate>> {
    let pending: HashMap<i64, i64> = conn
        .prepare_cached(PENDING_SEATS)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::sql::Result<_>>()?;
    let mut stmt = conn.prepare_cached(CANDIDATE_BOTS)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<i64>>(1)?,
            r.get::<_, f64>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (bot, version, mu, games) = row?;
        if let Some(bot_version) = version {
            out.push(Candidate {
                bot,
                bot_version,
                mu,
                games,
                pending: pending.get(&bot).copied().unwrap_or(0),
            });
        }
    }
    Ok(out)
}

/// A match to queue.
#[derive(Clone, Debug)]
pub struct NewMatch {
    /// `ladder` or `challenge`.
    pub kind: &'static str,
    pub rated: bool,
    pub requested_by: Option<i64>,
    pub map: String,
    pub seed: u64,
    /// `(bot, bot_version)` per seat, in seat order.
    pub seats: Vec<(i64, i64)>,
}

pub(crate) const INSERT_MATCH: &str =
    "INSERT INTO matches (kind, state, rated, requested_by, map, seed, created_at)
     VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6)";
pub(crate) const INSERT_SEAT: &str =
    "INSERT INTO match_seats (match, seat, bot_version, bot) VALUES (?1, ?2, ?3, ?4)";

/// Inserts `new` as a queued match with its seats; returns its id. Call it
/// inside a transaction.
pub fn insert(tx: &Transaction<'_>, new: &NewMatch, now: i64) -> crate::db::sql::Result<i64> {
    tx.execute(
        INSERT_MATCH,
        params![
            new.kind,
            new.rated,
            new.requested_by,
            new.map,
            new.seed as i64,
            now
        ],
    )?;
    let id = tx.last_insert_rowid()?;
    for (seat, (bot, version)) in new.seats.iter().enumerate() {
        tx.execute(INSERT_SEAT, params![id, seat as i64, version, bot])?;
    }
    Ok(id)
}

/// A match as a worker plays it.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub rated: bool,
    pub map: String,
    pub seed: u64,
    /// Including the current one.
    pub attempts: i64,
    pub seats: Vec<JobSeat>,
    /// A challenge's player and client address (`requested_from`).
    pub requested_by: Option<i64>,
    pub requested_from: Option<String>,
    /// The fuel it may cost, charged to its player and address while it is
    /// played (`ladder::fair`); 0 for ladder matches.
    pub cost: u64,
    /// The process that plays it (`ladder::lease`): only it may finish it.
    pub worker: String,
}

#[derive(Clone, Debug)]
pub struct JobSeat {
    pub bot: i64,
    /// `owner/name v3`: the name the replay records.
    pub name: String,
    /// The module's blake3 hash, hex: `DATA/modules/<module>.wasm`.
    pub module: String,
}

pub(crate) const START: &str =
    "UPDATE matches SET state = 'running', started_at = ?2, attempts = attempts + 1,
            worker = ?3, lease_until = ?4
     WHERE id = ?1";
pub(crate) const JOB: &str = "SELECT kind, rated, map, seed, attempts, requested_by,
     requested_from FROM matches WHERE id = ?1";
pub(crate) const JOB_SEATS: &str =
    "SELECT s.bot, p.name || '/' || b.name || ' v' || v.version, v.module
     FROM match_seats s JOIN bot_versions v ON v.id = s.bot_version
     JOIN bots b ON b.id = s.bot JOIN players p ON p.id = b.owner
     WHERE s.match = ?1 ORDER BY s.seat";

/// Match `id`'s seats as a worker plays them, in seat order.
pub fn job_seats(conn: &Connection, id: i64) -> crate::db::sql::Result<Vec<JobSeat>> {
    let mut stmt = conn.prepare_cached(JOB_SEATS)?;
    stmt.query_map([id], |r| {
        Ok(JobSeat {
            bot: r.get(0)?,
            name: r.get(1)?,
            module: r.get(2)?,
        })
    })?
    .collect()
}

/// Marks match `id` running (one more attempt), played by this process
/// under a lease (`ladder::lease`), and returns what to play.
pub fn start(tx: &Transaction<'_>, id: i64, now: i64) -> crate::db::sql::Result<Job> {
    use crate::ladder::lease;
    let worker = lease::this_process();
    tx.execute(START, params![id, now, worker, lease::lease_until(now)])?;
    let mut job = tx.query_row(JOB, [id], |r| {
        Ok(Job {
            id,
            kind: r.get(0)?,
            rated: r.get(1)?,
            map: r.get(2)?,
            seed: r.get::<_, i64>(3)? as u64,
            attempts: r.get(4)?,
            seats: Vec::new(),
            requested_by: r.get(5)?,
            requested_from: r.get(6)?,
            cost: 0,
            worker: worker.to_owned(),
        })
    })?;
    job.seats = job_seats(tx, id)?;
    Ok(job)
}

/// What a played match stores.
#[derive(Clone, Debug)]
pub struct Finished {
    pub winner: Option<usize>,
    pub ticks: u32,
    pub final_hash: String,
    pub replay_hash: String,
    /// The `MatchResult` as JSON.
    pub result: String,
    /// What it was played with (`ladder::rerecord::PlayedWith` as JSON).
    pub played_with: String,
}

/// One seat's rating change.
#[derive(Clone, Debug, PartialEq)]
pub struct RatingChange {
    pub bot: i64,
    pub before: (f64, f64),
    pub after: (f64, f64),
}

pub(crate) const FINISH: &str =
    "UPDATE matches SET state = 'finished', finished_at = ?2, winner_seat = ?3, ticks = ?4,
            final_hash = ?5, replay_hash = ?6, result = ?7, played_with = ?8, error = NULL,
            lease_until = NULL
     WHERE id = ?1 AND state = 'running' AND worker = ?9";
/// A seat's bot and rating, if the seated version is still the bot's current
/// one (the `(bot, version)` index).
pub(crate) const CURRENT_SEAT: &str = "SELECT s.bot, b.rating_mu, b.rating_sigma FROM match_seats s
     JOIN bots b ON b.id = s.bot
     WHERE s.match = ?1 AND s.seat = ?2 AND s.bot_version =
       (SELECT v.id FROM bot_versions v WHERE v.bot = s.bot
        ORDER BY v.version DESC LIMIT 1)";
pub(crate) const RATE_BOT: &str =
    "UPDATE bots SET rating_mu = ?2, rating_sigma = ?3, games = games + 1 WHERE id = ?1";
pub(crate) const RATE_SEAT: &str =
    "UPDATE match_seats SET mu_before = ?3, sigma_before = ?4, mu_after = ?5,
            sigma_after = ?6 WHERE match = ?1 AND seat = ?2";

/// In one transaction: the match finished with its result, and (when it is
/// rated, has two seats and both seated versions are still their bots'
/// current ones) both bots' Weng-Lin ratings and game counts updated. The
/// commit is the match's commit point. The statement that marks it finished
/// also updates, through `schema.sql`'s triggers, the match counts per
/// state, the seated bots' wins, draws and losses (a rated match, whether or
/// not the ratings change) and the seated versions' match counts. Returns
/// the rating changes, or `None` if the match was no longer running
/// (nothing is written then).
pub fn finish(
    conn: &mut Connection,
    job: &Job,
    done: &Finished,
    now: i64,
) -> crate::db::sql::Result<Option<Vec<RatingChange>>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let updated = tx.execute(
        FINISH,
        params![
            job.id,
            now,
            done.winner.map(|w| w as i64),
            done.ticks,
            done.final_hash,
            done.replay_hash,
            done.result,
            done.played_with,
            job.worker
        ],
    )?;
    if updated == 0 {
        return Ok(None);
    }
    let mut changes = Vec::new();
    if job.rated && job.seats.len() == 2 {
        let current = |seat: usize| -> crate::db::sql::Result<Option<(i64, f64, f64)>> {
            tx.query_row(CURRENT_SEAT, params![job.id, seat as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
        };
        if let (Some(a), Some(b)) = (current(0)?, current(1)?) {
            let outcome = match done.winner {
                None => Outcomes::DRAW,
                Some(0) => Outcomes::WIN,
                Some(_) => Outcomes::LOSS,
            };
            let rating = |mu, sigma| WengLinRating {
                rating: mu,
                uncertainty: sigma,
            };
            let (ra, rb) = weng_lin(
                &rating(a.1, a.2),
                &rating(b.1, b.2),
                &outcome,
                &WengLinConfig::new(),
            );
            for (seat, (before, after)) in [(a, ra), (b, rb)].into_iter().enumerate() {
                tx.execute(RATE_BOT, params![before.0, after.rating, after.uncertainty])?;
                tx.execute(
                    RATE_SEAT,
                    params![
                        job.id,
                        seat as i64,
                        before.1,
                        before.2,
                        after.rating,
                        after.uncertainty
                    ],
                )?;
                changes.push(RatingChange {
                    bot: before.0,
                    before: (before.1, before.2),
                    after: (after.rating, after.uncertainty),
                });
            }
        }
    }
    tx.commit()?;
    Ok(Some(changes))
}

pub(crate) const FAIL: &str = "UPDATE matches SET state = 'failed', finished_at = ?2, error = ?3,
            lease_until = NULL
     WHERE id = ?1 AND (state = 'queued' OR (state = 'running' AND worker = ?4))";

/// Marks a match failed with `error` (it could not be played: a module is
/// missing or no longer loads, the replay could not be written, ...); a
/// running one only if this process plays it.
pub fn fail(conn: &Connection, id: i64, error: &str, now: i64) -> crate::db::sql::Result<()> {
    let worker = crate::ladder::lease::this_process();
    conn.execute(FAIL, params![id, now, error, worker])?;
    Ok(())
}

pub(crate) const RUNNING: &str = "SELECT id FROM matches WHERE state = 'running' ORDER BY id";
pub(crate) const REQUEUE: &str =
    "UPDATE matches SET state = 'queued', started_at = NULL, worker = NULL, lease_until = NULL
     WHERE state = 'running'";

/// At start-up, before any worker runs: every 'running' match goes back to
/// 'queued' (the server stopped while it was played). Returns their ids.
pub fn requeue_running(conn: &mut Connection) -> crate::db::sql::Result<Vec<i64>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let ids = {
        let mut stmt = tx.prepare(RUNNING)?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<crate::db::sql::Result<Vec<i64>>>()?
    };
    tx.execute(REQUEUE, [])?;
    tx.commit()?;
    Ok(ids)
}

pub(crate) const QUEUE_COUNTS: &str =
    "SELECT COALESCE(SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END), 0)
     FROM matches WHERE state IN ('queued', 'running')";

/// `(queued, running)` match counts, for the metrics gauges.
pub fn queue_counts(conn: &mut Connection) -> Result<(u64, u64), ApiError> {
    Ok(conn.query_row(QUEUE_COUNTS, [], |r| {
        Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
    })?)
}

/// A match as the API shows it.
/// A match as the API shows it (its schema, `ToSchema`, is the API's
/// OpenAPI document's `MatchView`).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MatchView {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub rated: bool,
    /// The player who asked for it (challenges).
    pub requested_by: Option<String>,
    pub map: String,
    pub seed: u64,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub attempts: i64,
    pub seats: Vec<SeatView>,
    /// The winning seat; `null` for a draw or a match not finished.
    pub winner_seat: Option<i64>,
    pub ticks: Option<i64>,
    pub final_hash: Option<String>,
    pub replay_hash: Option<String>,
    /// When the retention rule deleted the replay file (unix ms); `null`
    /// while it is kept. The replay hash stays.
    pub replay_pruned_at: Option<i64>,
    /// Where a finished match's replay comes from: `file` (kept),
    /// `recorded_again` (pruned, and played again to the same replay hash
    /// when asked for), `gone` (pruned, and played by a build that did not
    /// keep the settings it needs, or by one from before the engine hosted
    /// more than one game, whose replays were of another format); `null`
    /// until the match has finished.
    #[schema(value_type = Option<String>)]
    pub replay: Option<&'static str>,
    /// Why it failed.
    pub error: Option<String>,
    /// The whole `MatchResult` (only from [`get`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SeatView {
    pub seat: i64,
    pub bot_id: i64,
    pub bot: String,
    pub owner: String,
    pub version: i64,
    pub module_hash: String,
    pub mu_before: Option<f64>,
    pub sigma_before: Option<f64>,
    pub mu_after: Option<f64>,
    pub sigma_after: Option<f64>,
}

/// Whether the match's `played_with` names its game (builds before the
/// engine for any game did not write it): SQLite's JSON functions.
macro_rules! game_recorded {
    () => {
        "COALESCE(CASE WHEN json_valid(m.played_with)
        THEN json_type(m.played_with, '$.match.game') = 'text' END, 0)"
    };
}
pub(crate) const GAME_RECORDED: &str = game_recorded!();
/// [`GAME_RECORDED`] on PostgreSQL, which gets it from `db::sql`'s
/// rewrites. The server writes `played_with` as JSON or NULL, never else.
pub(crate) const GAME_RECORDED_PG: &str =
    "COALESCE(jsonb_typeof(m.played_with::jsonb -> 'match' -> 'game') = 'string', false)";

const VIEW_COLUMNS: &str = concat!(
    "m.id, m.kind, m.state, m.rated, p.name, m.map, m.seed, m.created_at,
    m.started_at, m.finished_at, m.attempts, m.winner_seat, m.ticks, m.final_hash,
    m.replay_hash, m.error, m.replay_pruned_at, ",
    game_recorded!()
);

fn view_row(r: &crate::db::sql::Row<'_>) -> crate::db::sql::Result<MatchView> {
    Ok(MatchView {
        id: r.get(0)?,
        kind: r.get(1)?,
        state: r.get(2)?,
        rated: r.get(3)?,
        requested_by: r.get(4)?,
        map: r.get(5)?,
        seed: r.get::<_, i64>(6)? as u64,
        created_at: r.get(7)?,
        started_at: r.get(8)?,
        finished_at: r.get(9)?,
        attempts: r.get(10)?,
        seats: Vec::new(),
        winner_seat: r.get(11)?,
        ticks: r.get(12)?,
        final_hash: r.get(13)?,
        replay_hash: r.get(14)?,
        error: r.get(15)?,
        replay_pruned_at: r.get(16)?,
        replay: replay_source(
            &r.get::<_, String>(2)?,
            r.get::<_, Option<i64>>(16)?,
            r.get(17)?,
        ),
        result: None,
    })
}

/// [`MatchView::replay`] from the match's state, when its replay was
/// pruned and whether it keeps what it was played with.
fn replay_source(state: &str, pruned_at: Option<i64>, recordable: bool) -> Option<&'static str> {
    match (state, pruned_at, recordable) {
        ("finished", None, _) => Some("file"),
        ("finished", Some(_), true) => Some("recorded_again"),
        ("finished", Some(_), false) => Some("gone"),
        _ => None,
    }
}

pub(crate) const SEATS: &str = "SELECT s.seat, s.bot, b.name, p.name, v.version, v.module,
            s.mu_before, s.sigma_before, s.mu_after, s.sigma_after
     FROM match_seats s JOIN bot_versions v ON v.id = s.bot_version
     JOIN bots b ON b.id = s.bot JOIN players p ON p.id = b.owner
     WHERE s.match = ?1 ORDER BY s.seat";

fn fill_seats(conn: &Connection, view: &mut MatchView) -> crate::db::sql::Result<()> {
    let mut stmt = conn.prepare_cached(SEATS)?;
    view.seats = stmt
        .query_map([view.id], |r| {
            Ok(SeatView {
                seat: r.get(0)?,
                bot_id: r.get(1)?,
                bot: r.get(2)?,
                owner: r.get(3)?,
                version: r.get(4)?,
                module_hash: r.get(5)?,
                mu_before: r.get(6)?,
                sigma_before: r.get(7)?,
                mu_after: r.get(8)?,
                sigma_after: r.get(9)?,
            })
        })?
        .collect::<crate::db::sql::Result<Vec<_>>>()?;
    Ok(())
}

/// [`list`]'s statements, one per filter shape, each walking an index in
/// id order from `before` down and stopping after `limit` matches. Their
/// parameters, those of the shape in this order: bot, state, before
/// (exclusive; `i64::MAX` when not given), limit.
///
/// No filter: the rowid range.
pub(crate) const LIST_ALL: &str = "SELECT {VIEW} FROM matches m
    LEFT JOIN players p ON p.id = m.requested_by
    WHERE m.id < ?1 ORDER BY m.id DESC LIMIT ?2";
/// `state`: `matches_by_state`.
pub(crate) const LIST_IN_STATE: &str = "SELECT {VIEW} FROM matches m
    LEFT JOIN players p ON p.id = m.requested_by
    WHERE m.state = ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3";
/// `bot`: `seats_by_bot` (a bot seated twice in a match lists it once).
pub(crate) const LIST_OF_BOT: &str = "SELECT {VIEW} FROM matches m
    LEFT JOIN players p ON p.id = m.requested_by
    WHERE m.id IN (SELECT DISTINCT s.match FROM match_seats s
                   WHERE s.bot = ?1 AND s.match < ?2 ORDER BY s.match DESC LIMIT ?3)
    ORDER BY m.id DESC";
/// `bot` and `finished`, the state of nearly all of a bot's matches:
/// `seats_by_bot`, each match looked up by id.
pub(crate) const LIST_OF_BOT_FINISHED: &str = "SELECT {VIEW} FROM matches m
    LEFT JOIN players p ON p.id = m.requested_by
    WHERE m.id IN (SELECT DISTINCT s.match FROM match_seats s
                   CROSS JOIN matches f ON f.id = s.match
                   WHERE s.bot = ?1 AND f.state = 'finished' AND s.match < ?2
                   ORDER BY s.match DESC LIMIT ?3)
    ORDER BY m.id DESC";
/// `bot` and another state (queued, running, failed: few matches over
/// all bots): `matches_by_state`, each match's seats looked up.
pub(crate) const LIST_OF_BOT_IN_STATE: &str = "SELECT {VIEW} FROM matches m
    LEFT JOIN players p ON p.id = m.requested_by
    WHERE m.state = ?2 AND m.id < ?3
      AND EXISTS (SELECT 1 FROM match_seats s WHERE s.match = m.id AND s.bot = ?1)
    ORDER BY m.id DESC LIMIT ?4";

/// `sql` with the view's columns in place of `{VIEW}`.
pub(crate) fn with_view_columns(sql: &str) -> String {
    sql.replace("{VIEW}", VIEW_COLUMNS)
}

/// Recent matches, newest first: all of them, or `bot`'s; at most `limit`,
/// with ids below `before` when given (paging).
pub fn list(
    conn: &Connection,
    bot: Option<i64>,
    state: Option<&str>,
    before: Option<i64>,
    limit: u32,
) -> crate::db::sql::Result<Vec<MatchView>> {
    let before = before.unwrap_or(i64::MAX);
    let (sql, params): (&str, Vec<&dyn crate::db::sql::ToSql>) = match (&bot, &state) {
        (None, None) => (LIST_ALL, vec![&before, &limit]),
        (None, Some(state)) => (LIST_IN_STATE, vec![state, &before, &limit]),
        (Some(bot), None) => (LIST_OF_BOT, vec![bot, &before, &limit]),
        (Some(bot), Some("finished")) => (LIST_OF_BOT_FINISHED, vec![bot, &before, &limit]),
        (Some(bot), Some(state)) => (LIST_OF_BOT_IN_STATE, vec![bot, state, &before, &limit]),
    };
    let mut stmt = conn.prepare_cached(&with_view_columns(sql))?;
    let mut views = stmt
        .query_map(&params[..], view_row)?
        .collect::<crate::db::sql::Result<Vec<_>>>()?;
    for view in &mut views {
        fill_seats(conn, view)?;
    }
    Ok(views)
}

pub(crate) const REPLAY_STATE: &str = "SELECT state, replay_pruned_at FROM matches WHERE id = ?1";

/// Match `id`'s state and when its replay was pruned (`None`: kept, or
/// not finished), without its result: `None` if there is no such match.
pub fn replay_state(
    conn: &Connection,
    id: i64,
) -> crate::db::sql::Result<Option<(String, Option<i64>)>> {
    conn.query_row(REPLAY_STATE, [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// A match's stored result (the bot page's fuel figures).
pub(crate) const RESULT: &str = "SELECT result FROM matches WHERE id = ?1";

/// The match counts per state (at most four rows) that `schema.sql`'s
/// triggers keep, the states with none left out: the leaderboard's footer.
pub(crate) const STATE_COUNTS: &str =
    "SELECT state, n FROM match_state_counts WHERE n > 0 ORDER BY state";

pub(crate) const GET: &str = "SELECT {VIEW}, m.result FROM matches m
    LEFT JOIN players p ON p.id = m.requested_by WHERE m.id = ?1";

/// One match with its seats and whole result.
pub fn get(conn: &Connection, id: i64) -> crate::db::sql::Result<Option<MatchView>> {
    let sql = with_view_columns(GET);
    let found = conn
        .query_row(&sql, [id], |r| {
            let mut view = view_row(r)?;
            let result: Option<String> = r.get(18)?;
            view.result = result.and_then(|text| serde_json::from_str(&text).ok());
            Ok(view)
        })
        .optional()?;
    let Some(mut view) = found else {
        return Ok(None);
    };
    fill_seats(conn, &mut view)?;
    Ok(Some(view))
}
