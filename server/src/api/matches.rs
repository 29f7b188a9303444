//! `/api/matches`: challenges, recent matches, one match, its replay and
//! the viewer's data (docs/api.md, "Matches").
//!
//! A challenge is checked before it is queued: its cost against `[server]
//! challenge_max_fuel` (`ladder::fair`), then, in the transaction that
//! queues it, the queue limits: `challenges_queued_per_player`, and
//! `challenges_queued_per_address` and `challenges_queued`, which never
//! refuse a player with no challenge waiting (so a full queue locks nobody
//! out). While the ladder is paused (a full disk) challenges get 503.

use super::players::PeerAddr;
use crate::app::State;
use crate::auth::Auth;
use crate::config::Challenges;
use crate::db::matches::{self as db, MatchView, NewMatch};
use crate::db::now_ms;
use crate::db::queue;
use crate::db::sql::{Connection, OptionalExtension};
use crate::error::{ApiError, ErrorBody};
use crate::ladder::{self, fair, pairing::Rng};
use crate::ratelimit::Client;
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use lockstep_sim::tune::stats::thousands;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The `Retry-After` of a challenge refused for a full queue, in seconds.
const QUEUE_RETRY_SECS: u64 = 5;
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
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum BotRef {
    Id(i64),
    Name(String),
}

/// `POST /api/matches`'s body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bots": ["house/rusher", "harvester"], "map": "duel", "seed": 7}))]
pub struct ChallengeBody {
    /// As many bots as the server's game seats (`GET /api/game`: 2 to 8 for
    /// the reference game, 1 to 8 for snake, 2 for connect four), in seat
    /// order: an id, `owner/name`, or a name only one player uses.
    #[schema(min_items = 1, max_items = 8)]
    bots: Vec<BotRef>,
    /// One of the game's bundled maps (the reference game's `duel`,
    /// `crossroads`, `arena`) or a map it generates (`random:WxH`);
    /// default: the first of `ladder_maps`.
    map: Option<String>,
    /// 0 to 2^63 - 1; default: random.
    #[schema(maximum = 9223372036854775807_u64)]
    seed: Option<u64>,
}

