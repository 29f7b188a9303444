//! The upload and registration forms. Both post back to the server, which
//! runs the very code the API runs (`api::bots`, `api::players`), so a bot
//! uploaded through the browser is validated, stored and refused exactly
//! as one sent with `curl`; the page shows the validator's verdict.
//!
//! The upload form's token and name are checked before its module is read,
//! so that no one without a valid token gets a module read, let alone one of
//! the server's few upload slots (`api::upload_slot`).

use super::WebError;
use super::html::{Nav, Page, count, esc, game_named};
use crate::api::bot_upload::{as_script, script_language};
use crate::api::players::{self, PeerAddr};
use crate::api::{BodyReader, FORM_SLACK, duplicate_part, upload_slot};
use crate::app::State;
use crate::db::players::Player;
use crate::error::ApiError;
use crate::game::HostedGame;
use axum::body::Bytes;
use axum::extract::{Form, Multipart, Request, State as AxState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use std::fmt::Write;
use tokio::sync::SemaphorePermit;

/// The help beside the upload form.
const UPLOAD_HELP: &str = r#"<aside class="card">
<h2>Before you upload</h2>
<p>Check the module locally: the server runs the same validator.</p>
<pre>lockstep check my_bot.wasm</pre>
<p>No token yet? <a href="/register">Register a player</a>; the token is shown once.</p>
<p>Uploading again under the same name adds a new version; the ladder plays the newest.</p>
<h3>With the API</h3>
<pre>curl -H "Authorization: Bearer $TOKEN" \
  -F module=@my_bot.wasm \
  http://HOST/api/bots/my-bot</pre>
</aside>"#;

/// What the upload form is filled with when shown again.
#[derive(Default)]
struct UploadFields {
    token: String,
    name: String,
}

fn upload_page(game: HostedGame, fields: &UploadFields, verdict: &str) -> Page {
    let body = format!(
        r#"<div class="page-head"><h1>Upload a bot</h1><p class="lede">A WebAssembly module built against ABI v1 (see docs/abi.md), or a JavaScript or Python bot's source file (<code>.js</code>, <code>.py</code>: see docs/languages/). It joins the ladder as soon as it is accepted.</p><p class="lede" id="game">This server plays {game}: its ladder pairs your bot with bots of that game, and a bot written for another game fails its init in every match.</p></div>
{verdict}<div class="layout-2"><form class="card" id="upload" method="post" action="/upload" enctype="multipart/form-data">
<div class="field"><label for="token">API token</label><input type="password" id="token" name="token" required autocomplete="off" spellcheck="false" value="{token}"><div class="hint">The token you got when registering.</div></div>
<div class="field"><label for="name">Bot name</label><input type="text" id="name" name="name" required maxlength="32" spellcheck="false" value="{name}"><div class="hint">3 to 32 characters: a–z, 0–9, <code>-</code> and <code>_</code>, starting with a letter. A new name makes a new bot; one of yours gets a new version.</div></div>
<div class="field"><label for="module">Module (.wasm), or a JavaScript (.js) or Python (.py) script</label><input type="file" id="module" name="module" required accept=".wasm,.js,.py,application/wasm,text/javascript,text/x-python"></div>
<button type="submit" id="submit">Upload and validate</button>
</form>{UPLOAD_HELP}</div>"#,
        token = esc(&fields.token),
        name = esc(&fields.name),
        game = game_named(game),
    );
    Page::new("Upload a bot", Nav::Upload, body)
}

/// A page that must not be stored by the browser or a proxy (it may hold a
/// token).
fn private(page: Page) -> Response {
    let mut response = page.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /upload`.
pub async fn upload_form(AxState(state): AxState<State>) -> Response {
    private(upload_page(state.config.game, &UploadFields::default(), ""))
}

/// `POST /upload` (multipart: `token`, `name`, `module`, in the form's
/// order): the upload, then the form again with the verdict above it.
///
/// The token and the name are read and checked first; a form without a
/// valid token, a good name or room for one more bot is refused before its
/// module is read (what is left of the body is read and dropped, so that
/// the browser sees the page). The module is read in an upload slot, under
/// the API's cap and deadline. The page answers 200 whatever the verdict,
/// but 503 (with `Retry-After`) when every upload slot stays taken and 408
/// when the body is too slow to arrive.
pub async fn upload(AxState(state): AxState<State>, request: Request) -> Response {
    let mut fields = UploadFields::default();
    let (verdict, status, retry_after) = match receive(&state, request, &mut fields).await {
        Ok(accepted) => (accepted_html(&accepted), StatusCode::OK, None),
        Err(Refusal::Missing(heading, problem)) => {
            (refusal(heading, &[problem.into()]), StatusCode::OK, None)
        }
        Err(Refusal::Error(e)) => {
            let (status, retry_after) = match &e {
                ApiError::Timeout(_) => (StatusCode::REQUEST_TIMEOUT, None),
                ApiError::Busy { retry_after, .. } => {
                    (StatusCode::SERVICE_UNAVAILABLE, *retry_after)
                }
                _ => (StatusCode::OK, None),
            };
            (error_verdict(e), status, retry_after)
        }
    };
    let mut response = private(upload_page(state.config.game, &fields, &verdict));
    *response.status_mut() = status;
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Why the form's upload was not stored.
enum Refusal {
    /// A field left empty: the verdict's heading and what to do.
    Missing(&'static str, &'static str),
    /// What the API would have answered.
    Error(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Refusal {
        Refusal::Error(e)
    }
}

/// Reads the form into `fields` and uploads its module.
async fn receive(
    state: &State,
    request: Request,
    fields: &mut UploadFields,
) -> Result<Accepted, Refusal> {
    let (parts, body) = request.into_parts();
    let cap = state.config.max_upload_bytes + FORM_SLACK;
    let (reader, body) = BodyReader::new(state, body, cap);
    // Until the token is checked, no more than the fields before the module.
    reader.hold_at(FORM_SLACK);
    let mut form = reader.form(parts, body).await?;
    let read = read_form(state, &reader, &mut form, fields).await;
    if read.is_err() {
        reader.drain(&mut form).await;
    }
    let (player, module, _slot) = read?;
    drop(form);
    Ok(super::backend::upload(state, &player, &fields.name, module).await?)
}

/// The token and name into `fields`, then (if they pass) the module, read in
/// an upload slot: the player, the module and the slot.
async fn read_form<'s>(
    state: &'s State,
    reader: &BodyReader,
    form: &mut Multipart,
    fields: &mut UploadFields,
) -> Result<(Player, Bytes, SemaphorePermit<'s>), Refusal> {
    let mut seen = (false, false);
    while let Some(field) = reader.unless_held(reader.next_field(form)).await? {
        match field.name() {
            Some(part @ "token") | Some(part @ "name")
                if (part == "token" && seen.0) || (part == "name" && seen.1) =>
            {
                return Err(duplicate_part(part).into());
            }
            Some("token") => {
                seen.0 = true;
                fields.token = reader.unless_held(reader.text(field)).await?;
            }
            Some("name") => {
                seen.1 = true;
                fields.name = reader.unless_held(reader.text(field)).await?;
            }
            Some("module") => {
                let player = check_fields(state, fields).await?;
                let slot = upload_slot(state).await?;
                reader.release();
                let language = script_language(field.file_name(), field.content_type());
                let module = as_script(reader.file(field).await?, language);
                reader.no_second_module(form).await?;
                if module.is_empty() {
                    return Err(NO_FILE);
                }
                return Ok((player, module, slot));
            }
            _ => {}
        }
    }
    check_fields(state, fields).await?;
    Err(NO_FILE)
}

const NO_FILE: Refusal = Refusal::Missing("No file", "choose a .wasm, .js or .py file to upload");

/// The form's token and name, checked as the API checks them before it
/// reads a body: the token's player.
async fn check_fields(state: &State, fields: &UploadFields) -> Result<Player, Refusal> {
    if fields.token.is_empty() {
        return Err(Refusal::Missing(
            "No token",
            "enter the API token you got when registering",
        ));
    }
    if fields.name.is_empty() {
        return Err(Refusal::Missing("No bot name", "enter a name for the bot"));
    }
    let player = super::backend::player(state, &fields.token).await?;
    super::backend::check_upload(state, &player, &fields.name).await?;
    Ok(player)
}

/// A stored upload, as the page reports it.
#[derive(Clone, Debug)]
pub struct Accepted {
    pub bot_id: i64,
    pub bot: String,
    pub version: i64,
    pub hash: String,
    /// `lockstep check --json`'s summary of the module.
    pub summary: Value,
    /// False when the module is the bot's current version already.
    pub new_version: bool,
    /// The game the server plays (its registry name).
    pub game: &'static str,
}

fn accepted_html(a: &Accepted) -> String {
    let s = &a.summary;
    let number = |v: &Value| v.as_u64().map(count).unwrap_or_else(|| "–".into());
    let memory = match (&s["memory"]["initial_pages"], &s["memory"]["maximum_pages"]) {
        (initial, Value::Null) => format!("{} pages initial, no maximum", number(initial)),
        (initial, max) => format!("{} pages initial, maximum {}", number(initial), number(max)),
    };
    let exports = s["exports"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| e["name"].as_str().or(e.as_str()).unwrap_or("?").to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let heading = if a.new_version {
        format!("Accepted: {} v{}", esc(&a.bot), a.version)
    } else {
        format!(
            "Accepted: the same module as {} v{}, no new version",
            esc(&a.bot),
            a.version
        )
    };
    format!(
        r#"<section class="card verdict ok" id="verdict" data-verdict="accepted"><h2>{heading}</h2>
<dl class="kv"><dt>Module hash</dt><dd id="module-hash">{full_hash}</dd>
<dt>Size</dt><dd>{size} bytes</dd><dt>Encoding</dt><dd>{encoding}</dd>
<dt>Code</dt><dd>{code} bytes in {functions} functions</dd><dt>Memory</dt><dd>{memory}</dd>
<dt>Exports</dt><dd>{exports}</dd></dl>
<p>It joins the {game} ladder now: <a href="/bots/{id}">see {bot}'s page</a> for its matches and rating.</p></section>"#,
        bot = esc(&a.bot),
        full_hash = esc(&a.hash),
        size = number(&s["size"]),
        encoding = esc(s["encoding"].as_str().unwrap_or("?")),
        code = number(&s["code_bytes"]),
        functions = number(&s["functions"]),
        exports = esc(&exports),
        id = a.bot_id,
        game = esc(a.game),
    )
}

/// A refusal with its reasons, each shown verbatim (escaped).
fn refusal(heading: &str, problems: &[String]) -> String {
    let mut out = format!(
        r#"<section class="card verdict bad" id="verdict" data-verdict="refused"><h2>{}</h2><ul class="problems">"#,
        esc(heading)
    );
    for problem in problems {
        let _ = write!(out, "<li>{}</li>", esc(problem));
    }
    out.push_str("</ul></section>");
    out
}

/// Any error of the upload: the validator's problems one per line, or the
/// API's message (a bad token, a bad name).
fn error_verdict(e: ApiError) -> String {
    match e {
        ApiError::Refused { message, problems } => {
            let lines: Vec<String> = problems
                .as_array()
                .map(|list| {
                    list.iter()
                        .map(|p| match p["message"].as_str() {
                            Some(m) => m.to_string(),
                            None => p.to_string(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            refusal(&capitalised(&message), &lines)
        }
        ApiError::Internal(detail) => {
            tracing::error!(%detail, "internal error in an upload from the web form");
            refusal(
                "Something went wrong on our side",
                &["it has been logged; try again later".into()],
            )
        }
        other => refusal("Not uploaded", &[other.to_string()]),
    }
}

/// `text` with its first letter in upper case.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Deserialize)]
pub struct RegisterForm {
    name: String,
}

fn register_page(name: &str, verdict: &str) -> Page {
    let body = format!(
        r#"<div class="page-head"><h1>Register</h1><p class="lede">A player owns bots. Registering gives you an API token: the upload form and the API both need it.</p></div>
{verdict}<form class="card narrow" id="register" method="post" action="/register">
<div class="field"><label for="name">Player name</label><input type="text" id="name" name="name" required maxlength="32" spellcheck="false" value="{name}"><div class="hint">3 to 32 characters: a–z, 0–9, <code>-</code> and <code>_</code>. Shown on the leaderboard.</div></div>
<button type="submit">Register</button></form>"#,
        name = esc(name),
    );
    Page::new("Register", Nav::Register, body)
}

/// `GET /register`.
pub async fn register_form() -> Response {
    private(register_page("", ""))
}

/// `POST /register` (form: `name`): the new player's token, shown once.
/// Refusals are shown above the form: a bad or taken name (200), or too
/// many new players from this address (429, with `Retry-After`, as the API
/// answers: the same allowance counts both).
pub async fn register(
    AxState(state): AxState<State>,
    PeerAddr(peer): PeerAddr,
    Form(form): Form<RegisterForm>,
) -> Result<Response, WebError> {
    let name = form.name.trim().to_string();
    let registered =
        players::within_allowance(&state, peer, super::backend::register(&state, &name)).await;
    match registered {
        Ok(token) => {
            let body = format!(
                r#"<div class="page-head"><h1>Welcome, {name}</h1></div>
<section class="card verdict ok" id="verdict" data-verdict="registered"><h2>Your API token</h2>
<p>Copy it now: it is shown only this once, and only its hash is stored.</p>
<code class="token" id="token">{token}</code>
<p><a class="button" href="/upload">Upload a bot</a></p></section>"#,
                name = esc(&name),
                token = esc(&token),
            );
            Ok(private(Page::new("Registered", Nav::Register, body)))
        }
        Err(ApiError::Internal(detail)) => Err(WebError(ApiError::Internal(detail))),
        Err(ApiError::TooManyRequests {
            message,
            retry_after,
        }) => {
            let verdict = refusal("Not registered: too many new players", &[message]);
            let mut response = private(register_page(&name, &verdict));
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            Ok(response)
        }
        Err(e) => Ok(private(register_page(
            &name,
            &refusal("Not registered", &[e.to_string()]),
        ))),
    }
}
