//! The viewer's data: the replay with every tick's whole world filled in by
//! [`Resim`], as the JSON that `assets/viewer/` reads (documented in
//! `docs/replay.md`, "Viewer data").

use super::format::{BotRecord, ReplayHeader, Summary};
use super::reader::ReplayReader;
use super::resim::Resim;
use super::{FORMAT_VERSION, ReplayError};
use serde_json::{Value, json};
use std::io::Read;

/// Reads the whole replay and returns the viewer's JSON document.
pub fn viewer_json<R: Read>(mut reader: ReplayReader<R>) -> Result<String, ReplayError> {
    let header = reader.header().clone();
    let mut resim = Resim::new(&header)?;
    let players = header.players.len();
    let mut ticks = Vec::new();
    while let Some(record) = reader.next_tick()? {
        let world = resim.world();
        let rejected_before: Vec<u64> = (0..players).map(|s| resim.rejected_total(s)).collect();
        resim.apply(&record)?;
        let bots: Vec<Value> = (0..players)
            .map(|seat| {
                let rejected = resim.rejected_total(seat) - rejected_before[seat];
                bot_json(
                    record.bots.iter().find(|b| b.seat as usize == seat),
                    rejected,
                )
            })
            .collect();
        ticks.push(json!({
            "tick": record.tick,
            "units": world.units.iter()
                .map(|u| json!([u.id.0, u.owner.0, u.pos.x, u.pos.y, u.hp]))
                .collect::<Vec<_>>(),
            "cores": world.cores.iter()
                .map(|c| json!([c.owner.0, c.pos.x, c.pos.y, c.hp]))
                .collect::<Vec<_>>(),
            "energy": world.scores.iter().map(|s| s.energy).collect::<Vec<_>>(),
            "scores": world.scores.iter().map(|s| s.units).collect::<Vec<_>>(),
            "bots": bots,
            "hash": hex(&record.state_hash),
        }));
    }
    let summary = reader
        .summary()
        .cloned()
        .ok_or_else(|| ReplayError::Malformed {
            offset: 0,
            what: "no summary".into(),
        })?;
    let document = json!({
        "format": "lockstep-viewer/1",
        "header": header_json(&header),
        "ticks": ticks,
        "result": result_json(&header, &summary),
    });
    Ok(document.to_string())
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

fn bot_json(record: Option<&BotRecord>, rejected: u64) -> Value {
    match record {
        Some(bot) => json!({
            "called": true,
            "outcome": bot.outcome.kind,
            "detail": bot.outcome.detail,
            "fuel": bot.fuel,
            "budget": bot.budget,
            "actions": bot.actions,
            "rejected": rejected,
            "logs": bot.logs,
        }),
        None => json!({
            "called": false, "outcome": "", "detail": "", "fuel": 0, "budget": 0,
            "actions": [], "rejected": rejected, "logs": [],
        }),
    }
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
