//! The `[server]` keys that keep one player's load off everyone else's
//! (docs/server.md, "Fair queues" and "Recording pruned replays again"):
//! the challenges' own workers, their queue limits and cost cap, and the
//! bounds on recording pruned replays again. Enforced by `ladder/claim.rs`,
//! `ladder/fair.rs`, `api/matches.rs` and `ladder/rerecord.rs`.

use super::{ServerTable, in_range};
use lockstep_sim::fuel::{FUEL_FORMS, parse_fuel_amount};

/// How challenges are queued, charged and played.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Challenges {
    /// `challenge_workers`: challenges played at once, each on a thread of
    /// its own beside the ladder's `ladder_workers`, which never play a
    /// challenge while they can pair bots. Default 1: a challenge starts
    /// without waiting for the ladder, and however many are queued they
    /// take at most one core, so the ladder keeps its pace (its matches
    /// are never behind a challenge) and the HTTP side keeps a core on a
    /// 2-core machine. 0: challenges are played only by ladder workers with
    /// nothing to pair (`ladder_enabled = false`, or fewer than two bots).
    /// 0 to 256; with `ladder_workers`, at most `[limits] pool_instances /
    /// 8` in all (a match holds up to 8 instances).
    pub workers: usize,
    /// `challenges_queued`: challenges waiting to be played, over all
    /// players. Default 100. Past it a player who has one waiting already
    /// gets `429`; a player with none waiting may still queue one, so
    /// that a full queue never locks anyone out. 1 to 1,000,000.
    pub queued: u64,
    /// `challenges_queued_per_player`: challenges one player may have
    /// waiting. Default 10: a few experiments in a row, while one player
    /// holds at most a tenth of the queue. 1 to 10,000.
    pub queued_per_player: u64,
    /// `challenges_queued_per_address`: challenges the players of one
    /// client address (the TCP peer of `POST /api/matches`; an IPv6 /64
    /// counts as one) may have waiting together. Default 30: three
    /// players' worth, so a few people behind one NAT fit, while one
    /// machine with many accounts holds at most 30 of the 100 places; past
    /// it, as for `challenges_queued`, a player with none waiting may
    /// still queue one. Behind a reverse proxy every client has the
    /// proxy's address: raise it to `challenges_queued` there. 1 to
    /// 1,000,000.
    pub queued_per_address: u64,
    /// `challenges_running_per_player`: one player's challenges played at
    /// once. Default 1: with several `challenge_workers`, one player's
    /// queue never holds them all. 1 to 256.
    pub running_per_player: u64,
    /// `challenge_max_fuel`: the most fuel one challenge may cost: seats x
    /// (`max_ticks` x `tick_fuel` + 2 x `init_fuel`), and under `overrun =
    /// "reset"` (where every tick may start a fresh instance) seats x
    /// `max_ticks` x (`tick_fuel` + 2 x `init_fuel`), with the settings in
    /// force. A challenge over it is refused with `400` naming its cost and
    /// this cap. Default 100G (`100_000_000_000`): every challenge of 2 to 8
    /// seats at the default budgets (8 seats: 83.2G) fits, and the
    /// heaviest (8 bots burning every tick's budget on `arena`) takes about
    /// 10 s of CPU on the reference machine; raise it with the budgets. A
    /// number, or a string with a suffix (`"100G"`). 1 to 2^60.
    pub max_fuel: u64,
}

impl Default for Challenges {
    fn default() -> Challenges {
        Challenges {
            workers: 1,
            queued: 100,
            queued_per_player: 10,
            queued_per_address: 30,
            running_per_player: 1,
            max_fuel: 100_000_000_000,
        }
    }
}

/// How pruned replays are recorded again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rerecording {
    /// `rerecord_pruned`: whether a replay that the retention rule deleted
    /// is recorded again when asked for. Default true. `false`: such a
    /// request gets `410 gone` saying that this server does not, and costs
    /// nothing.
    pub enabled: bool,
    /// `rerecords_at_once`: pruned replays recorded again at once, over
    /// all matches, each on a thread of its own. Default 1: a recording
    /// plays a whole match, bots included (up to a challenge's cost), so
    /// at most one core goes to them whatever is asked, and the ladder and
    /// challenges keep theirs. More requests wait for a turn. 1 to 64.
    pub at_once: usize,
    /// `rerecords_per_hour`: recordings one client address may start in
    /// any hour. A request for a replay already being recorded waits for
    /// that recording and starts nothing; a replay recorded again is
    /// written back and served as a file for at least an hour, so only the
    /// first request for it counts. Default 30: someone browsing old
    /// matches opens a few, while one machine can make the server play at
    /// most 30 matches an hour for it. Past it, `429` with `Retry-After`.
    /// 1 to 1,000,000.
    pub per_hour: u32,
}

impl Default for Rerecording {
    fn default() -> Rerecording {
        Rerecording {
            enabled: true,
            at_once: 1,
            per_hour: 30,
        }
    }
}

/// The largest `challenge_max_fuel`: 2^60.
const MAX_FUEL_CAP: u64 = 1 << 60;

