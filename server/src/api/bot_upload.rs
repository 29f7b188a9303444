//! Uploading a bot's module: raw wasm or a multipart form, by name or id.
//!
//! An upload is checked before its body is read (the name, the owner, the
//! player's bot limit and, by its declared length, their storage quota),
//! read in one of the server's few upload slots under a cap and a deadline
//! (`mod.rs`), checked against the storage quota again by its hash and
//! size, validated by `Sandbox::load` (the very checks of `lockstep check`,
//! whose JSON problems it answers with, verbatim), written to
//! `DATA/modules/<hash>.wasm` atomically if the disk has room, and only
//! then recorded in the database, in one transaction that checks the quota
//! once more and prunes the player's old versions (see `quota.rs`,
//! `storage.rs`; the checks before reading: `api/quota.rs`). Downloads and
//! deleting versions: `versions.rs`.

use super::bots::{BotJson, get_bot};
use super::{BodyReader, FORM_SLACK};
use crate::app::State;
use crate::auth::Auth;
use crate::db::bots::{self, Bot, NewModule};
use crate::db::players::Player;
use crate::error::{ApiError, ErrorBody};
use crate::game::GameName;
use crate::quota::{self, Recorded};
use crate::storage;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Request, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use lockstep_sim::sandbox::report::{problems_json, summary_json};
use lockstep_sim::sandbox::script;
use serde::Serialize;
use serde_json::Value;
use std::sync::LazyLock;
use tokio::sync::SemaphorePermit;
use utoipa::ToSchema;

/// Uploads compiled at once: compiling is the costly part, and the ladder
/// needs the cores too.
static VALIDATIONS: LazyLock<tokio::sync::Semaphore> =
    LazyLock::new(|| tokio::sync::Semaphore::new(2));

/// Which bot an upload is for.
#[derive(Clone, Debug)]
pub enum Target {
    /// The uploader's own bot with this name (created if new).
    Name(String),
    /// A bot by id: 403 unless the uploader owns it.
    Id(i64),
}

impl Target {
    /// `{bot}` in `/api/bots/{bot}`: digits are an id, anything else a name.
    pub(super) fn parse(text: &str) -> Target {
        match text.parse() {
            Ok(id) if text.bytes().all(|b| b.is_ascii_digit()) => Target::Id(id),
            _ => Target::Name(text.to_string()),
        }
    }
}

/// An accepted upload.
#[derive(Clone, Debug)]
pub struct Uploaded {
    pub bot: Bot,
    pub version: i64,
    /// The module's hash.
    pub module: String,
    /// The validator's summary, as `lockstep check --json` prints it.
    pub summary: Value,
    /// False when the module equals the bot's current version (no new version).
    pub new_version: bool,
    /// The player's versions pruned by this upload, and what they store since.
    pub recorded: Recorded,
    /// `[server] bytes_per_player` for this player; `None`: no limit.
    pub bytes_per_player: Option<u64>,
    /// The game the server's matches play, which the bot must.
    pub game: GameName,
}

impl Uploaded {
    /// 201 with a new version, 200 without.
    pub fn status(&self) -> StatusCode {
        if self.new_version {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        }
    }

    pub fn json(&self) -> UploadAnswer {
        UploadAnswer {
            bot: BotJson::of(&self.bot),
            game: self.game.clone(),
            module: self.module.clone(),
            new_version: self.new_version,
            storage: UploadStorage {
                bytes_per_player: self.bytes_per_player,
                modules: self.recorded.stored.modules,
                modules_deleted: (self.recorded.upload.pruned.iter())
                    .filter(|p| p.module_deleted)
                    .count() as u64,
                pruned_versions: self.recorded.upload.pruned.len() as u64,
                stored_bytes: self.recorded.stored.bytes,
            },
            summary: self.summary.clone(),
            version: self.version,
        }
    }
}

/// An accepted upload's answer (fields in the order serde_json always
/// wrote them: alphabetical).
#[derive(Serialize, ToSchema)]
pub struct UploadAnswer {
    bot: BotJson,
    /// The game this server's matches play (`GET /api/game`): the ladder
    /// pairs the bot with this game's bots, and a module written for
    /// another game fails its init in every match.
    game: GameName,
    /// The module's hash (lowercase hex blake3 of its bytes).
    module: String,
    /// False when the bytes equal the bot's current version's (200).
    new_version: bool,
    storage: UploadStorage,
    /// `lockstep check --json`'s summary of the module.
    #[schema(value_type = Object)]
    summary: Value,
    version: i64,
}

