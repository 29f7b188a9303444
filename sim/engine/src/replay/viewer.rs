//! The viewer's data: the replay with every tick's whole world filled in by
//! [`Resim`], as the JSON that `assets/viewer/` reads (documented in
//! `docs/replay.md`, "Viewer data").

use super::format::{BotRecord, InitRecord, ReplayHeader, Summary};
use super::reader::ReplayReader;
use super::resim::Resim;
use super::{FORMAT_VERSION, ReplayError};
use lockstep_game_api::GameDef;
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
            world: world.view,
            bots: (0..players)
                .map(|seat| {
                    let rejected = resim.rejected_total(seat) - rejected_before[seat];
                    let mut bot = BotJson::new(
                        resim.def(),
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
        let mut tick = serde_json::to_value(&tick).map_err(|e| ReplayError::Io(e.to_string()))?;
        flatten_world(&mut tick);
        out.push_str(&tick.to_string());
    }
    // The world after the last tick: the board as the match ended (each
    // tick shows the world its bots saw, before their orders).
    let end = resim.world();
    let mut last = json!({ "tick": end.tick });
    if let (Some(last), Value::Object(view)) = (last.as_object_mut(), end.view) {
        for (key, value) in view {
            last.entry(key).or_insert(value);
        }
    }
    out.push_str("],\"final\":");
    out.push_str(&last.to_string());
    let summary = reader
        .summary()
        .cloned()
        .ok_or_else(|| ReplayError::Malformed {
            offset: 0,
            what: "no summary".into(),
        })?;
    out.push_str(",\"result\":");
    out.push_str(&result_json(&header, &summary).to_string());
    out.push('}');
    Ok(out)
}

/// One tick for the viewer (see `docs/replay.md`, "Viewer data"): the
/// game's view of the world (its keys are the tick's own, for the game's
/// renderer), then what every bot did.
#[derive(Serialize)]
struct TickJson<'a> {
    tick: u32,
    world: Value,
    bots: Vec<BotJson<'a>>,
    hash: String,
}

/// The `world` object's keys moved up into the tick (the renderer reads
/// them there; a key the tick already has is kept as the tick's).
fn flatten_world(tick: &mut Value) {
    let Some(object) = tick.as_object_mut() else {
        return;
    };
    if let Some(Value::Object(world)) = object.remove("world") {
        for (key, value) in world {
            object.entry(key).or_insert(value);
        }
    }
}

#[derive(Serialize)]
struct BotJson<'a> {
    called: bool,
    outcome: &'a str,
    detail: &'a str,
    fuel: u64,
    budget: u64,
    /// The orders in the game's JSON (serde's form of its action type).
    actions: Value,
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
    fn new(def: &dyn GameDef, record: Option<&'a BotRecord>, rejected: u64) -> BotJson<'a> {
        match record {
            Some(bot) => BotJson {
                called: true,
                outcome: &bot.outcome.kind,
                detail: &bot.outcome.detail,
                fuel: bot.fuel,
                budget: bot.budget,
                actions: def
                    .actions_json(&bot.actions)
                    .unwrap_or_else(|e| json!({ "undecodable": e.to_string() })),
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
                actions: json!([]),
                rejected,
                logs: &[],
                init: None,
            },
        }
    }
}

fn header_json(header: &ReplayHeader) -> Value {
    let config = &header.config;
    let rows: Vec<&str> = header.map.data.lines().collect();
    json!({
        "engine": header.engine_version,
        "wasmtime": header.wasmtime_version,
        "game": config.game,
        "rules_version": header.rules_version,
        "replay_format": FORMAT_VERSION,
        "map": {
            "name": header.map.name,
            "width": rows.first().map_or(0, |r| r.len()),
            "height": rows.len(),
            "rows": rows,
        },
        "seed": config.seed,
        "config": {
            "tick_fuel": config.tick_fuel,
            "init_fuel": config.init_fuel,
            "bucket_cap": config.bucket_cap,
            "overrun": config.overrun,
            "max_ticks": config.settings.get_u64("max_ticks"),
            "settings": config.settings.0,
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
        "ranking": summary.ranking,
        "scores": summary.scores.iter().map(|s| s.0.clone()).collect::<Vec<_>>(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
