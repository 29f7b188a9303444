//! Bots: upload (raw wasm or a multipart form), list, inspect, download,
//! retire and activate; and the leaderboard.
//!
//! An upload is capped while it is read, validated by `Sandbox::load` (the
//! very checks of `lockstep check`, whose JSON problems it answers with,
//! verbatim), written to `DATA/modules/<hash>.wasm` atomically, and only then
//! recorded in the database, in one transaction (see `storage.rs`).

use super::content_type;
use crate::app::State;
use crate::auth::Auth;
use crate::db::bots::{self, Bot, NewModule};
use crate::db::players::{self, Player};
use crate::error::ApiError;
use crate::storage;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use lockstep_sim::sandbox::report::{problems_json, summary_json};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::LazyLock;
use std::time::Duration;

/// Room for a multipart form's boundaries, part headers and `name` field
/// on top of the module itself.
const FORM_SLACK: usize = 64 << 10;
/// A body found to be over the cap is read on (and dropped) up to this much
/// further, for at most [`DRAIN_TIME`], so that a client still sending it gets
/// the 413 rather than a reset connection. Nothing past the cap is kept.
const DRAIN_BYTES: u64 = 16 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(10);

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
        })
    }
}

/// `POST /api/bots/{bot}`: the body is the module (any content type but a
/// multipart form), or a multipart form with a `module` file and an optional
/// `name` that must equal `{bot}`.
pub async fn upload(
    AxumState(state): AxumState<State>,
    Auth(player): Auth,
    Path(bot): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let target = Target::parse(&bot);
    let (bytes, name) = read_upload(&state, request).await?;
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
    let (bytes, name) = read_upload(&state, request).await?;
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

/// Validates, stores and records an upload by `player` (shared by the API
/// and the web page's form). 400 for a bad name, 403 for another's bot, 404
/// for an unknown id, 422 with the validator's problems for a refused module.
pub async fn accept_upload(
    state: &State,
    player: &Player,
    target: Target,
    bytes: Bytes,
) -> Result<Uploaded, ApiError> {
    let name = match target {
        Target::Name(name) => {
            super::check_name("bot name", &name, true)?;
            name
        }
        Target::Id(id) => {
            let bot = get_bot(state, id).await?;
            if bot.owner_id != player.id {
                return Err(ApiError::Forbidden(format!(
                    "bot {id} ('{}') belongs to '{}': only its owner may upload to it",
                    bot.name, bot.owner
                )));
            }
            bot.name
        }
    };
    let module = validate_and_store(state, bytes).await?;
    let (owner, bot_name, new) = (player.id, name.clone(), module.clone());
    let (upload, bot) = state
        .db
        .call(move |conn| {
            let upload = bots::record_upload(conn, owner, &bot_name, &new)?;
            let bot = bots::get(conn, upload.bot_id)?
                .ok_or_else(|| ApiError::internal("the bot just recorded is gone"))?;
            Ok((upload, bot))
        })
        .await?;
    state.metrics.upload();
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
    })
}

/// `Sandbox::load` on a blocking thread, then the module file written.
async fn validate_and_store(state: &State, bytes: Bytes) -> Result<NewModule, ApiError> {
    let _permit = VALIDATIONS.acquire().await.map_err(ApiError::internal)?;
    let sandbox = state.sandbox.clone();
    let dir = state.modules_dir.clone();
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
        storage::put_module(&dir, &hash, &bytes)
            .map_err(|e| ApiError::internal(format!("storing module {hash}: {e}")))?;
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

/// The module bytes of an upload request, and the form's `name` if it was a
/// multipart form. The cap is `max_upload_bytes`, enforced while reading.
async fn read_upload(state: &State, request: Request) -> Result<(Bytes, Option<String>), ApiError> {
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
    let (parts, body) = request.into_parts();
    if !is_form {
        return Ok((read_capped(&parts.headers, body, limit, limit).await?, None));
    }
    let bytes = read_capped(&parts.headers, body, limit + FORM_SLACK, limit).await?;
    // The route disables axum's own body limit; the bytes are read already.
    let request = Request::from_parts(parts, Body::from(bytes));
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::BadRequest(format!(
            "the multipart form cannot be read: {}",
            e.body_text()
        ))
    };
    let mut form = Multipart::from_request(request, &()).await.map_err(|e| {
        ApiError::BadRequest(format!(
            "the multipart form cannot be read: {}",
            e.body_text()
        ))
    })?;
    let (mut module, mut name) = (None, None);
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("module") => module = Some(field.bytes().await.map_err(bad)?),
            Some("name") => name = Some(field.text().await.map_err(bad)?.trim().to_string()),
            _ => {}
        }
    }
    let module = module.ok_or_else(|| {
        ApiError::BadRequest("the multipart form has no `module` file field".to_string())
    })?;
    if module.len() > limit {
        return Err(too_large(limit));
    }
    Ok((module, name.filter(|n| !n.is_empty())))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::TooLarge(format!(
        "the module is larger than the {limit}-byte upload limit"
    ))
}

