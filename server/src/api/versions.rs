//! Bot versions and their modules: downloads (by version or by hash, so
//! that anyone can verify a replay), and deleting a version, which is how a
//! player makes room under `[server] bytes_per_player` (`quota.rs`).
//!
//! A pruned version's module is still served while another kept version
//! uses the same bytes; once its file is deleted the answer is 410, saying
//! why (`[server] versions_per_bot`).

use super::bots::{BotJson, parse_id};
use super::content_type;
use crate::app::State;
use crate::auth::Auth;
use crate::db::quota as q;
use crate::error::{ApiError, ErrorBody};
use crate::{quota, storage};
use axum::Json;
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use lockstep_sim::sandbox::script;
use serde::Serialize;
use utoipa::ToSchema;

/// `GET /api/bots/{id}/versions/{v}/module` → the module's bytes; 410 once
/// the file is deleted.
#[utoipa::path(
    get,
    path = "/api/bots/{bot}/versions/{version}/module",
    tag = "versions",
    params(
        ("bot" = i64, Path, description = "the bot's id", example = 1),
        ("version" = i64, Path, description = "the version's number", example = 1),
    ),
    responses(
        (status = 200, description = "the module's bytes, as uploaded (ETag: its hash)",
         content_type = "application/wasm", body = super::openapi::Binary),
        (status = 404, description = "no such bot or version", body = ErrorBody),
        (status = 410, description = "the module's file was deleted", body = ErrorBody),
    )
)]
pub async fn download(
    AxumState(state): AxumState<State>,
    Path((bot, version)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (id, v) = version_path(&bot, &version)?;
    let (bot, hash) = state
        .db
        .call(move |conn| {
            let bot = crate::db::bots::get(conn, id)?
                .ok_or_else(|| ApiError::NotFound(format!("no bot with id {id}")))?;
            let found = q::version_state(conn, id, v)?
                .ok_or_else(|| ApiError::NotFound(format!("bot {id} has no version {v}")))?;
            if let Some(at) = found.module_deleted_at {
                return Err(deleted(&found.module, at));
            }
            Ok((bot, found.module))
        })
        .await?;
    let filename = format!("{}-{}-v{v}.wasm", bot.owner, bot.name);
    module_response(&state, hash, &filename, true).await
}

/// `GET /api/modules/{hash}` → a module's bytes by hash (as replays name
/// them); 410 once the file is deleted.
#[utoipa::path(
    get,
    path = "/api/modules/{hash}",
    tag = "versions",
    params(("hash" = String, Path, description = "the module's hash (64 hex digits), `.wasm` optional")),
    responses(
        (status = 200, description = "the module's bytes, as uploaded (ETag: its hash)",
         content_type = "application/wasm", body = super::openapi::Binary),
        (status = 404, description = "no module with that hash", body = ErrorBody),
        (status = 410, description = "the module's file was deleted", body = ErrorBody),
    )
)]
pub async fn module_by_hash(
    AxumState(state): AxumState<State>,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let hash = hash.strip_suffix(".wasm").unwrap_or(&hash).to_string();
    let lookup = hash.clone();
    let known = if storage::is_hash(&hash) {
        state
            .db
            .call(move |conn| Ok(q::module_state(conn, &lookup)?))
            .await?
    } else {
        None
    };
    match known {
        None => Err(ApiError::NotFound(format!("no module {hash}"))),
        Some(Some(at)) => Err(deleted(&hash, at)),
        Some(None) => {
            let filename = format!("{hash}.wasm");
            module_response(&state, hash, &filename, false).await
        }
    }
}

/// The 410 of a module whose file was deleted at `at`.
fn deleted(hash: &str, at: i64) -> ApiError {
    ApiError::Gone(format!(
        "module {hash} was deleted from the server (at {at}, unix ms) once no kept version \
         used it: its versions were older than their bots' newest ([server] \
         versions_per_bot) and no replay on disk needed them, or their owner deleted them"
    ))
}

