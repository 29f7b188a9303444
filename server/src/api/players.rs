//! `POST /api/players`, `GET /api/players/{name}`, `GET /api/me`.

use super::bots::BotJson;
use crate::app::State;
use crate::auth::{self, Auth};
use crate::db::players::{Player, Role};
use crate::db::{bots, players};
use crate::error::{ApiError, ErrorBody};
use crate::ratelimit::{self, Allowance, Client};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State as AxumState};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use utoipa::ToSchema;

/// `POST /api/players`'s body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlayer {
    /// 3 to 32 characters, each `a-z`, `0-9`, `_` or `-`.
    #[schema(example = "alice", pattern = "^[a-z0-9_-]{3,32}$")]
    name: String,
}

/// A player, as every answer shows one.
#[derive(Serialize, ToSchema)]
pub struct PlayerJson {
    /// Unix milliseconds.
    created_at: i64,
    id: i64,
    name: String,
    role: Role,
}

impl PlayerJson {
    pub fn of(player: &Player) -> PlayerJson {
        PlayerJson {
            created_at: player.created_at,
            id: player.id,
            name: player.name.clone(),
            role: player.role,
        }
    }
}

/// A new player and their token, shown this once.
#[derive(Serialize, ToSchema)]
pub struct Registered {
    player: PlayerJson,
    /// The API token (64 hex digits): `Authorization: Bearer <token>`.
    token: String,
}

/// A player and their bots.
#[derive(Serialize, ToSchema)]
pub struct Profile {
    bots: Vec<BotJson>,
    player: PlayerJson,
}

/// `POST /api/players {"name"}` → 201 `{"player", "token"}`; 429 past the
/// client's allowance ([`within_allowance`]).
#[utoipa::path(
    post,
    path = "/api/players",
    tag = "players",
    request_body(content = NewPlayer, content_type = "application/json"),
    responses(
        (status = 201, description = "registered: the token is shown this once", body = Registered),
        (status = 400, description = "malformed JSON, an unknown field, a bad name", body = ErrorBody),
        (status = 403, description = "cross_site: sent by a page of another site", body = ErrorBody),
        (status = 409, description = "the name is taken", body = ErrorBody),
        (status = 413, description = "a body over 2 MB", body = ErrorBody),
        (status = 415, description = "the body is not sent as application/json", body = ErrorBody),
        (status = 429, description = "too many new players from this address; Retry-After", body = ErrorBody),
    )
)]
pub async fn register(
    AxumState(state): AxumState<State>,
    PeerAddr(peer): PeerAddr,
    body: Bytes,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    let request: NewPlayer = super::parse_json(&body)?;
    let (player, token) =
        within_allowance(&state, peer, register_player(&state, &request.name)).await?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            player: PlayerJson::of(&player),
            token,
        }),
    ))
}

/// The client's address: the TCP peer, as `serve.rs` records it for each
/// connection (`ConnectInfo`). `None` when the router is served without it
/// (in-process tests): such requests share one allowance, see
/// [`Client::Unknown`]. Behind a reverse proxy it is the proxy's address.
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<PeerAddr, Infallible> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(PeerAddr(peer.map(|ConnectInfo(addr)| addr.ip())))
    }
}

/// Runs `register` (a registration: [`register_player`], or the form's
/// path to it) within the registration allowance of the client at `peer`:
/// `[server] registrations_per_hour` new players per address (IPv6: per
/// /64) in any hour, kept in the database so that a restart resets nothing
/// (`ratelimit.rs`). Past it, 429 `too_many_requests` saying how long to
/// wait, with `Retry-After`, and `register` is not run.
///
/// Only registrations that succeed use up the allowance: the place is taken
/// before `register` runs (so that simultaneous requests cannot all slip
/// through) and given back if it fails (a bad name, a taken name, our own
/// error). A request abandoned while it runs keeps its place: the player may
/// have been created all the same.
pub async fn within_allowance<T>(
    state: &State,
    peer: Option<IpAddr>,
    register: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    let client = Client::of(peer);
    let allowance = Allowance::registrations(&state.config);
    let place = match allowance.take(&state.db, client).await? {
        Ok(place) => place,
        Err(wait) => {
            let limit = allowance.limit;
            tracing::info!(%client, limit, wait_s = wait.as_secs(), "registration refused: over the limit");
            return Err(ApiError::TooManyRequests {
                message: format!(
                    "too many new players from {client}: at most {limit} an hour; try again in {}",
                    ratelimit::wait_in_words(wait)
                ),
                retry_after: Some(ratelimit::whole_seconds(wait)),
            });
        }
    };
    let result = register.await;
    if result.is_err()
        && let Err(e) = allowance.give_back(&state.db, place).await
    {
        tracing::warn!(%client, error = %e, "a failed registration's place was not given back");
    }
    result
}

/// Registers a player (role `player`) and returns it with its token, the
/// only time the token is ever seen. 400 for a bad name, 409 if it is taken.
/// No limit of its own: a client's registration goes through
/// [`within_allowance`].
pub async fn register_player(state: &State, name: &str) -> Result<(Player, String), ApiError> {
    super::check_name("player name", name, false)?;
    let token = auth::new_token()?;
    let hash = auth::token_hash(&token);
    let owned = name.to_string();
    let player = state
        .db
        .call(move |conn| Ok(players::create(conn, &owned, Role::Player, &hash)?))
        .await?
        .ok_or_else(|| ApiError::Conflict(format!("the player name '{name}' is taken")))?;
    tracing::info!(player = %player.name, "registered");
    Ok((player, token))
}

/// `GET /api/players/{name}` → `{"player", "bots"}`.
#[utoipa::path(
    get,
    path = "/api/players/{name}",
    tag = "players",
    params(("name" = String, Path, description = "the player's name", example = "house")),
    responses(
        (status = 200, description = "the player and their bots", body = Profile),
        (status = 404, description = "no player of that name", body = ErrorBody),
    )
)]
pub async fn show(
    AxumState(state): AxumState<State>,
    Path(name): Path<String>,
) -> Result<Json<Profile>, ApiError> {
    let lookup = name.clone();
    let player = state
        .db
        .call(move |conn| Ok(players::by_name(conn, &lookup)?))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no player named '{name}'")))?;
    profile(&state, player).await.map(Json)
}

/// `GET /api/me` (token) → the same as `GET /api/players/{my name}`.
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "players",
    security(("token" = [])),
    responses(
        (status = 200, description = "the token's player and their bots", body = Profile),
        (status = 401, description = "no token, a malformed header, an unknown token", body = ErrorBody),
    )
)]
pub async fn me(
    AxumState(state): AxumState<State>,
    Auth(player): Auth,
) -> Result<Json<Profile>, ApiError> {
    profile(&state, player).await.map(Json)
}

async fn profile(state: &State, player: Player) -> Result<Profile, ApiError> {
    let name = player.name.clone();
    let bots = state
        .db
        .call(move |conn| Ok(bots::list(conn, Some(&name))?))
        .await?;
    Ok(Profile {
        bots: bots.iter().map(BotJson::of).collect(),
        player: PlayerJson::of(&player),
    })
}
