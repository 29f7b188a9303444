//! Bots: upload (raw wasm or a multipart form), list, inspect,
//! retire and activate; and the leaderboard.
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

use super::{BodyReader, FORM_SLACK};
use crate::app::State;
use crate::auth::Auth;
use crate::db::bots::{self, Bot, NewModule};
use crate::db::players::{self, Player, Role};
use crate::error::ApiError;
use crate::quota::{self, Recorded};
use crate::storage;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use lockstep_sim::sandbox::report::{problems_json, summary_json};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::LazyLock;
use tokio::sync::SemaphorePermit;

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
    fn parse(text: &str) -> Target {
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

    pub fn json(&self) -> Value {
        json!({
            "bot": bot_json(&self.bot),
            "version": self.version,
            "module": self.module,
            "summary": self.summary,
            "new_version": self.new_version,
            "storage": {
                "stored_bytes": self.recorded.stored.bytes,
                "modules": self.recorded.stored.modules,
                "bytes_per_player": self.bytes_per_player,
                "pruned_versions": self.recorded.upload.pruned.len(),
                "modules_deleted":
                    self.recorded.upload.pruned.iter().filter(|p| p.module_deleted).count(),
            },
        })
    }
}

/// `POST /api/bots/{bot}`: the body is the module (any content type but a
/// multipart form), or a multipart form with a `module` file and an optional
/// `name` that must equal `{bot}`. Refused before the body is read for a bad
/// name, another's bot or a player at their bot limit.
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
    })
}

fn bot_limit(state: &State) -> u64 {
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
        let bytes = reader.read_all(&parts.headers, body).await?;
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
            Some("module") => module = Some(reader.file(field).await?),
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    owner: Option<String>,
}

/// `GET /api/bots[?owner=NAME]` → `{"bots": [...]}`, by id.
pub async fn list(
    AxumState(state): AxumState<State>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
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
    let bots: Vec<Value> = bots.iter().map(bot_json).collect();
    Ok(Json(json!({ "bots": bots })))
}

/// `GET /api/bots/{id}` → the bot, its versions and its current module's summary.
pub async fn show(
    AxumState(state): AxumState<State>,
    Path(bot): Path<String>,
) -> Result<Json<Value>, ApiError> {
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
    let mut body = bot_json(&bot);
    body["versions"] = versions
        .iter()
        .map(|v| {
            json!({
                "version": v.version,
                "module": v.module,
                "size": v.size,
                "encoding": v.encoding,
                "created_at": v.created_at,
                "pruned_at": v.pruned_at,
                "module_deleted_at": v.module_deleted_at,
                "download": v.module_deleted_at.is_none().then(|| {
                    format!("/api/bots/{}/versions/{}/module", bot.id, v.version)
                }),
            })
        })
        .collect();
    body["summary"] = summary
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    Ok(Json(body))
}

/// `POST /api/bots/{id}/retire`: off the ladder, kept with its versions.
pub async fn retire(
    state: AxumState<State>,
    auth: Auth,
    bot: Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_active(state, auth, bot, false).await
}

/// `POST /api/bots/{id}/activate`: back on the ladder.
pub async fn activate(
    state: AxumState<State>,
    auth: Auth,
    bot: Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_active(state, auth, bot, true).await
}

async fn set_active(
    AxumState(state): AxumState<State>,
    Auth(player): Auth,
    Path(bot): Path<String>,
    active: bool,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({ "bot": bot_json(&bot) })))
}

/// `GET /api/leaderboard` → active bots, best conservative rating first.
pub async fn leaderboard(AxumState(state): AxumState<State>) -> Result<Json<Value>, ApiError> {
    let bots = state.db.call(|conn| Ok(bots::leaderboard(conn)?)).await?;
    let rows: Vec<Value> = bots
        .iter()
        .enumerate()
        .map(|(i, bot)| {
            let mut row = bot_json(bot);
            row["rank"] = json!(i + 1);
            row
        })
        .collect();
    Ok(Json(json!({ "leaderboard": rows })))
}

/// A bot as every endpoint shows it.
pub fn bot_json(bot: &Bot) -> Value {
    json!({
        "id": bot.id,
        "owner": bot.owner,
        "name": bot.name,
        "active": bot.active,
        "version": bot.version,
        "module": bot.module,
        "rating": {
            "mu": bot.rating_mu,
            "sigma": bot.rating_sigma,
            "conservative": bot.conservative_rating(),
        },
        "games": bot.games,
        "created_at": bot.created_at,
    })
}

async fn get_bot(state: &State, id: i64) -> Result<Bot, ApiError> {
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