/// `POST /api/matches`: queues a challenge, played by the challenge workers
/// in the fair order (`ladder::claim`).
#[utoipa::path(
    post,
    path = "/api/matches",
    tag = "matches",
    security(("token" = [])),
    request_body(content = ChallengeBody, content_type = "application/json"),
    responses(
        (status = 201, description = "queued (Location: /api/matches/{id})", body = MatchView),
        (status = 400, description = "not the JSON expected, a bot count out of range, a retired bot, \
            an unknown map, an ambiguous name, a cost over challenge_max_fuel", body = ErrorBody),
        (status = 401, description = "no token, or an unknown one", body = ErrorBody),
        (status = 403, description = "cross_site: sent by a page of another site", body = ErrorBody),
        (status = 404, description = "a bot that does not exist", body = ErrorBody),
        (status = 413, description = "a body over 2 MB", body = ErrorBody),
        (status = 415, description = "the body is not sent as application/json", body = ErrorBody),
        (status = 429, description = "too many challenges waiting; Retry-After", body = ErrorBody),
        (status = 503, description = "busy: the ladder is paused on a full disk; Retry-After", body = ErrorBody),
        (status = 507, description = "insufficient_storage", body = ErrorBody),
    )
)]
async fn challenge(
    AxState(state): AxState<State>,
    Auth(player): Auth,
    peer: PeerAddr,
    body: Bytes,
) -> Response {
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
    let game = state.config.game;
    let (fewest, most) = game.seats();
    if !(fewest..=most).contains(&body.bots.len()) {
        return ApiError::BadRequest(format!(
            "a match of {} needs {}, but {} were given",
            game.name(),
            game.seats_in_words(),
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
    if let Some(reason) = state.ladder.pause.reason() {
        return ApiError::Busy {
            message: format!(
                "the ladder is paused: {} ({}); no challenge is queued until it resumes",
                reason.words(),
                reason.error
            ),
            retry_after: Some(crate::ladder::pause::MAX_RETRY.as_secs()),
        }
        .into_response();
    }
    let match_config = state.settings().match_config;
    let cost = fair::cost(players, &match_config);
    let cap = state.config.challenges.max_fuel;
    if cost > cap {
        let per_seat = fair::seat_fuel(&match_config).max(1);
        let fit = cap / per_seat;
        let advice = if fit >= 2 {
            format!("use at most {fit} bots")
        } else {
            "no challenge fits under the budgets in force; ask the admin".to_string()
        };
        return ApiError::BadRequest(format!(
            "this challenge may cost {} fuel ({}), over this server's cap of {} fuel per \
             challenge ([server] challenge_max_fuel): {advice}",
            thousands(cost),
            fair::cost_in_words(players, &match_config),
            thousands(cap)
        ))
        .into_response();
    }
    let client = Client::of(peer.0);
    let limits = state.config.challenges;
    let checked = {
        let map = map.clone();
        let settings = match_config.settings.0.clone();
        tokio::task::spawn_blocking(move || {
            ladder::check_challenge_map(game, &map, players, &settings)
        })
        .await
    };
    match checked {
        Ok(Ok(())) => {}
        Ok(Err(message)) => return ApiError::BadRequest(message).into_response(),
        Err(e) => return ApiError::internal(e).into_response(),
    }
    let queued = state
        .db
        .call(move |conn| {
            let new = NewMatch {
                kind: "challenge",
                rated: false,
                requested_by: Some(player.id),
                map,
                seed,
                seats: Vec::new(),
            };
            queue_challenge(conn, new, &body.bots, client, &limits)
        })
        .await;
    match queued {
        Ok(view) => {
            tracing::info!(id = view.id, by = %view.requested_by.as_deref().unwrap_or(""),
                from = %client, map = %view.map, seed = view.seed, "challenge queued");
            state.ladder.wake(&state);
            let location = format!("/api/matches/{}", view.id);
            (
                StatusCode::CREATED,
                [(header::LOCATION, location)],
                Json(view),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// In one transaction: the queue limits checked for `new`'s player and
/// `client`, the bots resolved to their current versions, the match and its
/// seats inserted.
fn queue_challenge(
    conn: &mut Connection,
    mut new: NewMatch,
    bots: &[BotRef],
    client: Client,
    limits: &Challenges,
) -> Result<MatchView, ApiError> {
    let tx = conn.transaction_with_behavior(crate::db::sql::TransactionBehavior::Immediate)?;
    let player = new.requested_by.unwrap_or(0);
    let address = client.key();
    let waiting = queue::waiting(&tx, player, &address)?;
    if let Some(message) = over_limits(&waiting, limits, client) {
        return Err(ApiError::TooManyRequests {
            message,
            retry_after: Some(QUEUE_RETRY_SECS),
        });
    }
    for bot in bots {
        new.seats.push(resolve(&tx, bot)?);
    }
    let id = db::insert(&tx, &new, now_ms())?;
    queue::set_origin(&tx, id, &address)?;
    let view = db::get(&tx, id)?.ok_or_else(|| ApiError::internal("inserted match vanished"))?;
    tx.commit()?;
    Ok(view)
}

/// Why one more challenge may not wait beside those `waiting`, if it may
/// not. The per-address and overall limits never refuse a player with none
/// waiting.
fn over_limits(waiting: &queue::Waiting, limits: &Challenges, client: Client) -> Option<String> {
    let retry = format!("try again when one has started (in {QUEUE_RETRY_SECS} s or so)");
    if waiting.player >= limits.queued_per_player {
        return Some(format!(
            "you have {} challenges waiting to be played, the most a player may have ([server] \
             challenges_queued_per_player = {}); {retry}",
            waiting.player, limits.queued_per_player
        ));
    }
    if waiting.player == 0 {
        return None;
    }
    if waiting.address >= limits.queued_per_address {
        return Some(format!(
            "{} challenges from {client} are waiting to be played, the most one address may \
             have ([server] challenges_queued_per_address = {}), {} of them yours; {retry}",
            waiting.address, limits.queued_per_address, waiting.player
        ));
    }
    if waiting.all >= limits.queued {
        return Some(format!(
            "{} challenges are waiting to be played, the most the queue holds ([server] \
             challenges_queued = {}), {} of them yours; a player with none waiting may still \
             queue one; {retry}",
            waiting.all, limits.queued, waiting.player
        ));
    }
    None
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

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Matches any version of this bot played or is queued for.
    bot: Option<i64>,
    /// `queued`, `running`, `finished` or `failed`.
    #[param(pattern = "^(queued|running|finished|failed)$")]
    state: Option<String>,
    /// Ids below this one: the next page.
    before: Option<i64>,
    /// 1 to 100; default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// `{"matches": [...]}`, newest first, each without `result`.
#[derive(Serialize, ToSchema)]
pub struct MatchList {
    matches: Vec<MatchView>,
}

/// `GET /api/matches?bot=&state=&before=&limit=`: newest first.
#[utoipa::path(
    get,
    path = "/api/matches",
    tag = "matches",
    params(ListQuery),
    responses(
        (status = 200, description = "recent matches, newest first", body = MatchList),
        (status = 400, description = "a bad query value, an unknown parameter", body = ErrorBody),
        (status = 404, description = "no such bot", body = ErrorBody),
    )
)]
async fn list(
    AxState(state): AxState<State>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MatchList>, ApiError> {
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
    let matches: Vec<MatchView> = matches
        .into_iter()
        .map(|m| replay_source(&state, m))
        .collect();
    Ok(Json(MatchList { matches }))
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
#[utoipa::path(
    get,
    path = "/api/matches/{id}",
    tag = "matches",
    params(("id" = i64, Path, description = "the match's id", example = 1)),
    responses(
        (status = 200, description = "the match, with its whole result once finished", body = MatchView),
        (status = 400, description = "an id that is not a number", body = ErrorBody),
        (status = 404, description = "no such match", body = ErrorBody),
    )
)]
async fn one(
    AxState(state): AxState<State>,
    Path(id): Path<String>,
) -> Result<Json<MatchView>, ApiError> {
    let view = find(&state, parse_id(&id)?).await?;
    Ok(Json(replay_source(&state, view)))
}

/// `view` with its `replay` as this server serves it: a pruned replay that
/// it does not record again (`rerecord_pruned = false`) is `gone`.
fn replay_source(state: &State, mut view: MatchView) -> MatchView {
    if !state.config.rerecording.enabled && view.replay == Some("recorded_again") {
        view.replay = Some("gone");
    }
    view
}
