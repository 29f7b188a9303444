//! The pieces every page is made of: escaping, the shared layout, and the
//! small formatters for ratings, hashes, counts and times.
//!
//! Every string that comes from a user or a bot (player and bot names, log
//! lines, a validator's message quoting the module) goes through [`esc`]
//! before it reaches a page; numbers and our own fixed text need not.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// `text` made safe as HTML text and as a quoted attribute value.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` as one path segment of a URL (for `/players/{name}`): everything
/// but unreserved characters percent-encoded, so it is also safe in HTML.
pub fn url_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Which item of the navigation bar a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Leaderboard,
    Matches,
    Upload,
    Register,
    None,
}

/// One HTML page in the site's layout.
pub struct Page {
    pub status: StatusCode,
    pub title: String,
    pub nav: Nav,
    /// Reload the page after this many seconds (a match still in the queue).
    pub refresh: Option<u32>,
    /// The content of `<main>`, already escaped.
    pub body: String,
}

impl Page {
    pub fn new(title: impl Into<String>, nav: Nav, body: String) -> Page {
        Page {
            status: StatusCode::OK,
            title: title.into(),
            nav,
            refresh: None,
            body,
        }
    }

    pub fn render(&self) -> String {
        let mut nav = String::new();
        for (item, href, label) in [
            (Nav::Leaderboard, "/", "Leaderboard"),
            (Nav::Matches, "/matches", "Matches"),
            (Nav::Upload, "/upload", "Upload a bot"),
            (Nav::Register, "/register", "Register"),
        ] {
            let current = if item == self.nav {
                r#" aria-current="page""#
            } else {
                ""
            };
            let _ = write!(nav, r#"<a href="{href}"{current}>{label}</a>"#);
        }
        let refresh = self
            .refresh
            .map(|s| format!(r#"<meta http-equiv="refresh" content="{s}">"#))
            .unwrap_or_default();
        format!(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{refresh}<title>{title} · Lockstep</title>
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<header class="top"><a class="brand" href="/"><span class="logo" aria-hidden="true"></span>Lockstep</a><nav>{nav}</nav></header>
<main>
{body}
</main>
<footer>Lockstep {version} · bots run in WebAssembly under a fuel budget: same bots, map and seed, same match.</footer>
</body>
</html>
"#,
            title = esc(&self.title),
            body = self.body,
            version = lockstep_sim::replay::ENGINE_VERSION,
        )
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.render()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(super::CSP),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        response
    }
}

/// The game this server plays, for a page: its name and its title.
pub fn game_named(game: crate::game::HostedGame) -> String {
    format!(
        r#"<strong class="game">{}</strong> ({})"#,
        esc(game.name()),
        esc(game.def().title())
    )
}

/// `1234567` as `1,234,567` (the CLI's formatting, shared).
pub fn count(n: u64) -> String {
    lockstep_sim::tune::stats::thousands(n)
}

/// A fuel amount, short: `812`, `45.3k`, `1.20M`.
pub fn fuel(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.2}M", n / 1e6)
    } else if n >= 1e4 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// A module or state hash: its first 12 characters, the whole in a tooltip.
pub fn hash(full: &str) -> String {
    let short: String = full.chars().take(12).collect();
    format!(
        r#"<code class="hash" title="{}">{}</code>"#,
        esc(full),
        esc(&short)
    )
}

/// The conservative rating the ladder is ordered by: mu − 3σ.
pub fn conservative(mu: f64, sigma: f64) -> f64 {
    mu - 3.0 * sigma
}

/// `25.0 ± 8.3`.
pub fn mu_sigma(mu: f64, sigma: f64) -> String {
    format!("{mu:.1} ± {sigma:.1}")
}

/// Unix milliseconds as `2025-03-01 14:05 UTC` (no time-zone data needed).
pub fn time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// A `<time>` element for unix milliseconds in full, or a dash.
pub fn time_el(ms: Option<i64>) -> String {
    match ms {
        Some(ms) => format!(r#"<time class="when">{}</time>"#, time(ms)),
        None => "–".to_string(),
    }
}

/// A `<time>` element for a table: the time of day when it is today
/// (UTC), else the date; the full time in its tooltip.
pub fn when(ms: i64) -> String {
    format!(
        r#"<time class="when" title="{}">{}</time>"#,
        time(ms),
        time_short(ms, crate::db::now_ms())
    )
}

/// `14:05 UTC` when `ms` is on the same UTC day as `now`, else `2025-03-01`.
fn time_short(ms: i64, now: i64) -> String {
    let full = time(ms);
    if ms.div_euclid(86_400_000) == now.div_euclid(86_400_000) {
        full[11..].to_string()
    } else {
        full[..10].to_string()
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A match's state as a coloured badge.
pub fn state_badge(state: &str) -> String {
    let class = match state {
        "finished" => "done",
        "failed" => "bad",
        "running" => "live",
        _ => "wait",
    };
    format!(r#"<span class="badge {class}">{}</span>"#, esc(state))
}

/// A win, draw or loss from one bot's side, as a badge.
pub fn outcome_badge(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Win => r#"<span class="badge win">win</span>"#,
        Outcome::Draw => r#"<span class="badge draw">draw</span>"#,
        Outcome::Loss => r#"<span class="badge loss">loss</span>"#,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    Win,
    Draw,
    Loss,
}

impl Outcome {
    /// How a finished match went for `seat`.
    pub fn of(seat: i64, winner_seat: Option<i64>) -> Outcome {
        match winner_seat {
            None => Outcome::Draw,
            Some(w) if w == seat => Outcome::Win,
            Some(_) => Outcome::Loss,
        }
    }
}

/// An error page: the status, a heading and a message (escaped here).
pub fn error_page(status: StatusCode, message: &str) -> Page {
    let heading = status.canonical_reason().unwrap_or("Error");
    let mut page = Page::new(
        heading,
        Nav::None,
        format!(
            r#"<section class="card narrow"><h1>{heading}</h1><p>{}</p><p><a href="/">Back to the leaderboard</a></p></section>"#,
            esc(message)
        ),
    );
    page.status = status;
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_escapes_every_special_character() {
        assert_eq!(esc(""), "");
        assert_eq!(esc("plain text, ünïcode ✓"), "plain text, ünïcode ✓");
        assert_eq!(
            esc(r#"<script>alert("x")</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        );
        assert_eq!(esc("a & b"), "a &amp; b");
        assert_eq!(esc("it's"), "it&#39;s");
        // Already-escaped text is escaped again, not trusted.
        assert_eq!(esc("&lt;"), "&amp;lt;");
        // Nothing that could open a tag or end an attribute survives.
        let hostile = r#""><img src=x onerror=alert(1)>'<!-- </textarea>"#;
        let out = esc(hostile);
        for bad in ['<', '>', '"', '\''] {
            assert!(!out.contains(bad), "{bad:?} in {out}");
        }
    }

    #[test]
    fn url_segments_are_percent_encoded() {
        assert_eq!(url_segment("alice_01"), "alice_01");
        assert_eq!(url_segment("a b/c?d"), "a%20b%2Fc%3Fd");
        assert_eq!(url_segment("\"><"), "%22%3E%3C");
        assert_eq!(url_segment("é"), "%C3%A9");
    }

    #[test]
    fn counts_fuel_and_times_read_well() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(fuel(812.4), "812");
        assert_eq!(fuel(45_300.0), "45.3k");
        assert_eq!(fuel(1_204_000.0), "1.20M");
        assert_eq!(time(0), "1970-01-01 00:00 UTC");
        assert_eq!(time(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(time(1_740_837_900_000), "2025-03-01 14:05 UTC");
        assert_eq!(
            time_short(1_740_837_900_000, 1_740_870_000_000),
            "14:05 UTC"
        );
        assert_eq!(
            time_short(1_740_837_900_000, 1_740_960_000_000),
            "2025-03-01"
        );
        assert_eq!(mu_sigma(25.0, 25.0 / 3.0), "25.0 ± 8.3");
        assert!(conservative(25.0, 25.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn outcomes_from_the_winner_seat() {
        assert_eq!(Outcome::of(0, Some(0)), Outcome::Win);
        assert_eq!(Outcome::of(1, Some(0)), Outcome::Loss);
        assert_eq!(Outcome::of(1, None), Outcome::Draw);
    }

    #[test]
    fn the_layout_escapes_the_title_and_marks_the_current_page() {
        let page = Page::new("<b>x</b>", Nav::Matches, "<p>body</p>".into()).render();
        assert!(page.contains("<title>&lt;b&gt;x&lt;/b&gt; · Lockstep</title>"));
        assert!(page.contains(r#"<a href="/matches" aria-current="page">"#));
        assert!(page.contains("<p>body</p>"));
        assert!(!page.contains("http-equiv"));
        let mut page = Page::new("t", Nav::None, String::new());
        page.refresh = Some(3);
        assert!(page.render().contains(r#"content="3""#));
    }
}
