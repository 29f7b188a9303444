//! The API's OpenAPI 3.1 document, derived from the handlers' own types
//! (`utoipa`: each handler's `#[utoipa::path]`, each answer's `ToSchema`)
//! and served at `GET /api/openapi.json`.
//!
//! It cannot drift from docs/api.md unnoticed: `tests/openapi/` fetches
//! it from a running server and checks that both list the same routes and
//! that every JSON example of docs/api.md (requests and answers) is valid
//! against its route's schemas; `scripts/schemathesis` checks the server's
//! answers against it.

use crate::error::{ErrorBody, ErrorDetail, Problem};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{admin, bot_upload, bots, game, matches, players, replays, versions};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lockstep game server API",
        description = "The JSON API of lockstep-server (docs/api.md). Every 4xx and 5xx \
            answer has one shape: `ErrorBody`.",
        license(name = "see the repository"),
    ),
    paths(
        players::register,
        players::show,
        players::me,
        bots::list,
        bot_upload::upload_form,
        bots::show,
        bot_upload::upload,
        versions::download,
        versions::delete,
        bots::retire,
        bots::activate,
        versions::module_by_hash,
        bots::leaderboard,
        game::show,
        admin::show_settings,
        admin::change_settings,
        matches::challenge,
        matches::list,
        matches::one,
        replays::replay,
        replays::viewer,
        document,
    ),
    components(schemas(ErrorBody, ErrorDetail, Problem)),
    modifiers(&BearerToken),
    tags(
        (name = "players", description = "registration and profiles"),
        (name = "bots", description = "uploads, bots and the leaderboard"),
        (name = "versions", description = "module downloads and deleting versions"),
        (name = "matches", description = "challenges, matches, replays"),
        (name = "admin", description = "the admin's settings"),
        (name = "meta", description = "the hosted game, and this document"),
    )
)]
pub struct ApiDoc;

/// The `token` security scheme: `Authorization: Bearer <token>`.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The document, serialized once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes")
});

/// `GET /api/openapi.json`: this server's OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses(
        (status = 200, description = "this document (OpenAPI 3.1)", content_type = "application/json", body = Object),
    )
)]
pub async fn document() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
        .into_response()
}

/// Bytes: an uploaded module, a module download, a replay file.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct Binary(Vec<u8>);
