//! Storage quotas (docs/server.md, "Storage quotas and a full disk"): what
//! one player may keep on the server's disk, and what uploads do when the
//! disk is full.
//!
//! - `bots_per_player`: active bots (403), checked before a body is read
//!   and again in the transaction that records the bot.
//! - `bytes_per_player`: the bytes of the modules a player's kept versions
//!   use, each module once (`db::quota::stored`). An upload that adds a
//!   module past it is refused with 409 `quota_exceeded`: before its body
//!   is read (by its declared length, as if the body were a module the
//!   player does not store yet), before it is validated or written (by its
//!   hash and size: [`check_upload`], the recording transaction run and
//!   rolled back), and in the transaction that records it ([`record`]),
//!   so that two uploads at once cannot both slip past it. `house` and
//!   admins have no limit.
//! - `versions_per_bot`: every recording transaction prunes the player's
//!   versions that no rule keeps any more (`db::quota::prune`); the files
//!   of the modules that no kept version uses are deleted right after the
//!   commit, while the database connection is still held (see
//!   `storage.rs` for why that is safe).
//! - `disk_reserve_bytes`: an upload that would leave less free on the
//!   data folder's file system is refused with 507 before it is written
//!   ([`check_disk`]).
//!
//! A write that fails for the disk's sake is 507 (out of space) or 503
//! (failing) with the API's error shape, never a 500: [`write_error`] for
//! files, `ApiError::from(crate::db::sql::Error)` for the database.

use crate::config::Quotas;
use crate::db::bots::{self, NewModule, Upload};
use crate::db::players::{Player, Role};
use crate::db::quota::{self as q, Pruned, Stored};
use crate::db::sql::{Connection, OptionalExtension, TransactionBehavior};
use crate::error::ApiError;
use crate::storage::{self, Fault};
use std::path::Path;

/// Whether `player` is held to `bytes_per_player` (house and admins are not).
pub fn counts_bytes(player: &Player) -> bool {
    player.role == Role::Player
}

/// 403 when uploading bot `name` would give `player` one active bot too
/// many: a new bot of a player (house and admins have no limit) with `most`
/// active bots already. A new version of a bot the player has (active or
/// retired; it stays as it is) is always fine.
pub fn within_bot_limit(
    conn: &Connection,
    player: &Player,
    name: &str,
    most: u64,
) -> Result<(), ApiError> {
    if player.role != Role::Player {
        return Ok(());
    }
    let exists = conn
        .prepare_cached(q::BOT_OF_OWNER)?
        .query_row(crate::db::sql::params![player.id, name], |_| Ok(()))
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
pub fn check_active_count(
    conn: &Connection,
    player: &Player,
    most: u64,
    advice: &str,
) -> Result<(), ApiError> {
    let active: i64 = conn
        .prepare_cached(q::ACTIVE_BOTS_OF_OWNER)?
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

/// The hash [`check_upload`] gives a module not read yet: never a module's.
const UNREAD: &str = "(not read yet)";

/// What recording an upload did, and what its player stores since.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub upload: Upload,
    pub stored: Stored,
}

/// 409 when an upload of `size` bytes (with `hash`, or not read yet) as
/// `player`'s bot `name` would take them past `bytes_per_player`: the
/// recording transaction run with the module's row as a stand-in, checked,
/// and rolled back. Nothing is read from the body or written to the disk.
pub fn check_upload(
    conn: &mut Connection,
    player: &Player,
    name: &str,
    hash: Option<&str>,
    size: u64,
    quotas: &Quotas,
) -> Result<(), ApiError> {
    if !counts_bytes(player) {
        return Ok(());
    }
    let stand_in = NewModule {
        hash: hash.unwrap_or(UNREAD).to_string(),
        size: usize::try_from(size).unwrap_or(usize::MAX),
        encoding: String::new(),
        summary: "{}".to_string(),
    };
    let tx = conn.transaction()?;
    decide(&tx, player, name, &stand_in, quotas, crate::db::now_ms()).map(drop)
    // Dropped: rolled back.
}

/// Records an upload whose module file was written, in one transaction that
/// also prunes the player's old versions and checks their quota again (409,
/// rolled back); then deletes the files of the modules no kept version uses
/// any more. The file of `module` is written again first if it went since
/// (see `storage.rs`), and deleted if the upload is refused and no row
/// names it. Run it holding the connection (`Db::call`).
pub fn record(
    conn: &mut Connection,
    dir: &Path,
    player: &Player,
    name: &str,
    module: &NewModule,
    bytes: &[u8],
    quotas: &Quotas,
) -> Result<Recorded, ApiError> {
    if !storage::has_module(dir, &module.hash, bytes.len() as u64) {
        storage::put_module(dir, &module.hash, bytes)
            .map_err(|e| write_error(&format!("module {}", module.hash), e))?;
    }
    let result = (|| -> Result<Recorded, ApiError> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let recorded = decide(&tx, player, name, module, quotas, crate::db::now_ms())?;
        tx.commit()?;
        Ok(recorded)
    })();
    match &result {
        Ok(recorded) => remove_files(dir, &recorded.upload.pruned),
        Err(e) => {
            if let ApiError::QuotaExceeded(_) = e {
                // It passed the checks before: another upload came first.
                tracing::info!(player = %player.name, module = %module.hash,
                    "an upload past bytes_per_player was refused as it was recorded");
            }
            forget_unrecorded(conn, dir, &module.hash);
        }
    }
    result
}