/// Where the uploader stands since the upload.
#[derive(Serialize, ToSchema)]
pub struct UploadStorage {
    /// `[server] bytes_per_player`; `null`: no limit (the house, admins).
    bytes_per_player: Option<u64>,
    /// The modules their kept versions use, each once.
    modules: u64,
    /// Module files this upload deleted.
    modules_deleted: u64,
    /// Versions (of any of their bots) this upload pruned.
    pruned_versions: u64,
    /// The bytes of those modules.
    stored_bytes: u64,
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The module's bytes.
    #[schema(value_type = String, format = Binary, content_media_type = "application/wasm")]
    module: Vec<u8>,
    /// The bot's name: must equal `{bot}` when `{bot}` is a name;
    /// required by `POST /api/bots`.
    name: Option<String>,
}

/// The multipart form of `POST /api/bots`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NamedUploadForm {
    /// The module's bytes.
    #[schema(value_type = String, format = Binary, content_media_type = "application/wasm")]
    module: Vec<u8>,
    /// The bot's name (created by the first upload).
    name: String,
}

/// `POST /api/bots/{bot}`: the body is the module (any content type but a
/// multipart form), or a multipart form with a `module` file and an optional
/// `name` that must equal `{bot}`. Refused before the body is read for a bad
/// name, another's bot or a player at their bot limit.
#[utoipa::path(
    post,
    path = "/api/bots/{bot}",
    tag = "bots",
    security(("token" = [])),
    params(("bot" = String, Path, example = "pathfinder", pattern = "^([0-9]+|[a-z][a-z0-9_-]{2,31})$",
        description = "a bot name (the caller's, created by the first upload) or a bot id")),
    request_body(
        description = "the module's bytes (any content type but a multipart form), or a form",
        content(
            (super::openapi::Binary = "application/wasm"),
            (super::openapi::Binary = "application/octet-stream"),
            (UploadForm = "multipart/form-data"),
        )
    ),
    responses(
        (status = 200, description = "the same bytes as the bot's current version: nothing changed", body = UploadAnswer),
        (status = 201, description = "a new version", body = UploadAnswer),
        (status = 400, description = "a bad name, a form without a module, a body that broke off", body = ErrorBody),
        (status = 401, description = "no token, or an unknown one", body = ErrorBody),
        (status = 403, description = "another's bot, or a player at bots_per_player", body = ErrorBody),
        (status = 404, description = "no bot with that id", body = ErrorBody),
        (status = 408, description = "the body did not arrive within upload_timeout_secs", body = ErrorBody),
        (status = 409, description = "quota_exceeded: past bytes_per_player", body = ErrorBody),
        (status = 413, description = "over max_upload_bytes", body = ErrorBody),
        (status = 422, description = "module_refused: the validator's problems", body = ErrorBody),
        (status = 503, description = "busy: every upload slot taken; storage_unavailable", body = ErrorBody),
        (status = 507, description = "insufficient_storage", body = ErrorBody),
    )
)]
pub async fn upload(
    AxumState(state): AxumState<State>,
    Auth(player): Auth,
    Path(bot): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let target = Target::parse(&bot);
    let headers = request.headers().clone();
    let checked = async {
        let bot_name = prepare_upload(&state, &player, &target).await?;
        super::quota::before_reading(&state, &player, &bot_name, &headers).await
    };
    if let Err(e) = checked.await {
        return Err(super::quota::refuse_unread(&state, request, e).await);
    }
    let (bytes, name, _slot) = read_upload(&state, request).await?;
    if let (Some(name), Target::Name(path_name)) = (&name, &target)
        && name != path_name
    {
        return Err(ApiError::BadRequest(format!(
            "the form's name {name:?} differs from the URL's {path_name:?}"
        )));
    }
    let uploaded = accept_upload(&state, &player, target, bytes).await?;
    Ok((uploaded.status(), Json(uploaded.json())).into_response())
}

/// `POST /api/bots`: a multipart form with `name` and a `module` file.
#[utoipa::path(
    post,
    path = "/api/bots",
    tag = "bots",
    security(("token" = [])),
    request_body(content = NamedUploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "the same bytes as the bot's current version: nothing changed", body = UploadAnswer),
        (status = 201, description = "a new version", body = UploadAnswer),
        (status = 400, description = "not a form with `name` and `module`, a bad name", body = ErrorBody),
        (status = 401, description = "no token, or an unknown one", body = ErrorBody),
        (status = 403, description = "a player at bots_per_player", body = ErrorBody),
        (status = 408, description = "the body did not arrive within upload_timeout_secs", body = ErrorBody),
        (status = 409, description = "quota_exceeded: past bytes_per_player", body = ErrorBody),
        (status = 413, description = "over max_upload_bytes", body = ErrorBody),
        (status = 422, description = "module_refused: the validator's problems", body = ErrorBody),
        (status = 503, description = "busy: every upload slot taken; storage_unavailable", body = ErrorBody),
        (status = 507, description = "insufficient_storage", body = ErrorBody),
    )
)]
pub async fn upload_form(
    AxumState(state): AxumState<State>,
    Auth(player): Auth,
    request: Request,
) -> Result<Response, ApiError> {
    let (bytes, name, _slot) = read_upload(&state, request).await?;
    let name = name.ok_or_else(|| {
        ApiError::BadRequest(
            "POST /api/bots needs a multipart form with a `name` field and a `module` file \
             (or POST the module to /api/bots/{name})"
                .to_string(),
        )
    })?;
    let uploaded = accept_upload(&state, &player, Target::Name(name), bytes).await?;
    Ok((uploaded.status(), Json(uploaded.json())).into_response())
}

