//! Bots: list, inspect, retire and activate; and the leaderboard. Uploads:
//! `bot_upload.rs`; downloads and deleting versions: `versions.rs`.

use super::bot_upload::{Target, bot_limit};
use crate::app::State;
use crate::auth::Auth;
use crate::db::bots::{self, Bot};
use crate::db::players::{self, Role};
use crate::error::{ApiError, ErrorBody};
use crate::quota;
use axum::Json;
use axum::extract::{Path, Query, State as AxumState};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this player's bots.
    #[param(example = "house")]
    owner: Option<String>,
}

/// `{"bots": [...]}`.
#[derive(Serialize, ToSchema)]
pub struct BotList {
    bots: Vec<BotJson>,
}

/// `GET /api/bots[?owner=NAME]` → `{"bots": [...]}`, by id.
#[utoipa::path(
    get,
    path = "/api/bots",
    tag = "bots",
    params(ListQuery),
    responses(
        (status = 200, description = "every bot, or one player's, by id", body = BotList),
        (status = 400, description = "an unknown query parameter", body = ErrorBody),
        (status = 404, description = "no such player", body = ErrorBody),
    )
)]
pub async fn list(
    AxumState(state): AxumState<State>,
    Query(query): Query<ListQuery>,
) -> Result<Json<BotList>, ApiError> {
    let bots = state
        .db
        .call(move |conn| {
            if let Some(owner) = &query.owner
                && players::by_name(conn, owner)?.is_none()
            {
                return Err(ApiError::NotFound(format!("no player named '{owner}'")));
            }
            Ok(bots::list(conn, query.owner.as_deref())?)
        })
        .await?;
    Ok(Json(BotList {
        bots: bots.iter().map(BotJson::of).collect(),
    }))
}

/// A bot with its versions and its current module's summary.
#[derive(Serialize, ToSchema)]
pub struct BotDetail {
    #[serde(flatten)]
    bot: BotJson,
    /// The current module's validator summary (`lockstep check --json`).
    #[schema(value_type = Option<Object>)]
    summary: Option<Value>,
    /// Oldest first.
    versions: Vec<VersionJson>,
}

/// One version of a bot.
#[derive(Serialize, ToSchema)]
pub struct VersionJson {
    created_at: i64,
    /// Where to download its module; `null` once the module is deleted.
    download: Option<String>,
    encoding: String,
    /// Its module's hash.
    module: String,
    /// When its module's file was deleted (unix ms); `null` while it can be downloaded.
    module_deleted_at: Option<i64>,
    /// When it was pruned or deleted (unix ms); `null` while kept.
    pruned_at: Option<i64>,
    size: i64,
    version: i64,
}

/// `GET /api/bots/{id}` → the bot, its versions and its current module's summary.
#[utoipa::path(
    get,
    path = "/api/bots/{bot}",
    tag = "bots",
    params(("bot" = i64, Path, description = "the bot's id", example = 1)),
    responses(
        (status = 200, description = "the bot, its versions and its current module's summary", body = BotDetail),
        (status = 404, description = "no bot with that id (or a name, not an id)", body = ErrorBody),
    )
)]
pub async fn show(
    AxumState(state): AxumState<State>,
    Path(bot): Path<String>,
) -> Result<Json<BotDetail>, ApiError> {
    let id = parse_id(&bot)?;
    let (bot, versions, summary) = state
        .db
        .call(move |conn| {
            let Some(bot) = bots::get(conn, id)? else {
                return Err(not_found(id));
            };
            let versions = bots::versions(conn, id)?;
            let summary = match &bot.module {
                Some(hash) => bots::module_summary(conn, hash)?,
                None => None,
            };
            Ok((bot, versions, summary))
        })
        .await?;
    let versions = versions
        .iter()
        .map(|v| VersionJson {
            created_at: v.created_at,
            download: v
                .module_deleted_at
                .is_none()
                .then(|| format!("/api/bots/{}/versions/{}/module", bot.id, v.version)),
            encoding: v.encoding.clone(),
            module: v.module.clone(),
            module_deleted_at: v.module_deleted_at,
            pruned_at: v.pruned_at,
            size: v.size,
            version: v.version,
        })
        .collect();
    Ok(Json(BotDetail {
        bot: BotJson::of(&bot),
        summary: summary.and_then(|s| serde_json::from_str(&s).ok()),
        versions,
    }))
}

/// `{"bot": {...}}`.
#[derive(Serialize, ToSchema)]
pub struct BotAnswer {
    bot: BotJson,
}

/// `POST /api/bots/{id}/retire`: off the ladder, kept with its versions.
#[utoipa::path(
    post,
    path = "/api/bots/{bot}/retire",
    tag = "bots",
    security(("token" = [])),
    params(("bot" = i64, Path, description = "the bot's id", example = 1)),
    responses(
        (status = 200, description = "the bot, retired", body = BotAnswer),
        (status = 401, description = "no token, or an unknown one", body = ErrorBody),
        (status = 403, description = "neither the bot's owner nor an admin", body = ErrorBody),
        (status = 404, description = "no bot with that id", body = ErrorBody),
    )
)]
pub async fn retire(
    state: AxumState<State>,
    auth: Auth,
    bot: Path<String>,
) -> Result<Json<BotAnswer>, ApiError> {
    set_active(state, auth, bot, false).await
}

