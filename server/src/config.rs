//! The server's config: the admin config (budgets, limits; shared with the
//! CLI) plus the `[server]` table.

use lockstep_sim::settings::Settings;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the server is configured with.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Budgets, overrun policy, tick limit and sandbox limits for every match.
    pub settings: Settings,
    /// Where to listen. Default `127.0.0.1:8080`: loopback only.
    pub listen: SocketAddr,
    /// The folder holding the database, modules and replays. Default
    /// `lockstep-data` in the working folder.
    pub data_dir: PathBuf,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ServerTable {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
}

impl ServerConfig {
    /// The built-in defaults, with `path`'s values laid over them.
    pub fn load(path: Option<&Path>) -> Result<ServerConfig, String> {
        let (settings, table) = match path {
            Some(path) => Settings::load_document(path).map_err(|e| e.to_string())?,
            None => (Settings::defaults(), None),
        };
        let name = path.map_or("built-in defaults".to_string(), |p| p.display().to_string());
        let server: ServerTable = match table {
            Some(table) => table.try_into().map_err(|e: toml::de::Error| {
                format!("config '{name}': [server]: {}", e.message())
            })?,
            None => ServerTable::default(),
        };
        Ok(ServerConfig {
            settings,
            listen: server
                .listen
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir: server
                .data_dir
                .unwrap_or_else(|| PathBuf::from("lockstep-data")),
        })
    }
}