/// Deletes the file of module `hash`, written for an upload that was then
/// refused, if no kept version needs it: no row names it, or its row says
/// it was deleted (unless the database cannot tell). Refused uploads leave
/// nothing on the disk. Holding the connection.
pub fn forget_unrecorded(conn: &Connection, dir: &Path, hash: &str) {
    if let Ok(None | Some(Some(_))) = q::module_state(conn, hash) {
        let _ = storage::remove_module(dir, hash);
    }
}

/// The recording itself, in `tx`: 409 if it adds a module that `player`
/// did not store and takes them past `bytes_per_player`.
fn decide(
    tx: &Connection,
    player: &Player,
    name: &str,
    module: &NewModule,
    quotas: &Quotas,
    now: i64,
) -> Result<Recorded, ApiError> {
    let counted = counts_bytes(player);
    let stored_already = counted && stores(tx, player.id, &module.hash)?;
    let newest = quotas.versions_per_bot;
    let upload = bots::record_upload(tx, player.id, name, module, newest, now)?;
    let stored = q::stored(tx, player.id)?;
    let limit = quotas.bytes_per_player;
    if counted && upload.new_version && !stored_already && stored.bytes > limit {
        return Err(over_quota(player, stored.bytes, module.size as u64, quotas));
    }
    Ok(Recorded { upload, stored })
}

/// Whether one of `player`'s kept versions uses module `hash`.
fn stores(conn: &Connection, player: i64, hash: &str) -> crate::db::sql::Result<bool> {
    let found = conn
        .prepare_cached(q::PLAYER_STORES)?
        .query_row(crate::db::sql::params![hash, player], |_| Ok(()))
        .optional()?;
    Ok(found.is_some())
}

/// The 409 of an upload past `bytes_per_player`: `after` is what the player
/// would store with it, `size` the module's share.
fn over_quota(player: &Player, after: u64, size: u64, quotas: &Quotas) -> ApiError {
    let (limit, newest) = (quotas.bytes_per_player, quotas.versions_per_bot);
    ApiError::QuotaExceeded(format!(
        "{} stores {} of modules (their bots' kept versions, each module once); this {} \
         module would take that to {}, over the {} a player may store ([server] \
         bytes_per_player = {limit}). Versions older than each bot's newest {newest} \
         ([server] versions_per_bot) go by themselves once no replay on disk or waiting \
         match needs them; to make room now, delete versions you no longer need (DELETE \
         /api/bots/{{id}}/versions/{{v}}; GET /api/bots/{{id}} lists them), or ask the \
         server's admin for more room",
        player.name,
        human(after.saturating_sub(size)),
        human(size),
        human(after),
        human(limit),
    ))
}

/// 507 when writing `size` bytes would leave less than `reserve` free on
/// the file system of `dir` (`[server] disk_reserve_bytes`; 0: no check).
pub fn check_disk(dir: &Path, size: u64, reserve: u64) -> Result<(), ApiError> {
    if reserve == 0 {
        return Ok(());
    }
    let free = match storage::free_bytes(dir) {
        Ok(free) => free,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot read the free space");
            return Ok(());
        }
    };
    if free >= size.saturating_add(reserve) {
        return Ok(());
    }
    tracing::warn!(
        free,
        size,
        reserve,
        "an upload was refused: the disk is nearly full"
    );
    Err(ApiError::InsufficientStorage(format!(
        "the server's disk is nearly full: {} free, and uploads leave {} free for the \
         ladder's results ([server] disk_reserve_bytes = {reserve}), so this {} module \
         does not fit; nothing was stored. Try again later: the server's admin has to free \
         space",
        human(free),
        human(reserve),
        human(size),
    )))
}

