//! `lockstep replay show`: a replay's summary, or one tick in full.

use super::replay_cmd::open;
use lockstep_game_api::GameDef;
use lockstep_sim::replay::{BotRecord, ReplayHeader, Resim, TickRecord, WorldAt};
use lockstep_sim::sandbox::ModuleHash;
use std::fmt::Write;
use std::path::Path;

/// Per-seat totals over the whole replay.
#[derive(Default)]
struct Totals {
    calls: u32,
    fuel: u64,
    fuel_max: u64,
    orders: u64,
    failures: u32,
    first_failure: Option<(u32, String)>,
    log_lines: u64,
}

pub fn show(file: &Path, tick: Option<u32>) -> Result<(), String> {
    let mut reader = open(file)?;
    let fail = |e: lockstep_sim::replay::ReplayError| format!("replay '{}': {e}", file.display());
    let header = reader.header().clone();
    if let Some(wanted) = tick {
        let mut resim = Resim::new(&header).map_err(fail)?;
        while let Some(record) = reader.next_tick().map_err(fail)? {
            if record.tick == wanted {
                // The world the bots saw, then the step: the whole state
                // hash after it (the file keeps 16 bytes, checked on the way).
                let world = resim.world();
                let hash = resim.apply(&record).map_err(fail)?;
                print!(
                    "{}",
                    tick_text(resim.def(), &header, &world, &record, &hash)
                );
                return Ok(());
            }
            resim.apply(&record).map_err(fail)?;
        }
        let played = reader.summary().map_or(0, |s| s.ticks);
        return Err(format!(
            "replay '{}' has ticks 0 to {}; there is no tick {wanted}",
            file.display(),
            played.saturating_sub(1)
        ));
    }
    let def = lockstep_sim::games::find(&header.config.game).map_err(|e| e.to_string())?;
    let mut totals: Vec<Totals> = header.players.iter().map(|_| Totals::default()).collect();
    while let Some(record) = reader.next_tick().map_err(fail)? {
        for bot in &record.bots {
            let t = &mut totals[bot.seat as usize];
            t.calls += 1;
            t.fuel += bot.fuel;
            t.fuel_max = t.fuel_max.max(bot.fuel);
            t.orders += def
                .describe_actions(&bot.actions)
                .map_or(0, |a| a.len() as u64);
            t.log_lines += bot.logs.len() as u64;
            if !bot.outcome.is_ok() && bot.outcome.kind != "suspended" {
                t.failures += 1;
                t.first_failure
                    .get_or_insert((record.tick, bot.outcome.to_string()));
            }
        }
    }
    let summary = reader.summary().cloned().ok_or("no summary")?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let c = &header.config;
    let mut out = String::new();
    let _ = writeln!(out, "replay     {} ({bytes} bytes)", file.display());
    let _ = writeln!(
        out,
        "recorded   lockstep {}, wasmtime {}, rules v{}, ABI v{}",
        header.engine_version, header.wasmtime_version, header.rules_version, header.abi_version
    );
    let _ = writeln!(
        out,
        "game       {} (rules v{})",
        c.game, header.rules_version
    );
    let _ = writeln!(
        out,
        "map        {}{}, seed {}",
        header.map.name,
        grid_size(&header.map.data),
        c.seed
    );
    let bucket = match c.bucket_cap {
        0 => "off".to_string(),
        cap => format!("up to {cap}"),
    };
    let _ = writeln!(
        out,
        "budgets    tick {} fuel, init {}, bucket {bucket}, overrun {}",
        c.tick_fuel,
        c.init_fuel,
        serde_json::to_value(c.overrun)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    );
    let verdict = match summary.winner {
        Some(w) => format!("seat {w} ({}) wins", header.players[w as usize].bot),
        None => "draw".to_string(),
    };
    let _ = writeln!(
        out,
        "result     {verdict} after {} ticks (limit {})",
        summary.ticks,
        c.settings
            .get_u64("max_ticks")
            .map_or("none".to_string(), |t| t.to_string())
    );
    let _ = writeln!(
        out,
        "\n{:<4} {:<16} {:<8} {:<12} {:>5} {:>12} {:>11} {:>7} {:>8}  score",
        "seat", "bot", "encoding", "module", "place", "fuel/call", "fuel max", "orders", "failures"
    );
    for (seat, (player, t)) in header.players.iter().zip(&totals).enumerate() {
        let score = &summary.scores[seat];
        let _ = writeln!(
            out,
            "{:<4} {:<16} {:<8} {:<12} {:>5} {:>12} {:>11} {:>7} {:>8}  {}",
            seat,
            player.bot,
            player.encoding,
            &ModuleHash(player.module_hash).to_hex()[..12],
            summary
                .ranking
                .get(seat)
                .map_or("?".to_string(), |place| (place + 1).to_string()),
            t.fuel.checked_div(u64::from(t.calls)).unwrap_or(0),
            t.fuel_max,
            t.orders,
            t.failures,
            score.0
        );
    }
    for (seat, player) in header.players.iter().enumerate() {
        if let Some(runtime) = &player.runtime {
            let _ = writeln!(
                out,
                "seat {seat}: a {} script (module = the script bytes' hash) on {}, runtime {}",
                runtime.language,
                runtime.interpreter,
                &ModuleHash(runtime.hash).to_hex()[..12]
            );
        }
    }
    for (seat, t) in totals.iter().enumerate() {
        if let Some((tick, what)) = &t.first_failure {
            let _ = writeln!(out, "seat {seat}: first failure at tick {tick}: {what}");
        }
    }
    let _ = writeln!(
        out,
        "\nfinal hash  {}\nreplay hash {}",
        ModuleHash(summary.final_hash).to_hex(),
        ModuleHash(summary.replay_hash).to_hex()
    );
    print!("{out}");
    Ok(())
}

