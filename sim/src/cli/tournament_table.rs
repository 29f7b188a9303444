//! The human-readable tournament report: standings and head to head.

use lockstep_sim::tournament::{Format, Plan, Report};
use std::fmt::Write;

/// Fuel as a short figure: 1234 → 1.2k, 12345678 → 12.3M.
fn short(fuel: u64) -> String {
    match fuel {
        0..1_000 => fuel.to_string(),
        1_000..1_000_000 => format!("{:.1}k", fuel as f64 / 1e3),
        _ => format!("{:.1}M", fuel as f64 / 1e6),
    }
}

pub fn render(report: &Report, plan: &Plan) -> String {
    let mut out = String::new();
    let format = match report.format {
        Format::RoundRobin => "round robin".to_string(),
        Format::Swiss => format!("swiss, {} rounds", report.rounds),
    };
    let games = plan.games_per_pair;
    let _ = writeln!(
        out,
        "{format}: {} bots, maps {}, {games} game{} per pair per map and seat order, \
         seed {}, {} ticks max: {} matches\n",
        plan.bots.len(),
        report.maps.join(", "),
        if games == 1 { "" } else { "s" },
        report.seed,
        plan.config.max_ticks(),
        report.matches
    );
    let swiss = report.format == Format::Swiss;
    let byes = |text: String| {
        if swiss {
            format!(" {text:>4}")
        } else {
            String::new()
        }
    };
    let _ = writeln!(
        out,
        "{:>4}  {:<16} {:>13}  {:>5} {:>5} {:>5}{}  {:>9}  {:>9} {:>9}  {:>7} {:>5}",
        "rank",
        "bot",
        "rating ± 2σ",
        "won",
        "drawn",
        "lost",
        byes("byes".into()),
        "avg score",
        "fuel/tick",
        "p99",
        "cutoffs",
        "traps"
    );
    for s in &report.standings {
        let rating = format!("{:.1} ± {:.1}", s.rating, 2.0 * s.uncertainty);
        let _ = writeln!(
            out,
            "{:>4}  {:<16} {:>13}  {:>5} {:>5} {:>5}{}  {:>9.3}  {:>9} {:>9}  {:>7} {:>5}",
            s.rank,
            s.bot,
            rating,
            s.wins,
            s.draws,
            s.losses,
            byes(s.byes.to_string()),
            s.average_score,
            short(s.fuel_per_tick_mean),
            short(s.fuel_per_tick_p99),
            s.cutoffs,
            s.traps
        );
    }
    let _ = writeln!(
        out,
        "\nrating: Weng-Lin (OpenSkill) μ ± 2σ; avg score: 1 per win, ½ per draw, 0 per loss, \
         per game;\nfuel/tick: mean and 99th percentile of fuel per lockstep_tick call"
    );
    let m = &report.matrix;
    let _ = writeln!(
        out,
        "\nhead to head: wins-draws-losses of the row's bot against the column's"
    );
    let width = m
        .games
        .iter()
        .flatten()
        .map(|g| 3 * g.to_string().len() + 2)
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = write!(out, "{:<20}", "");
    for i in 0..m.bots.len() {
        let _ = write!(out, " {:>width$}", format!("#{}", i + 1));
    }
    let _ = writeln!(out);
    for (i, bot) in m.bots.iter().enumerate() {
        let _ = write!(out, "{:<20}", format!("#{} {bot}", i + 1));
        for j in 0..m.bots.len() {
            let games = m.games[i][j];
            let cell = if i == j {
                "-".to_string()
            } else if games == 0 {
                ".".to_string()
            } else {
                let (wins, draws) = (m.wins[i][j], m.draws[i][j]);
                format!("{wins}-{draws}-{}", games - wins - draws)
            };
            let _ = write!(out, " {cell:>width$}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "\nresults hash {}", report.results_hash);
    out
}
