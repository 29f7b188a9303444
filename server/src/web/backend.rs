//! The two writes the forms make, through the API's own code: the same
//! checks, validation, storage and messages as `POST /api/bots/{name}` and
//! `POST /api/players`.

use super::forms::Accepted;
use crate::api::bots::{Target, accept_upload};
use crate::app::State;
use crate::error::ApiError;
use axum::body::Bytes;

/// Uploads `bytes` as bot `name` of the player holding `token`.
pub async fn upload(
    state: &State,
    token: &str,
    name: &str,
    bytes: Bytes,
) -> Result<Accepted, ApiError> {
    let player = crate::auth::player_for_token(state, token).await?;
    let limit = state.config.max_upload_bytes;
    if bytes.len() > limit {
        return Err(ApiError::TooLarge(format!(
            "the module is larger than the {limit}-byte upload limit"
        )));
    }
    let uploaded = accept_upload(state, &player, Target::Name(name.to_string()), bytes).await?;
    Ok(Accepted {
        bot_id: uploaded.bot.id,
        bot: uploaded.bot.name,
        version: uploaded.version,
        hash: uploaded.module,
        summary: uploaded.summary,
        new_version: uploaded.new_version,
    })
}

/// Registers player `name`; returns the token, shown once.
pub async fn register(state: &State, name: &str) -> Result<String, ApiError> {
    crate::api::players::register_player(state, name)
        .await
        .map(|(_, token)| token)
}
