//! The server's config: the admin config (budgets, limits; shared with the
//! CLI) plus the `[server]` table. Every key is documented in docs/server.md.
//!
//! Like the admin config, a bad `[server]` key or value is one message naming
//! the file, the line or the key, and what is allowed.

mod connections;
mod database;
mod fairness;
mod quotas;

use crate::game::{HostedGame, LADDER_SEATS};
pub use connections::Connections;
pub use database::{Database, redact};
pub use fairness::{Challenges, Rerecording};
use lockstep_sim::settings::Settings;
pub use quotas::Quotas;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the server is configured with.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Budgets, overrun policy, tick limit and sandbox limits for every match,
    /// as the config file sets them. An admin can change the per-match keys
    /// while the server runs: `AppState::settings()` is what is in force.
    pub settings: Settings,
    /// The game every match of this server plays: the admin config's
    /// `[match] game` (default `cores`), one per server (`game.rs`).
    pub game: HostedGame,
    /// Where to listen. Default `127.0.0.1:8080`: loopback only. Port 0 lets
    /// the system pick one (the first line on stdout says which).
    pub listen: SocketAddr,
    /// The folder holding the database, modules and replays. Default
    /// `lockstep-data` in the working folder; a relative path in a config
    /// file is relative to the file's folder.
    pub data_dir: PathBuf,
    /// Where the rows are: the embedded SQLite file `DATA/lockstep.db`
    /// (default), or PostgreSQL (`database = "postgres://…"`), which ladder
    /// workers on other hosts share ([`Database`]).
    pub database: Database,
    /// On PostgreSQL, how long a process's hold on a running match lasts
    /// without renewal (renewed every sixth of it while it plays); a match
    /// whose process died is played again by another after this. Default
    /// 30 s: longer than a database fail-over or a network blip, short
    /// enough that a dead host's matches resume within a minute.
    pub worker_lease: std::time::Duration,
    /// The largest upload body, in bytes, enforced while reading. Default:
    /// the admin config's `[upload] module_bytes` (8 MiB).
    pub max_upload_bytes: usize,
    /// Where the first start writes the admin's token (mode 0600). Default
    /// `DATA/admin-token`; relative paths as for `data_dir`.
    pub admin_token_file: PathBuf,
    /// Matches the ladder plays at once. Default 1.
    pub ladder_workers: usize,
    /// The maps the ladder picks from (the game's bundled names or
    /// generated maps such as `random:WxH`). Default: the game's tournament
    /// maps (the reference game's `["duel", "random:32x32"]`).
    pub ladder_maps: Vec<String>,
    /// Whether the ladder schedules matches at all. Default true.
    pub ladder_enabled: bool,
    /// A pause after each of a worker's matches, in ms. Default 1000: a
    /// rating settles within minutes at that pace (about 60 matches a
    /// minute per worker on the default maps), while running flat out
    /// (0: about 2,300 a minute) keeps a core busy for good and writes
    /// about 5 MB of match rows a minute, which are kept.
    pub ladder_pause_ms: u64,
    /// How many replays stay on disk; older ones are pruned (docs/server.md,
    /// "Replay retention").
    pub retention: Retention,
    /// New players one client address may register per hour. Default 20:
    /// plenty for people, few enough that a script cannot mint thousands of
    /// accounts to get round the per-player challenge limit. Counted in the
    /// database (`ratelimit.rs`), so a restart resets nothing.
    pub registrations_per_hour: u32,
    /// Active bots one player may have. Default 20: room for every idea a
    /// person is working on, while a script cannot flood the ladder's
    /// pairing with copies (the same bytes under new names cost nothing to
    /// validate). New versions of a bot never count, nor do retired bots;
    /// `house` and admins have no limit.
    pub bots_per_player: u32,
    /// Upload bodies read and checked at once, over the API and the form
    /// together. Default 4: memory for bodies stays under this many times
    /// `max_upload_bytes` (32 MiB at the defaults), and two of them are
    /// compiled at a time anyway. Past it an upload waits a few seconds for
    /// its turn, then gets a 503 with `Retry-After`.
    pub uploads_at_once: usize,
    /// Seconds a client has to send an upload's body. Default 60: 8 MiB
    /// takes a second on a slow link, and a client that sends nothing (or a
    /// byte now and then) gives its turn up after this, with a 408.
    pub upload_timeout_secs: u64,
    /// Connections: how many at once, in all and per client address, and
    /// their timeouts (`max_connections`, `max_connections_per_address`,
    /// `header_timeout_secs`, `keep_alive_timeout_secs`,
    /// `request_timeout_secs`; each documented in `config/connections.rs`).
    pub connections: Connections,
    /// Storage: module bytes per player, versions kept per bot, and the
    /// room uploads leave free on the disk (`bytes_per_player`,
    /// `versions_per_bot`, `disk_reserve_bytes`; each documented, with its
    /// default and why, in `config/quotas.rs`).
    pub quotas: Quotas,
    /// Challenges: their own workers, queue limits per player, per client
    /// address and in all, running ones per player, and the most fuel one
    /// may cost (`challenge_workers`, `challenges_queued`,
    /// `challenges_queued_per_player`, `challenges_queued_per_address`,
    /// `challenges_running_per_player`, `challenge_max_fuel`; each
    /// documented, with its default and why, in `config/fairness.rs`).
    pub challenges: Challenges,
    /// Recording pruned replays again: whether, how many at once, how many
    /// an hour per client address (`rerecord_pruned`, `rerecords_at_once`,
    /// `rerecords_per_hour`; in `config/fairness.rs`).
    pub rerecording: Rerecording,
}