/// What can be checked of an upload before its body is read: 400 for a bad
/// name, 403 for another's bot or a player at `[server] bots_per_player`,
/// 404 for an unknown id. The bot's name if all is well.
pub async fn prepare_upload(
    state: &State,
    player: &Player,
    target: &Target,
) -> Result<String, ApiError> {
    match target {
        Target::Name(name) => {
            super::check_name("bot name", name, true)?;
            let (player, name, most) = (player.clone(), name.clone(), bot_limit(state));
            state
                .db
                .call(move |conn| {
                    quota::within_bot_limit(conn, &player, &name, most).map(|()| name)
                })
                .await
        }
        Target::Id(id) => {
            let bot = get_bot(state, *id).await?;
            if bot.owner_id != player.id {
                return Err(ApiError::Forbidden(format!(
                    "bot {id} ('{}') belongs to '{}': only its owner may upload to it",
                    bot.name, bot.owner
                )));
            }
            Ok(bot.name)
        }
    }
}

/// Validates, stores and records an upload by `player` (shared by the API
/// and the web page's form): the checks of [`prepare_upload`] (again; the
/// bot limit once more just before the bot is recorded, under the database
/// lock, so that simultaneous uploads cannot all slip past it); 409 past
/// `bytes_per_player` by the module's hash and size, before it is validated
/// (and again as it is recorded); 422 with the validator's problems for a
/// refused module; 507 (503) when the disk has no room (fails).
pub async fn accept_upload(
    state: &State,
    player: &Player,
    target: Target,
    bytes: Bytes,
) -> Result<Uploaded, ApiError> {
    let name = prepare_upload(state, player, &target).await?;
    let quotas = state.config.quotas;
    let hashed = bytes.clone();
    let hash = tokio::task::spawn_blocking(move || blake3::hash(&hashed).to_hex().to_string())
        .await
        .map_err(ApiError::internal)?;
    let (uploader, bot_name, size) = (player.clone(), name.clone(), bytes.len() as u64);
    state
        .db
        .call(move |conn| {
            quota::check_upload(conn, &uploader, &bot_name, Some(&hash), size, &quotas)
        })
        .await?;
    let module = validate_and_store(state, bytes.clone()).await?;
    let (uploader, bot_name, new) = (player.clone(), name.clone(), module.clone());
    let (most, dir) = (bot_limit(state), state.modules_dir.clone());
    let (recorded, bot) = state
        .db
        .call(move |conn| {
            if let Err(e) = quota::within_bot_limit(conn, &uploader, &bot_name, most) {
                quota::forget_unrecorded(conn, &dir, &new.hash);
                return Err(e);
            }
            let recorded = quota::record(conn, &dir, &uploader, &bot_name, &new, &bytes, &quotas)?;
            let bot = bots::get(conn, recorded.upload.bot_id)?
                .ok_or_else(|| ApiError::internal("the bot just recorded is gone"))?;
            Ok((recorded, bot))
        })
        .await?;
    let upload = &recorded.upload;
    state.metrics.upload();
    if !upload.pruned.is_empty() {
        tracing::info!(player = %player.name, versions = upload.pruned.len(),
            stored_bytes = recorded.stored.bytes, "old versions pruned");
    }
    if upload.new_version {
        state.ladder_wake.notify_one();
        tracing::info!(player = %player.name, bot = %name, version = upload.version,
            module = %module.hash, "new bot version");
    }
    Ok(Uploaded {
        bot,
        version: upload.version,
        summary: serde_json::from_str(&module.summary).map_err(ApiError::internal)?,
        module: module.hash,
        new_version: upload.new_version,
        bytes_per_player: quota::counts_bytes(player).then_some(quotas.bytes_per_player),
        recorded,
        game: state.config.game.named(),
    })
}

pub(super) fn bot_limit(state: &State) -> u64 {
    u64::from(state.config.bots_per_player)
}

