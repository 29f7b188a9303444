//! The fuel distributions as an SVG chart, written by hand (no plotting
//! dependency): per bot, the share of bot-ticks that needed more than x
//! fuel (a complementary CDF, both axes logarithmic), with each candidate
//! budget as a vertical line. Where a bot's curve crosses a budget's line
//! is the share of its ticks that budget cuts off; the recommended budget
//! is the thick green line. Tick 0 is left out, as in the percentiles.

use super::report::TuneReport;
use super::stats::{count_of, percent, short, thousands};
use std::fmt::Write;

const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 620.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 250.0;
const TOP: f64 = 130.0;
const BOTTOM: f64 = 70.0;
/// Bot colours (green is kept for the recommended budget).
const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
];
const RECOMMENDED: &str = "#2ca02c";

/// Log-log axes: fuel across, share (in %) up.
struct Axes {
    x_lo: f64,
    x_hi: f64,
    y_lo: f64,
}

impl Axes {
    fn x(&self, fuel: f64) -> f64 {
        let t = (fuel.max(self.x_lo).log10() - self.x_lo.log10())
            / (self.x_hi.log10() - self.x_lo.log10());
        LEFT + t.clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT)
    }

    /// `share` in percent, 100 at the top.
    fn y(&self, share: f64) -> f64 {
        let t =
            (100f64.log10() - share.max(self.y_lo).log10()) / (100f64.log10() - self.y_lo.log10());
        TOP + t.clamp(0.0, 1.0) * (HEIGHT - TOP - BOTTOM)
    }

    fn bottom(&self) -> f64 {
        HEIGHT - BOTTOM
    }
}

/// The chart as a standalone SVG document.
pub fn svg(report: &TuneReport) -> String {
    let bots: Vec<(usize, &super::sample::BotSamples)> = report
        .samples
        .bots
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.ticks.is_empty())
        .collect();
    let budgets: Vec<u64> = report.overall.cutoffs.iter().map(|c| c.budget).collect();
    let smallest = bots
        .iter()
        .map(|(_, b)| b.ticks[0])
        .min()
        .unwrap_or(1)
        .max(1);
    let largest = bots
        .iter()
        .filter_map(|(_, b)| b.ticks.last().copied())
        .chain(budgets.iter().copied())
        .max()
        .unwrap_or(10)
        .max(10);
    // The "all bots" curve (drawn when there are several) has the most ticks.
    let most_ticks: usize = if bots.len() > 1 {
        bots.iter().map(|(_, b)| b.ticks.len()).sum()
    } else {
        bots.iter().map(|(_, b)| b.ticks.len()).max().unwrap_or(1)
    };
    let axes = Axes {
        x_lo: 10f64.powf((smallest as f64).log10().floor()),
        x_hi: 10f64.powf((largest as f64 * 1.05).log10().ceil()),
        y_lo: 10f64
            .powf((100.0 / most_ticks as f64).log10().floor())
            .min(1.0),
    };

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    title(&mut out, report);
    grid(&mut out, &axes);
    budget_lines(&mut out, report, &axes, &budgets);
    for &(index, bot) in &bots {
        curve(
            &mut out,
            &axes,
            &bot.ticks,
            COLOURS[index % COLOURS.len()],
            2.0,
            "",
        );
    }
    if bots.len() > 1 {
        curve(
            &mut out,
            &axes,
            &report.samples.all_ticks(),
            "#000",
            1.5,
            r#" stroke-dasharray="6 4""#,
        );
    }
    legend(&mut out, report, &bots);
    out.push_str("</svg>\n");
    out
}

fn title(out: &mut String, report: &TuneReport) {
    let s = &report.sampling;
    let _ = writeln!(
        out,
        r#"<text x="{LEFT}" y="28" font-size="19" font-weight="bold">Fuel per bot-tick: share of ticks that needed more than x</text>"#
    );
    let _ = writeln!(
        out,
        r##"<text x="{LEFT}" y="50" fill="#444">{} of {} players on {}; {} bot-ticks (tick 0 left out); probe budget {}; {} build</text>"##,
        count_of(s.matches, "match", "matches"),
        s.players,
        escape(&s.maps.join(", ")),
        thousands(s.bot_ticks - s.first_ticks),
        short(s.probe_fuel),
        report.build
    );
}