/// Which finished matches keep their replay files. A replay is kept while
/// any of the three rules keeps it; the rest are deleted, oldest first, and
/// their matches keep everything but the file (result, seed, module hashes,
/// replay hash). Together they bound the disk used by replays to about
/// `(kept + per_bot x bots + challenges_per_player x players) x` a replay's
/// size (26 KB on the default ladder).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// The newest finished matches overall. Default 10,000 (about 260 MB).
    pub kept: u64,
    /// Each bot's newest finished matches, so that a bot that plays seldom
    /// still has replays to watch. Default 20.
    pub kept_per_bot: u64,
    /// Each player's newest challenges, so that a challenge is still there
    /// when its player comes to watch it, however fast the ladder runs.
    /// Default 100.
    pub challenges_kept_per_player: u64,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            kept: 10_000,
            kept_per_bot: 20,
            challenges_kept_per_player: 100,
        }
    }
}

/// The `[server]` table as written; every key optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ServerTable {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database: Option<String>,
    worker_lease_secs: Option<u64>,
    max_upload_bytes: Option<u64>,
    admin_token_file: Option<PathBuf>,
    ladder_workers: Option<u64>,
    ladder_maps: Option<Vec<String>>,
    ladder_enabled: Option<bool>,
    ladder_pause_ms: Option<u64>,
    replays_kept: Option<u64>,
    replays_kept_per_bot: Option<u64>,
    challenges_kept_per_player: Option<u64>,
    registrations_per_hour: Option<u64>,
    bots_per_player: Option<u64>,
    uploads_at_once: Option<u64>,
    upload_timeout_secs: Option<u64>,
    max_connections: Option<u64>,
    max_connections_per_address: Option<u64>,
    header_timeout_secs: Option<u64>,
    keep_alive_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    bytes_per_player: Option<u64>,
    versions_per_bot: Option<u64>,
    disk_reserve_bytes: Option<u64>,
    challenge_workers: Option<u64>,
    challenges_queued: Option<u64>,
    challenges_queued_per_player: Option<u64>,
    challenges_queued_per_address: Option<u64>,
    challenges_running_per_player: Option<u64>,
    challenge_max_fuel: Option<toml::Value>,
    rerecord_pruned: Option<bool>,
    rerecords_at_once: Option<u64>,
    rerecords_per_hour: Option<u64>,
}

/// The file read again for its `[server]` table alone, so that toml's errors
/// carry the line (the admin config's own tables were checked already).
#[derive(Deserialize)]
struct Document {
    server: Option<ServerTable>,
}

/// The largest `max_upload_bytes` allowed: 1 GiB, as for `[upload] module_bytes`.
const MAX_UPLOAD_LIMIT: u64 = 1 << 30;

