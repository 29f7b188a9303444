//! The writes the forms make, through the API's own code: the same checks,
//! validation, storage and messages as `POST /api/bots/{name}` and
//! `POST /api/players`.

use super::forms::Accepted;
use crate::api::bot_upload::{Target, accept_upload, prepare_upload};
use crate::app::State;
use crate::db::players::Player;
use crate::error::ApiError;
use axum::body::Bytes;

/// The player holding `token`; 401 for an unknown token.
pub async fn player(state: &State, token: &str) -> Result<Player, ApiError> {
    crate::auth::player_for_token(state, token).await
}

/// What the API checks before reading an upload's body: the bot's name, and
/// that `player` may have one more bot if `name` is new.
pub async fn check_upload(state: &State, player: &Player, name: &str) -> Result<(), ApiError> {
    prepare_upload(state, player, &Target::Name(name.to_string()))
        .await
        .map(drop)
}

/// Uploads `bytes` (read within the upload limit) as `player`'s bot `name`.
pub async fn upload(
    state: &State,
    player: &Player,
    name: &str,
    bytes: Bytes,
) -> Result<Accepted, ApiError> {
    let uploaded = accept_upload(state, player, Target::Name(name.to_string()), bytes).await?;
    Ok(Accepted {
        bot_id: uploaded.bot.id,
        bot: uploaded.bot.name,
        version: uploaded.version,
        hash: uploaded.module,
        summary: uploaded.summary,
        new_version: uploaded.new_version,
        game: state.config.game.name(),
    })
}

/// Registers player `name`; returns the token, shown once.
pub async fn register(state: &State, name: &str) -> Result<String, ApiError> {
    crate::api::players::register_player(state, name)
        .await
        .map(|(_, token)| token)
}