/// Axes, decade grid lines and their labels, axis titles.
fn grid(out: &mut String, axes: &Axes) {
    let (left, right, top, bottom) = (LEFT, WIDTH - RIGHT, TOP, axes.bottom());
    let mut decade = axes.x_lo;
    while decade <= axes.x_hi * 1.0001 {
        for step in [1.0, 2.0, 5.0] {
            let fuel = decade * step;
            if fuel > axes.x_hi * 1.0001 {
                break;
            }
            let x = axes.x(fuel);
            let (stroke, label) = if step == 1.0 {
                ("#ccc", true)
            } else {
                ("#eee", false)
            };
            let _ = writeln!(
                out,
                r#"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{bottom}" stroke="{stroke}"/>"#
            );
            if label || (axes.x_hi / axes.x_lo) <= 1e3 {
                let _ = writeln!(
                    out,
                    r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="{}">{}</text>"#,
                    bottom + 18.0,
                    if label { "#000" } else { "#666" },
                    short(fuel.round() as u64)
                );
            }
        }
        decade *= 10.0;
    }
    let mut share = 100.0;
    while share >= axes.y_lo * 0.999 {
        let y = axes.y(share);
        let _ = writeln!(
            out,
            r##"<line x1="{left}" y1="{y:.1}" x2="{right}" y2="{y:.1}" stroke="#ccc"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}%</text>"##,
            left - 6.0,
            y + 4.0,
            trim_share(share)
        );
        share /= 10.0;
    }
    let _ = writeln!(
        out,
        r##"<rect x="{left}" y="{top}" width="{:.1}" height="{:.1}" fill="none" stroke="#333"/>"##,
        right - left,
        bottom - top
    );
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="14">fuel used by one call (log scale)</text>"#,
        (left + right) / 2.0,
        bottom + 44.0
    );
    let _ = writeln!(
        out,
        r#"<text transform="translate(24 {:.1}) rotate(-90)" text-anchor="middle" font-size="14">bot-ticks that needed more (log scale)</text>"#,
        (top + bottom) / 2.0
    );
}