impl ServerConfig {
    /// The built-in defaults, with `path`'s values laid over them.
    pub fn load(path: Option<&Path>) -> Result<ServerConfig, String> {
        let Some(path) = path else {
            return ServerConfig::from_table(Settings::defaults(), ServerTable::default(), None);
        };
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("config '{name}': cannot read it: {e}"))?;
        let base = path.parent().map(Path::to_path_buf);
        ServerConfig::parse(&name, &text, base.as_deref())
    }

    /// A config from `text` (named `name` in messages); relative paths are
    /// taken from `base` (the file's folder), or the working folder.
    pub fn parse(name: &str, text: &str, base: Option<&Path>) -> Result<ServerConfig, String> {
        let (settings, _) = Settings::parse_document(name, text).map_err(|e| e.to_string())?;
        let document: Document = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| line_column(text, span.start))
                .unwrap_or_default();
            format!("config '{name}': {at}{} (in [server])", e.message())
        })?;
        let table = document.server.unwrap_or_default();
        ServerConfig::from_table(settings, table, base)
            .map_err(|message| format!("config '{name}': {message}"))
    }

    fn from_table(
        settings: Settings,
        t: ServerTable,
        base: Option<&Path>,
    ) -> Result<ServerConfig, String> {
        let game = HostedGame::find(&settings.match_config.game)?;
        let connections = Connections::read(&t)?;
        let quotas = Quotas::read(&t)?;
        let challenges = Challenges::read(&t)?;
        let rerecording = Rerecording::read(&t)?;
        let resolve = |p: PathBuf| match base {
            Some(base) if p.is_relative() && !base.as_os_str().is_empty() => base.join(p),
            _ => p,
        };
        let listen = match t.listen {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(text) => text.parse().map_err(|_| {
                format!(
                    "[server] listen = {text:?} is not an address: allowed an IP address and a \
                     port, like \"127.0.0.1:8080\" or \"[::1]:8080\" (port 0: any free port)"
                )
            })?,
        };
        let data_dir = resolve(t.data_dir.unwrap_or_else(|| PathBuf::from("lockstep-data")));
        let database = Database::parse(t.database.as_deref())?;
        let worker_lease = std::time::Duration::from_secs(in_range(
            "worker_lease_secs",
            t.worker_lease_secs,
            30,
            2,
            3600,
        )?);
        let module_bytes = settings.sandbox.validation.max_module_bytes as u64;
        let max_upload_bytes = in_range(
            "max_upload_bytes",
            t.max_upload_bytes,
            module_bytes,
            1,
            MAX_UPLOAD_LIMIT,
        )? as usize;
        let admin_token_file = t
            .admin_token_file
            .map(resolve)
            .unwrap_or_else(|| data_dir.join("admin-token"));
        let ladder_workers = in_range("ladder_workers", t.ladder_workers, 1, 1, 256)? as usize;
        let ladder_maps = t.ladder_maps.unwrap_or_else(|| game.default_ladder_maps());
        if ladder_maps.is_empty() {
            return Err(format!(
                "[server] ladder_maps = [] is empty: allowed a list of one or more of {}",
                game.maps_in_words()
            ));
        }
        for spec in &ladder_maps {
            game.check_map(spec, LADDER_SEATS, &settings.match_config.settings.0)
                .map_err(|e| format!("[server] ladder_maps has {spec:?}: {e}"))?;
        }
        let ladder_pause_ms = in_range("ladder_pause_ms", t.ladder_pause_ms, 1000, 0, 3_600_000)?;
        let default = Retention::default();
        let retention = Retention {
            kept: in_range("replays_kept", t.replays_kept, default.kept, 1, 1 << 40)?,
            kept_per_bot: in_range(
                "replays_kept_per_bot",
                t.replays_kept_per_bot,
                default.kept_per_bot,
                0,
                1 << 20,
            )?,
            challenges_kept_per_player: in_range(
                "challenges_kept_per_player",
                t.challenges_kept_per_player,
                default.challenges_kept_per_player,
                0,
                1 << 20,
            )?,
        };
        let registrations_per_hour = in_range(
            "registrations_per_hour",
            t.registrations_per_hour,
            20,
            1,
            1_000_000,
        )? as u32;
        let bots_per_player = in_range("bots_per_player", t.bots_per_player, 20, 1, 10_000)? as u32;
        let uploads_at_once = in_range("uploads_at_once", t.uploads_at_once, 4, 1, 1024)? as usize;
        let upload_timeout_secs =
            in_range("upload_timeout_secs", t.upload_timeout_secs, 60, 1, 3600)?;
        Ok(ServerConfig {
            settings,
            game,
            listen,
            data_dir,
            database,
            worker_lease,
            max_upload_bytes,
            admin_token_file,
            ladder_workers,
            ladder_maps,
            ladder_enabled: t.ladder_enabled.unwrap_or(true),
            ladder_pause_ms,
            retention,
            registrations_per_hour,
            bots_per_player,
            uploads_at_once,
            upload_timeout_secs,
            connections,
            quotas,
            challenges,
            rerecording,
        })
    }

    /// `DATA/lockstep.db`.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("lockstep.db")
    }

    /// `DATA/modules`.
    pub fn modules_dir(&self) -> PathBuf {
        self.data_dir.join("modules")
    }

    /// `DATA/replays`.
    pub fn replays_dir(&self) -> PathBuf {
        self.data_dir.join("replays")
    }
}

