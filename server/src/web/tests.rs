//! The pages over HTTP against a seeded database: every page answers, shows
//! what it should, and a hostile player, bot or log line stays text.

use crate::app::{AppState, Db, State};
use crate::config::ServerConfig;
use crate::db::sql::{Connection, params};
use lockstep_sim::sandbox::{CacheDir, Sandbox};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

const EVIL: &str = r#""><script>window.pwned=1</script><b>x</b>"#;
const EVIL_LOG: &str = "</pre><script>alert('log')</script>";

fn hash_of(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// A result shaped like `lockstep match --json`'s.
fn result(winner: Option<usize>, bots: [&str; 2], log: &str) -> String {
    let player = |seat: usize, bot: &str, fuel_total: u64| {
        json!({"seat": seat, "bot": bot, "module_hash": hash_of(seat as u8 + 1), "encoding": "postcard",
               "score": {"alive": true, "eliminated_at": null, "core_hp": 200, "units": 4 + seat, "energy": 10},
               "fuel_total": fuel_total, "fuel_max_tick": 488_403, "budget_max": 219_534_483, "bucket_max": 0,
               "ticks_played": 40, "cutoffs": seat, "suspensions": 0, "traps": 0, "watchdogs": 0,
               "bad_outputs": 0, "invalid_actions": 1, "resets": 0, "init": {"kind": "ok"},
               "first_failure": null, "log_tail": [{"tick": null, "line": log}, {"tick": 3, "line": "ok"}]})
    };
    json!({"winner": winner, "winner_bot": winner.map(|w| bots[w]), "ticks": 40,
           "final_hash": hash_of(9), "map": "duel", "seed": 3, "tick_fuel": 20_000_000,
           "bucket_cap": 0, "overrun": "skip",
           "players": [player(0, bots[0], 8_659_233), player(1, bots[1], 7_628_090)]})
    .to_string()
}

/// Players, bots (one named [`EVIL`]), versions, and matches in each state.
fn seed(conn: &Connection) {
    let t = 1_740_837_900_000i64;
    for (id, name, role) in [
        (1, "alice", "player"),
        (2, "house", "house"),
        (3, EVIL, "player"),
    ] {
        conn.execute(
            "INSERT INTO players (id, name, token_hash, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, name, hash_of(id as u8 + 100), role, t],
        )
        .unwrap();
    }
    for n in 1..=4u8 {
        conn.execute(
            "INSERT INTO modules (hash, size, encoding, summary, created_at) VALUES (?1, 1234, 'postcard', '{}', ?2)",
            params![hash_of(n), t],
        )
        .unwrap();
    }
    for (id, owner, name, mu, sigma) in [
        (1, 1, "rusher-pro", 31.5, 2.1),
        (2, 2, "harvester", 24.0, 3.0),
        (3, 3, EVIL, 20.0, 8.0),
    ] {
        conn.execute(
            "INSERT INTO bots (id, owner, name, rating_mu, rating_sigma, games, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 2, ?6)",
            params![id, owner, name, mu, sigma, t],
        )
        .unwrap();
    }
    for (id, bot, version, module) in [(1, 1, 1, 1), (2, 1, 2, 4), (3, 2, 1, 2), (4, 3, 1, 3)] {
        conn.execute(
            "INSERT INTO bot_versions (id, bot, version, module, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, bot, version, hash_of(module), t],
        )
        .unwrap();
    }
    let finished = |id: i64, winner: Option<i64>, result: String| {
        conn.execute(
            "INSERT INTO matches (id, kind, state, map, seed, created_at, started_at, finished_at, winner_seat, ticks, final_hash, result)
             VALUES (?1, 'ladder', 'finished', 'duel', 3, ?2, ?2, ?2, ?3, 40, ?4, ?5)",
            params![id, t, winner, hash_of(9), result],
        )
        .unwrap();
    };
    finished(
        1,
        Some(0),
        result(Some(0), ["rusher-pro", "harvester"], "hello"),
    );
    finished(2, None, result(None, [EVIL, "rusher-pro"], EVIL_LOG));
    conn.execute(
        "INSERT INTO matches (id, kind, state, map, seed, created_at) VALUES (3, 'challenge', 'queued', 'random:32x32', 7, ?1)",
        [t],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO matches (id, kind, state, map, seed, created_at, error) VALUES (4, 'ladder', 'failed', 'duel', 8, ?1, ?2)",
        params![t, format!("module missing: {EVIL}")],
    )
    .unwrap();
    for (m, seat, version, bot) in [
        (1, 0, 2, 1),
        (1, 1, 3, 2),
        (2, 0, 4, 3),
        (2, 1, 2, 1),
        (3, 0, 2, 1),
        (3, 1, 3, 2),
        (4, 0, 3, 2),
        (4, 1, 4, 3),
    ] {
        conn.execute(
            "INSERT INTO match_seats (match, seat, bot_version, bot) VALUES (?1, ?2, ?3, ?4)",
            params![m, seat, version, bot],
        )
        .unwrap();
    }
}

/// The web router over a seeded database, on a loopback port of its own
/// runtime; returns the base URL and the data folder.
fn serve() -> (String, PathBuf) {
    serve_with("")
}

/// [`serve`] with more `[server]` keys.
fn serve_with(server_keys: &str) -> (String, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "lockstep-web-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("modules")).unwrap();
    let conn = crate::db::open(&dir.join("t.db")).unwrap();
    seed(&conn);
    let text = format!(
        "[cache]\ndir = \"off\"\n[server]\ndata_dir = {:?}\n{server_keys}",
        dir.display().to_string()
    );
    let config = ServerConfig::parse("test.toml", &text, None).unwrap();
    let sandbox = Arc::new(Sandbox::new(config.settings.sandbox.clone()).unwrap());
    let state: State = Arc::new(AppState::new(config, Db::new(conn), sandbox));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = super::router().with_state(state);
            axum::serve(listener, app).await.unwrap();
        });
    });
    (base, dir)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into()
}

