//! `GET`/`PUT /api/admin/settings`: the budgets and limits in force, and an
//! admin's changes to them, which apply to matches scheduled afterwards.
//!
//! The body and the answer use the admin config's own tables and keys
//! (`{"budget": {"tick_fuel": 5000000}}`), checked by the same code with the
//! same ranges (`Settings::parse_over_current`). Changes are kept in the
//! database and laid over the config file's values at every start. Only the
//! per-match keys can change while the server runs; the sandbox's limits
//! (memory, stack, pool, upload limits) configure the engine every match
//! shares, so they are set in the config file.

use crate::app::{AppState, State};
use crate::auth::Admin;
use crate::db;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use lockstep_sim::settings::Settings;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The keys an admin can change while the server runs, as `table.key`.
pub const CHANGEABLE: [&str; 6] = [
    "budget.tick_fuel",
    "budget.init_fuel",
    "budget.bucket_cap",
    "budget.overrun",
    "match.max_ticks",
    "match.max_actions",
];

/// Where changes are said to come from in messages.
const SOURCE: &str = "PUT /api/admin/settings";

/// The settings in force, as the config file set them, the admin's changes
/// and the keys that can change (fields in the order serde_json always
/// wrote them: alphabetical).
#[derive(Serialize, ToSchema)]
pub struct SettingsReport {
    /// The keys that can change while the server runs, as `table.key`.
    changeable: Vec<&'static str>,
    /// The admin's changes in force, by `table.key`.
    #[schema(value_type = Object)]
    changes: Map<String, Value>,
    /// The settings as the config file set them.
    config_file: SettingsTables,
    /// The settings in force.
    settings: SettingsTables,
}

/// Settings in the admin config's tables and keys (docs/limits.md).
#[derive(Serialize, ToSchema)]
pub struct SettingsTables {
    /// `tick_fuel`, `init_fuel`, `bucket_cap`, `overrun`.
    #[schema(value_type = Object)]
    budget: Value,
    /// The sandbox's limits (fixed while the server runs).
    #[schema(value_type = Object)]
    limits: Value,
    /// `max_ticks`, `max_actions`, `threads`.
    #[serde(rename = "match")]
    #[schema(value_type = Object)]
    match_: Value,
    /// The validator's limits on uploads (fixed while the server runs).
    #[schema(value_type = Object)]
    upload: Value,
}

/// `PUT /api/admin/settings`'s body: the keys to change, in the config
/// file's tables (`{"budget": {"tick_fuel": 5000000}}`); each value a
/// number, a string (fuel with a suffix: `"5M"`) or `null` (drop an
/// earlier change).
#[derive(ToSchema)]
#[schema(example = json!({"budget": {"tick_fuel": 5000000}}))]
#[allow(dead_code)]
pub struct SettingsChanges(BTreeMap<String, BTreeMap<String, Value>>);

/// `GET /api/admin/settings` → `{"settings", "config_file", "changes", "changeable"}`.
#[utoipa::path(
    get,
    path = "/api/admin/settings",
    tag = "admin",
    security(("token" = [])),
    responses(
        (status = 200, description = "the settings in force", body = SettingsReport),
        (status = 401, description = "no token, or an unknown one", body = ErrorBody),
        (status = 403, description = "not an admin's token", body = ErrorBody),
    )
)]
pub async fn show_settings(
    AxumState(state): AxumState<State>,
    Admin(_): Admin,
) -> Result<Json<SettingsReport>, ApiError> {
    let changes = state
        .db
        .call(|conn| Ok(db::settings::overrides(conn)?))
        .await?;
    Ok(Json(report(&state, &changes)))
}

