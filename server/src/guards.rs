//! What every write must pass before its handler runs: it comes from this
//! server's own pages or from a client that is not a browser
//! ([`same_origin`], on every route), and a JSON endpoint's body says it is
//! JSON ([`json_bodies`], on the API's routes).
//!
//! **Why a same-origin rule, and not CSRF tokens.** Nothing here rides on
//! ambient credentials: there are no cookies, the API's token travels in an
//! `Authorization` header (which a page of another site cannot add without
//! a CORS preflight, which this server never grants), and the upload form's
//! token is typed in. What a page of another site *can* make a visitor's
//! browser send without asking is a form post or a "simple" request
//! (`text/plain`, `application/x-www-form-urlencoded`,
//! `multipart/form-data`): to register players from the visitor's address
//! (each address has its own registration allowance) or to post an upload
//! form with a token the attacker owns. Browsers say where such a request
//! comes from: `Sec-Fetch-Site` (every current browser, over HTTPS and on
//! loopback) and `Origin` (on every cross-origin POST). A token in each form
//! would need the server to keep or sign state for pages that hold none;
//! these headers need nothing, and scripts and `curl`, which send neither,
//! are not affected.
//!
//! The rule, for every method but `GET`, `HEAD`, `OPTIONS` and `TRACE`:
//!
//! 1. `Sec-Fetch-Site: same-origin` or `none` (the user's own action):
//!    allowed; `same-site` or `cross-site`: refused.
//! 2. Without it, an `Origin` header: allowed only when its host and port
//!    are the request's `Host` (or `X-Forwarded-Host`, set by a reverse
//!    proxy that rewrites `Host`; a page cannot set it on a form post, nor
//!    on a script's request without a preflight); `Origin: null` (a
//!    sandboxed frame, a `data:` page) is refused. The scheme is not
//!    compared: behind a TLS-terminating proxy the server itself sees plain
//!    HTTP.
//! 3. Neither header: allowed (not a browser's cross-site request).
//!
//! A refusal is a 403: the API's error shape with code `cross_site` under
//! `/api`, an HTML error page elsewhere.

use crate::error::ApiError;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The same-origin rule of the module's documentation, for every route.
pub async fn same_origin(request: Request, next: Next) -> Response {
    if request.method().is_safe() {
        return next.run(request).await;
    }
    let Some(why) = cross_site(request.headers()) else {
        return next.run(request).await;
    };
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    tracing::info!(%method, %path, %why, "a cross-site write refused");
    if path == "/api" || path.starts_with("/api/") {
        ApiError::CrossSite(format!(
            "{method} {path} was refused: it was sent by a page of another site ({why}), \
             as browsers send forms without asking; API clients send no Origin or \
             Sec-Fetch-Site header, and this server's pages post from its own origin"
        ))
        .into_response()
    } else {
        crate::web::html::error_page(
            StatusCode::FORBIDDEN,
            &format!(
                "This form was sent from a page of another site ({why}), so nothing was done: \
                 a page elsewhere may not register players or upload bots through your \
                 browser. Open the form on this server and send it from there."
            ),
        )
        .into_response()
    }
}

/// Why a write is a browser's request from a page of another origin, or
/// `None` when it is not (rules 1 to 3 of the module's documentation).
fn cross_site(headers: &HeaderMap) -> Option<String> {
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" | b"none" => None,
            _ => Some(format!(
                "Sec-Fetch-Site: {}",
                String::from_utf8_lossy(site.as_bytes())
            )),
        };
    }
    let origin = headers.get(header::ORIGIN)?;
    let Ok(origin) = origin.to_str() else {
        return Some("an Origin header that is not text".to_string());
    };
    let Some(origin_host) = origin
        .split_once("://")
        .map(|(_, rest)| host_port(rest.trim_end_matches('/')))
    else {
        return Some(format!("Origin: {origin}"));
    };
    let forwarded = headers
        .get("x-forwarded-host")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let ours = [host, forwarded]
        .into_iter()
        .flatten()
        .any(|h| host_port(h.trim()) == origin_host);
    if ours {
        None
    } else {
        let host = host.unwrap_or("no Host header");
        Some(format!("Origin: {origin}, while this server is {host}"))
    }
}

/// A `host[:port]` lowercased, without the default ports 80 and 443.
fn host_port(text: &str) -> String {
    let text = text.to_ascii_lowercase();
    text.strip_suffix(":80")
        .or_else(|| text.strip_suffix(":443"))
        .unwrap_or(&text)
        .to_string()
}

/// Whether `POST path` is an upload, whose body is a module, raw or in a
/// multipart form, not JSON: `POST /api/bots` and `POST /api/bots/{bot}`
/// (`api::bots::upload_form`, `upload`).
fn module_body(path: &str) -> bool {
    path == "/api/bots"
        || path
            .strip_prefix("/api/bots/")
            .is_some_and(|bot| !bot.is_empty() && !bot.contains('/'))
}

/// On the API's routes (a `route_layer`, so that an unknown path is still
/// a 404): a request that has a body, or says what its body is, must say
/// `Content-Type: application/json`, else 415 with the API's error shape.
/// Uploads excepted ([`module_body`]), and a request with neither a body
/// nor a Content-Type (`POST /api/bots/{id}/retire`) passes.
///
/// Besides the clear message for a client that forgot the header (curl's
/// `-d` says `application/x-www-form-urlencoded`), this shuts out the
/// requests that a page of another site could have a browser send without
/// a preflight: their types are `text/plain`, forms and multipart.
pub async fn json_bodies(request: Request, next: Next) -> Response {
    if request.method() == Method::POST && module_body(request.uri().path()) {
        return next.run(request).await;
    }
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let refused = match body_kind(request.headers()) {
        Kind::Json | Kind::None => return next.run(request).await,
        Kind::Other(given) => not_json(&method, &path, &given),
        // A chunked body without a type (some clients send an empty one
        // for a POST without data): empty passes, anything else does not.
        Kind::Untyped => {
            let (parts, body) = request.into_parts();
            match axum::body::to_bytes(body, UNTYPED_BODY_BYTES).await {
                Ok(bytes) if bytes.is_empty() => {
                    return next.run(Request::from_parts(parts, bytes.into())).await;
                }
                _ => not_json(&method, &path, "none"),
            }
        }
    };
    refused.into_response()
}