fn get(base: &str, path: &str) -> (u16, String, String) {
    let mut reply = agent().get(&format!("{base}{path}")).call().unwrap();
    let status = reply.status().as_u16();
    let kind = reply
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, kind, reply.body_mut().read_to_string().unwrap())
}

/// `page` holds `EVIL` only escaped, never as markup.
fn assert_escaped(path: &str, page: &str) {
    assert!(!page.contains("<script>"), "{path}: a raw script tag");
    assert!(!page.contains("<b>x</b>"), "{path}: raw markup");
    assert!(!page.contains(EVIL), "{path}: the hostile name as it is");
    assert!(!page.contains("<script"), "{path}: a script element");
}

#[test]
fn every_page_renders_and_escapes_what_users_wrote() {
    let (base, dir) = serve();
    let pages = [
        "/",
        "/players/alice",
        "/players/%22%3E%3Cscript%3Ewindow.pwned%3D1%3C%2Fscript%3E%3Cb%3Ex%3C%2Fb%3E",
        "/bots/1",
        "/bots/3",
        "/matches",
        "/matches/1",
        "/matches/2",
        "/matches/3",
        "/matches/4",
        "/upload",
        "/register",
    ];
    for path in pages {
        let (status, kind, page) = get(&base, path);
        assert_eq!(status, 200, "{path}: {page}");
        assert_eq!(kind, "text/html; charset=utf-8", "{path}");
        assert_escaped(path, &page);
    }
    // The leaderboard: best conservative rating first, the hostile bot as text.
    let (_, _, board) = get(&base, "/");
    let rusher = board.find("rusher-pro").unwrap();
    let harvester = board.find(">harvester<").unwrap();
    assert!(rusher < harvester, "order by mu - 3 sigma");
    assert!(board.contains("&quot;&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;"));
    assert!(board.contains("25.2"), "rusher-pro's 31.5 - 3 * 2.1");
    assert!(board.contains("31.5 ± 2.1"));
    assert!(
        board.contains(
            r#"<span class="w">1</span>–<span class="d">1</span>–<span class="l">0</span>"#
        )
    );
    // A bot: its versions with download links, its matches and fuel.
    let (_, _, bot) = get(&base, "/bots/1");
    assert!(bot.contains("/api/bots/1/versions/2/module"));
    assert!(bot.contains(r#"href="/matches/1""#) && bot.contains(r#"href="/matches/3""#));
    assert!(
        bot.contains("Fuel use per tick") && bot.contains("216.5k"),
        "{bot}"
    );
    // A finished match embeds the viewer on its own data; a hostile log is text.
    let (_, _, finished) = get(&base, "/matches/2");
    assert!(finished.contains(r#"src="/viewer/index.html?src=/api/matches/2/viewer.json""#));
    assert!(finished.contains("/api/matches/2/replay"));
    assert!(finished.contains("&lt;/pre&gt;&lt;script&gt;alert(&#39;log&#39;)"));
    assert!(!finished.contains("http-equiv"));
    // A queued match reloads itself; a failed one says why.
    let (_, _, queued) = get(&base, "/matches/3");
    assert!(queued.contains(r#"http-equiv="refresh""#) && queued.contains("queued"));
    let (_, _, failed) = get(&base, "/matches/4");
    assert!(failed.contains("module missing: &quot;&gt;&lt;script&gt;"));
    // Unknown things are 404 pages.
    for path in [
        "/bots/99",
        "/matches/99",
        "/players/nobody",
        "/nowhere",
        "/bots/x",
    ] {
        let (status, _, page) = get(&base, path);
        assert_eq!(status, 404, "{path}");
        assert!(page.contains("Not Found"), "{path}: {page}");
    }
    // A query that does not parse is a page too, with axum's message.
    let (status, kind, page) = get(&base, "/matches?before=soon");
    assert_eq!((status, kind.as_str()), (400, "text/html; charset=utf-8"));
    assert!(
        page.contains("Bad Request") && page.contains("before"),
        "{page}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The `<th>` texts of the seats table, and the cells of its rows.
fn seats_table(page: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let start = page.find(r#"<table id="seats">"#).expect("the seats table");
    let table = &page[start..start + page[start..].find("</table>").unwrap()];
    let text = |html: &str| {
        let mut out = String::new();
        let mut tag = false;
        for c in html.chars() {
            match c {
                '<' => tag = true,
                '>' => tag = false,
                c if !tag => out.push(c),
                _ => {}
            }
        }
        out
    };
    let cells = |row: &str, open: &str, close: &str| -> Vec<String> {
        row.split(open)
            .skip(1)
            .map(|cell| {
                let inner = &cell[cell.find('>').unwrap() + 1..];
                text(&inner[..inner.find(close).unwrap()])
            })
            .collect()
    };
    let (head, body) = table.split_once("<tbody>").unwrap();
    let head = head.replace("<thead>", "");
    let rows = body
        .split("<tr>")
        .skip(1)
        .map(|row| cells(row, "<td", "</td>"))
        .collect();
    (cells(&head, "<th", "</th>"), rows)
}

#[test]
fn a_match_page_shows_the_games_score_whatever_its_keys() {
    let (base, dir) = serve();
    // A result stored before the engine hosted more than one game: the
    // reference game's score, no ranks. Its columns, as before.
    let (_, _, page) = get(&base, "/matches/1");
    let (heads, rows) = seats_table(&page);
    assert_eq!(
        heads,
        [
            "Seat",
            "Bot",
            "Module",
            "Δ rating",
            "Core HP",
            "Energy",
            "Units",
            "Fuel / tick",
            "Max tick",
            "Failures",
            "Rejected"
        ],
        "{page}"
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][4..7], ["200", "10", "4"], "{:?}", rows[0]);
    assert_eq!(rows[1][4..7], ["200", "10", "5"], "{:?}", rows[1]);
    assert!(!page.contains("badge loss"), "everyone alive");

    // A snake match of three, as results are stored now: ranks, and a
    // score with other keys (a list among them, left out).
    let conn = crate::db::open(&dir.join("t.db")).unwrap();
    let snake = |seat: usize, rank: u32, score: serde_json::Value| {
        json!({"seat": seat, "bot": format!("s{seat}"), "module_hash": hash_of(1), "encoding": "postcard",
               "rank": rank, "score": score, "fuel_total": 1000, "fuel_max_tick": 100, "budget_max": 100,
               "bucket_max": 0, "ticks_played": 10, "cutoffs": 0, "suspensions": 0, "traps": 0,
               "watchdogs": 0, "bad_outputs": 0, "invalid_actions": 0, "resets": 0, "init": {"kind": "ok"},
               "first_failure": null, "log_tail": []})
    };
    let result = json!({"game": "snake", "winner": 2, "winner_bot": "s2", "ticks": 30,
    "final_hash": hash_of(9), "map": "small", "seed": 3, "tick_fuel": 1000, "bucket_cap": 0,
    "overrun": "skip", "players": [
        snake(0, 1, json!({"alive": false, "eliminated_at": 12, "cause": "wall", "health": 88, "length": 4, "body": [[1, 2]]})),
        snake(1, 1, json!({"alive": false, "eliminated_at": 12, "cause": "<b>x</b>", "health": 90, "length": 4, "body": []})),
        snake(2, 0, json!({"alive": true, "eliminated_at": null, "cause": null, "health": 100, "length": 1234, "body": []})),
    ]});
    conn.execute(
        "INSERT INTO matches (id, kind, state, map, seed, created_at, started_at, finished_at, winner_seat, ticks, final_hash, result)
         VALUES (5, 'challenge', 'finished', 'small', 3, 1, 1, 1, 2, 30, ?1, ?2)",
        params![hash_of(9), result.to_string()],
    )
    .unwrap();
    for (seat, version, bot) in [(0, 2, 1), (1, 3, 2), (2, 4, 3)] {
        conn.execute(
            "INSERT INTO match_seats (match, seat, bot_version, bot) VALUES (5, ?1, ?2, ?3)",
            params![seat, version, bot],
        )
        .unwrap();
    }
    drop(conn);
    let (status, _, page) = get(&base, "/matches/5");
    assert_eq!(status, 200, "{page}");
    assert_escaped("/matches/5", &page);
    assert!(!page.contains("<b>x</b>"), "a score's text is escaped");
    let (heads, rows) = seats_table(&page);
    assert_eq!(
        heads,
        [
            "Seat",
            "Bot",
            "Module",
            "Δ rating",
            "Place",
            "Cause",
            "Health",
            "Length",
            "Fuel / tick",
            "Max tick",
            "Failures",
            "Rejected"
        ],
        "{page}"
    );
    assert_eq!(rows[0][4..8], ["=2", "wall", "88", "4"], "{:?}", rows[0]);
    assert_eq!(
        rows[1][4..8],
        ["=2", "&lt;b&gt;x&lt;/b&gt;", "90", "4"],
        "{:?}",
        rows[1]
    );
    assert_eq!(rows[2][4..8], ["1", "–", "100", "1,234"], "{:?}", rows[2]);
    assert!(rows[0][1].contains("out at tick 12"), "{:?}", rows[0]);
    assert!(!rows[2][1].contains("out"), "{:?}", rows[2]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_pages_say_which_game_the_server_plays() {
    let (base, dir) = serve();
    let (_, _, board) = get(&base, "/");
    assert!(
        board.contains(
            r#"id="game">This server plays <strong class="game">cores</strong> (the reference game"#
        ),
        "{board}"
    );
    let (_, _, upload) = get(&base, "/upload");
    assert!(
        upload.contains(r#"<strong class="game">cores</strong>"#),
        "{upload}"
    );
    let (_, _, bot) = get(&base, "/bots/1");
    assert!(
        bot.contains(r#"plays <span id="game">cores</span> on this server"#),
        "{bot}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_stylesheet_and_the_viewer_are_served() {
    let (base, dir) = serve();
    let (status, kind, css) = get(&base, "/static/site.css");
    assert_eq!((status, kind.as_str()), (200, "text/css; charset=utf-8"));
    assert!(css.contains(".leaderboard") || css.contains(".board"));
    for (file, kind) in [
        ("index.html", "text/html; charset=utf-8"),
        ("viewer.js", "text/javascript; charset=utf-8"),
        ("viewer.css", "text/css; charset=utf-8"),
    ] {
        let (status, got, _) = get(&base, &format!("/viewer/{file}"));
        assert_eq!((status, got.as_str()), (200, kind), "{file}");
    }
    assert_eq!(get(&base, "/viewer/sample.json").0, 404);
    let _ = std::fs::remove_dir_all(dir);
}

/// Registers `name` through the form; returns the token the page shows.
fn register(base: &str, name: &str) -> String {
    let mut reply = agent()
        .post(&format!("{base}/register"))
        .send_form([("name", name)])
        .unwrap();
    let no_store = reply.headers().get("cache-control").unwrap() == "no-store";
    assert!(no_store, "a page with a token may not be cached");
    let page = reply.body_mut().read_to_string().unwrap();
    let start = page.find(r#"id="token">"#).expect("the token") + 11;
    let token = page[start..start + 64].to_string();
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    token
}

/// The upload form as a browser posts it.
fn post_upload(base: &str, token: &str, name: &str, module: &[u8]) -> (u16, String) {
    let boundary = "----lockstep-test-boundary";
    let mut body = Vec::new();
    for (field, value) in [("token", token), ("name", name)] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"module\"; filename=\"m.wasm\"\r\n\
             Content-Type: application/wasm\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(module);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut reply = agent()
        .post(&format!("{base}/upload"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .send(&body[..])
        .unwrap();
    let status = reply.status().as_u16();
    (status, reply.body_mut().read_to_string().unwrap())
}

#[test]
fn the_forms_register_a_player_and_upload_through_the_api_code() {
    let (base, dir) = serve();
    let token = &register(&base, "form-ann");
    // The name is taken now; a bad name is refused with the API's words.
    for (name, words) in [("form-ann", "is taken"), ("A b", "is not allowed")] {
        let mut reply = agent()
            .post(&format!("{base}/register"))
            .send_form([("name", name)])
            .unwrap();
        let page = reply.body_mut().read_to_string().unwrap();
        assert!(
            page.contains(r#"data-verdict="refused""#) && page.contains(words),
            "{page}"
        );
    }

    let rusher = lockstep_sim::bundled::bundled_bot("rusher").unwrap().wasm;
    let (status, page) = post_upload(&base, token, "form-bot", rusher);
    assert_eq!(status, 200);
    assert!(page.contains(r#"data-verdict="accepted""#), "{page}");
    assert!(page.contains("Accepted: form-bot v1"), "{page}");
    assert!(page.contains(&blake3::hash(rusher).to_hex().to_string()));
    let (_, page) = post_upload(&base, token, "form-bot", rusher);
    assert!(page.contains("no new version"), "{page}");

    let garbage = b"<script>not wasm</script>";
    let (_, page) = post_upload(&base, token, "form-bot", garbage);
    assert!(page.contains(r#"data-verdict="refused""#), "{page}");
    let mut config = lockstep_sim::settings::Settings::defaults().sandbox;
    config.compiled_cache.dir = CacheDir::Off; // never the user's cache
    let sandbox = Sandbox::new(config).unwrap();
    for problem in sandbox.load(garbage).err().unwrap().problems() {
        assert!(
            page.contains(&super::html::esc(&problem.to_string())),
            "{problem}"
        );
    }
    let (_, page) = post_upload(&base, "wrong", "form-bot", rusher);
    assert!(page.contains("unknown token"), "{page}");
    let (_, page) = post_upload(&base, token, "Bad Name", rusher);
    assert!(page.contains("is not allowed"), "{page}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_upload_over_the_limit_is_refused_with_the_limit() {
    let (base, dir) = serve_with("max_upload_bytes = 1000\n");
    let token = register(&base, "big-ann");
    for size in [2_000, 200_000] {
        let (status, page) = post_upload(&base, &token, "big-bot", &vec![0u8; size]);
        assert_eq!(status, 200);
        assert!(
            page.contains("the module is larger than the 1000-byte upload limit"),
            "{size}: {page}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
