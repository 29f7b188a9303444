//! The viewer's data: the replay with every tick's whole world filled in by
//! [`Resim`], as the JSON that `assets/viewer/` reads (documented in
//! `docs/replay.md`, "Viewer data").

use super::format::{BotRecord, InitRecord, ReplayHeader, Summary};
use super::reader::ReplayReader;
use super::resim::Resim;
use super::{FORMAT_VERSION, ReplayError};
use lockstep_sdk::Action;
use serde::Serialize;
use serde_json::{Value, json};
use std::io::Read;

/// Reads the whole replay and returns the viewer's JSON document. Each tick
/// is serialised as it is read: memory follows the output, not a tree of it.
pub fn viewer_json<R: Read>(mut reader: ReplayReader<R>) -> Result<String, ReplayError> {
    let header = reader.header().clone();
    let mut resim = Resim::new(&header)?;
    let players = header.players.len();
    let mut out = String::from("{\"format\":\"lockstep-viewer/1\",\"header\":");
    out.push_str(&header_json(&header).to_string());
    out.push_str(",\"ticks\":[");
    let mut first = true;
    while let Some(record) = reader.next_tick()? {
        let world = resim.world();
        let rejected_before: Vec<u64> = (0..players).map(|s| resim.rejected_total(s)).collect();
        let hash = resim.apply(&record)?;
        let tick = TickJson {
            tick: record.tick,
            units: world
                .units
                .iter()
                .map(|u| {
                    [
                        u.id.0,
                        u32::from(u.owner.0),
                        u32::from(u.pos.x),
                        u32::from(u.pos.y),
                        u32::from(u.hp),
                    ]
                })
                .collect(),
            cores: world
                .cores
                .iter()
                .map(|c| {
                    [
                        u32::from(c.owner.0),
                        u32::from(c.pos.x),
                        u32::from(c.pos.y),
                        u32::from(c.hp),
                    ]
                })
                .collect(),
            energy: world.scores.iter().map(|s| s.energy).collect(),
            scores: world.scores.iter().map(|s| s.units).collect(),
            bots: (0..players)
                .map(|seat| {
                    let rejected = resim.rejected_total(seat) - rejected_before[seat];
                    let mut bot = BotJson::new(
                        record.bots.iter().find(|b| b.seat as usize == seat),
                        rejected,
                    );
                    bot.init = (record.inits.iter().rev())
                        .find(|i| i.seat as usize == seat)
                        .map(InitJson::new);
                    bot
                })
                .collect(),
            hash: hex(&hash),
        };
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&serde_json::to_string(&tick).map_err(|e| ReplayError::Io(e.to_string()))?);
    }
    let summary = reader
        .summary()
        .cloned()
        .ok_or_else(|| ReplayError::Malformed {
            offset: 0,
            what: "no summary".into(),
        })?;
    out.push_str("],\"result\":");
    out.push_str(&result_json(&header, &summary).to_string());
    out.push('}');
    Ok(out)
}

/// One tick for the viewer (see `docs/replay.md`, "Viewer data").
#[derive(Serialize)]
struct TickJson<'a> {
    tick: u32,
    /// `[id, owner, x, y, hp]`
    units: Vec<[u32; 5]>,
    /// `[owner, x, y, hp]`
    cores: Vec<[u32; 4]>,
    energy: Vec<u32>,
    scores: Vec<u32>,
    bots: Vec<BotJson<'a>>,
    hash: String,
}

#[derive(Serialize)]
struct BotJson<'a> {
    called: bool,
    outcome: &'a str,
    detail: &'a str,
    fuel: u64,
    budget: u64,
    actions: &'a [Action],
    rejected: u64,
    logs: &'a [String],
    /// The seat's (re)start before this tick's call: tick 0, or after a
    /// `reset`; `null` otherwise.
    init: Option<InitJson<'a>>,
}

/// Instantiation and `lockstep_init`: its outcome, fuel and log lines.
#[derive(Serialize)]
struct InitJson<'a> {
    outcome: &'a str,
    detail: &'a str,
    fuel: u64,
    logs: &'a [String],
    logs_dropped: u32,
}

impl<'a> InitJson<'a> {
    fn new(init: &'a InitRecord) -> InitJson<'a> {
        InitJson {
            outcome: &init.outcome.kind,
            detail: &init.outcome.detail,
            fuel: init.fuel,
            logs: &init.logs,
            logs_dropped: init.logs_dropped,
        }
    }
}

impl<'a> BotJson<'a> {
    fn new(record: Option<&'a BotRecord>, rejected: u64) -> BotJson<'a> {
        match record {
            Some(bot) => BotJson {
                called: true,
                outcome: &bot.outcome.kind,
                detail: &bot.outcome.detail,
                fuel: bot.fuel,
                budget: bot.budget,
                actions: &bot.actions,
                rejected,
                logs: &bot.logs,
                init: None,
            },
            None => BotJson {
                called: false,
                outcome: "",
                detail: "",
                fuel: 0,
                budget: 0,
                actions: &[],
                rejected,
                logs: &[],
                init: None,
            },
        }
    }
}

fn header_json(header: &ReplayHeader) -> Value {
    let config = &header.config;
    json!({
        "engine": header.engine_version,
        "wasmtime": header.wasmtime_version,
        "rules_version": header.rules_version,
        "replay_format": FORMAT_VERSION,
        "map": {
            "name": header.map.name,
            "width": header.map.rows.first().map_or(0, |r| r.len()),
            "height": header.map.rows.len(),
            "rows": header.map.rows,
        },
        "seed": config.seed,
        "config": {
            "tick_fuel": config.tick_fuel,
            "init_fuel": config.init_fuel,
            "bucket_cap": config.bucket_cap,
            "overrun": config.overrun,
            "max_ticks": config.game.max_ticks,
        },
        "players": header.players.iter().enumerate().map(|(seat, p)| json!({
            "seat": seat,
            "bot": p.bot,
            "module_hash": hex(&p.module_hash),
            "encoding": p.encoding,
        })).collect::<Vec<_>>(),
    })
}

fn result_json(header: &ReplayHeader, summary: &Summary) -> Value {
    let winner = summary.winner.map(|w| w as usize);
    json!({
        "winner": winner,
        "winner_bot": winner.and_then(|w| header.players.get(w)).map(|p| p.bot.clone()),
        "ticks": summary.ticks,
        "final_hash": hex(&summary.final_hash),
        "scores": summary.scores.iter().map(|s| json!({
            "alive": s.alive,
            "eliminated_at": s.eliminated_at,
            "units": s.units,
            "energy": s.energy,
            "core_hp": s.core_hp,
        })).collect::<Vec<_>>(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