/// `Sandbox::load` on a blocking thread, then the module file written if
/// the disk keeps its reserve (507 otherwise, or when the write fails for
/// lack of space; 503 when it fails otherwise; the temp file is removed).
async fn validate_and_store(state: &State, bytes: Bytes) -> Result<NewModule, ApiError> {
    let _permit = VALIDATIONS.acquire().await.map_err(ApiError::internal)?;
    let sandbox = state.sandbox.clone();
    let dir = state.modules_dir.clone();
    let reserve = state.config.quotas.disk_reserve_bytes;
    tokio::task::spawn_blocking(move || {
        let module = sandbox.load(&bytes).map_err(|e| {
            let problems = e.problems();
            let plural = if problems.len() == 1 { "" } else { "s" };
            ApiError::Refused {
                message: format!(
                    "the module was refused: {} problem{plural} (the same as `lockstep check`)",
                    problems.len()
                ),
                problems: problems_json(&problems),
            }
        })?;
        let hash = module.hash.to_hex();
        if !storage::has_module(&dir, &hash, bytes.len() as u64) {
            quota::check_disk(&dir, bytes.len() as u64, reserve)?;
        }
        storage::put_module(&dir, &hash, &bytes)
            .map_err(|e| quota::write_error(&format!("module {hash}"), e))?;
        Ok(NewModule {
            hash,
            size: bytes.len(),
            encoding: module.encoding.name().to_string(),
            summary: summary_json(&module).to_string(),
        })
    })
    .await
    .map_err(ApiError::internal)?
}

/// The module bytes of an upload request, the form's `name` if it was a
/// multipart form, and the upload slot it was read in (keep it until the
/// bytes are dropped). The cap is `max_upload_bytes` (plus the form's few
/// bytes), enforced while reading, as is `[server] upload_timeout_secs`.
async fn read_upload(
    state: &State,
    request: Request,
) -> Result<(Bytes, Option<String>, SemaphorePermit<'_>), ApiError> {
    let limit = state.config.max_upload_bytes;
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let cap = if is_form { limit + FORM_SLACK } else { limit };
    super::refuse_declared(request.headers(), cap, limit)?;
    let slot = super::upload_slot(state).await?;
    let (parts, body) = request.into_parts();
    let (reader, body) = BodyReader::new(state, body, cap);
    if !is_form {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = reader.read_all(&parts.headers, body).await?;
        let bytes = as_script(bytes, script_language(None, content_type.as_deref()));
        return Ok((bytes, None, slot));
    }
    let mut form = reader.form(parts, body).await?;
    let read = read_fields(&reader, &mut form).await;
    if read.is_err() {
        reader.drain(&mut form).await;
    }
    let (module, name) = read?;
    Ok((module, name, slot))
}

/// The `module` and `name` fields of an upload form, in any order; 400
/// naming a part that comes twice.
async fn read_fields(
    reader: &BodyReader,
    form: &mut axum::extract::Multipart,
) -> Result<(Bytes, Option<String>), ApiError> {
    let (mut module, mut name) = (None, None);
    while let Some(field) = reader.next_field(form).await? {
        match field.name() {
            Some(part @ ("module" | "name")) if seen(part, &module, &name) => {
                return Err(super::duplicate_part(part));
            }
            Some("module") => {
                let language = script_language(field.file_name(), field.content_type());
                module = Some(as_script(reader.file(field).await?, language));
            }
            Some("name") => name = Some(reader.text(field).await?),
            _ => {}
        }
    }
    let module = module.ok_or_else(|| {
        ApiError::BadRequest("the multipart form has no `module` file field".to_string())
    })?;
    Ok((module, name.filter(|n| !n.is_empty())))
}

/// Whether the form's `part` was read already.
fn seen(part: &str, module: &Option<Bytes>, name: &Option<String>) -> bool {
    match part {
        "module" => module.is_some(),
        _ => name.is_some(),
    }
}

/// The runtime an upload names as its language: a file name ending in one of
/// its extensions (`bot.js`), or its media type (`text/javascript`).
pub(crate) fn script_language(
    file_name: Option<&str>,
    content_type: Option<&str>,
) -> Option<&'static script::Runtime> {
    if let Some(runtime) = file_name.and_then(|n| script::by_extension(std::path::Path::new(n))) {
        return Some(runtime);
    }
    let media = content_type?.split(';').next()?.trim().to_ascii_lowercase();
    let subtype = media
        .strip_prefix("text/")
        .or(media.strip_prefix("application/"))?;
    let subtype = subtype.strip_prefix("x-").unwrap_or(subtype);
    script::RUNTIMES
        .iter()
        .find(|r| r.language == subtype || (r.language == "javascript" && subtype == "ecmascript"))
}

/// An upload's bytes as the sandbox names a script (`script.rs`) when it
/// is a source in `language`; a module (`\0asm`) or script bytes as they
/// are.
pub(crate) fn as_script(bytes: Bytes, language: Option<&'static script::Runtime>) -> Bytes {
    match language {
        Some(runtime) if !bytes.starts_with(b"\0asm") && !script::is_script(&bytes) => {
            Bytes::from(script::wrap(runtime, &bytes))
        }
        _ => bytes,
    }
}