/// `value` (or `default`) checked against `min..=max`.
fn in_range(
    key: &str,
    value: Option<u64>,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, String> {
    let Some(value) = value else {
        return Ok(default);
    };
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "[server] {key} = {value} is out of range: allowed {min} to {max}"
        ))
    }
}

/// "line L, column C: " for byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("line {line}, column {column}: ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ServerConfig, String> {
        ServerConfig::parse("server.toml", text, None)
    }

    #[test]
    fn the_defaults() {
        let c = ServerConfig::load(None).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("lockstep-data"));
        assert_eq!(c.max_upload_bytes, 8 << 20);
        assert_eq!(
            c.admin_token_file,
            PathBuf::from("lockstep-data/admin-token")
        );
        assert_eq!(
            (c.ladder_workers, c.ladder_enabled, c.ladder_pause_ms),
            (1, true, 1000)
        );
        assert_eq!(c.game.name(), "cores");
        assert_eq!(c.ladder_maps, ["duel", "random:32x32"]);
        assert_eq!(c.retention, Retention::default());
        assert_eq!(c.registrations_per_hour, 20);
        assert_eq!(c.bots_per_player, 20);
        assert_eq!((c.uploads_at_once, c.upload_timeout_secs), (4, 60));
        assert_eq!(c.settings, Settings::defaults());
    }

    #[test]
    fn keys_are_read_and_paths_follow_the_file() {
        let text = "[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"d\"\nladder_workers = 2\n\
                    ladder_maps = [\"duel\"]\nladder_enabled = false\n[upload]\nmodule_bytes = 1000\n";
        let c = ServerConfig::parse("s.toml", text, Some(Path::new("/etc/ls"))).unwrap();
        assert_eq!(c.listen.port(), 0);
        assert_eq!(c.data_dir, PathBuf::from("/etc/ls/d"));
        assert_eq!(c.admin_token_file, PathBuf::from("/etc/ls/d/admin-token"));
        assert_eq!(c.max_upload_bytes, 1000, "follows [upload] module_bytes");
        assert_eq!((c.ladder_workers, c.ladder_enabled), (2, false));
        assert_eq!(c.ladder_maps, ["duel"]);
        let c = parse("[server]\nmax_upload_bytes = 77\n").unwrap();
        assert_eq!(c.max_upload_bytes, 77);
        let c = parse(
            "[server]\nreplays_kept = 5\nreplays_kept_per_bot = 0\n\
             challenges_kept_per_player = 7\nregistrations_per_hour = 3\n",
        )
        .unwrap();
        let kept = Retention {
            kept: 5,
            kept_per_bot: 0,
            challenges_kept_per_player: 7,
        };
        assert_eq!((c.retention, c.registrations_per_hour), (kept, 3));
        let c =
            parse("[server]\nbots_per_player = 1\nuploads_at_once = 9\nupload_timeout_secs = 5\n")
                .unwrap();
        assert_eq!(c.bots_per_player, 1);
        assert_eq!((c.uploads_at_once, c.upload_timeout_secs), (9, 5));
    }

    #[test]
    fn the_game_is_the_match_tables_and_the_ladder_plays_its_maps() {
        let c = parse("[match]\ngame = \"snake\"\nmax_ticks = 50\n").unwrap();
        assert_eq!(c.game.name(), "snake");
        assert_eq!(c.ladder_maps, ["standard", "small", "large"]);
        assert_eq!(c.settings.match_config.max_ticks(), 50);
        let c =
            parse("[server]\nladder_maps = [\"random:9x9\"]\n[match]\ngame = \"snake\"\n").unwrap();
        assert_eq!(c.ladder_maps, ["random:9x9"]);
        // A map of another game is refused, naming this game's maps.
        let e =
            parse("[server]\nladder_maps = [\"duel\"]\n[match]\ngame = \"snake\"\n").unwrap_err();
        assert!(
            e.starts_with(
                "config 'server.toml': [server] ladder_maps has \"duel\": unknown map 'duel': \
                 use the snake maps standard, small, large, or random:WxH"
            ),
            "{e}"
        );
        let e = parse("[server]\nladder_maps = [\"random:32x32\"]\n[match]\ngame = \"snake\"\n")
            .unwrap_err();
        assert!(
            e.contains("use the snake maps standard, small, large"),
            "{e}"
        );
        let c = parse("[match]\ngame = \"connect-four\"\n").unwrap();
        assert_eq!(
            (c.game.name(), &c.ladder_maps[..]),
            ("connect-four", &["classic".to_string()][..])
        );
        let e = parse("[match]\ngame = \"chess\"\n").unwrap_err();
        assert!(e.contains("no game is called \"chess\""), "{e}");
    }

    #[test]
    fn bad_keys_and_values_are_named() {
        let e = parse("[server]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n").unwrap_err();
        assert!(
            e.starts_with("config 'server.toml': line 3, column 1: unknown field `lisen`"),
            "{e}"
        );
        assert!(
            e.contains("`listen`, `data_dir`") && e.ends_with("(in [server])"),
            "{e}"
        );
        let e = parse("[server]\nlisten = \"localhost\"\n").unwrap_err();
        assert!(
            e.starts_with(
                "config 'server.toml': [server] listen = \"localhost\" is not an address"
            ),
            "{e}"
        );
        let e = parse("[server]\nladder_workers = 0\n").unwrap_err();
        assert_eq!(
            e,
            "config 'server.toml': [server] ladder_workers = 0 is out of range: allowed 1 to 256"
        );
        let e = parse("[server]\nreplays_kept = 0\n").unwrap_err();
        assert!(
            e.ends_with("[server] replays_kept = 0 is out of range: allowed 1 to 1099511627776"),
            "{e}"
        );
        for (key, value, allowed) in [
            ("bots_per_player", 0, "1 to 10000"),
            ("bots_per_player", 10_001, "1 to 10000"),
            ("uploads_at_once", 0, "1 to 1024"),
            ("upload_timeout_secs", 3601, "1 to 3600"),
        ] {
            let e = parse(&format!("[server]\n{key} = {value}\n")).unwrap_err();
            assert_eq!(
                e,
                format!(
                    "config 'server.toml': [server] {key} = {value} is out of range: allowed {allowed}"
                )
            );
        }
        let e = parse("[server]\nladder_enabled = \"yes\"\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("invalid type"), "{e}");
        let e = parse("[server]\nladder_maps = []\n").unwrap_err();
        assert!(e.contains("ladder_maps = [] is empty"), "{e}");
        let e = parse("[server]\nladder_maps = [\"duel\", \"dule\"]\n").unwrap_err();
        assert!(
            e.contains(
                "[server] ladder_maps has \"dule\": unknown map 'dule': use the cores maps \
                 duel, crossroads, arena, or random:WxH"
            ),
            "{e}"
        );
        let e = parse("[server]\nladder_maps = [\"random:2x2\"]\n").unwrap_err();
        assert!(
            e.contains("[server] ladder_maps has \"random:2x2\": ")
                && e.contains("random map size 2x2 out of range"),
            "{e}"
        );
        let e = parse("[server]\nladder_maps = [\"/etc/passwd\"]\n").unwrap_err();
        assert!(
            e.contains("use the cores maps duel, ") && e.ends_with("; never a file"),
            "{e}"
        );
        let e = parse("[budget]\ntick_fuel = 0\n").unwrap_err();
        assert!(e.contains("[budget] tick_fuel = 0 is out of range"), "{e}");
        let e = ServerConfig::load(Some(Path::new("/no/such.toml"))).unwrap_err();
        assert!(
            e.starts_with("config '/no/such.toml': cannot read it"),
            "{e}"
        );
    }
}
