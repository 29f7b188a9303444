//! The human-readable standings.

use lockstep_sim::match_loop::{MatchResult, OverrunPolicy};
use std::fmt::Write;

/// Fuel as a short figure: 1234 → 1.2k, 12345678 → 12.3M.
fn short(fuel: u64) -> String {
    match fuel {
        0..1_000 => fuel.to_string(),
        1_000..1_000_000 => format!("{:.1}k", fuel as f64 / 1e3),
        _ => format!("{:.1}M", fuel as f64 / 1e6),
    }
}

pub fn standings(result: &MatchResult) -> String {
    let mut out = String::new();
    let verdict = match (&result.winner, &result.winner_bot) {
        (Some(seat), Some(bot)) => format!("{bot} (seat {seat}) wins"),
        _ => "draw".to_string(),
    };
    let _ = writeln!(
        out,
        "{} on map {}, seed {}, {} ticks: {verdict}\n",
        result.game, result.map, result.seed, result.ticks
    );
    // Suspended ticks only exist under `resume`: the column only then.
    let resume = result.overrun == OverrunPolicy::Resume;
    let suspended = |count: String| {
        if resume {
            format!(" {count:>9}")
        } else {
            String::new()
        }
    };
    // The game's score numbers, one column each (`alive` and
    // `eliminated_at` show in the result column).
    let keys: Vec<String> = (result.players.first())
        .and_then(|p| p.score.0.as_object())
        .map(|o| {
            (o.iter())
                .filter(|(k, v)| k.as_str() != "eliminated_at" && (v.is_number() || v.is_string()))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    let cell = |p: &lockstep_sim::match_loop::PlayerResult, k: &str| match p.score.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => "-".into(),
    };
    // Each column as wide as its key or its widest value.
    let widths: Vec<usize> = (keys.iter())
        .map(|k| {
            (result.players.iter())
                .map(|p| cell(p, k).chars().count())
                .fold(k.len().max(5), usize::max)
        })
        .collect();
    let score_cells = |p: Option<&lockstep_sim::match_loop::PlayerResult>| -> String {
        keys.iter()
            .zip(&widths)
            .map(|(k, &width)| {
                let text = p.map_or_else(|| k.clone(), |p| cell(p, k));
                format!(" {text:>width$}")
            })
            .collect()
    };
    // The bot column fits the longest name (bundled names run to 20).
    let bot_width = (result.players.iter())
        .map(|p| p.bot.chars().count())
        .max()
        .unwrap_or(0)
        .max(16);
    let _ = writeln!(
        out,
        "{:<4} {:<bot_width$} {:<9}{}  {:>9} {:>9}  {:>7} {:>5} {:>7} {:>7}{}",
        "seat",
        "bot",
        "result",
        score_cells(None),
        "fuel avg",
        "fuel max",
        "cutoffs",
        "traps",
        "bad out",
        "invalid",
        suspended("suspended".into())
    );
    for p in &result.players {
        let standing = if result.winner == Some(p.seat) {
            "won".to_string()
        } else if let Some(tick) = p.score.get_u64("eliminated_at") {
            format!("out @{tick}")
        } else if result.winner.is_none() && p.rank == 0 {
            "draw".to_string()
        } else if result.players.len() > 2 {
            format!("place {}", p.rank + 1)
        } else {
            "lost".to_string()
        };
        let avg = p
            .fuel_total
            .checked_div(u64::from(p.ticks_played))
            .unwrap_or(0);
        let _ = writeln!(
            out,
            "{:<4} {:<bot_width$} {:<9}{}  {:>9} {:>9}  {:>7} {:>5} {:>7} {:>7}{}",
            p.seat,
            p.bot,
            standing,
            score_cells(Some(p)),
            short(avg),
            short(p.fuel_max_tick),
            p.cutoffs,
            p.traps,
            p.bad_outputs,
            p.invalid_actions,
            suspended(p.suspensions.to_string())
        );
    }
    let mut notes = String::new();
    for p in &result.players {
        if !p.init.is_ok() {
            let _ = writeln!(notes, "  seat {} ({}): init: {}", p.seat, p.bot, p.init);
        }
        if let Some(failure) = &p.first_failure {
            let _ = writeln!(
                notes,
                "  seat {} ({}): first failure at tick {}: {}",
                p.seat, p.bot, failure.tick, failure.outcome
            );
        }
    }
    if !notes.is_empty() {
        let _ = write!(out, "\nproblems:\n{notes}");
    }
    if result.bucket_cap > 0 {
        let _ = writeln!(
            out,
            "\nbucket: at most {} saved;{}",
            short(result.bucket_cap),
            result
                .players
                .iter()
                .map(|p| format!(" seat {} saved up to {}", p.seat, short(p.bucket_max)))
                .collect::<Vec<_>>()
                .join(",")
        );
    }
    let _ = writeln!(out, "\nfinal state hash {}", result.final_hash);
    out
}
