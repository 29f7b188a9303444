//! `/api/matches`: challenges, recent matches, one match, its replay and
//! the viewer's data (docs/api.md, "Matches").

use crate::app::State;
use crate::auth::Auth;
use crate::db::matches::{self as db, MatchView, NewMatch};
use crate::db::now_ms;
use crate::error::{ApiError, error_body};
use crate::ladder::{self, pairing::Rng};
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::json;

/// Challenges queued or running at once, over all players: past this a new
/// one is refused with 429 until some have been played.
pub const MAX_PENDING_CHALLENGES: i64 = 100;
/// Challenges one player may have queued or running at once.
pub const MAX_PENDING_PER_PLAYER: i64 = 10;
/// The most matches `GET /api/matches` returns.
pub const MAX_LIST: u32 = 100;

pub fn router() -> Router<State> {
    Router::new()
        .route("/api/matches", post(challenge).get(list))
        .route("/api/matches/{id}", get(one))
        .route("/api/matches/{id}/replay", get(super::replays::replay))
        .route("/api/matches/{id}/viewer.json", get(super::replays::viewer))
}

/// A bot named in a challenge: its id, `owner/name`, or a name that only
/// one player uses.
#[derive(Deserialize)]
#[serde(untagged)]
enum BotRef {
    Id(i64),
    Name(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChallengeBody {
    bots: Vec<BotRef>,
    map: Option<String>,
    seed: Option<u64>,
}

/// Why a challenge cannot be queued.
enum Refusal {
    Api(ApiError),
    Busy(String),
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Refusal::Api(e)
    }
}

impl From<rusqlite::Error> for Refusal {
    fn from(e: rusqlite::Error) -> Self {
        Refusal::Api(e.into())
    }
}

/// `POST /api/matches`: queues a challenge, played before ladder matches.
async fn challenge(AxState(state): AxState<State>, Auth(player): Auth, body: Bytes) -> Response {
    let body: ChallengeBody = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(e) => {
            return ApiError::BadRequest(format!(
                "the body must be JSON like {{\"bots\": [12, \"alice/rusher\"], \"map\": \
                 \"duel\", \"seed\": 7}}: {e}"
            ))
            .into_response();
        }
    };
    if !(2..=8).contains(&body.bots.len()) {
        return ApiError::BadRequest(format!(
            "a match needs 2 to 8 bots, but {} were given",
            body.bots.len()
        ))
        .into_response();
    }
    if body.seed.is_some_and(|s| s > i64::MAX as u64) {
        return ApiError::BadRequest(format!("the seed must be at most {}", i64::MAX))
            .into_response();
    }
    let map = body
        .map
        .clone()
        .unwrap_or_else(|| state.config.ladder_maps[0].clone());
    let seed = body
        .seed
        .unwrap_or_else(|| Rng::new(getrandom::u64().unwrap_or(now_ms() as u64)).seed());
    let players = body.bots.len();
    let checked = {
        let map = map.clone();
        tokio::task::spawn_blocking(move || ladder::check_challenge_map(&map, players)).await
    };
    match checked {
        Ok(Ok(())) => {}
        Ok(Err(message)) => return ApiError::BadRequest(message).into_response(),
        Err(e) => return ApiError::internal(e).into_response(),
    }
    let queued = state
        .db
        .call(move |conn| Ok(queue_challenge(conn, player.id, &body.bots, map, seed)))
        .await;
    match queued {
        Ok(Ok(view)) => {
            tracing::info!(id = view.id, by = %view.requested_by.as_deref().unwrap_or(""),
                map = %view.map, seed = view.seed, "challenge queued");
            state.ladder_wake.notify_one();
            let location = format!("/api/matches/{}", view.id);
            (
                StatusCode::CREATED,
                [(header::LOCATION, location)],
                Json(view),
            )
                .into_response()
        }
        Ok(Err(Refusal::Busy(message))) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "5")],
            Json(error_body(StatusCode::TOO_MANY_REQUESTS, &message)),
        )
            .into_response(),
        Ok(Err(Refusal::Api(e))) | Err(e) => e.into_response(),
    }
}

