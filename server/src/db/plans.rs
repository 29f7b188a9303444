//! The query plans of every statement that a request, the ladder or the
//! pruner runs, checked against the rule that keeps them off the tables
//! that grow without end; and, ignored by default, their times on a
//! database of a million matches ([`large_database`]).
//!
//! The rule ([`check`]), on `EXPLAIN QUERY PLAN` of each statement, on a
//! database made by [`super::open`] with no `ANALYZE` (as the server runs):
//!
//! 1. No `SCAN` of a table, by name or by alias (`SCAN t`, `SCAN t USING
//!    INDEX i`, `SCAN t USING COVERING INDEX i`: each visits every row or
//!    every index entry), but of the tables small by nature named in
//!    [`SMALL`] (a row per state, per setting) and of the tables a
//!    statement names in `scans`: `bots` for the three whose answer is every
//!    (active) bot (the leaderboard, the bot list, the ladder's candidates),
//!    `players` for the start-up's `first_with_role`. `matches` and
//!    `match_seats`, which grow by about 160,000 rows a day, never.
//! 2. No `AUTOMATIC` index (built by a scan at every run).
//! 3. A `SEARCH` of `matches` or `match_seats` is a lookup (its constraint
//!    names the row id or the match: one row, or a match's seats) or else a
//!    range walk, which the statement must name in `walks` (`rowid` or the
//!    index), with `bound` saying what bounds it: a `LIMIT` (or `OFFSET`)
//!    over an index walked in its order, or a range that stays small (the
//!    queued and running matches). A range such as `state = 'finished'`
//!    is nearly every match: only a `LIMIT` bounds it, which the plan does
//!    not show; that half of the rule is the reviewer's, and
//!    [`large_database`] measures.
//!
//! The statements of `schema.sql`'s triggers run inside the statement that
//! fires them and do not show in its plan: [`trigger_statements`] takes them
//! out of the schema and checks each (with no walks allowed).
//!
//! Adding a statement that a request, the ladder or the pruner runs: expose
//! its SQL as a `pub(crate) const` in `db/` (the pages' own too) and list it
//! in [`statements`].

use super::{bots, matches, players, queue, quota, retention};
use crate::config::Retention;
use crate::db::sql::Connection;
use crate::ladder::{self, LadderConfig, lease, pairing::Rng};
use rusqlite::params;
use rusqlite::types::Value;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Tables small by nature, which any statement may scan.
const SMALL: &[&str] = &["settings", "match_state_counts"];

/// Tables that statements must look up rows in, not walk unless they say so.
pub(super) const GROWING: &[&str] = &["matches", "match_seats"];

/// One statement: where it runs, its SQL with representative parameters,
/// the tables it may scan and the ranges it may walk, and what bounds them.
pub(super) struct Statement {
    pub name: &'static str,
    pub sql: String,
    pub params: Vec<Value>,
    pub scans: &'static [&'static str],
    walks: &'static [&'static str],
    bound: &'static str,
}

/// `name sql, [params] scans [..] walks [..] => "bound";`, one per statement.
macro_rules! statements {
    ($($name:literal $sql:expr, [$($p:expr),*] $(scans $scans:tt)? $(walks $walks:tt)?
       => $bound:literal;)*) => {
        vec![$(Statement {
            name: $name,
            sql: String::from($sql),
            params: vec![$(value($p)),*],
            scans: &[],
            walks: &[],
            bound: $bound,
        }
        $(.scanning(&$scans))?
        $(.walking(&$walks))?),*]
    };
}

/// A parameter as its value.
fn value(p: impl rusqlite::ToSql) -> Value {
    match p.to_sql().unwrap() {
        rusqlite::types::ToSqlOutput::Borrowed(v) => Value::try_from(v).unwrap(),
        rusqlite::types::ToSqlOutput::Owned(v) => v,
        _ => unreachable!("only plain values are used"),
    }
}

impl Statement {
    fn scanning(mut self, tables: &'static [&'static str]) -> Statement {
        self.scans = tables;
        self
    }

    fn walking(mut self, ranges: &'static [&'static str]) -> Statement {
        self.walks = ranges;
        self
    }
}