/// `PUT /api/admin/settings {"budget": {"tick_fuel": 5000000}}`: sets each
/// key given (`null` drops an earlier change); all or nothing. 400 naming
/// the key for an unknown key, a bad value or a key fixed at start-up.
#[utoipa::path(
    put,
    path = "/api/admin/settings",
    tag = "admin",
    security(("token" = [])),
    request_body(content = SettingsChanges, content_type = "application/json"),
    responses(
        (status = 200, description = "changed: the settings in force since", body = SettingsReport),
        (status = 400, description = "an unknown key, a bad value, a key fixed while the server runs (named)", body = ErrorBody),
        (status = 401, description = "no token, or an unknown one", body = ErrorBody),
        (status = 403, description = "not an admin's token; cross_site", body = ErrorBody),
        (status = 413, description = "a body over 2 MB", body = ErrorBody),
        (status = 415, description = "the body is not sent as application/json", body = ErrorBody),
        (status = 503, description = "storage_unavailable", body = ErrorBody),
        (status = 507, description = "insufficient_storage", body = ErrorBody),
    )
)]
pub async fn change_settings(
    AxumState(state): AxumState<State>,
    Admin(admin): Admin,
    body: Bytes,
) -> Result<Json<SettingsReport>, ApiError> {
    let request: Value = super::parse_json(&body)?;
    let changes = parse_changes(&state.config.settings, &request)?;
    let shared = state.clone();
    let changes = state
        .db
        .call(move |conn| {
            // Under the database's lock: two changes at once apply in turn.
            let mut all: Vec<(String, String)> = db::settings::overrides(conn)?;
            for (key, value) in &changes {
                all.retain(|(k, _)| k != key);
                if let Some(value) = value {
                    all.push((key.clone(), value.clone()));
                }
            }
            let settings = lay_over(&shared.config.settings, &all)
                .map_err(|(key, e)| ApiError::BadRequest(format!("{key}: {e}")))?;
            db::settings::store(conn, admin.id, &changes)?;
            *shared
                .live_settings
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = settings;
            all.sort();
            Ok(all)
        })
        .await?;
    tracing::info!(admin = %admin.name, changes = ?changes, "settings changed");
    Ok(Json(report(&state, &changes)))
}

/// `config` with every stored change laid over it, in key order; the first
/// change that does not apply is returned with its key.
pub fn lay_over(
    config: &Settings,
    changes: &[(String, String)],
) -> Result<Settings, (String, String)> {
    let mut settings = config.clone();
    for (key, value) in changes {
        let (table, name) = key.split_once('.').unwrap_or(("", key));
        settings = settings
            .parse_over_current(SOURCE, &format!("[{table}]\n{name} = {value}\n"))
            .map_err(|e| (key.clone(), e.message))?;
    }
    Ok(settings)
}

/// The stored changes laid over the config file's settings at start-up;
/// a change that no longer applies (the config's ranges changed) is
/// skipped with a warning.
pub fn apply_stored(state: &AppState) -> Result<(), String> {
    let changes = state
        .db
        .blocking(|conn| db::settings::overrides(conn))
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("reading the settings changes: {e}"))?;
    let mut settings = state.config.settings.clone();
    for change in changes {
        match lay_over(&settings, std::slice::from_ref(&change)) {
            Ok(next) => settings = next,
            Err((key, e)) => {
                tracing::warn!(%key, error = %e, "a stored settings change no longer applies; skipped")
            }
        }
    }
    *state
        .live_settings
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = settings;
    Ok(())
}