/// The API error for a file write (of `what`) that failed with `e`: 507
/// when the disk is out of space, 503 when it fails, else 500.
pub fn write_error(what: &str, e: std::io::Error) -> ApiError {
    match Fault::of_io(&e) {
        Some(fault) => {
            tracing::error!(what, error = %e, ?fault, "a write to the data folder failed");
            let detail = format!("{what} could not be written ({e}); nothing was stored");
            match fault {
                Fault::OutOfSpace => ApiError::InsufficientStorage(format!(
                    "the server's disk is full: {detail}. Try again later: the server's admin \
                     has to free space"
                )),
                Fault::Failing => ApiError::StorageUnavailable(format!(
                    "the server's storage is failing: {detail}. Try again later"
                )),
            }
        }
        None => ApiError::internal(format!("writing {what}: {e}")),
    }
}

/// Deletes the files of the modules that `pruned` left unused (after the
/// commit that says so, holding the connection).
pub fn remove_files(dir: &Path, pruned: &[Pruned]) {
    for p in pruned.iter().filter(|p| p.module_deleted) {
        match storage::remove_module(dir, &p.module) {
            Ok(()) => tracing::info!(module = %p.module, "module deleted: no kept version uses it"),
            // Left on disk, harmless: an upload of the same bytes reuses it.
            Err(e) => tracing::warn!(module = %p.module, error = %e, "could not delete"),
        }
    }
}

/// What `DELETE /api/bots/{id}/versions/{v}` did.
#[derive(Clone, Debug)]
pub struct Deleted {
    pub bot: bots::Bot,
    pub version: i64,
    pub pruned: Pruned,
    /// What the bot's owner stores since.
    pub stored: Stored,
}

/// Deletes version `version` of bot `bot_id` for `actor` (its owner or an
/// admin), in one transaction, then its module's file if no kept version
/// uses it any more: the way a player makes room under `bytes_per_player`.
/// 404 for no such bot or version, 403 for another's bot, 410 for a version
/// deleted already, 409 for the bot's current version or one that a queued
/// or running match seats. Its matches keep their rows.
pub fn delete_version(
    conn: &mut Connection,
    dir: &Path,
    actor: &Player,
    bot_id: i64,
    version: i64,
) -> Result<Deleted, ApiError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let bot = bots::get(&tx, bot_id)?
        .ok_or_else(|| ApiError::NotFound(format!("no bot with id {bot_id}")))?;
    let named = format!("bot {bot_id} ('{}')", bot.name);
    if bot.owner_id != actor.id && !actor.is_admin() {
        return Err(ApiError::Forbidden(format!(
            "{named} belongs to '{}': only its owner or an admin may delete its versions",
            bot.owner
        )));
    }
    let state = q::version_state(&tx, bot_id, version)?
        .ok_or_else(|| ApiError::NotFound(format!("{named} has no version {version}")))?;
    if state.pruned_at.is_some() {
        return Err(ApiError::Gone(format!(
            "version {version} of {named} was deleted already"
        )));
    }
    if version == bot.version {
        return Err(ApiError::Conflict(format!(
            "version {version} is the current version of {named}, the one it plays with:              upload a new version first"
        )));
    }
    if q::pending_versions(&tx)?.contains(&state.id) {
        return Err(ApiError::Conflict(format!(
            "version {version} of {named} has a seat in a match waiting to be played or              being played: delete it once that match has finished"
        )));
    }
    let pruned = q::prune_version(&tx, state.id, &state.module, crate::db::now_ms())?;
    tx.commit()?;
    remove_files(dir, std::slice::from_ref(&pruned));
    let stored = q::stored(conn, bot.owner_id)?;
    tracing::info!(bot = bot_id, version, by = %actor.name, "version deleted");
    Ok(Deleted {
        bot,
        version,
        pruned,
        stored,
    })
}

/// Why match `id` cannot be played again from its modules (a pruned replay
/// recorded again, `ladder/rerecord.rs`): the first seat whose module's
/// file was deleted, or `None`.
pub fn deleted_module(conn: &Connection, id: i64) -> crate::db::sql::Result<Option<String>> {
    let seats = q::deleted_seat_modules(conn, id)?;
    Ok(seats.first().map(|(seat, version, hash, _)| {
        format!(
            "the module of seat {seat} (its bot's version {version}, {hash}) was deleted \
             from the server once no kept version used it ([server] versions_per_bot)"
        )
    }))
}

/// `bytes` for people: `812 bytes`, `80.3 KiB`, `4.0 MiB`, `1.5 GiB`.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn sizes_for_people() {
        assert_eq!(human(812), "812 bytes");
        assert_eq!(human(80_339), "78.5 KiB");
        assert_eq!(human(4 << 20), "4.0 MiB");
        assert_eq!(human(64 << 20), "64.0 MiB");
        assert_eq!(human(3 << 29), "1.5 GiB");
    }
}