/// Every statement of `db/` (the pages' own included) that a request, the
/// ladder (claim, finish, fail, recovery) or the pruner runs.
pub(super) fn statements() -> Vec<Statement> {
    use matches as m;
    let view = m::with_view_columns;
    let bot = bots::bot_select;
    let null = Value::Null;
    const MAX: i64 = i64::MAX;
    const BOTS: &[&str] = &["bots"];
    const STATE: &[&str] = &["matches_by_state"];
    const BY_BOT: &[&str] = &["seats_by_bot"];
    statements! {
        // The ladder: claim, start, finish, fail, recovery; the metrics.
        "matches::candidates bots" m::CANDIDATE_BOTS, [] scans BOTS => "every active bot";
        "matches::candidates pending" m::PENDING_SEATS, [] walks STATE
            => "the queued and running matches: the workers' and at most 100 challenges";
        "queue::next_queued_ladder" queue::NEXT_QUEUED_LADDER, [] walks STATE
            => "the queued matches";
        "queue::queued_challenges" queue::QUEUED_CHALLENGES, [] walks STATE
            => "the queued matches";
        "queue::running_challenges" queue::RUNNING_CHALLENGES, [] walks STATE
            => "the running matches";
        "queue::waiting" queue::CHALLENGE_COUNTS, [2, "1.2.3.4"] walks STATE
            => "the queued matches";
        "queue::set_origin" queue::SET_ORIGIN, [1, "1.2.3.4"] => "by id";
        "queue::requeue" queue::REQUEUE_ONE, [1, "w"] => "by id";
        "matches::insert" m::INSERT_MATCH, ["ladder", 1, null.clone(), "duel", 7, 0] => "a row";
        "matches::insert seat" m::INSERT_SEAT, [1, 0, 1, 1] => "a row";
        "matches::start" m::START, [1, 0, "w", 0] => "by id";
        "matches::start job" m::JOB, [1] => "by id";
        "matches::start seats" m::JOB_SEATS, [1] => "a match's seats";
        "matches::finish" m::FINISH, [1, 0, 0, 40, "h", "h", "{}", "{}", "w"] => "by id";
        "matches::finish current seat" m::CURRENT_SEAT, [1, 0] => "by (match, seat)";
        "matches::finish rate bot" m::RATE_BOT, [1, 25.0, 8.0] => "by id";
        "matches::finish rate seat" m::RATE_SEAT, [1, 0, 25.0, 8.0, 26.0, 7.0]
            => "by (match, seat)";
        "matches::fail" m::FAIL, [1, 0, "e", "w"] => "by id";
        "matches::requeue_running ids" m::RUNNING, [] walks STATE => "the running matches";
        "matches::requeue_running" m::REQUEUE, [] walks STATE => "the running matches";
        "lease::renew" lease::RENEW, [0, "w"] walks STATE => "the running matches";
        "lease::requeue_expired ids" lease::EXPIRED, [0] walks STATE => "the running matches";
        "lease::requeue_expired" lease::REQUEUE_EXPIRED, [0] walks STATE => "the running matches";
        "lease::live" lease::LIVE, [0] walks STATE => "the running matches";
        "matches::queue_counts" m::QUEUE_COUNTS, [] walks STATE
            => "the queued and running matches";
        // The API's and the pages' matches.
        "matches::list" view(m::LIST_ALL), [MAX, 50] walks ["rowid"]
            => "LIMIT over the row ids walked down";
        "matches::list before" view(m::LIST_ALL), [1, 50] walks ["rowid"]
            => "LIMIT over the row ids walked down from before";
        "matches::list state" view(m::LIST_IN_STATE), ["failed", MAX, 50] walks STATE
            => "LIMIT over (state, id) walked down";
        "matches::list bot" view(m::LIST_OF_BOT), [1, MAX, 25] walks BY_BOT
            => "LIMIT over (bot, match) walked down";
        "matches::list bot finished" view(m::LIST_OF_BOT_FINISHED), [1, 9, 25] walks BY_BOT
            => "LIMIT over (bot, match) walked down; nearly all of a bot's are finished";
        "matches::list bot state" view(m::LIST_OF_BOT_IN_STATE), [1, "failed", MAX, 25]
            walks STATE => "LIMIT over (state, id) of a rare state walked down";
        "matches::list seats" m::SEATS, [1] => "a match's seats";
        "matches::get" view(m::GET), [1] => "by id";
        "matches::replay_state" m::REPLAY_STATE, [1] => "by id";
        "retention::played_with" retention::PLAYED_WITH, [1] => "by id";
        "queries::bot_matches result" m::RESULT, [1] => "by id";
        "queries::match_counts" m::STATE_COUNTS, [] => "a row per state";
        // Bots, their versions and modules; players.
        "bots::get" bot(bots::GET), [1] => "by id";
        "bots::find" bot(bots::FIND), [1, "rusher"] => "by (owner, name)";
        "bots::list" bot(bots::LIST_ALL), [] scans BOTS => "every bot";
        "bots::list owner" bot(bots::LIST_OF_OWNER), ["ann"] => "players(name), bots(owner)";
        "bots::leaderboard" bot(bots::LEADERBOARD), [] scans BOTS => "every active bot";
        "bots::ids_named owner" bots::IDS_BY_OWNER_AND_NAME, ["ann", "rusher"]
            => "players(name), bots(owner, name)";
        "bots::ids_named" bots::IDS_BY_NAME, ["rusher"] => "bots(name): one per player";
        "bots::versions" bots::VERSIONS, [1] => "a bot's versions";
        "queries::versions" bots::VERSIONS_PLAYED, [1] => "a bot's versions";
        "bots::module_summary" bots::MODULE_SUMMARY, ["aa"] => "by hash";
        "bots::set_active" bots::SET_ACTIVE, [0, 1] => "by id";
        "bots::record_upload module" bots::INSERT_MODULE, ["aa", 1, "json", "{}", 0] => "a row";
        "bots::record_upload bot" bots::INSERT_BOT, [1, "b", 25.0, 8.0, 0] => "a row";
        "bots::record_upload version" bots::INSERT_VERSION, [1, 1, "aa", 0] => "a row";
        "bots::record_upload rating" bots::RESET_RATING, [25.0, 8.0, 1] => "by id";
        // Storage quotas: at every upload, in its transaction.
        "quota::bots_per_player active" quota::ACTIVE_BOTS_OF_OWNER, [2] => "bots(owner)";
        "quota::bots_per_player exists" quota::BOT_OF_OWNER, [2, "b"] => "bots(owner, name)";
        "quota::stored" quota::STORED, [2] => "a player's bots, their kept versions, by hash";
        "quota::stores" quota::PLAYER_STORES, ["aa", 2] => "a module's kept versions";
        "quota::prune old versions" quota::OLD_VERSIONS, [2, 10]
            => "a player's bots and their kept versions";
        "quota::prune pending" quota::PENDING_VERSIONS, [] walks STATE
            => "the queued and running matches";
        "quota::prune seated" quota::SEATED, [1] walks ["seats_by_version"]
            => "LIMIT 1 over a version's seats";
        "quota::prune delete version" quota::DELETE_VERSION, [1] walks ["seats_by_version"]
            => "by id; the foreign key's look at its seats finds none (it never took one)";
        "quota::prune mark version" quota::MARK_VERSION, [1, 0] => "by id";
        "quota::prune module kept" quota::MODULE_KEPT, ["aa"] => "a module's kept versions";
        "quota::prune module named" quota::MODULE_NAMED, ["aa"] => "a module's versions";
        "quota::prune delete module" quota::DELETE_MODULE, ["aa"] => "by hash";
        "quota::prune mark module" quota::MARK_MODULE, ["aa", 0] => "by hash";
        "quota::module_state" quota::MODULE_STATE, ["aa"] => "by hash";
        "quota::version_state" quota::VERSION_STATE, [1, 2] => "by (bot, version)";
        "quota::deleted_seat_modules" quota::DELETED_SEAT_MODULES, [1] => "a match's seats";
        "players::create" players::CREATE, ["ann", "h", "player", 0] => "a row";
        "players::by_name" players::BY_NAME, ["ann"] => "by name";
        "players::by_token_hash" players::BY_TOKEN_HASH, ["h"] => "by token hash";
        "players::first_with_role" players::FIRST_WITH_ROLE, ["house"] scans ["players"]
            => "at start-up only";
        "players::set_token_hash" players::SET_TOKEN_HASH, ["h", 1] => "by id";
        // The pruner.
        "retention::nth_newest_finished" retention::NTH_NEWEST_FINISHED, [9_999] walks STATE
            => "OFFSET replays_kept over (state, id) walked down";
        "retention::older_replays" retention::OLDER_REPLAYS, [0, 1000, 500]
            walks ["matches_with_replay"] => "LIMIT over the replays still kept, walked up";
        "retention::kept_by_a_bot seats" retention::SEATED_BOTS, [1] => "a match's seats";
        "retention::kept_by_a_bot" retention::BOT_THRESHOLD, [1, 19] walks BY_BOT
            => "OFFSET replays_kept_per_bot over (bot, match) walked down";
        "retention::kept_for_its_player" retention::PLAYER_THRESHOLD, [2, 99]
            walks ["matches_by_requester"]
            => "OFFSET challenges_kept_per_player over (requested_by, id) walked down";
        "retention::mark" retention::MARK, [1, 0] => "by id";
        "retention::restore" retention::RESTORE, [1, 0] => "by id";
        "retention::has_replay" retention::HAS_REPLAY, [1] => "by id";
    }
}