/// A module file's bytes. A script bot's module is its script bytes
/// (`lockstep_sim::sandbox::script`): with `as_source`, the player gets the
/// source back as uploaded, under its language's extension; without, the
/// exact bytes the hash names (what `replay verify` needs).
async fn module_response(
    state: &State,
    hash: String,
    filename: &str,
    as_source: bool,
) -> Result<Response, ApiError> {
    let dir = state.modules_dir.clone();
    let name = hash.clone();
    let bytes = tokio::task::spawn_blocking(move || storage::read_module(&dir, &name))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(format!("reading module {hash}: {e}")))?;
    let (bytes, media, filename) = match script::unwrap(&bytes) {
        Some(_) if !as_source => (bytes, "application/octet-stream", filename.to_string()),
        Some(Ok((runtime, source))) => (
            source.to_vec(),
            match runtime.language {
                "python" => "text/x-python; charset=utf-8",
                _ => "text/javascript; charset=utf-8",
            },
            format!(
                "{}.{}",
                filename.rsplit_once('.').map_or(filename, |(stem, _)| stem),
                runtime.extensions[0]
            ),
        ),
        _ => (bytes, "application/wasm", filename.to_string()),
    };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .map_err(ApiError::internal)?;
    let etag = HeaderValue::from_str(&format!("\"{hash}\"")).map_err(ApiError::internal)?;
    Ok((
        [
            content_type(media),
            (header::CONTENT_DISPOSITION, disposition),
            (header::ETAG, etag),
        ],
        bytes,
    )
        .into_response())
}

/// What `DELETE /api/bots/{id}/versions/{v}` did.
#[derive(Serialize, ToSchema)]
pub struct DeleteAnswer {
    bot: BotJson,
    deleted: DeletedVersion,
    storage: StoredJson,
}

/// The version deleted.
#[derive(Serialize, ToSchema)]
pub struct DeletedVersion {
    /// Its module's hash.
    module: String,
    /// Whether its module's file went (no kept version used it).
    module_deleted: bool,
    version: i64,
}

/// What the bot's owner stores since.
#[derive(Serialize, ToSchema)]
pub struct StoredJson {
    modules: u64,
    stored_bytes: u64,
}

/// `DELETE /api/bots/{id}/versions/{v}`: the owner (or an admin) deletes a
/// version that is not the bot's current one nor seated in a waiting match;
/// its module's file goes if no kept version uses it. Answers the bot, what
/// went, and what the owner stores since.
#[utoipa::path(
    delete,
    path = "/api/bots/{bot}/versions/{version}",
    tag = "versions",
    security(("token" = [])),
    params(
        ("bot" = i64, Path, description = "the bot's id", example = 1),
        ("version" = i64, Path, description = "the version's number", example = 1),
    ),
    responses(
        (status = 200, description = "deleted", body = DeleteAnswer),
        (status = 401, description = "no token, or an unknown one", body = ErrorBody),
        (status = 403, description = "neither the bot's owner nor an admin", body = ErrorBody),
        (status = 404, description = "no such bot or version", body = ErrorBody),
        (status = 409, description = "the bot's current version, or one a waiting match seats", body = ErrorBody),
        (status = 410, description = "deleted already", body = ErrorBody),
        (status = 503, description = "storage_unavailable", body = ErrorBody),
        (status = 507, description = "insufficient_storage", body = ErrorBody),
    )
)]
pub async fn delete(
    AxumState(state): AxumState<State>,
    Auth(player): Auth,
    Path((bot, version)): Path<(String, String)>,
) -> Result<Json<DeleteAnswer>, ApiError> {
    let (id, v) = version_path(&bot, &version)?;
    let dir = state.modules_dir.clone();
    let done = state
        .db
        .call(move |conn| quota::delete_version(conn, &dir, &player, id, v))
        .await?;
    Ok(Json(DeleteAnswer {
        bot: BotJson::of(&done.bot),
        deleted: DeletedVersion {
            module: done.pruned.module,
            module_deleted: done.pruned.module_deleted,
            version: done.version,
        },
        storage: StoredJson {
            modules: done.stored.modules,
            stored_bytes: done.stored.bytes,
        },
    }))
}

/// `{bot}` and `{v}` of a version's path: a bot id and a version number.
fn version_path(bot: &str, version: &str) -> Result<(i64, i64), ApiError> {
    let id = parse_id(bot)?;
    let v = version
        .parse()
        .map_err(|_| ApiError::NotFound(format!("bot {id} has no version '{version}'")))?;
    Ok((id, v))
}
