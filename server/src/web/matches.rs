//! The recent matches list and a match's page with the replay viewer.

use super::html::{Nav, Page, count, esc, fuel, hash, state_badge, time_el, when};
use super::pages::{bot_link, player_link, rating_delta};
use super::queries::{self, MatchRow};
use super::{WebError, fetch};
use crate::app::State;
use crate::db::matches::MatchView;
use axum::extract::{Path, Query, State as AxState};
use serde::Deserialize;
use std::fmt::Write;

/// How many matches the list shows per page.
const PAGE: u32 = 50;
/// Seconds between reloads of a match that has not finished.
const REFRESH: u32 = 2;

#[derive(Deserialize)]
pub struct ListQuery {
    /// Show matches with ids below this one (the next page).
    before: Option<i64>,
}

/// The bots of a match, `a vs b`, each linked.
fn lineup(m: &MatchView) -> String {
    let seats: Vec<String> = m
        .seats
        .iter()
        .map(|s| {
            let crown = if m.state == "finished" && m.winner_seat == Some(s.seat) {
                r#" <span class="crown" title="winner">★</span>"#
            } else {
                ""
            };
            format!("{}{crown}", bot_link(s.bot_id, &s.bot))
        })
        .collect();
    seats.join(r#" <span class="muted">vs</span> "#)
}

/// The result in words: the winner's name, a draw, or the state.
fn result_text(m: &MatchView) -> String {
    match m.state.as_str() {
        "finished" => match m
            .winner_seat
            .and_then(|w| m.seats.iter().find(|s| s.seat == w))
        {
            Some(seat) => format!("<strong>{}</strong> won", esc(&seat.bot)),
            None if m.winner_seat.is_some() => "won".into(),
            None => "draw".into(),
        },
        state => state_badge(state),
    }
}

/// `GET /matches`: the newest matches.
pub async fn list(
    AxState(state): AxState<State>,
    Query(q): Query<ListQuery>,
) -> Result<Page, WebError> {
    let matches = fetch(&state, move |conn| {
        Ok(queries::recent_matches(conn, q.before, PAGE)?)
    })
    .await?;
    let mut body = String::from(
        r#"<div class="page-head"><h1>Matches</h1><p class="lede">The ladder's and challengers' matches, newest first.</p></div>"#,
    );
    if matches.is_empty() {
        body.push_str(r#"<section class="card empty"><p>No matches here yet.</p></section>"#);
        return Ok(Page::new("Matches", Nav::Matches, body));
    }
    body.push_str(
        r#"<section class="card flush"><table id="match-list"><thead><tr><th>Match</th><th>Bots</th><th>Map</th><th>Kind</th><th>Result</th><th class="num">Ticks</th><th>When</th></tr></thead><tbody>"#,
    );
    for MatchRow { m, .. } in &matches {
        let _ = write!(
            body,
            r#"<tr><td><a href="/matches/{id}">#{id}</a></td><td class="wrap">{lineup}</td><td>{map}</td><td>{kind}</td><td>{result}</td><td class="num">{ticks}</td><td>{when}</td></tr>"#,
            id = m.id,
            lineup = lineup(m),
            map = esc(&m.map),
            kind = esc(&m.kind),
            result = result_text(m),
            ticks = m.ticks.map(|t| count(t as u64)).unwrap_or_default(),
            when = when(m.finished_at.unwrap_or(m.created_at)),
        );
    }
    body.push_str("</tbody></table></section>");
    if matches.len() == PAGE as usize
        && let Some(last) = matches.last()
    {
        let _ = write!(
            body,
            r#"<p><a class="button" href="/matches?before={}">Older matches →</a></p>"#,
            last.m.id
        );
    }
    Ok(Page::new("Matches", Nav::Matches, body))
}

/// `GET /matches/{id}`: the match's bots, settings and result, and the
/// replay viewer once it has finished; a match still waiting reloads itself.
pub async fn show(
    AxState(state): AxState<State>,
    Path(id): Path<String>,
) -> Result<Page, WebError> {
    let id = super::parse_id("match", &id)?;
    let row = fetch(&state, move |conn| Ok(queries::match_by_id(conn, id)?))
        .await?
        .ok_or_else(|| WebError::not_found(format!("no match with id {id}")))?;
    let m = &row.m;
    // A pruned replay that this server does not record again
    // (`[server] rerecord_pruned = false`) is gone, for another reason.
    let not_recorded = !state.config.rerecording.enabled && m.replay == Some("recorded_again");
    let mut body = format!(
        r#"<div class="page-head"><h1>Match #{id} {badge}</h1><p class="lede" id="lineup">{lineup}</p></div>
<section class="card"><dl class="facts">
<div><dt>Map</dt><dd>{map}</dd></div><div><dt>Seed</dt><dd><code>{seed}</code></dd></div>
<div><dt>Kind</dt><dd>{kind}</dd></div><div><dt>Result</dt><dd id="result">{result}</dd></div>
<div><dt>Ticks</dt><dd>{ticks}</dd></div><div><dt>Queued</dt><dd>{created}</dd></div>
<div><dt>Started</dt><dd>{started}</dd></div><div><dt>Finished</dt><dd>{finished}</dd></div>
{final_hash}</dl></section>"#,
        id = m.id,
        badge = state_badge(&m.state),
        lineup = lineup(m),
        map = esc(&m.map),
        seed = m.seed,
        kind = esc(&m.kind),
        result = result_text(m),
        ticks = m
            .ticks
            .map(|t| count(t as u64))
            .unwrap_or_else(|| "–".into()),
        created = time_el(Some(m.created_at)),
        started = time_el(m.started_at),
        finished = time_el(m.finished_at),
        final_hash = m
            .final_hash
            .as_deref()
            .map(|h| format!("<div><dt>Final state</dt><dd>{}</dd></div>", hash(h)))
            .unwrap_or_default(),
    );
    body.push_str(&seats_table(&row));
    let mut page_refresh = None;
    match m.state.as_str() {
        "finished" if m.replay == Some("gone") || not_recorded => {
            let why = if not_recorded {
                "This server does not record pruned replays again."
            } else {
                "It was played by an earlier build of the server, which did not keep the settings needed to record it again, or recorded its replays in another format."
            };
            let _ = write!(
                body,
                r#"<section class="card empty" id="replay-pruned"><h2>Replay deleted</h2><p>This match's replay was deleted on {when} by the server's retention rule: only the newest matches, each bot's latest and each player's latest challenges keep their replays. {why} The result above, the seed and the module hashes are kept.</p></section>"#,
                when = time_el(m.replay_pruned_at)
            );
            body.push_str(&logs_section(&row));
        }
        "finished" => {
            if m.replay == Some("recorded_again") {
                let _ = write!(
                    body,
                    r#"<p class="lede" id="replay-recorded-again">The replay file was deleted on {when} by the server's retention rule; Lockstep is deterministic, so it is recorded again from the same modules, map, seed and settings when you watch it, and checked against the original's replay hash.</p>"#,
                    when = time_el(m.replay_pruned_at)
                );
            }
            let _ = write!(
                body,
                r#"<section class="card flush viewer-card"><div class="viewer-head"><h2>Replay</h2><a class="button" id="download-replay" href="/api/matches/{id}/replay" download>Download replay</a><a class="button ghost" href="/viewer/index.html?src=/api/matches/{id}/viewer.json" target="_blank" rel="noopener">Open full screen</a></div>
<iframe id="viewer" class="viewer" title="Replay of match {id}" src="/viewer/index.html?src=/api/matches/{id}/viewer.json"></iframe></section>"#,
                id = m.id
            );
            body.push_str(&logs_section(&row));
        }
        "failed" => {
            let _ = write!(
                body,
                r#"<section class="card verdict bad"><h2>The match failed</h2><pre class="problems">{}</pre></section>"#,
                esc(m.error.as_deref().unwrap_or("no reason recorded"))
            );
        }
        state => {
            let _ = write!(
                body,
                r#"<section class="card empty" id="pending"><p>This match is <strong>{}</strong>. The page reloads every {REFRESH} s until it has finished.</p></section>"#,
                esc(state)
            );
            page_refresh = Some(REFRESH);
        }
    }
    let mut page = Page::new(format!("Match #{}", m.id), Nav::Matches, body);
    page.refresh = page_refresh;
    Ok(page)
}

/// Score keys shown as the "out" badge rather than as columns.
const BADGE_KEYS: [&str; 2] = ["alive", "eliminated_at"];

/// The columns of a result's scores: every key that some seat's score has
/// with a number, a string or a true/false value (a key with a list or an
/// object in any seat is left out), in the keys' order (alphabetical, as
/// results store them), but `alive` and `eliminated_at`, which show as
/// the "out" badge. The reference game's are `core_hp`, `energy`, `units`.
fn score_keys(result: Option<&queries::MatchResultView>) -> Vec<String> {
    let mut keys = std::collections::BTreeMap::<&str, bool>::new();
    for p in result.map_or(&[][..], |r| &r.players[..]) {
        for (key, value) in p.score.as_object().into_iter().flatten() {
            let shown = keys.entry(key.as_str()).or_insert(true);
            *shown &= !(value.is_array() || value.is_object());
        }
    }
    keys.into_iter()
        .filter(|&(key, shown)| shown && !BADGE_KEYS.contains(&key))
        .map(|(key, _)| key.to_string())
        .collect()
}

/// A score key as a column's heading: `core_hp` → "Core HP", `length` →
/// "Length" (two-letter words other than a few small ones in capitals).
fn heading(key: &str) -> String {
    let words: Vec<String> = key
        .split(['_', '-'])
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, word)| {
            if word.len() == 2 && !["at", "by", "in", "of", "on", "to", "up"].contains(&word) {
                word.to_uppercase()
            } else if i == 0 {
                let mut chars = word.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_uppercase().chain(chars).collect()
                })
            } else {
                word.to_string()
            }
        })
        .collect();
    esc(&words.join(" "))
}