/// The request's `{table: {key: value}}` as `("table.key", TOML value or
/// None)`, each checked against the settings' rules on its own so that an
/// error names its key.
fn parse_changes(
    config: &Settings,
    request: &Value,
) -> Result<Vec<(String, Option<String>)>, ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let tables = request.as_object().ok_or_else(|| {
        bad(
            "the body must be a JSON object of tables, e.g. {\"budget\": {\"tick_fuel\": 5000000}}"
                .into(),
        )
    })?;
    let mut changes = Vec::new();
    for (table, keys) in tables {
        let keys = keys.as_object().ok_or_else(|| {
            bad(format!(
                "[{table}] must be an object of keys, e.g. {{\"tick_fuel\": 5000000}}"
            ))
        })?;
        for (name, value) in keys {
            let key = format!("{table}.{name}");
            let label = format!("[{table}] {name}");
            let literal = match value {
                Value::Null => None,
                Value::Number(n) => Some(n.to_string()),
                // A JSON string literal is a valid TOML basic string.
                Value::String(_) | Value::Bool(_) => Some(value.to_string()),
                _ => {
                    return Err(bad(format!(
                        "{label}: the value must be a number or a string"
                    )));
                }
            };
            if let Some(literal) = &literal {
                // The same parser, ranges and messages as a config file.
                let fragment = format!("[{table}]\n{name} = {literal}\n");
                if let Err(e) = config.parse_over_current(SOURCE, &fragment) {
                    let message = strip_position(&e.message);
                    return Err(bad(if message.contains(name.as_str()) {
                        message.to_string()
                    } else {
                        format!("{label}: {message}")
                    }));
                }
            } else if !CHANGEABLE.contains(&key.as_str()) {
                return Err(bad(format!(
                    "{label} has no change to drop: changeable here: {}",
                    CHANGEABLE.join(", ")
                )));
            }
            if key == "match.game" {
                return Err(bad(format!(
                    "{label} is fixed: a server hosts one game, which its data folder keeps \
                     (docs/server.md, \"One game per server\"); changeable here: {}",
                    CHANGEABLE.join(", ")
                )));
            }
            if !CHANGEABLE.contains(&key.as_str()) {
                return Err(bad(format!(
                    "{label} is fixed while the server runs (it configures the sandbox every \
                     match shares): set it in the config file and restart; changeable here: {}",
                    CHANGEABLE.join(", ")
                )));
            }
            changes.push((key, literal));
        }
    }
    if changes.is_empty() {
        return Err(bad(
            "no settings given, e.g. {\"budget\": {\"tick_fuel\": 5000000}}".into(),
        ));
    }
    Ok(changes)
}

/// toml's "line 2, column 1: " prefix, meaningless for a one-key fragment.
fn strip_position(message: &str) -> &str {
    match message.split_once(": ") {
        Some((position, rest)) if position.starts_with("line ") => rest,
        _ => message,
    }
}

fn report(state: &AppState, changes: &[(String, String)]) -> SettingsReport {
    let changes: Map<String, Value> = changes
        .iter()
        .map(|(key, value)| {
            let value = toml::from_str::<toml::Table>(&format!("v = {value}"))
                .ok()
                .and_then(|t| serde_json::to_value(&t["v"]).ok())
                .unwrap_or_else(|| Value::String(value.clone()));
            (key.clone(), value)
        })
        .collect();
    SettingsReport {
        changeable: CHANGEABLE.to_vec(),
        changes,
        config_file: settings_json(&state.config.settings),
        settings: settings_json(&state.settings()),
    }
}

/// Settings in the admin config's shape: `{"budget": {...}, "match": {...},
/// "limits": {...}, "upload": {...}}`.
pub fn settings_json(s: &Settings) -> SettingsTables {
    let m = &s.match_config;
    let sb = &s.sandbox;
    let v = &sb.validation;
    SettingsTables {
        budget: json!({
            "tick_fuel": m.tick_fuel,
            "init_fuel": m.init_fuel,
            "bucket_cap": m.bucket_cap,
            "overrun": m.overrun,
        }),
        match_: {
            // The game and its own settings (max_ticks, max_actions for the
            // reference game), beside the engine's.
            let mut table = json!({ "game": m.game, "threads": m.threads });
            if let (Some(table), Some(settings)) = (table.as_object_mut(), m.settings.0.as_object())
            {
                table.extend(settings.clone());
            }
            table
        },
        limits: json!({
            "memory_bytes": sb.memory_limit,
            "table_elements": sb.table_limit,
            "stack_units": sb.stack_units,
            "output_bytes": sb.max_output_bytes,
            "log_lines": sb.max_log_lines,
            "log_line_bytes": sb.max_log_line_bytes,
            "pool_instances": sb.pool_instances,
            "watchdog_ms": sb.watchdog_ms,
        }),
        upload: json!({
            "module_bytes": v.max_module_bytes,
            "code_bytes": v.max_code_bytes,
            "function_body_bytes": v.max_function_body_bytes,
            "functions": v.max_functions,
            "locals_per_function": v.max_locals_per_function,
            "block_local_pairs": v.max_block_local_pairs,
            "globals": v.max_globals,
            "data_segments": v.max_data_segments,
            "element_segments": v.max_element_segments,
            "types": v.max_types,
            "exports": v.max_exports,
        }),
    }
}
