//! The upload and registration forms. Both post back to the server, which
//! runs the very code the API runs (`api::bots`, `api::players`), so a bot
//! uploaded through the browser is validated, stored and refused exactly
//! as one sent with `curl`; the page shows the validator's verdict.

use super::WebError;
use super::html::{Nav, Page, count, esc};
use crate::api::players::{self, PeerAddr};
use crate::app::State;
use crate::error::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::{Form, FromRequest, Multipart, Request, State as AxState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use std::fmt::Write;

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

fn upload_page(fields: &UploadFields, verdict: &str) -> Page {
    let body = format!(
        r#"<div class="page-head"><h1>Upload a bot</h1><p class="lede">A WebAssembly module built against ABI v1 (see docs/abi.md). It joins the ladder as soon as it is accepted.</p></div>
{verdict}<div class="layout-2"><form class="card" id="upload" method="post" action="/upload" enctype="multipart/form-data">
<div class="field"><label for="token">API token</label><input type="password" id="token" name="token" required autocomplete="off" spellcheck="false" value="{token}"><div class="hint">The token you got when registering.</div></div>
<div class="field"><label for="name">Bot name</label><input type="text" id="name" name="name" required maxlength="32" spellcheck="false" value="{name}"><div class="hint">3 to 32 characters: a–z, 0–9, <code>-</code> and <code>_</code>, starting with a letter. A new name makes a new bot; one of yours gets a new version.</div></div>
<div class="field"><label for="module">Module (.wasm)</label><input type="file" id="module" name="module" required accept=".wasm,application/wasm"></div>
<button type="submit" id="submit">Upload and validate</button>
</form>{UPLOAD_HELP}</div>"#,
        token = esc(&fields.token),
        name = esc(&fields.name),
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
pub async fn upload_form() -> Response {
    private(upload_page(&UploadFields::default(), ""))
}

/// Room for the form's boundaries, token and name beside the module.
const FORM_SLACK: usize = 64 << 10;

/// `POST /upload` (multipart: `token`, `name`, `module`): the upload, then
/// the form again with the verdict above it. The body is capped at the
/// server's `max_upload_bytes` (plus the form's own few bytes) as it is read.
pub async fn upload(AxState(state): AxState<State>, request: Request) -> Response {
    let mut fields = UploadFields::default();
    let limit = state.config.max_upload_bytes;
    let verdict = match read_form(request, limit + FORM_SLACK, &mut fields).await {
        Ok(module) => upload_verdict(&state, &fields, module).await,
        Err(verdict) => verdict,
    };
    private(upload_page(&fields, &verdict))
}

/// The form's fields into `fields`, and the module's bytes; or a refusal.
async fn read_form(
    request: Request,
    cap: usize,
    fields: &mut UploadFields,
) -> Result<Option<Bytes>, String> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, cap).await.map_err(|_| {
        refusal(
            "Not uploaded",
            &[format!(
                "the module is larger than the {}-byte upload limit",
                cap - FORM_SLACK
            )],
        )
    })?;
    let unreadable =
        |e: &dyn std::fmt::Display| refusal("The form could not be read", &[e.to_string()]);
    let request = Request::from_parts(parts, Body::from(bytes));
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| unreadable(&e.body_text()))?;
    let mut module = None;
    while let Some(field) = form.next_field().await.map_err(|e| unreadable(&e))? {
        let name = field.name().map(str::to_string);
        match name.as_deref() {
            Some("token") => fields.token = field.text().await.map_err(|e| unreadable(&e))?,
            Some("name") => fields.name = field.text().await.map_err(|e| unreadable(&e))?,
            Some("module") => module = Some(field.bytes().await.map_err(|e| unreadable(&e))?),
            _ => {}
        }
    }
    fields.token = fields.token.trim().to_string();
    fields.name = fields.name.trim().to_string();
    Ok(module)
}

/// Checks that the form is complete, then uploads: the verdict as HTML.
async fn upload_verdict(state: &State, fields: &UploadFields, module: Option<Bytes>) -> String {
    if fields.token.is_empty() {
        return refusal(
            "No token",
            &["enter the API token you got when registering".into()],
        );
    }
    if fields.name.is_empty() {
        return refusal("No bot name", &["enter a name for the bot".into()]);
    }
    let Some(bytes) = module.filter(|m| !m.is_empty()) else {
        return refusal("No file", &["choose a .wasm file to upload".into()]);
    };
    match super::backend::upload(state, &fields.token, &fields.name, bytes).await {
        Ok(accepted) => accepted_html(&accepted),
        Err(e) => error_verdict(e),
    }
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
<p>It joins the ladder now: <a href="/bots/{id}">see {bot}'s page</a> for its matches and rating.</p></section>"#,
        bot = esc(&a.bot),
        full_hash = esc(&a.hash),
        size = number(&s["size"]),
        encoding = esc(s["encoding"].as_str().unwrap_or("?")),
        code = number(&s["code_bytes"]),
        functions = number(&s["functions"]),
        exports = esc(&exports),
        id = a.bot_id,
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
