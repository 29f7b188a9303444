//! Files the pages use, served from the binary: the site's stylesheet and
//! the replay viewer of `assets/viewer/` (the same files `lockstep replay
//! html` inlines). Modules are downloaded through the API
//! (`/api/bots/{id}/versions/{v}/module`).

use super::WebError;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

const SITE_CSS: &str = include_str!("site.css");

/// The viewer's page and stylesheet; its scripts are the ones the page
/// loads (`lockstep_sim::replay::viewer_scripts`, read from the page when
/// the engine is built), so a game's renderer is served once the page names
/// it. Its sample data is left out: the page is always given `?src=`.
const PAGE: [(&str, &str, &str); 2] = [
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("../../../assets/viewer/index.html"),
    ),
    (
        "viewer.css",
        "text/css; charset=utf-8",
        include_str!("../../../assets/viewer/viewer.css"),
    ),
];

/// Every file of the viewer: name, type, text.
fn viewer_files() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    let scripts = lockstep_sim::replay::viewer_scripts()
        .iter()
        .map(|&(name, body)| (name, "text/javascript; charset=utf-8", body));
    PAGE.into_iter().chain(scripts)
}

/// A compiled-in file with its type; cached briefly (a new server version
/// may change it).
fn embedded(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(super::CSP),
    );
    response
}

/// `GET /static/{file}`.
pub async fn site_file(Path(file): Path<String>) -> Result<Response, WebError> {
    match file.as_str() {
        "site.css" => Ok(embedded("text/css; charset=utf-8", SITE_CSS)),
        _ => Err(WebError::not_found(format!("no file /static/{file}"))),
    }
}

/// `GET /viewer/{file}`: one of the viewer's files.
pub async fn viewer_file(Path(file): Path<String>) -> Result<Response, WebError> {
    viewer_files()
        .find(|(name, _, _)| *name == file)
        .map(|(_, content_type, body)| embedded(content_type, body))
        .ok_or_else(|| WebError::not_found(format!("no file /viewer/{file}")))
}

/// `GET /viewer/games/{file}`: one of the viewer's game renderers.
pub async fn viewer_game_file(Path(file): Path<String>) -> Result<Response, WebError> {
    viewer_file(Path(format!("games/{file}"))).await
}

/// `GET /viewer`: the viewer's page, where relative links work.
pub async fn viewer_index() -> Redirect {
    Redirect::permanent("/viewer/index.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_viewer_files_are_the_ones_its_page_loads() {
        let index = PAGE[0].2;
        for (name, _, body) in viewer_files().skip(1) {
            assert!(index.contains(&format!("\"{name}\"")), "{name}");
            assert!(!body.is_empty());
        }
        assert!(index.contains("<script src=\"viewer.js\"></script>"));
        // And the other way: every file the page loads is served.
        for part in index
            .split("src=\"")
            .skip(1)
            .chain(index.split("href=\"").skip(1))
        {
            let file = part.split('"').next().unwrap_or_default();
            assert!(
                viewer_files().any(|(name, _, _)| name == file),
                "the page loads {file}, which the server does not serve"
            );
        }
    }
}
