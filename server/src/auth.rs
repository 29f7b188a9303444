//! API tokens: 32 random bytes as 64 hex digits, shown once when made and
//! stored only as their blake3 hash. A request names its player with
//! `Authorization: Bearer <token>`; the hash is looked up (a lookup by hash,
//! so no secret is compared byte by byte).

use crate::app::State;
use crate::db::players::{self, Player};
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// A new token: 32 bytes from the system's random source, as hex.
pub fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(format!("getrandom: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What is stored for a token: its blake3, hex.
pub fn token_hash(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}

/// The player a token belongs to; 401 for an unknown token.
pub async fn player_for_token(state: &State, token: &str) -> Result<Player, ApiError> {
    let hash = token_hash(token.trim());
    state
        .db
        .call(move |conn| Ok(players::by_token_hash(conn, &hash)?))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("unknown token".to_string()))
}

/// The token in an `Authorization: Bearer <token>` header, if any.
pub fn bearer_token(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not text".to_string()))?;
    let mut words = value.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some(scheme), Some(token), None) if scheme.eq_ignore_ascii_case("bearer") => {
            Ok(Some(token))
        }
        _ => Err(ApiError::Unauthorized(
            "the Authorization header must be `Bearer <token>`".to_string(),
        )),
    }
}

/// The player making a request: an extractor for every handler that writes.
/// 401 when the token is missing, malformed or unknown.
pub struct Auth(pub Player);

impl FromRequestParts<State> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, ApiError> {
        let token = bearer_token(parts)?.ok_or_else(|| {
            ApiError::Unauthorized(
                "this needs an API token: send `Authorization: Bearer <token>` \
                 (POST /api/players gives one)"
                    .to_string(),
            )
        })?;
        player_for_token(state, token).await.map(Auth)
    }
}

/// An admin making a request: 401 as for [`Auth`], 403 for anyone else.
pub struct Admin(pub Player);

impl FromRequestParts<State> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, ApiError> {
        let Auth(player) = Auth::from_request_parts(parts, state).await?;
        if !player.is_admin() {
            return Err(ApiError::Forbidden(format!(
                "only an admin may do this; '{}' is a {}",
                player.name,
                player.role.as_str()
            )));
        }
        Ok(Admin(player))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_hashed() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }
}
