//! `POST /api/players`, `GET /api/players/{name}`, `GET /api/me`.

use super::bots::bot_json;
use crate::app::State;
use crate::auth::{self, Auth};
use crate::db::players::{Player, Role};
use crate::db::{bots, players};
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPlayer {
    name: String,
}

/// `POST /api/players {"name"}` → 201 `{"player", "token"}`.
pub async fn register(
    AxumState(state): AxumState<State>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request: NewPlayer = super::parse_json(&body)?;
    let (player, token) = register_player(&state, &request.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"player": player_json(&player), "token": token})),
    ))
}

/// Registers a player (role `player`) and returns it with its token, the
/// only time the token is ever seen. 400 for a bad name, 409 if it is taken.
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
pub async fn show(
    AxumState(state): AxumState<State>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let lookup = name.clone();
    let player = state
        .db
        .call(move |conn| Ok(players::by_name(conn, &lookup)?))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no player named '{name}'")))?;
    profile(&state, player).await.map(Json)
}

/// `GET /api/me` (token) → the same as `GET /api/players/{my name}`.
pub async fn me(
    AxumState(state): AxumState<State>,
    Auth(player): Auth,
) -> Result<Json<Value>, ApiError> {
    profile(&state, player).await.map(Json)
}

async fn profile(state: &State, player: Player) -> Result<Value, ApiError> {
    let name = player.name.clone();
    let bots = state
        .db
        .call(move |conn| Ok(bots::list(conn, Some(&name))?))
        .await?;
    let bots: Vec<Value> = bots.iter().map(bot_json).collect();
    Ok(json!({"player": player_json(&player), "bots": bots}))
}

pub fn player_json(player: &Player) -> Value {
    json!({
        "id": player.id,
        "name": player.name,
        "role": player.role,
        "created_at": player.created_at,
    })
}
