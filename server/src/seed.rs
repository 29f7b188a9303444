//! What a server holds before anyone registers: the admin, and the bundled
//! bots as the house player's. Both run at every start and change nothing
//! the second time.

use crate::app::AppState;
use crate::auth;
use crate::db::bots::{self, NewModule};
use crate::db::players::{self, Player, Role};
use crate::error::ApiError;
use crate::{quota, storage};
use lockstep_sim::bundled::{BUNDLED_BOTS, BundledBot};
use lockstep_sim::sandbox::report::summary_json;
use std::path::Path;

/// The house player's name: it owns the bundled bots.
pub const HOUSE: &str = "house";
/// The name the first admin is created with.
pub const ADMIN: &str = "admin";

/// Makes sure an admin exists. The first start creates player `admin` with
/// role admin and writes its token to `token_file` (mode 0600); with
/// `new_token`, the existing admin gets a new token written there (the old
/// one stops working).
pub fn ensure_admin(state: &AppState, token_file: &Path, new_token: bool) -> Result<(), String> {
    let existing = state
        .db
        .blocking(|conn| players::first_with_role(conn, Role::Admin))
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("reading the players: {e}"))?;
    if existing.is_some() && !new_token {
        if !token_file.exists() {
            tracing::info!(
                "the admin's token file {} is gone; `lockstep-server --new-admin-token` makes a new one",
                token_file.display()
            );
        }
        return Ok(());
    }
    let token = auth::new_token().map_err(|e| e.to_string())?;
    let hash = auth::token_hash(&token);
    if let Some(parent) = token_file.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    // The file first: an admin row whose token was never written would lock
    // the admin out (until --new-admin-token).
    storage::write_atomically(token_file, format!("{token}\n").as_bytes(), Some(0o600)).map_err(
        |e| {
            format!(
                "cannot write the admin token to {}: {e}",
                token_file.display()
            )
        },
    )?;
    let admin: Player = state
        .db
        .blocking(|conn| -> crate::db::sql::Result<Option<Player>> {
            match existing {
                Some(admin) => {
                    players::set_token_hash(conn, admin.id, &hash)?;
                    Ok(Some(admin))
                }
                None => players::create(conn, ADMIN, Role::Admin, &hash),
            }
        })
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("creating the admin: {e}"))?
        .ok_or_else(|| {
            format!("cannot create the admin: a player named '{ADMIN}' exists and is not an admin")
        })?;
    tracing::info!(
        admin = %admin.name,
        "the admin's API token is in {} (mode 0600)",
        token_file.display()
    );
    Ok(())
}

/// The bundled bots of the server's game (hostile ones excepted) as the
/// house player's bots: a bot whose current version is already these bytes
/// is left alone, one whose bytes changed (a new build) gets a new version.
/// A house bot named after a bundled bot of another game (seeded by an
/// earlier build, which seeded them all) is retired: it could only fail.
/// Returns how many versions were added.
pub fn seed_house_bots(state: &AppState) -> Result<usize, String> {
    let db_error = |e: crate::db::sql::Error| format!("seeding the house bots: {e}");
    // A token nobody is ever given: the house cannot be logged in as.
    let unusable = auth::token_hash(&auth::new_token().map_err(|e| e.to_string())?);
    let house = state
        .db
        .blocking(|conn| -> crate::db::sql::Result<Option<Player>> {
            if let Some(house) = players::first_with_role(conn, Role::House)? {
                return Ok(Some(house));
            }
            players::create(conn, HOUSE, Role::House, &unusable)
        })
        .map_err(|e| e.to_string())?
        .map_err(db_error)?
        .ok_or_else(|| format!("a player named '{HOUSE}' exists and is not the house"))?;
    let game = state.config.game.name();
    let (ours, others): (Vec<&BundledBot>, Vec<&BundledBot>) = BUNDLED_BOTS
        .iter()
        .filter(|b| !b.is_hostile())
        .partition(|b| b.game == game);
    for other in others {
        let retired = state
            .db
            .blocking(|conn| -> crate::db::sql::Result<bool> {
                match bots::find(conn, house.id, other.name)? {
                    Some(bot) if bot.active => bots::set_active(conn, bot.id, false),
                    _ => Ok(false),
                }
            })
            .map_err(|e| e.to_string())?
            .map_err(db_error)?;
        if retired {
            tracing::info!(
                bot = other.name,
                plays = other.game,
                "house bot of another game retired"
            );
        }
    }
    let mut added = 0;
    for bundled in ours {
        let hash = blake3::hash(bundled.wasm).to_hex().to_string();
        let current = state
            .db
            .blocking(|conn| bots::find(conn, house.id, bundled.name))
            .map_err(|e| e.to_string())?
            .map_err(db_error)?;
        if current.is_some_and(|bot| bot.module.as_deref() == Some(hash.as_str())) {
            continue;
        }
        let module = match state.sandbox.load(bundled.wasm) {
            Ok(module) => module,
            Err(e) => {
                // Only possible under an admin config stricter than the bots.
                tracing::warn!(bot = bundled.name, error = %e, "a bundled bot is refused by this config; not seeded");
                continue;
            }
        };
        if let Err(e) = storage::put_module(&state.modules_dir, &hash, bundled.wasm) {
            if storage::Fault::of_io(&e).is_none() {
                return Err(format!("storing the bundled bot {}: {e}", bundled.name));
            }
            // A full or failing disk: the server starts anyway, to serve
            // what it has; the next start seeds it.
            tracing::error!(bot = bundled.name, error = %e, "a bundled bot could not be stored; not seeded");
            continue;
        }
        let new = NewModule {
            hash,
            size: bundled.wasm.len(),
            encoding: module.encoding.name().to_string(),
            summary: summary_json(&module).to_string(),
        };
        let (dir, quotas) = (&state.modules_dir, &state.config.quotas);
        let recorded = state
            .db
            .blocking(|conn| {
                quota::record(conn, dir, &house, bundled.name, &new, bundled.wasm, quotas)
            })
            .map_err(|e| e.to_string())?;
        let upload = match recorded {
            Ok(recorded) => recorded.upload,
            Err(e @ (ApiError::InsufficientStorage(_) | ApiError::StorageUnavailable(_))) => {
                tracing::error!(bot = bundled.name, error = %e, "a bundled bot could not be recorded; not seeded");
                continue;
            }
            Err(e) => return Err(format!("seeding the house bots: {e}")),
        };
        if upload.new_version {
            added += 1;
            tracing::info!(
                bot = bundled.name,
                version = upload.version,
                "house bot seeded"
            );
        }
    }
    Ok(added)
}
