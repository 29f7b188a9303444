//! What the pages read: the shared read functions of `db/` (bots, players,
//! matches), plus the few figures only the pages show (wins, draws and
//! losses and matches per version, counters the database keeps; the stored
//! results' fuel figures). Nothing here writes.

use crate::db::bots::{self, Bot, Version};
use crate::db::matches::{self, MatchView};
use crate::db::players::{self, Player};
use crate::db::sql::{Connection, params};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

/// Rated finished matches from one bot's side, over all its versions (the
/// bot's `wins`, `draws` and `losses`, which `schema.sql`'s triggers keep).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Record {
    pub wins: i64,
    pub draws: i64,
    pub losses: i64,
}

impl Record {
    pub fn played(&self) -> i64 {
        self.wins + self.draws + self.losses
    }
}

/// A bot with its record.
#[derive(Clone, Debug)]
pub struct BotRow {
    pub bot: Bot,
    pub record: Record,
}

impl BotRow {
    /// `bot` with its record: the counters `bots` keeps (`schema.sql`).
    fn new(bot: Bot) -> BotRow {
        BotRow {
            record: Record {
                wins: bot.wins,
                draws: bot.draws,
                losses: bot.losses,
            },
            bot,
        }
    }
}

fn with_records(list: Vec<Bot>) -> Vec<BotRow> {
    list.into_iter().map(BotRow::new).collect()
}

/// Active bots, best conservative rating (mu − 3σ) first.
pub fn leaderboard(conn: &Connection) -> crate::db::sql::Result<Vec<BotRow>> {
    Ok(with_records(bots::leaderboard(conn)?))
}

pub fn player(conn: &Connection, name: &str) -> crate::db::sql::Result<Option<Player>> {
    players::by_name(conn, name)
}

/// A player's bots: active ones first, each group by conservative rating.
pub fn player_bots(conn: &Connection, name: &str) -> crate::db::sql::Result<Vec<BotRow>> {
    let mut rows = with_records(bots::list(conn, Some(name))?);
    rows.sort_by(|a, b| {
        b.bot.active.cmp(&a.bot.active).then(
            b.bot
                .conservative_rating()
                .total_cmp(&a.bot.conservative_rating()),
        )
    });
    Ok(rows)
}

pub fn bot(conn: &Connection, id: i64) -> crate::db::sql::Result<Option<BotRow>> {
    Ok(bots::get(conn, id)?.map(BotRow::new))
}

/// A bot's versions, newest first, each with the finished matches it played.
pub fn versions(conn: &Connection, bot: i64) -> crate::db::sql::Result<Vec<(Version, i64)>> {
    let mut stmt = conn.prepare_cached(bots::VERSIONS_PLAYED)?;
    let played: HashMap<i64, i64> = stmt
        .query_map([bot], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::sql::Result<_>>()?;
    let mut list: Vec<(Version, i64)> = bots::versions(conn, bot)?
        .into_iter()
        .map(|v| {
            let n = played.get(&v.version).copied().unwrap_or(0);
            (v, n)
        })
        .collect();
    list.reverse();
    Ok(list)
}

/// A match and its stored result (parsed for display; `None` until it has
/// finished).
#[derive(Clone, Debug)]
pub struct MatchRow {
    pub m: MatchView,
    pub result: Option<MatchResultView>,
}

impl MatchRow {
    fn new(mut m: MatchView) -> MatchRow {
        let result = m
            .result
            .take()
            .and_then(|value| serde_json::from_value(value).ok());
        MatchRow { m, result }
    }

    /// The seat `bot` played in, if it did.
    pub fn seat_of(&self, bot: i64) -> Option<&matches::SeatView> {
        self.m.seats.iter().find(|s| s.bot_id == bot)
    }

    /// The per-seat figures of the stored result.
    pub fn player_result(&self, seat: i64) -> Option<&PlayerResultView> {
        let result = self.result.as_ref()?;
        result.players.iter().find(|p| p.seat == seat)
    }
}

/// The parts of a stored `MatchResult` (`lockstep match --json`) the pages
/// show; missing fields default, so an older or newer result still displays
/// (results stored before the engine hosted more than one game have no
/// `game` and no `rank`, and the reference game's score).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MatchResultView {
    /// The game played; `None` in results stored before the engine hosted
    /// more than one game (the reference game's).
    pub game: Option<String>,
    pub tick_fuel: u64,
    pub players: Vec<PlayerResultView>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlayerResultView {
    pub seat: i64,
    pub bot: String,
    /// The seat's place, 0 first, equal places tied; `None` in older results.
    pub rank: Option<u32>,
    /// The game's score object, whatever its keys (the reference game's:
    /// `alive`, `eliminated_at`, `core_hp`, `units`, `energy`; snake's:
    /// `alive`, `eliminated_at`, `cause`, `health`, `length`).
    pub score: Value,
    pub fuel_total: u64,
    pub fuel_max_tick: u64,
    pub ticks_played: u64,
    pub cutoffs: u64,
    pub traps: u64,
    pub watchdogs: u64,
    pub bad_outputs: u64,
    pub invalid_actions: u64,
    pub log_tail: Vec<LogLineView>,
}

impl PlayerResultView {
    /// Mean fuel per tick played.
    pub fn fuel_per_tick(&self) -> f64 {
        if self.ticks_played == 0 {
            0.0
        } else {
            self.fuel_total as f64 / self.ticks_played as f64
        }
    }

    /// Whether the seat was knocked out: its score's `alive` is false (the
    /// bundled games with elimination say so), with the tick it went out
    /// (`eliminated_at`) if the score has it.
    pub fn knocked_out(&self) -> Option<Option<u64>> {
        (self.score.get("alive") == Some(&Value::Bool(false)))
            .then(|| self.score.get("eliminated_at").and_then(Value::as_u64))
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LogLineView {
    pub tick: Option<u64>,
    pub line: String,
}

pub fn match_by_id(conn: &Connection, id: i64) -> crate::db::sql::Result<Option<MatchRow>> {
    Ok(matches::get(conn, id)?.map(MatchRow::new))
}

/// The newest matches, with ids below `before` (results not read).
pub fn recent_matches(
    conn: &Connection,
    before: Option<i64>,
    limit: u32,
) -> crate::db::sql::Result<Vec<MatchRow>> {
    Ok(matches::list(conn, None, None, before, limit)?
        .into_iter()
        .map(MatchRow::new)
        .collect())
}

/// The newest matches of `bot`, with the results of the finished ones.
pub fn bot_matches(
    conn: &Connection,
    bot: i64,
    limit: u32,
) -> crate::db::sql::Result<Vec<MatchRow>> {
    let list = matches::list(conn, Some(bot), None, None, limit)?;
    let mut stmt = conn.prepare_cached(matches::RESULT)?;
    list.into_iter()
        .map(|mut m| {
            if m.state == "finished" && m.result.is_none() {
                let text: Option<String> = stmt.query_row(params![m.id], |r| r.get(0))?;
                m.result = text.and_then(|t| serde_json::from_str(&t).ok());
            }
            Ok(MatchRow::new(m))
        })
        .collect()
}

/// How many matches are in each state, for the leaderboard's footer line.
pub fn match_counts(conn: &Connection) -> crate::db::sql::Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(matches::STATE_COUNTS)?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}