/// The statements of `schema.sql`'s triggers (each `WHEN` as a `SELECT`),
/// with `NEW.x` and `OLD.x` as parameters `:new_x` and `:old_x`.
fn trigger_statements(conn: &Connection) -> Vec<(String, String)> {
    let conn = conn.sqlite().expect("SQLite's plans");
    let mut stmt = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        .unwrap();
    let triggers: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(triggers.len() >= 5, "the schema's triggers: {triggers:?}");
    let mut out = Vec::new();
    for (name, sql) in triggers {
        let sql = sql.replace("NEW.", ":new_").replace("OLD.", ":old_");
        let begin = sql.find("\nBEGIN\n").expect("BEGIN on a line of its own");
        let end = sql.rfind("\nEND").expect("END on a line of its own");
        if let Some(when) = sql[..begin].find("\nWHEN ") {
            let condition = &sql[when + "\nWHEN ".len()..begin];
            out.push((format!("{name} WHEN"), format!("SELECT {condition}")));
        }
        let body = sql[begin + "\nBEGIN\n".len()..end].split(';');
        for (n, statement) in body.filter(|s| !s.trim().is_empty()).enumerate() {
            out.push((format!("{name} #{}", n + 1), statement.trim().to_string()));
        }
    }
    out
}

/// Table names and aliases as `sql` writes them: `FROM matches m` maps
/// both `m` and `matches` to `matches`.
fn names(sql: &str) -> HashMap<String, String> {
    const NOT_ALIAS: &[&str] = &[
        "on", "where", "join", "left", "cross", "inner", "order", "group", "limit", "indexed",
        "set", "select", "and", "natural", "using", "union", "as",
    ];
    let tokens: Vec<String> = sql
        .split(|c: char| c.is_whitespace() || ",()".contains(c))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut out = HashMap::new();
    for (n, word) in tokens.iter().enumerate() {
        let table = match tokens.get(n + 1) {
            Some(t) if ["from", "join", "update"].contains(&word.as_str()) => t,
            _ => continue,
        };
        if NOT_ALIAS.contains(&table.as_str()) {
            continue;
        }
        out.insert(table.clone(), table.clone());
        let next = n + 2 + usize::from(tokens.get(n + 2).is_some_and(|w| w == "as"));
        if let Some(alias) = tokens
            .get(next)
            .filter(|w| !NOT_ALIAS.contains(&w.as_str()))
        {
            out.insert(alias.clone(), table.clone());
        }
    }
    out
}

