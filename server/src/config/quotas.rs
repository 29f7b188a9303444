//! The `[server]` keys of storage quotas (docs/server.md, "Storage quotas
//! and a full disk"): what one player may keep on the server's disk, how
//! many versions of a bot are always kept, and the room uploads leave free
//! for everything else. Enforced by `quota.rs` (before a module is
//! validated or written, and again in the transaction that records it),
//! `api/quota.rs` (before a body is read) and `api/bot_upload.rs`.

use super::{ServerTable, in_range};

/// What uploads may keep on the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quotas {
    /// `bytes_per_player`: module bytes one player may store, that is the
    /// sizes of the modules that their bots' kept versions use, each module
    /// counted once however many of their bots or versions use it (as it is
    /// stored once; another player's use of the same bytes counts for that
    /// player too). Default 64 MiB: eight of the largest modules (8 MiB),
    /// 29 Go bots (2.2 MB each), 800 Rust bots (80 KB each), while the
    /// modules folder stays under this times the number of players however
    /// fast one of them uploads. Past it, an upload is refused with `409
    /// quota_exceeded` before it is validated or written. `house` and
    /// admins have no limit. 1 to 2⁴⁰.
    pub bytes_per_player: u64,
    /// `versions_per_bot`: versions of each bot whose modules are always
    /// kept: its newest ones, by number. An older version's module is
    /// deleted when its player next uploads (a module another kept version
    /// uses stays), unless a replay still on disk or a match waiting to be
    /// played names that version: replays stay verifiable, matches
    /// playable. Its matches keep their rows; one whose replay is pruned
    /// later cannot be recorded again (410). Default 10: room to go back a
    /// few versions, while 50 uploads of one bot keep 10 modules, not 50.
    /// 1 to 10,000.
    pub versions_per_bot: u64,
    /// `disk_reserve_bytes`: bytes of the data folder's file system that
    /// uploads leave free: an upload that would leave less is refused with
    /// `507 insufficient_storage` before its module is written, whoever
    /// sends it (house and admins too). Default 1 GiB: about five days of
    /// the ladder's match rows at the default pace (200 MB a day), so that
    /// when the disk fills, for any reason, uploads (which any player can
    /// send) stop first and the ladder's results still have room. 0: no
    /// reserve (writes run until the disk is full, then fail with 507).
    /// 0 to 2⁵⁰.
    pub disk_reserve_bytes: u64,
}

impl Default for Quotas {
    fn default() -> Quotas {
        Quotas {
            bytes_per_player: 64 << 20,
            versions_per_bot: 10,
            disk_reserve_bytes: 1 << 30,
        }
    }
}

impl Quotas {
    /// The keys of `t`, each checked against its range.
    pub(super) fn read(t: &ServerTable) -> Result<Quotas, String> {
        let d = Quotas::default();
        Ok(Quotas {
            bytes_per_player: in_range(
                "bytes_per_player",
                t.bytes_per_player,
                d.bytes_per_player,
                1,
                1 << 40,
            )?,
            versions_per_bot: in_range(
                "versions_per_bot",
                t.versions_per_bot,
                d.versions_per_bot,
                1,
                10_000,
            )?,
            disk_reserve_bytes: in_range(
                "disk_reserve_bytes",
                t.disk_reserve_bytes,
                d.disk_reserve_bytes,
                0,
                1 << 50,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Quotas;
    use crate::config::ServerConfig;

    fn parse(text: &str) -> Result<ServerConfig, String> {
        ServerConfig::parse("server.toml", text, None)
    }

    #[test]
    fn defaults_values_and_ranges() {
        assert_eq!(ServerConfig::load(None).unwrap().quotas, Quotas::default());
        let c = parse(
            "[server]\nbytes_per_player = 1000\nversions_per_bot = 1\ndisk_reserve_bytes = 0\n",
        )
        .unwrap();
        let expected = Quotas {
            bytes_per_player: 1000,
            versions_per_bot: 1,
            disk_reserve_bytes: 0,
        };
        assert_eq!(c.quotas, expected);
        for (key, value, allowed) in [
            ("bytes_per_player", 0, "1 to 1099511627776"),
            ("versions_per_bot", 0, "1 to 10000"),
            ("versions_per_bot", 10_001, "1 to 10000"),
            ("disk_reserve_bytes", 1u64 << 51, "0 to 1125899906842624"),
        ] {
            let e = parse(&format!("[server]\n{key} = {value}\n")).unwrap_err();
            assert_eq!(
                e,
                format!(
                    "config 'server.toml': [server] {key} = {value} is out of range: \
                     allowed {allowed}"
                )
            );
        }
    }
}