/// One score value in a cell: numbers with thousands separators, text
/// escaped, true/false as yes/no, nothing as a dash.
fn score_cell(value: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match value {
        Some(Value::Number(n)) => n.as_u64().map_or_else(|| n.to_string(), count),
        Some(Value::String(text)) => esc(text),
        Some(Value::Bool(b)) => (if *b { "yes" } else { "no" }).to_string(),
        _ => r#"<span class="muted">–</span>"#.to_string(),
    }
}

/// A seat's place: `1`, `2`, `=2` for a tie; from an older result without
/// ranks, `1` for the winner only.
fn place(row: &MatchRow, seat: i64) -> String {
    let ranks: Vec<Option<u32>> = row
        .result
        .as_ref()
        .map(|r| r.players.iter().map(|p| p.rank).collect())
        .unwrap_or_default();
    let rank = match row.player_result(seat).and_then(|p| p.rank) {
        Some(rank) => Some(rank),
        None if row.m.winner_seat == Some(seat) => Some(0),
        None => None,
    };
    match rank {
        None => r#"<span class="muted">–</span>"#.to_string(),
        Some(rank) => {
            let tied = ranks.iter().filter(|&&r| r == Some(rank)).count() > 1;
            format!("{}{}", if tied { "=" } else { "" }, rank + 1)
        }
    }
}