/// `EXPLAIN QUERY PLAN` of `sql` with `params` bound, a line per step;
/// `params` must be all of them unless it is empty.
fn plan(conn: &Connection, sql: &str, params: &[Value]) -> rusqlite::Result<Vec<String>> {
    let conn = conn.sqlite().expect("SQLite's plans");
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    if !params.is_empty() {
        assert_eq!(stmt.parameter_count(), params.len(), "{sql}");
    }
    for (n, value) in params.iter().enumerate() {
        stmt.raw_bind_parameter(n + 1, value)?;
    }
    let mut rows = stmt.raw_query();
    let mut lines = Vec::new();
    while let Some(row) = rows.next()? {
        lines.push(row.get::<_, String>(3)?);
    }
    Ok(lines)
}

/// What in `lines`, the plan of `sql`, breaks the rule (`tables`: the
/// schema's tables; anything else scanned is a subquery's rows or a
/// constant row).
fn violations(lines: &[String], sql: &str, s: &Statement, tables: &HashSet<String>) -> Vec<String> {
    let names = names(sql);
    let table_of = |step: &str| {
        let name = step.split(' ').next().unwrap_or("").to_lowercase();
        names.get(&name).cloned().unwrap_or(name)
    };
    let mut out = Vec::new();
    for line in lines {
        if line.contains("AUTOMATIC") {
            out.push(format!("an automatic index: {line}"));
        } else if let Some(step) = line.strip_prefix("SCAN ") {
            let table = table_of(step);
            let allowed = SMALL.contains(&table.as_str()) || s.scans.contains(&table.as_str());
            if tables.contains(&table) && !allowed {
                out.push(format!("a scan of {table}: {line}"));
            }
        } else if let Some(step) = line.strip_prefix("SEARCH ") {
            if !GROWING.contains(&table_of(step).as_str()) {
                continue;
            }
            let constraint = step.rsplit_once('(').map_or("", |(_, c)| c);
            let lookup = ["rowid=?", "id=?", "match=?"]
                .iter()
                .any(|key| constraint.split([' ', ')']).any(|term| term == *key));
            let range = match step.split_once(" INDEX ") {
                Some((_, rest)) => rest.split(' ').next().unwrap_or(""),
                None => "rowid",
            };
            if !lookup && !s.walks.contains(&range) {
                out.push(format!("a walk over {range} not listed in `walks`: {line}"));
            }
        }
    }
    out
}