impl Challenges {
    /// The keys of `t`, each checked against its range.
    pub(super) fn read(t: &ServerTable) -> Result<Challenges, String> {
        let d = Challenges::default();
        Ok(Challenges {
            workers: in_range("challenge_workers", t.challenge_workers, 1, 0, 256)? as usize,
            queued: in_range(
                "challenges_queued",
                t.challenges_queued,
                d.queued,
                1,
                1_000_000,
            )?,
            queued_per_player: in_range(
                "challenges_queued_per_player",
                t.challenges_queued_per_player,
                d.queued_per_player,
                1,
                10_000,
            )?,
            queued_per_address: in_range(
                "challenges_queued_per_address",
                t.challenges_queued_per_address,
                d.queued_per_address,
                1,
                1_000_000,
            )?,
            running_per_player: in_range(
                "challenges_running_per_player",
                t.challenges_running_per_player,
                d.running_per_player,
                1,
                256,
            )?,
            max_fuel: read_fuel(
                "challenge_max_fuel",
                t.challenge_max_fuel.as_ref(),
                d.max_fuel,
            )?,
        })
    }
}

impl Rerecording {
    /// The keys of `t`, each checked against its range.
    pub(super) fn read(t: &ServerTable) -> Result<Rerecording, String> {
        let d = Rerecording::default();
        Ok(Rerecording {
            enabled: t.rerecord_pruned.unwrap_or(d.enabled),
            at_once: in_range("rerecords_at_once", t.rerecords_at_once, 1, 1, 64)? as usize,
            per_hour: in_range(
                "rerecords_per_hour",
                t.rerecords_per_hour,
                u64::from(d.per_hour),
                1,
                1_000_000,
            )? as u32,
        })
    }
}

/// A fuel amount written as a number or as a string with a suffix, in
/// `1..=MAX_FUEL_CAP`.
fn read_fuel(key: &str, value: Option<&toml::Value>, default: u64) -> Result<u64, String> {
    let shown = |value: &toml::Value| match value {
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(x) => x.to_string(),
        toml::Value::String(text) => format!("{text:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        other => format!("a {}", other.type_str()),
    };
    let allowed = format!("allowed 1 to {MAX_FUEL_CAP}, written as a number or as {FUEL_FORMS}");
    let amount = match value {
        None => return Ok(default),
        Some(toml::Value::Integer(n)) => u64::try_from(*n).ok(),
        Some(toml::Value::String(text)) => Some(
            parse_fuel_amount(text)
                .map_err(|e| format!("[server] {key} = {text:?}: {e}; {allowed}"))?,
        ),
        Some(other) => {
            return Err(format!(
                "[server] {key} = {} is not a fuel amount: {allowed}",
                shown(other)
            ));
        }
    };
    match amount {
        Some(n) if (1..=MAX_FUEL_CAP).contains(&n) => Ok(n),
        _ => Err(format!(
            "[server] {key} = {} is out of range: {allowed}",
            value.map(shown).unwrap_or_default()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{Challenges, Rerecording};
    use crate::config::ServerConfig;

    fn parse(text: &str) -> Result<ServerConfig, String> {
        ServerConfig::parse("server.toml", text, None)
    }

    #[test]
    fn defaults_values_and_ranges() {
        let c = ServerConfig::load(None).unwrap();
        assert_eq!(c.challenges, Challenges::default());
        assert_eq!(c.rerecording, Rerecording::default());
        let c = parse(
            "[server]\nchallenge_workers = 0\nchallenges_queued = 5\n\
             challenges_queued_per_player = 2\nchallenges_queued_per_address = 3\n\
             challenges_running_per_player = 4\nchallenge_max_fuel = \"1.5G\"\n\
             rerecord_pruned = false\nrerecords_at_once = 2\nrerecords_per_hour = 7\n",
        )
        .unwrap();
        let expected = Challenges {
            workers: 0,
            queued: 5,
            queued_per_player: 2,
            queued_per_address: 3,
            running_per_player: 4,
            max_fuel: 1_500_000_000,
        };
        assert_eq!(c.challenges, expected);
        let expected = Rerecording {
            enabled: false,
            at_once: 2,
            per_hour: 7,
        };
        assert_eq!(c.rerecording, expected);
        let c = parse("[server]\nchallenge_max_fuel = 20_000_000\n").unwrap();
        assert_eq!(c.challenges.max_fuel, 20_000_000);
        for (key, value, allowed) in [
            ("challenge_workers", 257, "0 to 256"),
            ("challenges_queued", 0, "1 to 1000000"),
            ("challenges_queued_per_player", 0, "1 to 10000"),
            ("challenges_queued_per_address", 0, "1 to 1000000"),
            ("challenges_running_per_player", 0, "1 to 256"),
            ("rerecords_at_once", 65, "1 to 64"),
            ("rerecords_per_hour", 0, "1 to 1000000"),
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
        for (value, says) in [
            ("0", "challenge_max_fuel = 0 is out of range: allowed 1 to"),
            ("-3", "challenge_max_fuel = -3 is out of range"),
            (
                "\"lots\"",
                "challenge_max_fuel = \"lots\": 'lots' is not a fuel amount",
            ),
            ("1.5", "challenge_max_fuel = 1.5 is not a fuel amount"),
        ] {
            let e = parse(&format!("[server]\nchallenge_max_fuel = {value}\n")).unwrap_err();
            assert!(
                e.contains(says) && e.contains("or as a whole number"),
                "{e}"
            );
        }
    }
}
