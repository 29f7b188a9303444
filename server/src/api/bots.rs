//! Bots: upload (raw wasm or a multipart form), list, inspect, download,
//! retire and activate; and the leaderboard.
//!
//! An upload is checked before its body is read (the name, the owner, the
//! player's bot limit), read in one of the server's few upload slots under
//! a cap and a deadline (`mod.rs`), validated by `Sandbox::load` (the very
//! checks of `lockstep check`, whose JSON problems it answers with,
//! verbatim), written to `DATA/modules/<hash>.wasm` atomically, and only then
//! recorded in the database, in one transaction (see `storage.rs`).

use super::{BodyReader, FORM_SLACK, content_type};
use crate::app::State;
use crate::auth::Auth;
use crate::db::bots::{self, Bot, NewModule};
use crate::db::players::{self, Player, Role};
use crate::error::ApiError;
use crate::storage;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State as AxumState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lockstep_sim::sandbox::report::{problems_json, summary_json};
use rusqlite::{Connection, OptionalExtension};
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
/// `name` that must equal `{bot}`. Refused before the body is read for a bad
/// name, another's bot or a player at their bot limit.
pub async fn upload(
    AxumState(state): AxumState<State>,
    Auth(player): Auth,
    Path(bot): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let target = Target::parse(&bot);
    prepare_upload(&state, &player, &target).await?;
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
                .call(move |conn| within_bot_limit(conn, &player, &name, most).map(|()| name))
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
/// lock, so that simultaneous uploads cannot all slip past it), then 422
/// with the validator's problems for a refused module.
pub async fn accept_upload(
    state: &State,
    player: &Player,
    target: Target,
    bytes: Bytes,
) -> Result<Uploaded, ApiError> {
    let name = prepare_upload(state, player, &target).await?;
    let module = validate_and_store(state, bytes).await?;
    let (uploader, bot_name, new) = (player.clone(), name.clone(), module.clone());
    let most = bot_limit(state);
    let (upload, bot) = state
        .db
        .call(move |conn| {
            within_bot_limit(conn, &uploader, &bot_name, most)?;
            let upload = bots::record_upload(conn, uploader.id, &bot_name, &new)?;
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

fn bot_limit(state: &State) -> u64 {
    u64::from(state.config.bots_per_player)
}

/// A player's active bots: through `bots`' UNIQUE (owner, name) index.
/// (To move to db/bots.rs.)
const ACTIVE_BOTS_OF_OWNER: &str = "SELECT COUNT(*) FROM bots WHERE owner = ?1 AND active = 1";
/// Whether a player has a bot of that name: the same index.
const BOT_OF_OWNER: &str = "SELECT 1 FROM bots WHERE owner = ?1 AND name = ?2";

/// 403 when uploading bot `name` would give `player` one active bot too
/// many: a new bot of a player (house and admins have no limit) with `most`
/// active bots already. A new version of a bot the player has (active or
/// retired; it stays as it is) is always fine.
fn within_bot_limit(
    conn: &Connection,
    player: &Player,
    name: &str,
    most: u64,
) -> Result<(), ApiError> {
    if player.role != Role::Player {
        return Ok(());
    }
    let exists = conn
        .prepare_cached(BOT_OF_OWNER)?
        .query_row(rusqlite::params![player.id, name], |_| Ok(()))
        .optional()?;
    if exists.is_some() {
        return Ok(());
    }
    check_active_count(
        conn,
        player,
        most,
        "retire one (POST /api/bots/{id}/retire) or upload a new version of an existing bot",
    )
}

/// 403 when `player` has `most` active bots or more; `advice` says what to do.
fn check_active_count(
    conn: &Connection,
    player: &Player,
    most: u64,
    advice: &str,
) -> Result<(), ApiError> {
    let active: i64 = conn
        .prepare_cached(ACTIVE_BOTS_OF_OWNER)?
        .query_row([player.id], |r| r.get(0))?;
    if (active as u64) < most {
        return Ok(());
    }
    let name = &player.name;
    Err(ApiError::Forbidden(format!(
        "{name} has {active} active bots, the most a player may have \
         ([server] bots_per_player = {most}); {advice}"
    )))
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

/// The `module` and `name` fields of an upload form, in any order.
async fn read_fields(
    reader: &BodyReader,
    form: &mut axum::extract::Multipart,
) -> Result<(Bytes, Option<String>), ApiError> {
    let (mut module, mut name) = (None, None);
    while let Some(field) = reader.next_field(form).await? {
        match field.name() {
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
                    check_active_count(conn, &owner, most, &advice)?;
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