/// In one transaction: the bots resolved to their current versions, the
/// queue limits checked, the match and its seats inserted.
fn queue_challenge(
    conn: &mut Connection,
    player: i64,
    bots: &[BotRef],
    map: String,
    seed: u64,
) -> Result<MatchView, Refusal> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let (all, mine) = db::pending_challenges(&tx, player)?;
    if all >= MAX_PENDING_CHALLENGES {
        return Err(Refusal::Busy(format!(
            "{all} challenges are waiting to be played; try again in a little while"
        )));
    }
    if mine >= MAX_PENDING_PER_PLAYER {
        return Err(Refusal::Busy(format!(
            "you have {mine} challenges waiting to be played, the most allowed; try again \
             when they have been played"
        )));
    }
    let mut seats = Vec::with_capacity(bots.len());
    for bot in bots {
        seats.push(resolve(&tx, bot)?);
    }
    let new = NewMatch {
        kind: "challenge",
        rated: false,
        requested_by: Some(player),
        map,
        seed,
        seats,
    };
    let id = db::insert(&tx, &new, now_ms())?;
    let view = db::get(&tx, id)?.ok_or_else(|| ApiError::internal("inserted match vanished"))?;
    tx.commit()?;
    Ok(view)
}

/// `(bot, current version)` for a bot named in a challenge.
fn resolve(conn: &Connection, bot: &BotRef) -> Result<(i64, i64), ApiError> {
    let ids: Vec<i64> = match bot {
        BotRef::Id(id) => vec![*id],
        BotRef::Name(name) => match name.split_once('/') {
            Some((owner, bot)) => crate::db::bots::ids_named(conn, Some(owner), bot)?,
            None => crate::db::bots::ids_named(conn, None, name)?,
        },
    };
    let shown = match bot {
        BotRef::Id(id) => format!("bot {id}"),
        BotRef::Name(name) => format!("bot '{name}'"),
    };
    let id = match ids[..] {
        [id] => id,
        [] => return Err(ApiError::NotFound(format!("{shown} does not exist"))),
        _ => {
            return Err(ApiError::BadRequest(format!(
                "{shown} is ambiguous: {} players have a bot of that name; use owner/name or \
                 the bot's id",
                ids.len()
            )));
        }
    };
    let found: Option<(bool, Option<i64>)> = conn
        .query_row(
            "SELECT b.active, (SELECT v.id FROM bot_versions v WHERE v.bot = b.id
                               ORDER BY v.version DESC LIMIT 1)
             FROM bots b WHERE b.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match found {
        None => Err(ApiError::NotFound(format!("{shown} does not exist"))),
        Some((false, _)) => Err(ApiError::BadRequest(format!(
            "{shown} is retired: it no longer plays"
        ))),
        Some((true, None)) => Err(ApiError::BadRequest(format!("{shown} has no version"))),
        Some((true, Some(version))) => Ok((id, version)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    bot: Option<i64>,
    state: Option<String>,
    before: Option<i64>,
    limit: Option<u32>,
}

/// `GET /api/matches?bot=&state=&before=&limit=`: newest first.
async fn list(
    AxState(state): AxState<State>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = q.limit.unwrap_or(20);
    if !(1..=MAX_LIST).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit = {limit} is out of range: allowed 1 to {MAX_LIST}"
        )));
    }
    if let Some(s) = q.state.as_deref()
        && !["queued", "running", "finished", "failed"].contains(&s)
    {
        return Err(ApiError::BadRequest(format!(
            "state = '{s}': allowed queued, running, finished or failed"
        )));
    }
    let matches = state
        .db
        .call(move |conn| {
            if let Some(bot) = q.bot {
                let known: Option<i64> = conn
                    .query_row("SELECT id FROM bots WHERE id = ?1", [bot], |r| r.get(0))
                    .optional()?;
                if known.is_none() {
                    return Err(ApiError::NotFound(format!("bot {bot} does not exist")));
                }
            }
            Ok(db::list(conn, q.bot, q.state.as_deref(), q.before, limit)?)
        })
        .await?;
    Ok(Json(json!({ "matches": matches })))
}

pub(super) fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::BadRequest(format!("'{id}' is not a match id")))
}

async fn find(state: &State, id: i64) -> Result<MatchView, ApiError> {
    state
        .db
        .call(move |conn| Ok(db::get(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("match {id} does not exist")))
}

/// `GET /api/matches/{id}`.
async fn one(
    AxState(state): AxState<State>,
    Path(id): Path<String>,
) -> Result<Json<MatchView>, ApiError> {
    Ok(Json(find(&state, parse_id(&id)?).await?))
}