/// One row per seat: bot, owner, version, module, and its figures once the
/// match has finished: its place (with more than two seats; with two the
/// result says who won), the game's score (a column per key,
/// [`score_keys`]), fuel, failures and rejected actions.
fn seats_table(row: &MatchRow) -> String {
    let keys = score_keys(row.result.as_ref());
    let places = row.m.seats.len() > 2;
    let mut out = String::from(
        r#"<section class="card flush"><table id="seats"><thead><tr><th>Seat</th><th>Bot</th><th>Module</th><th class="num" title="the change of its rating, μ − 3σ">Δ rating</th>"#,
    );
    if places {
        out.push_str(r#"<th class="num" title="1 first, =2 a tie for second">Place</th>"#);
    }
    for key in &keys {
        let _ = write!(
            out,
            r#"<th class="num" data-score="{}">{}</th>"#,
            esc(key),
            heading(key)
        );
    }
    out.push_str(
        r#"<th class="num" title="mean fuel per tick played">Fuel / tick</th><th class="num">Max tick</th><th class="num" title="cut-offs · traps · bad outputs">Failures</th><th class="num" title="orders the game rejected">Rejected</th></tr></thead><tbody>"#,
    );
    for s in &row.m.seats {
        let result = row.player_result(s.seat);
        let out_at = match result.and_then(|p| p.knocked_out()) {
            Some(tick) => format!(
                r#" <span class="badge loss">out{}</span>"#,
                tick.map(|t| format!(" at tick {t}")).unwrap_or_default()
            ),
            None => String::new(),
        };
        let figures = match result {
            Some(p) => {
                let mut cells = String::new();
                if places {
                    let _ = write!(cells, r#"<td class="num">{}</td>"#, place(row, s.seat));
                }
                for key in &keys {
                    let _ = write!(
                        cells,
                        r#"<td class="num">{}</td>"#,
                        score_cell(p.score.get(key))
                    );
                }
                let _ = write!(
                    cells,
                    r#"<td class="num">{per_tick}</td><td class="num">{max}</td><td class="num">{cutoffs} · {traps} · {bad}</td><td class="num">{rejected}</td>"#,
                    per_tick = fuel(p.fuel_per_tick()),
                    max = fuel(p.fuel_max_tick as f64),
                    cutoffs = p.cutoffs,
                    traps = p.traps + p.watchdogs,
                    bad = p.bad_outputs,
                    rejected = count(p.invalid_actions),
                );
                cells
            }
            None => format!(
                r#"<td colspan="{}" class="muted">–</td>"#,
                keys.len() + 4 + usize::from(places)
            ),
        };
        let _ = write!(
            out,
            r#"<tr><td><span class="seat seat-{seat}">{letter}</span></td><td class="bot-name wrap">{bot} <span class="muted">v{version}</span>{out_at}<span class="sub">by {owner}</span></td><td>{module}</td><td class="num">{delta}</td>{figures}</tr>"#,
            seat = s.seat.clamp(0, 7),
            letter = (b'A' + s.seat.clamp(0, 25) as u8) as char,
            bot = bot_link(s.bot_id, &s.bot),
            version = s.version,
            owner = player_link(&s.owner),
            module = hash(&s.module_hash),
            delta = rating_delta(s),
        );
    }
    out.push_str("</tbody></table></section>");
    out
}

/// Each bot's last log lines from the stored result, as text.
fn logs_section(row: &MatchRow) -> String {
    let Some(result) = &row.result else {
        return String::new();
    };
    if result.players.iter().all(|p| p.log_tail.is_empty()) {
        return String::new();
    }
    let mut out = String::from(
        r#"<section class="card"><details><summary>Last log lines</summary><div class="logs">"#,
    );
    for p in &result.players {
        let _ = write!(out, "<h3>{}</h3><pre>", esc(&p.bot));
        for line in &p.log_tail {
            let tick = line
                .tick
                .map_or_else(|| "init".to_string(), |t| t.to_string());
            let _ = writeln!(
                out,
                "<span class=\"muted\">{tick:>5}</span>  {}",
                esc(&line.line)
            );
        }
        out.push_str("</pre>");
    }
    out.push_str("</div></details></section>");
    out
}