/// `" (WxH)"` when the recorded map is a grid of equal rows, else nothing.
fn grid_size(data: &str) -> String {
    let rows: Vec<&str> = data.lines().collect();
    match rows.first() {
        Some(first) if rows.iter().all(|r| r.len() == first.len()) => {
            format!(" ({}x{})", first.len(), rows.len())
        }
        _ => String::new(),
    }
}

/// One tick: what each bot did, then the whole world the bots saw (the
/// game's view, as JSON).
fn tick_text(
    def: &dyn GameDef,
    header: &ReplayHeader,
    world: &WorldAt,
    record: &TickRecord,
    hash: &[u8; 32],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "tick {} of {}", record.tick, header.map.name);
    for (seat, player) in header.players.iter().enumerate() {
        let score = world.scores.get(seat).cloned().unwrap_or_default();
        let _ = writeln!(out, "\nseat {seat} {} — {score}", player.bot);
        for init in record.inits.iter().filter(|i| i.seat as usize == seat) {
            let _ = writeln!(out, "  (re)started: {}, {} fuel", init.outcome, init.fuel);
            for line in &init.logs {
                let _ = writeln!(out, "  init log: {line}");
            }
        }
        match record.bots.iter().find(|b| b.seat as usize == seat) {
            Some(bot) => bot_text(def, &mut out, bot),
            None => {
                let _ = writeln!(out, "  not called this tick");
            }
        }
    }
    let view = serde_json::to_string_pretty(&world.view).unwrap_or_default();
    let _ = writeln!(out, "\nworld at the start of the tick:\n{view}");
    let _ = writeln!(
        out,
        "\nstate hash after the tick: {}",
        ModuleHash(*hash).to_hex()
    );
    out
}

fn bot_text(def: &dyn GameDef, out: &mut String, bot: &BotRecord) {
    let _ = writeln!(
        out,
        "  call: {}, {} of {} fuel",
        bot.outcome, bot.fuel, bot.budget
    );
    match def.describe_actions(&bot.actions) {
        Ok(orders) if orders.is_empty() => {
            let _ = writeln!(out, "  orders: none");
        }
        Ok(orders) => {
            for order in orders {
                let _ = writeln!(out, "  order: {order}");
            }
        }
        Err(e) => {
            let _ = writeln!(out, "  orders: unreadable ({e})");
        }
    }
    for line in &bot.logs {
        let _ = writeln!(out, "  log: {line}");
    }
    if bot.logs_dropped > 0 {
        let _ = writeln!(out, "  ({} more log lines dropped)", bot.logs_dropped);
    }
}