/// `POST /api/bots/{id}/activate`: back on the ladder.
#[utoipa::path(
    post,
    path = "/api/bots/{bot}/activate",
    tag = "bots",
    security(("token" = [])),
    params(("bot" = i64, Path, description = "the bot's id", example = 1)),
    responses(
        (status = 200, description = "the bot, active", body = BotAnswer),
        (status = 401, description = "no token, or an unknown one", body = ErrorBody),
        (status = 403, description = "neither the bot's owner nor an admin; the owner at bots_per_player", body = ErrorBody),
        (status = 404, description = "no bot with that id", body = ErrorBody),
    )
)]
pub async fn activate(
    state: AxumState<State>,
    auth: Auth,
    bot: Path<String>,
) -> Result<Json<BotAnswer>, ApiError> {
    set_active(state, auth, bot, true).await
}

async fn set_active(
    AxumState(state): AxumState<State>,
    Auth(player): Auth,
    Path(bot): Path<String>,
    active: bool,
) -> Result<Json<BotAnswer>, ApiError> {
    let id = parse_id(&bot)?;
    let most = bot_limit(&state);
    let bot = state
        .db
        .call(move |conn| {
            let bot = bots::get(conn, id)?.ok_or_else(|| not_found(id))?;
            if bot.owner_id != player.id && !player.is_admin() {
                let verb = if active { "activate" } else { "retire" };
                return Err(ApiError::Forbidden(format!(
                    "bot {id} ('{}') belongs to '{}': only its owner or an admin may {verb} it",
                    bot.name, bot.owner
                )));
            }
            if active && !bot.active {
                let owner = players::by_name(conn, &bot.owner)?
                    .ok_or_else(|| ApiError::internal("a bot's owner is gone"))?;
                if owner.role == Role::Player {
                    let advice = format!(
                        "retire one (POST /api/bots/{{id}}/retire) before activating bot {id}"
                    );
                    quota::check_active_count(conn, &owner, most, &advice)?;
                }
            }
            bots::set_active(conn, id, active)?;
            bots::get(conn, id)?.ok_or_else(|| not_found(id))
        })
        .await?;
    if active {
        state.ladder_wake.notify_one();
    }
    Ok(Json(BotAnswer {
        bot: BotJson::of(&bot),
    }))
}

/// `{"leaderboard": [...]}`.
#[derive(Serialize, ToSchema)]
pub struct Leaderboard {
    leaderboard: Vec<Ranked>,
}

/// A bot on the leaderboard, with its rank (1 is the best).
#[derive(Serialize, ToSchema)]
pub struct Ranked {
    #[serde(flatten)]
    bot: BotJson,
    rank: u64,
}

/// `GET /api/leaderboard` → active bots, best conservative rating first.
#[utoipa::path(
    get,
    path = "/api/leaderboard",
    tag = "bots",
    responses(
        (status = 200, description = "active bots with a version, best mu - 3 sigma first", body = Leaderboard),
    )
)]
pub async fn leaderboard(
    AxumState(state): AxumState<State>,
) -> Result<Json<Leaderboard>, ApiError> {
    let bots = state.db.call(|conn| Ok(bots::leaderboard(conn)?)).await?;
    let leaderboard = bots
        .iter()
        .enumerate()
        .map(|(i, bot)| Ranked {
            bot: BotJson::of(bot),
            rank: i as u64 + 1,
        })
        .collect();
    Ok(Json(Leaderboard { leaderboard }))
}

/// A bot as every endpoint shows it (fields in the order serde_json always
/// wrote them: alphabetical).
#[derive(Serialize, ToSchema)]
#[schema(as = Bot)]
pub struct BotJson {
    active: bool,
    /// Unix milliseconds.
    created_at: i64,
    /// Rated games played, over all its versions.
    games: i64,
    id: i64,
    /// The current version's module hash.
    module: Option<String>,
    name: String,
    /// The owner's name.
    owner: String,
    rating: Rating,
    /// The current (latest) version.
    version: i64,
}

/// A bot's Weng-Lin rating.
#[derive(Serialize, ToSchema)]
pub struct Rating {
    /// `mu - 3 sigma`: what the leaderboard sorts by.
    conservative: f64,
    mu: f64,
    sigma: f64,
}

impl BotJson {
    pub fn of(bot: &Bot) -> BotJson {
        BotJson {
            active: bot.active,
            created_at: bot.created_at,
            games: bot.games,
            id: bot.id,
            module: bot.module.clone(),
            name: bot.name.clone(),
            owner: bot.owner.clone(),
            rating: Rating {
                conservative: bot.conservative_rating(),
                mu: bot.rating_mu,
                sigma: bot.rating_sigma,
            },
            version: bot.version,
        }
    }
}

pub(super) async fn get_bot(state: &State, id: i64) -> Result<Bot, ApiError> {
    state
        .db
        .call(move |conn| bots::get(conn, id)?.ok_or_else(|| not_found(id)))
        .await
}

pub(super) fn parse_id(text: &str) -> Result<i64, ApiError> {
    match Target::parse(text) {
        Target::Id(id) => Ok(id),
        Target::Name(_) => Err(ApiError::NotFound(format!(
            "no bot '{text}': bots are found by id here, e.g. /api/bots/3 \
             (GET /api/bots?owner=NAME lists a player's bots with their ids)"
        ))),
    }
}

fn not_found(id: i64) -> ApiError {
    ApiError::NotFound(format!("no bot with id {id}"))
}
