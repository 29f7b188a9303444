//! The leaderboard, a player's page and a bot's page.

use super::html::{
    Nav, Outcome, Page, count, esc, fuel, game_named, hash, mu_sigma, outcome_badge, state_badge,
    time, url_segment, when,
};
use super::queries::{self, BotRow, MatchRow};
use super::{WebError, fetch};
use crate::app::State;
use crate::db::bots::{Bot, Version};
use crate::db::matches::SeatView;
use axum::extract::{Path, State as AxState};
use std::fmt::Write;

/// How many of a bot's matches its page lists.
const BOT_MATCHES: u32 = 25;

/// A link to a bot's page.
pub fn bot_link(id: i64, name: &str) -> String {
    format!(r#"<a href="/bots/{id}">{}</a>"#, esc(name))
}

/// A link to a player's page.
pub fn player_link(name: &str) -> String {
    format!(
        r#"<a class="owner" href="/players/{}">{}</a>"#,
        url_segment(name),
        esc(name)
    )
}

/// How a rated match moved a seat's conservative rating (`+1.2`, `−0.8`),
/// the whole change in its tooltip; a dash when it did not.
pub fn rating_delta(seat: &SeatView) -> String {
    let (Some(mb), Some(sb), Some(ma), Some(sa)) = (
        seat.mu_before,
        seat.sigma_before,
        seat.mu_after,
        seat.sigma_after,
    ) else {
        return r#"<span class="muted">–</span>"#.into();
    };
    let delta = (ma - 3.0 * sa) - (mb - 3.0 * sb);
    let (class, sign) = match delta {
        d if d >= 0.05 => ("up", "+"),
        d if d <= -0.05 => ("down", "−"),
        _ => ("muted", "±"),
    };
    format!(
        r#"<span class="delta {class}" title="μ {mb:.1} → {ma:.1}, σ {sb:.1} → {sa:.1}">{sign}{:.1}</span>"#,
        delta.abs()
    )
}

/// `12–3–4`, or a dash before any finished match.
fn wdl(row: &BotRow) -> String {
    let r = row.record;
    if r.played() == 0 {
        return r#"<span class="muted">–</span>"#.into();
    }
    format!(
        r#"<span class="wdl"><span class="w">{}</span>–<span class="d">{}</span>–<span class="l">{}</span></span>"#,
        r.wins, r.draws, r.losses
    )
}

fn rating_cells(bot: &Bot) -> String {
    format!(
        r#"<td class="num strong">{:.1}</td><td class="num muted">{}</td>"#,
        bot.conservative_rating(),
        mu_sigma(bot.rating_mu, bot.rating_sigma)
    )
}

/// `GET /`: every active bot by conservative rating.
pub async fn leaderboard(AxState(state): AxState<State>) -> Result<Page, WebError> {
    let (bots, counts) = fetch(&state, |conn| {
        Ok((queries::leaderboard(conn)?, queries::match_counts(conn)?))
    })
    .await?;
    let mut body = format!(
        r#"<div class="page-head"><h1>Leaderboard</h1><p class="lede">Bots ranked by their conservative rating, <abbr title="the mean rating minus three standard deviations: what the ladder is fairly sure the bot is worth">μ − 3σ</abbr>. Every upload starts uncertain and climbs as it plays.</p><p class="lede" id="game">This server plays {}.</p></div>"#,
        game_named(state.config.game)
    );
    if bots.is_empty() {
        body.push_str(
            r#"<section class="card empty"><p>No bots yet. <a href="/upload">Upload the first one</a>.</p></section>"#,
        );
    } else {
        body.push_str(
            r#"<section class="card flush"><table class="board" id="leaderboard">
<thead><tr><th class="num">#</th><th>Bot</th><th>Owner</th><th class="num">Rating</th><th class="num"><span class="keep">μ ± σ</span></th><th class="num">Games</th><th class="num" title="wins–draws–losses">W–D–L</th><th class="num">Version</th></tr></thead><tbody>"#,
        );
        for (rank, row) in bots.iter().enumerate() {
            let bot = &row.bot;
            let _ = write!(
                body,
                r#"<tr data-bot="{id}"><td class="num rank">{rank}</td><td class="bot-name wrap">{link}</td><td class="wrap">{owner}</td>{rating}<td class="num">{games}</td><td class="num">{wdl}</td><td class="num">v{version}</td></tr>"#,
                id = bot.id,
                rank = rank + 1,
                link = bot_link(bot.id, &bot.name),
                owner = player_link(&bot.owner),
                rating = rating_cells(bot),
                games = count(bot.games as u64),
                wdl = wdl(row),
                version = bot.version,
            );
        }
        body.push_str("</tbody></table></section>");
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(state, n)| format!("{} {}", count(*n as u64), esc(state)))
        .collect();
    if !summary.is_empty() {
        let _ = write!(
            body,
            r#"<p class="muted small">Matches: {}. <a href="/matches">Recent matches</a></p>"#,
            summary.join(" · ")
        );
    }
    Ok(Page::new("Leaderboard", Nav::Leaderboard, body))
}

/// `GET /players/{name}`: a player's bots.
pub async fn player(
    AxState(state): AxState<State>,
    Path(name): Path<String>,
) -> Result<Page, WebError> {
    let lookup = name.clone();
    let (player, bots) = fetch(&state, move |conn| {
        let Some(player) = queries::player(conn, &lookup)? else {
            return Ok((None, Vec::new()));
        };
        let bots = queries::player_bots(conn, &player.name)?;
        Ok((Some(player), bots))
    })
    .await?;
    let player = player.ok_or_else(|| WebError::not_found(format!("no player named {name:?}")))?;
    let role = match player.role.as_str() {
        "house" => r#" <span class="badge house" title="a bundled bot's owner">house</span>"#,
        "admin" => r#" <span class="badge admin">admin</span>"#,
        _ => "",
    };
    let mut body = format!(
        r#"<div class="page-head"><h1>{name}{role}</h1><p class="lede">Player since {since} · {n} bot{s}</p></div>"#,
        name = esc(&player.name),
        since = time(player.created_at),
        n = bots.len(),
        s = if bots.len() == 1 { "" } else { "s" },
    );
    if bots.is_empty() {
        body.push_str(r#"<section class="card empty"><p>No bots uploaded yet.</p></section>"#);
    } else {
        body.push_str(
            r#"<section class="card flush"><table id="bots">
<thead><tr><th>Bot</th><th class="num">Rating</th><th class="num"><span class="keep">μ ± σ</span></th><th class="num">Games</th><th class="num">W–D–L</th><th class="num">Version</th><th>Since</th></tr></thead><tbody>"#,
        );
        for row in &bots {
            let bot = &row.bot;
            let retired = if bot.active {
                ""
            } else {
                r#" <span class="badge wait">retired</span>"#
            };
            let _ = write!(
                body,
                r#"<tr><td class="bot-name wrap">{link}{retired}</td>{rating}<td class="num">{games}</td><td class="num">{wdl}</td><td class="num">v{version}</td><td>{since}</td></tr>"#,
                link = bot_link(bot.id, &bot.name),
                rating = rating_cells(bot),
                games = count(bot.games as u64),
                wdl = wdl(row),
                version = bot.version,
                since = when(bot.created_at),
            );
        }
        body.push_str("</tbody></table></section>");
    }
    Ok(Page::new(player.name.clone(), Nav::None, body))
}

/// `GET /bots/{id}`: versions, rating, recent matches and fuel use.
pub async fn bot(AxState(state): AxState<State>, Path(id): Path<String>) -> Result<Page, WebError> {
    let id = super::parse_id("bot", &id)?;
    let (bot, versions, matches) = fetch(&state, move |conn| {
        let Some(bot) = queries::bot(conn, id)? else {
            return Ok((None, Vec::new(), Vec::new()));
        };
        let versions = queries::versions(conn, id)?;
        let matches = queries::bot_matches(conn, id, BOT_MATCHES)?;
        Ok((Some(bot), versions, matches))
    })
    .await?;
    let row = bot.ok_or_else(|| WebError::not_found(format!("no bot with id {id}")))?;
    let bot = &row.bot;
    let status = if bot.active {
        ""
    } else {
        r#" <span class="badge wait">retired</span>"#
    };
    let mut body = format!(
        r#"<div class="page-head"><h1>{name}{status}</h1><p class="lede">by {owner} · uploaded {since} · plays <span id="game">{game}</span> on this server</p></div>
<section class="stats">
<div class="stat"><span class="k">Rating (μ − 3σ)</span><span class="v" id="rating">{rating:.1}</span></div>
<div class="stat"><span class="k">μ ± σ</span><span class="v">{mu_sigma}</span></div>
<div class="stat"><span class="k">Games</span><span class="v">{games}</span></div>
<div class="stat"><span class="k">W–D–L</span><span class="v">{wdl}</span></div>
<div class="stat"><span class="k">Current version</span><span class="v">v{version}</span></div>
</section>"#,
        name = esc(&bot.name),
        owner = player_link(&bot.owner),
        since = time(bot.created_at),
        game = esc(state.config.game.name()),
        rating = bot.conservative_rating(),
        mu_sigma = mu_sigma(bot.rating_mu, bot.rating_sigma),
        games = count(bot.games as u64),
        wdl = wdl(&row),
        version = bot.version,
    );
    body.push_str(&fuel_section(bot, &matches));
    body.push_str(&matches_section(bot, &matches));
    body.push_str(&versions_section(bot.id, &versions));
    Ok(Page::new(bot.name.clone(), Nav::None, body))
}

fn versions_section(bot_id: i64, versions: &[(Version, i64)]) -> String {
    let mut out = String::from(
        r#"<section class="card flush"><h2>Versions</h2><table id="versions">
<thead><tr><th>Version</th><th>Module</th><th class="num">Size</th><th>Encoding</th><th class="num">Matches</th><th>Uploaded</th><th></th></tr></thead><tbody>"#,
    );
    for (v, played) in versions {
        // A pruned version's module, once no kept version uses it, is gone
        // (`[server] versions_per_bot`, quota.rs).
        let download = match v.module_deleted_at {
            Some(_) => "module deleted".to_string(),
            None => format!(
                r#"<a class="download" href="/api/bots/{bot_id}/versions/{}/module" download>download .wasm</a>"#,
                v.version
            ),
        };
        let _ = write!(
            out,
            r#"<tr><td>v{version}</td><td>{hash}</td><td class="num">{size} B</td><td>{encoding}</td><td class="num">{matches}</td><td>{when}</td><td>{download}</td></tr>"#,
            version = v.version,
            hash = hash(&v.module),
            size = count(v.size as u64),
            encoding = esc(&v.encoding),
            matches = count(*played as u64),
            when = when(v.created_at),
        );
    }
    out.push_str("</tbody></table></section>");
    out
}

/// The opponents of `bot` in a match, as links.
fn opponents(bot: &Bot, row: &MatchRow) -> String {
    let others: Vec<String> = row
        .m
        .seats
        .iter()
        .filter(|s| s.bot_id != bot.id)
        .map(|s| {
            format!(
                r#"{} <span class="muted">v{}</span>"#,
                bot_link(s.bot_id, &s.bot),
                s.version
            )
        })
        .collect();
    if others.is_empty() {
        r#"<span class="muted">itself</span>"#.into()
    } else {
        others.join(", ")
    }
}

fn matches_section(bot: &Bot, matches: &[MatchRow]) -> String {
    let mut out = String::from(r#"<section class="card flush"><h2>Recent matches</h2>"#);
    if matches.is_empty() {
        out.push_str(r#"<p class="pad muted">No matches yet: the ladder will pair this bot soon.</p></section>"#);
        return out;
    }
    out.push_str(
        r#"<table id="matches"><thead><tr><th>Match</th><th>Against</th><th>Map</th><th>Result</th><th class="num" title="the change of its rating, μ − 3σ">Δ rating</th><th class="num">Ticks</th><th class="num" title="mean fuel per tick played">Fuel / tick</th><th class="num" title="the most fuel one tick used">Max tick</th><th class="num" title="calls cut off for running out of fuel">Cut-offs</th><th class="num">Traps</th><th>When</th></tr></thead><tbody>"#,
    );
    for row in matches {
        let m = &row.m;
        let seat = row.seat_of(bot.id);
        let result = match (m.state.as_str(), seat) {
            ("finished", Some(seat)) => {
                format!(
                    "{} <span class=\"muted\">v{}</span>",
                    outcome_badge(Outcome::of(seat.seat, m.winner_seat)),
                    seat.version
                )
            }
            (state, _) => state_badge(state),
        };
        let figures = seat.and_then(|s| row.player_result(s.seat));
        let (per_tick, max, cutoffs, traps) = match figures {
            Some(p) => (
                fuel(p.fuel_per_tick()),
                fuel(p.fuel_max_tick as f64),
                flag(p.cutoffs),
                flag(p.traps + p.watchdogs + p.bad_outputs),
            ),
            None => Default::default(),
        };
        let _ = write!(
            out,
            r#"<tr><td><a href="/matches/{id}">#{id}</a></td><td class="wrap">{against}</td><td>{map}</td><td>{result}</td><td class="num">{delta}</td><td class="num">{ticks}</td><td class="num">{per_tick}</td><td class="num">{max}</td><td class="num">{cutoffs}</td><td class="num">{traps}</td><td>{when}</td></tr>"#,
            id = m.id,
            against = opponents(bot, row),
            delta = seat.map(rating_delta).unwrap_or_default(),
            map = esc(&m.map),
            ticks = m.ticks.map(|t| count(t as u64)).unwrap_or_default(),
            when = when(m.finished_at.unwrap_or(m.created_at)),
        );
    }
    out.push_str("</tbody></table></section>");
    out
}

/// A failure count, highlighted when not zero.
fn flag(n: u64) -> String {
    if n == 0 {
        r#"<span class="muted">0</span>"#.into()
    } else {
        format!(r#"<span class="warn">{}</span>"#, count(n))
    }
}

/// `value` as a percentage of `budget`, as HTML: `1.1%`, `&lt;0.1%`.
fn share(value: f64, budget: u64) -> String {
    if budget == 0 {
        return "–".into();
    }
    let percent = value / budget as f64 * 100.0;
    if percent > 0.0 && percent < 0.1 {
        "&lt;0.1%".into()
    } else {
        format!("{percent:.1}%")
    }
}

/// Fuel use per tick over the recent finished matches: mean and worst tick
/// against the tick budget, as bars.
fn fuel_section(bot: &Bot, matches: &[MatchRow]) -> String {
    let (mut fuel_total, mut ticks, mut worst, mut budget) = (0u64, 0u64, 0u64, 0u64);
    let (mut cutoffs, mut failures, mut played) = (0u64, 0u64, 0u64);
    for row in matches.iter().filter(|row| row.m.state == "finished") {
        let Some(p) = row.seat_of(bot.id).and_then(|s| row.player_result(s.seat)) else {
            continue;
        };
        played += 1;
        fuel_total += p.fuel_total;
        ticks += p.ticks_played;
        worst = worst.max(p.fuel_max_tick);
        budget = budget.max(row.result.as_ref().map_or(0, |r| r.tick_fuel));
        cutoffs += p.cutoffs;
        failures += p.traps + p.watchdogs + p.bad_outputs;
    }
    if played == 0 {
        return String::new();
    }
    let mean = fuel_total as f64 / ticks.max(1) as f64;
    let bar = |value: f64, class: &str| {
        let share = if budget == 0 {
            0.0
        } else {
            (value / budget as f64 * 100.0).min(100.0)
        };
        format!(
            r#"<div class="bar {class}" title="{share:.1}% of the tick budget"><span style="width:{share:.1}%"></span></div>"#
        )
    };
    format!(
        r#"<section class="card" id="fuel"><h2>Fuel use per tick <span class="muted small">over the last {played} finished match{es}, budget {budget} per tick</span></h2>
<div class="fuel-rows">
<div class="fuel-row"><span class="k">mean</span>{mean_bar}<span class="v">{mean_text} <span class="muted">{mean_share} of budget</span></span></div>
<div class="fuel-row"><span class="k">worst tick</span>{worst_bar}<span class="v">{worst_text} <span class="muted">{worst_share} of budget</span></span></div>
</div>
<p class="muted small">{cutoffs} cut-off{cs} for running out of fuel, {failures} trap{fs} or bad output{fs}, in {ticks} ticks.</p></section>"#,
        es = if played == 1 { "" } else { "es" },
        budget = fuel(budget as f64),
        mean_bar = bar(mean, "mean"),
        mean_text = fuel(mean),
        mean_share = share(mean, budget),
        worst_bar = bar(worst as f64, "worst"),
        worst_text = fuel(worst as f64),
        worst_share = share(worst as f64, budget),
        cutoffs = count(cutoffs),
        cs = if cutoffs == 1 { "" } else { "s" },
        failures = count(failures),
        fs = if failures == 1 { "" } else { "s" },
        ticks = count(ticks),
    )
}
