//! `GET /api/game`: the game this server hosts (one per server, its config's
//! `[match] game`): what a bot uploaded here must play.

use crate::app::State;
use axum::Json;
use axum::extract::State as AxumState;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The game every match of this server plays (fields in the order
/// serde_json always wrote them: alphabetical).
#[derive(Serialize, ToSchema)]
pub struct GameInfo {
    /// The game's bundled maps, which challenges and `ladder_maps` may name.
    bundled_maps: Vec<&'static str>,
    /// The maps it generates, in words (`random:WxH ...`); empty if none.
    generated_maps: String,
    /// The maps ladder matches are drawn from (`[server] ladder_maps`).
    ladder_maps: Vec<String>,
    /// Its registry name (`[match] game`, `lockstep games`).
    name: &'static str,
    /// Its rules' version, as replays record it.
    rules_version: u32,
    /// How many bots a match seats (a challenge's `bots`); ladder matches
    /// seat 2.
    seats: Seats,
    /// The game's settings in force (its tick limit, its rules' numbers),
    /// every default filled in.
    #[schema(value_type = Object)]
    settings: Value,
    /// One line about it.
    title: &'static str,
}

/// The fewest and most bots a match seats.
#[derive(Serialize, ToSchema)]
pub struct Seats {
    max: usize,
    min: usize,
}

/// `GET /api/game`: the hosted game.
#[utoipa::path(
    get,
    path = "/api/game",
    tag = "meta",
    responses(
        (status = 200, description = "the game this server's matches play", body = GameInfo),
    )
)]
pub async fn show(AxumState(state): AxumState<State>) -> Json<GameInfo> {
    let game = state.config.game;
    let def = game.def();
    let (min, max) = game.seats();
    Json(GameInfo {
        bundled_maps: def.bundled_maps(),
        generated_maps: game.generated_maps(),
        ladder_maps: state.config.ladder_maps.clone(),
        name: def.name(),
        rules_version: def.rules_version(),
        seats: Seats { max, min },
        settings: state.settings().match_config.settings.0,
        title: def.title(),
    })
}