/// The candidate budgets: dashed grey, the config's dark grey, the
/// recommended thick green; labels above the chart, staggered when close.
fn budget_lines(out: &mut String, report: &TuneReport, axes: &Axes, budgets: &[u64]) {
    let recommended = report.recommendation.map(|r| r.tick_fuel);
    let mut last_x = [f64::NEG_INFINITY; 3];
    for &budget in budgets {
        let x = axes.x(budget as f64);
        let is_recommended = recommended == Some(budget);
        let is_config = budget == report.config.tick_fuel;
        let (stroke, width, dash, weight) = if is_recommended {
            (RECOMMENDED, 3.5, "", "bold")
        } else if is_config {
            ("#555", 1.8, r#" stroke-dasharray="8 4""#, "bold")
        } else {
            ("#888", 1.2, r#" stroke-dasharray="4 4""#, "normal")
        };
        let _ = writeln!(
            out,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="{stroke}" stroke-width="{width}"{dash}/>"#,
            axes.bottom()
        );
        let mut label = short(budget);
        if is_config {
            label.push_str(" (config)");
        }
        if report.smallest_cutting_none == Some(budget) && !is_recommended {
            label.push_str(" (none cut off)");
        }
        if is_recommended {
            label = format!("recommended {label}");
        }
        // Three rows of labels; take the first whose last label is far enough left.
        let half = label.len() as f64 * 3.6;
        let row = (0..3).find(|&r| x - half > last_x[r] + 6.0).unwrap_or(2);
        last_x[row] = x + half;
        let _ = writeln!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="{}" font-weight="{weight}">{}</text>"#,
            TOP - 10.0 - 17.0 * row as f64,
            if is_recommended { RECOMMENDED } else { "#333" },
            escape(&label)
        );
    }
}

/// One bot's complementary CDF as a step line: at fuel x, the share of its
/// ticks that used more than x. It drops to the bottom at its maximum.
fn curve(out: &mut String, axes: &Axes, sorted: &[u64], colour: &str, width: f64, extra: &str) {
    let n = sorted.len();
    if n == 0 {
        return;
    }
    let mut path = format!("M{:.1},{:.1}", axes.x(axes.x_lo), axes.y(100.0));
    let mut last_x = f64::NEG_INFINITY;
    let mut i = 0;
    while i < n {
        let value = sorted[i];
        let end = i + sorted[i..].partition_point(|&v| v == value);
        let x = axes.x(value as f64);
        let above = (n - end) as f64 * 100.0 / n as f64;
        let y = if end == n {
            axes.bottom()
        } else {
            axes.y(above)
        };
        // Steps closer than half a pixel are merged: the line looks the same.
        if x - last_x >= 0.5 || end == n {
            let _ = write!(path, " H{x:.1} V{y:.1}");
            last_x = x;
        } else {
            let _ = write!(path, " V{y:.1}");
        }
        i = end;
    }
    let _ = writeln!(
        out,
        r#"<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"{extra}/>"#
    );
}

fn legend(out: &mut String, report: &TuneReport, bots: &[(usize, &super::sample::BotSamples)]) {
    let x = WIDTH - RIGHT + 20.0;
    let mut y = TOP + 10.0;
    let _ = writeln!(
        out,
        r#"<text x="{x}" y="{y}" font-weight="bold">bot: ticks, p99</text>"#
    );
    let mut entry = |colour: &str, dash: &str, name: &str, detail: String| {
        y += 24.0;
        let _ = writeln!(
            out,
            r##"<line x1="{x}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="3"{dash}/><text x="{:.1}" y="{y:.1}">{}</text><text x="{:.1}" y="{:.1}" fill="#555" font-size="12">{}</text>"##,
            y - 4.0,
            x + 26.0,
            y - 4.0,
            x + 32.0,
            escape(name),
            x + 32.0,
            y + 14.0,
            escape(&detail)
        );
        y += 12.0;
    };
    for &(index, bot) in bots {
        let report_bot = &report.bots[index];
        let detail = report_bot.ticks.as_ref().map_or(String::new(), |s| {
            format!("{} ticks, p99 {}", thousands(s.count), short(s.p99))
        });
        entry(COLOURS[index % COLOURS.len()], "", &bot.name, detail);
    }
    if bots.len() > 1
        && let Some(s) = &report.overall.ticks
    {
        entry(
            "#000",
            r#" stroke-dasharray="6 4""#,
            "all bots",
            format!("{} ticks, p99 {}", thousands(s.count), short(s.p99)),
        );
    }
    if let Some(r) = report.recommendation {
        y += 30.0;
        let lines = [
            format!("recommended {}", short(r.tick_fuel)),
            format!(
                "cuts off {} of {}",
                thousands(r.cut_off),
                thousands(r.calls)
            ),
            format!("bot-ticks ({})", percent(r.cut_off, r.calls)),
            format!("worst-case tick {:.1} ms", r.worst_ms),
            format!(
                "({} players, {})",
                report.projection.players,
                super::text::on_threads(report.projection.threads)
            ),
        ];
        for (i, line) in lines.iter().enumerate() {
            let _ = writeln!(
                out,
                r#"<text x="{x}" y="{:.1}" fill="{}"{}>{}</text>"#,
                y + 17.0 * i as f64,
                if i == 0 { RECOMMENDED } else { "#333" },
                if i == 0 { r#" font-weight="bold""# } else { "" },
                escape(line)
            );
        }
    }
}

/// 100 → `100`, 0.01 → `0.01`.
fn trim_share(share: f64) -> String {
    let text = format!("{share:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