/// How much of a body without a Content-Type is read to see whether it is
/// empty: past it, it is not.
const UNTYPED_BODY_BYTES: usize = 64 << 10;

/// What a request's headers say of its body.
#[derive(Debug, PartialEq)]
enum Kind {
    /// `Content-Type: application/json`.
    Json,
    /// Another Content-Type, as given.
    Other(String),
    /// No Content-Type and a non-zero Content-Length: a body of no type.
    Untyped,
    /// No Content-Type and no body (no length, or 0).
    None,
}

fn body_kind(headers: &HeaderMap) -> Kind {
    if let Some(value) = headers.get(header::CONTENT_TYPE) {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        return if is_json(&value) {
            Kind::Json
        } else {
            Kind::Other(format!("`{value}`"))
        };
    }
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .map(|n| n.trim() != "0");
    match length {
        Some(true) => Kind::Untyped,
        Some(false) => Kind::None,
        None if headers.contains_key(header::TRANSFER_ENCODING) => Kind::Untyped,
        None => Kind::None,
    }
}

/// The 415 of a body not declared JSON (`given`: its Content-Type, quoted,
/// or `none`).
fn not_json(method: &Method, path: &str, given: &str) -> ApiError {
    ApiError::UnsupportedMediaType(format!(
        "{method} {path} takes a JSON body, sent with `Content-Type: application/json` \
         (this request's Content-Type: {given}); with curl: -H 'Content-Type: \
         application/json' -d '{{...}}'"
    ))
}

/// `application/json`, in any case, with parameters (`; charset=utf-8`).
fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn a_browsers_own_pages_and_other_clients_pass() {
        for ok in [
            &[][..],
            &[("sec-fetch-site", "same-origin")],
            &[("sec-fetch-site", "none")],
            &[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080"),
            ],
            &[
                ("host", "Lockstep.Example"),
                ("origin", "https://lockstep.example"),
            ],
            &[
                ("host", "lockstep.example"),
                ("origin", "https://lockstep.example:443"),
            ],
            // Behind a proxy that rewrote Host.
            &[
                ("host", "127.0.0.1:8080"),
                ("x-forwarded-host", "lockstep.example"),
                ("origin", "https://lockstep.example"),
            ],
            // Sec-Fetch-Site decides when present.
            &[
                ("sec-fetch-site", "same-origin"),
                ("host", "127.0.0.1:8080"),
                ("origin", "https://lockstep.example"),
            ],
        ] {
            assert_eq!(cross_site(&headers(ok)), None, "{ok:?}");
        }
    }

    #[test]
    fn pages_of_other_sites_are_named() {
        for (bad, why) in [
            (
                &[("sec-fetch-site", "cross-site")][..],
                "Sec-Fetch-Site: cross-site",
            ),
            (
                &[("sec-fetch-site", "same-site")],
                "Sec-Fetch-Site: same-site",
            ),
            (
                &[
                    ("host", "127.0.0.1:8080"),
                    ("origin", "http://evil.example"),
                ],
                "Origin: http://evil.example, while this server is 127.0.0.1:8080",
            ),
            (
                &[
                    ("host", "127.0.0.1:8080"),
                    ("origin", "http://127.0.0.1:9090"),
                ],
                "Origin: http://127.0.0.1:9090, while this server is 127.0.0.1:8080",
            ),
            (
                &[("host", "127.0.0.1:8080"), ("origin", "null")],
                "Origin: null",
            ),
        ] {
            assert_eq!(cross_site(&headers(bad)).as_deref(), Some(why), "{bad:?}");
        }
    }

    #[test]
    fn uploads_are_not_json() {
        for path in ["/api/bots", "/api/bots/my-bot", "/api/bots/12"] {
            assert!(module_body(path), "{path}");
        }
        for path in [
            "/api/bots/",
            "/api/bots/12/retire",
            "/api/players",
            "/api/botsx",
        ] {
            assert!(!module_body(path), "{path}");
        }
    }

    #[test]
    fn json_bodies_must_say_so() {
        let kind = |pairs: &[(&'static str, &'static str)]| body_kind(&headers(pairs));
        assert_eq!(kind(&[("content-type", "application/json")]), Kind::Json);
        assert_eq!(
            kind(&[("content-type", "Application/JSON; charset=utf-8")]),
            Kind::Json
        );
        assert_eq!(
            kind(&[]),
            Kind::None,
            "no body, no type: the handler decides"
        );
        assert_eq!(kind(&[("content-length", "0")]), Kind::None);
        assert_eq!(kind(&[("content-length", "12")]), Kind::Untyped);
        assert_eq!(kind(&[("transfer-encoding", "chunked")]), Kind::Untyped);
        for other in ["text/plain", "application/jsonp", "multipart/form-data"] {
            let pairs = [("content-type", other)];
            assert_eq!(kind(&pairs), Kind::Other(format!("`{other}`")));
        }
        assert_eq!(
            not_json(&Method::POST, "/api/players", "`text/plain`").to_string(),
            "POST /api/players takes a JSON body, sent with `Content-Type: application/json` \
             (this request's Content-Type: `text/plain`); with curl: -H 'Content-Type: \
             application/json' -d '{...}'"
        );
    }
}