/// The request's body, at most `cap` bytes, counted as it arrives (with or
/// without a Content-Length); past the cap, a 413 naming `limit`.
async fn read_capped(
    headers: &HeaderMap,
    mut body: Body,
    cap: usize,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let expects_continue = headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if let Some(declared) = declared
        && declared > cap as u64
        && (expects_continue || declared > cap as u64 + DRAIN_BYTES)
    {
        // Refused before a byte is read (a client waiting for 100 Continue
        // never sends the body).
        return Err(too_large(limit));
    }
    let mut bytes = Vec::with_capacity(declared.map_or(64 << 10, |n| n as usize).min(cap));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError::BadRequest(format!("the request body could not be read: {e}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if bytes.len() + data.len() > cap {
            let seen = (bytes.len() + data.len()) as u64;
            drop(bytes);
            let _ = tokio::time::timeout(DRAIN_TIME, drain(body, seen)).await;
            return Err(too_large(limit));
        }
        bytes.extend_from_slice(&data);
    }
    Ok(Bytes::from(bytes))
}

/// Reads and drops the rest of a body, up to [`DRAIN_BYTES`] in all.
async fn drain(mut body: Body, mut seen: u64) {
    while seen < DRAIN_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |d| d.len() as u64),
            _ => return,
        }
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
                "download": format!("/api/bots/{}/versions/{}/module", bot.id, v.version),
            })
        })
        .collect();
    body["summary"] = summary
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    Ok(Json(body))
}

/// `GET /api/bots/{id}/versions/{v}/module` → the module's bytes, so that
/// anyone can verify a replay.
pub async fn download(
    AxumState(state): AxumState<State>,
    Path((bot, version)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_id(&bot)?;
    let v: i64 = version
        .parse()
        .map_err(|_| ApiError::NotFound(format!("bot {id} has no version '{version}'")))?;
    let (bot, hash) = state
        .db
        .call(move |conn| {
            let bot = bots::get(conn, id)?.ok_or_else(|| not_found(id))?;
            let hash = bots::version_module(conn, id, v)?
                .ok_or_else(|| ApiError::NotFound(format!("bot {id} has no version {v}")))?;
            Ok((bot, hash))
        })
        .await?;
    let filename = format!("{}-{}-v{v}.wasm", bot.owner, bot.name);
    module_response(&state, hash, &filename).await
}

/// `GET /api/modules/{hash}` → a module's bytes by hash (as replays name them).
pub async fn module_by_hash(
    AxumState(state): AxumState<State>,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let hash = hash.strip_suffix(".wasm").unwrap_or(&hash).to_string();
    let lookup = hash.clone();
    let known = storage::is_hash(&hash)
        && state
            .db
            .call(move |conn| Ok(bots::module_exists(conn, &lookup)?))
            .await?;
    if !known {
        return Err(ApiError::NotFound(format!("no module {hash}")));
    }
    let filename = format!("{hash}.wasm");
    module_response(&state, hash, &filename).await
}

async fn module_response(
    state: &State,
    hash: String,
    filename: &str,
) -> Result<Response, ApiError> {
    let dir = state.modules_dir.clone();
    let name = hash.clone();
    let bytes = tokio::task::spawn_blocking(move || storage::read_module(&dir, &name))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(format!("reading module {hash}: {e}")))?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .map_err(ApiError::internal)?;
    let etag = HeaderValue::from_str(&format!("\"{hash}\"")).map_err(ApiError::internal)?;
    Ok((
        [
            content_type("application/wasm"),
            (header::CONTENT_DISPOSITION, disposition),
            (header::ETAG, etag),
        ],
        bytes,
    )
        .into_response())
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

fn parse_id(text: &str) -> Result<i64, ApiError> {
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