/// Every statement's and trigger statement's plan on `conn` (printed with
/// `print`); panics with the ones that break the rule.
fn check(conn: &Connection, print: bool) {
    let tables: HashSet<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<crate::db::sql::Result<_>>()
        .unwrap();
    let mut all = statements();
    for (name, sql) in trigger_statements(conn) {
        all.push(Statement {
            name: format!("trigger {name}").leak(),
            sql,
            params: Vec::new(),
            scans: &[],
            walks: &[],
            bound: "(a trigger: lookups only)",
        });
    }
    assert!(all.len() > 60, "{} statements", all.len());
    let mut failures = Vec::new();
    for s in &all {
        let lines = plan(conn, &s.sql, &s.params).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        if print {
            println!("{} ({}):\n  {}", s.name, s.bound, lines.join("\n  "));
        }
        for v in violations(&lines, &s.sql, s, &tables) {
            failures.push(format!("{}: {v}\n  {}", s.name, lines.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "against the rule:\n{}",
        failures.join("\n")
    );
}

fn temp_db(tag: &str) -> (std::path::PathBuf, Connection) {
    let dir = std::env::temp_dir().join(format!("lockstep-plans-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let conn = super::open(&dir.join("p.db")).unwrap();
    (dir, conn)
}

#[test]
fn no_statement_scans_or_walks_a_growing_table_unbounded() {
    let (dir, conn) = temp_db("check");
    check(&conn, true);
    drop(conn);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_rule_catches_scans_by_alias_index_scans_and_unlisted_walks() {
    let (dir, conn) = temp_db("rule");
    let tables: HashSet<String> = GROWING.iter().map(|t| t.to_string()).collect();
    let check = |sql: &str, walks: &'static [&'static str]| {
        let s = statements! { "t" sql, [] => "t"; }.remove(0).walking(walks);
        violations(&plan(&conn, sql, &[]).unwrap(), sql, &s, &tables)
    };
    let scan = "SELECT s.bot FROM match_seats s JOIN matches m ON m.id = s.match WHERE m.rated = 1";
    assert!(!check(scan, &[]).is_empty());
    assert!(!check("SELECT state, COUNT(*) FROM matches GROUP BY state", &[]).is_empty());
    let walk = "SELECT COUNT(*) FROM match_seats WHERE bot_version = 3";
    assert!(!check(walk, &[]).is_empty());
    assert!(check(walk, &["seats_by_version"]).is_empty());
    assert!(check("SELECT m.id FROM matches m WHERE m.id = 3", &[]).is_empty());
    drop(conn);
    let _ = std::fs::remove_dir_all(dir);
}

/// The statements that the counters and the list's shapes replaced.
mod before {
    pub const CANDIDATES: &str = "
        SELECT b.id, (SELECT v.id FROM bot_versions v WHERE v.bot = b.id
                      ORDER BY v.version DESC LIMIT 1),
               b.rating_mu, b.games,
               (SELECT COUNT(*) FROM match_seats s JOIN matches m ON m.id = s.match
                WHERE s.bot = b.id AND m.state IN ('queued', 'running'))
        FROM bots b WHERE b.active = 1 ORDER BY b.id";
    pub const LIST: &str = "SELECT m.id FROM matches m
        WHERE (?1 IS NULL OR m.id IN (SELECT s.match FROM match_seats s WHERE s.bot = ?1))
          AND (?2 IS NULL OR m.state = ?2) AND (?3 IS NULL OR m.id < ?3)
        ORDER BY m.id DESC LIMIT ?4";
    pub const MATCH_COUNTS: &str =
        "SELECT state, COUNT(*) FROM matches GROUP BY state ORDER BY state";
    pub const VERSIONS: &str = "SELECT v.version, COUNT(m.id) FROM bot_versions v
        JOIN match_seats s ON s.bot_version = v.id
        JOIN matches m ON m.id = s.match AND m.state = 'finished'
        WHERE v.bot = ?1 GROUP BY v.version";
}

/// Players 1..=20 (1 the house); bots 1..=50, 3 versions each, bot 49
/// retired halfway, bot 50 playing only in the first 1,000 matches; `n`
/// matches of two bots in one transaction, the version of each third of
/// them: every 20th a challenge, every 1,000th failed, the last 3 running,
/// the replays of all but the newest 10,000 pruned.
fn build(conn: &mut Connection, n: i64) {
    let tx = conn.sqlite().expect("SQLite's plans");
    tx.execute_batch("BEGIN").unwrap();
    tx.execute_batch(
        "WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < 150)
         INSERT INTO players (id, name, token_hash, role, created_at)
         SELECT x, 'player' || x, 'h' || x, IIF(x = 1, 'house', 'player'), 0 FROM k WHERE x <= 20;
         INSERT INTO modules (hash, size, encoding, summary, created_at)
         VALUES ('m', 1, 'json', '{}', 0);
         WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < 150)
         INSERT INTO bots (id, owner, name, rating_mu, rating_sigma, created_at)
         SELECT x, 1 + x % 20, 'bot' || (x % 25), 25, 8, 0 FROM k WHERE x <= 50;
         WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < 150)
         INSERT INTO bot_versions (id, bot, version, module, created_at)
         SELECT x, 1 + (x - 1) / 3, 1 + (x - 1) % 3, 'm', 0 FROM k;",
    )
    .unwrap();
    let result = format!(
        r#"{{"ticks":1500,"tick_fuel":20000000,"players":[{}]}}"#,
        "{}".repeat(120)
    );
    let mut rng = Rng::new(7);
    for id in 1..=n {
        let pool = 48 + usize::from(id <= n / 2) + usize::from(id <= 1000);
        let a = 1 + rng.below(pool) as i64;
        let b = 1 + rng.below(pool - 1) as i64;
        let b = if b >= a { b + 1 } else { b };
        let challenge = id % 20 == 0;
        let state = match id {
            _ if id > n - 3 => "running",
            _ if id % 1000 == 500 => "failed",
            _ => "finished",
        };
        let finished = state == "finished";
        let winner = [Some(0), Some(1), None][(id % 3) as usize].filter(|_| finished);
        let pruned = (finished && id <= n - 10_000 && a != 50 && b != 50).then_some(1);
        tx.prepare_cached(
            "INSERT INTO matches (id, kind, state, rated, requested_by, map, seed, created_at,
                 started_at, finished_at, attempts, winner_seat, ticks, final_hash, replay_hash,
                 replay_pruned_at, result, error)
             VALUES (?1, ?2, ?3, ?4, ?5, 'duel', ?1, 0, 0, 0, 1, ?6, 1500, 'f', 'r', ?7, ?8, ?9)",
        )
        .unwrap()
        .execute(params![
            id,
            if challenge { "challenge" } else { "ladder" },
            state,
            !challenge,
            challenge.then_some(2 + id % 19),
            winner,
            pruned,
            finished.then_some(&result),
            (state == "failed").then_some("a module is missing"),
        ])
        .unwrap();
        let version = 1 + (id - 1) * 3 / n;
        for (seat, bot) in [a, b].into_iter().enumerate() {
            tx.prepare_cached(matches::INSERT_SEAT)
                .unwrap()
                .execute(params![id, seat as i64, (bot - 1) * 3 + version, bot])
                .unwrap();
        }
    }
    tx.execute("UPDATE bots SET active = 0 WHERE id = 49", [])
        .unwrap();
    tx.execute_batch("COMMIT").unwrap();
}

/// The median of 5 runs of `f`, in milliseconds.
fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[2]
}

/// Runs `sql` with `args` to its last row.
fn run(conn: &Connection, sql: &str, args: &[Value]) {
    let conn = conn.sqlite().expect("SQLite's plans");
    let mut stmt = conn.prepare_cached(sql).unwrap();
    let mut rows = stmt.query(rusqlite::params_from_iter(args)).unwrap();
    while rows.next().unwrap().is_some() {}
}

/// Prints the median time of 5 runs of each expression.
macro_rules! timed {
    ($($label:literal => $run:expr;)*) => {
        $(println!("{:>10.3} ms  {}", median_ms(|| { let _ = $run; }), $label);)*
    };
}

/// Times on a database of a million finished matches ([`build`]; results
/// of 300 bytes, not the 2.4 KB of real ones) of what each page, API call,
/// the ladder and the pruner run (their `db/` calls, as the handlers make
/// them), and of the statements they replaced: the median of 5 runs,
/// printed. Asserts only the plan rule. Run with
/// `cargo test --release -p lockstep-server --lib -- --ignored large_database --nocapture`
/// (`LOCKSTEP_LARGE_MATCHES` for another size; building takes a minute).
#[test]
#[ignore]
fn large_database() {
    let n: i64 = std::env::var("LOCKSTEP_LARGE_MATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let (dir, mut conn) = temp_db("large");
    let start = Instant::now();
    build(&mut conn, n);
    println!("{n} matches in {:.1} s", start.elapsed().as_secs_f64());
    check(&conn, false);
    let ladder = LadderConfig {
        enabled: true,
        workers: 4,
        maps: vec!["duel".into()],
        pause: Duration::ZERO,
        challenges: crate::config::Challenges::default(),
    };
    let usage = ladder::fair::Usage::default();
    let claim = ladder::claim::Claim {
        slot: ladder::claim::Slot::Ladder,
        ladder: &ladder,
        usage: &usage,
        seat_fuel: 1,
    };
    let done = matches::Finished {
        winner: Some(0),
        ticks: 1500,
        final_hash: "f".into(),
        replay_hash: "r".into(),
        result: "{}".into(),
        played_with: "{}".into(),
    };
    let (mut rng, mut jobs, rule) = (Rng::new(1), Vec::new(), Retention::default());
    timed! {
        "ladder: claim (candidates, insert, start)" =>
            jobs.push(ladder::claim::claim(&mut conn, &claim, &mut rng).unwrap().unwrap());
        "ladder: finish (result, ratings, counters)" =>
            matches::finish(&mut conn, &jobs.pop().unwrap(), &done, 1).unwrap().unwrap();
        "metrics: queue_counts" => matches::queue_counts(&mut conn).unwrap();
        "pruner: a batch of up to 100" => retention::mark_pruned(&mut conn, &rule, 2, 100).unwrap();
    }
    let c = &conn;
    let (busy, rare) = (7, 50);
    let bot_page = |bot: i64| {
        bots::get(c, bot).unwrap().unwrap();
        run(c, bots::VERSIONS_PLAYED, &[Value::from(bot)]);
        for m in matches::list(c, Some(bot), None, None, 25).unwrap() {
            run(c, matches::RESULT, &[Value::from(m.id)]);
        }
    };
    let list = |bot, state, before, limit| matches::list(c, bot, state, before, limit).unwrap();
    timed! {
        "ladder: candidates" => matches::candidates(c).unwrap();
        "GET / (leaderboard, match counts)" =>
            (bots::leaderboard(c).unwrap(), run(c, matches::STATE_COUNTS, &[]));
        "GET /players/{name}" =>
            (players::by_name(c, "player8").unwrap(), bots::list(c, Some("player8")).unwrap());
        "GET /bots/{busy}" => bot_page(busy);
        "GET /bots/{rare} (no match since the first 1,000)" => bot_page(rare);
        "GET /matches" => list(None, None, None, 50);
        "GET /matches?before=1000" => list(None, None, Some(1000), 50);
        "GET /matches/{id}" => matches::get(c, n / 2).unwrap();
        "API list bot={busy}" => list(Some(busy), None, None, 100);
        "API list bot={rare}" => list(Some(rare), None, None, 100);
        "API list bot={rare}&state=finished" => list(Some(rare), Some("finished"), None, 100);
        "API list bot={busy}&state=failed" => list(Some(busy), Some("failed"), None, 100);
        "API list state=failed" => list(None, Some("failed"), None, 100);
        "API list state=queued (none)" => list(None, Some("queued"), None, 100);
        "API list before=1" => list(None, None, Some(1), 100);
        "API replay (state, pruned)" => matches::replay_state(c, n / 2).unwrap();
        "API bots (every bot)" => bots::list(c, None).unwrap();
        "API challenge, a bare name" => bots::ids_named(c, None, "bot7").unwrap();
    }
    println!("-- before: the statements replaced --");
    let records = super::tests::COUNTED_RECORDS;
    let old_list = |bot: Option<i64>, state: Option<&str>, before: Option<i64>| {
        let state = state.map(String::from);
        run(
            c,
            before::LIST,
            &[bot.into(), state.into(), before.into(), 100.into()],
        )
    };
    timed! {
        "candidates" => run(c, before::CANDIDATES, &[]);
        "records of every bot (/, /players)" => run(c, records, &[Value::Null]);
        "records of one bot (/bots)" => run(c, records, &[Value::from(busy)]);
        "versions' matches (/bots)" => run(c, before::VERSIONS, &[Value::from(busy)]);
        "match counts (/)" => run(c, before::MATCH_COUNTS, &[]);
        "list bot={rare}" => old_list(Some(rare), None, None);
        "list state=failed" => old_list(None, Some("failed"), None);
        "list before=1" => old_list(None, None, Some(1));
    }
    drop(conn);
    let _ = std::fs::remove_dir_all(dir);
}
