//! A server hosts the game its config names (`[match] game`), one per
//! server: snake here, through the real binary. The house bots are snake's,
//! the ladder pairs and rates snake bots, a match page shows snake's
//! scores, replays verify with modules from the API, challenges seat as
//! many as snake allows, and the answers and pages name the game. A map of
//! another game is refused at start with this game's maps, and a data
//! folder made for one game refuses a config of another.

mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::{
    Server, bundled_wasm, run_binary, verify_through_the_api, wait_for, with_custom_section,
};

/// Snake on its smallest bundled board, short matches, two workers.
const SNAKE: &str = "ladder_maps = [\"small\"]\nladder_workers = 2\n\
                     [match]\ngame = \"snake\"\nmax_ticks = 60\n";

fn finished(server: &Server, query: &str) -> Vec<Value> {
    let response = server.get(&format!("/api/matches?state=finished&limit=100{query}"));
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()["matches"].as_array().unwrap().clone()
}

#[test]
fn a_snake_server_plays_rates_and_shows_snake() {
    let server = Server::start(SNAKE);

    // The game, as the API names it.
    let game = server.get("/api/game");
    assert_eq!(game.status, 200, "{}", game.text());
    let game = game.json();
    assert_eq!(game["name"], "snake", "{game}");
    assert!(
        game["title"].as_str().unwrap().contains("BattleSnake"),
        "{game}"
    );
    assert_eq!(game["seats"], json!({"min": 1, "max": 8}));
    assert_eq!(game["ladder_maps"], json!(["small"]));
    assert_eq!(game["bundled_maps"], json!(["standard", "small", "large"]));
    assert_eq!(game["settings"]["max_ticks"], 60, "{game}");

    // The house holds snake's bundled bots only.
    let house: Vec<String> = server.get("/api/bots?owner=house").json()["bots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(house, ["snake-flood", "snake-simple"], "{house:?}");

    // A player's uploads: the answer says which game the server plays.
    let token = server.register("ann");
    let mut ids = Vec::new();
    for (name, bundled) in [("flood", "snake-flood"), ("greedy", "snake-simple")] {
        let module = with_custom_section(bundled_wasm(bundled), name);
        let uploaded = server.upload(&token, name, &module);
        assert_eq!(uploaded.status, 201, "{}", uploaded.text());
        let answer = uploaded.json();
        assert_eq!(answer["game"]["name"], "snake", "{answer}");
        ids.push(answer["bot"]["id"].as_i64().unwrap());
    }
    // A bot of another game is only a module: accepted, told the game.
    let cores = server.upload(&token, "cores-bot", bundled_wasm("rusher"));
    assert_eq!(cores.status, 201, "{}", cores.text());
    assert_eq!(cores.json()["game"]["name"], "snake");
    let cores_id = cores.json()["bot"]["id"].as_i64().unwrap();

    // The ladder pairs and rates them.
    let done = wait_for(Duration::from_secs(120), "8 rated ladder matches", || {
        let done: Vec<Value> = finished(&server, "")
            .into_iter()
            .filter(|m| m["kind"] == "ladder" && m["rated"] == true)
            .collect();
        (done.len() >= 8).then_some(done)
    });
    for m in &done {
        assert_eq!(m["map"], "small");
        assert!(m["ticks"].as_i64().unwrap() <= 60, "{m}");
        assert_eq!(m["seats"].as_array().unwrap().len(), 2);
    }
    let board = server.get("/api/leaderboard").json()["leaderboard"].clone();
    let board = board.as_array().unwrap();
    assert!(
        board
            .iter()
            .any(|b| b["rating"]["mu"].as_f64().unwrap() != 25.0),
        "ratings moved: {board:?}"
    );
    let games: i64 = board.iter().map(|b| b["games"].as_i64().unwrap()).sum();
    assert!(games >= 16, "two rated games per match: {board:?}");
    for b in board {
        let owner = b["owner"].as_str().unwrap();
        assert!(owner == "house" || owner == "ann", "{b}");
    }

    // A finished match between two snake bots: its result has snake's
    // scores, its page shows them, its replay verifies.
    let snakes: Vec<i64> = [&ids[..], &house_ids(&server)].concat();
    let m = done
        .iter()
        .find(|m| {
            m["seats"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| snakes.contains(&s["bot_id"].as_i64().unwrap()))
        })
        .expect("a match of two snake bots");
    let id = m["id"].as_i64().unwrap();
    let one = server.get(&format!("/api/matches/{id}")).json();
    let result = &one["result"];
    assert_eq!(result["game"], "snake", "{one}");
    for p in result["players"].as_array().unwrap() {
        assert!(p["score"]["length"].is_u64(), "{p}");
        assert!(p["score"]["health"].is_u64(), "{p}");
        assert!(p["rank"].is_u64(), "{p}");
        assert_eq!(p["init"]["kind"], "ok", "{p}");
    }
    let page = server.get(&format!("/matches/{id}"));
    assert_eq!(page.status, 200);
    let page = page.text();
    for heading in [
        r#"data-score="health">Health</th>"#,
        r#"data-score="length">Length</th>"#,
    ] {
        assert!(page.contains(heading), "{heading}: {page}");
    }
    assert!(!page.contains("Core HP"), "{page}");
    let summary = verify_through_the_api(&server, id);
    assert_eq!(Some(summary.ticks as i64), one["ticks"].as_i64());

    // The pages name the game.
    let home = server.get("/").text();
    assert!(
        home.contains(r#"This server plays <strong class="game">snake</strong>"#),
        "{home}"
    );
    let bot_page = server.get(&format!("/bots/{}", ids[0])).text();
    assert!(bot_page.contains(r#"plays <span id="game">snake</span>"#));

    // Challenges: snake seats 1 to 8, on snake's maps.
    for (body, says) in [
        (
            json!({"bots": vec!["ann/flood"; 9]}),
            "a match of snake needs 1 to 8 bots, but 9 were given",
        ),
        (
            json!({"bots": ["ann/flood", "ann/greedy"], "map": "duel"}),
            "unknown map 'duel': use the snake maps standard, small, large, or random:WxH",
        ),
        (
            json!({"bots": ["ann/flood", "ann/greedy"], "map": "random:99x99"}),
            "unknown map 'random:99x99'",
        ),
    ] {
        let refused = server.post_json("/api/matches", Some(&token), &body);
        assert_eq!(refused.status, 400, "{body}: {}", refused.text());
        assert!(
            refused.error_message().contains(says),
            "{body}: {}",
            refused.text()
        );
    }
    let body = json!({"bots": ["ann/flood", "ann/greedy", "house/snake-simple"], "map": "standard", "seed": 5});
    let queued = server.post_json("/api/matches", Some(&token), &body);
    assert_eq!(queued.status, 201, "{}", queued.text());
    let three = queued.json()["id"].as_i64().unwrap();
    let lone = json!({"bots": ["ann/flood"], "map": "random:9x9", "seed": 1});
    let queued = server.post_json("/api/matches", Some(&token), &lone);
    assert_eq!(queued.status, 201, "{}", queued.text());
    let alone = queued.json()["id"].as_i64().unwrap();
    let against_cores = json!({"bots": [cores_id, "ann/flood"], "map": "small", "seed": 2});
    let queued = server.post_json("/api/matches", Some(&token), &against_cores);
    assert_eq!(queued.status, 201, "{}", queued.text());
    let mixed = queued.json()["id"].as_i64().unwrap();
    for id in [three, alone, mixed] {
        let m = wait_for(Duration::from_secs(60), "a challenge", || {
            let m = server.get(&format!("/api/matches/{id}")).json();
            (m["state"] == "finished").then_some(m)
        });
        assert!(m["seats"][0]["mu_after"].is_null(), "unrated: {m}");
        verify_through_the_api(&server, id);
    }
    let page = server.get(&format!("/matches/{three}")).text();
    assert!(page.contains(">Place</th>"), "{page}");
    // The cores bot cannot read snake's init message: its init fails, the
    // match is played without it, and it does not win.
    let m = server.get(&format!("/api/matches/{mixed}")).json();
    assert_eq!(
        m["result"]["players"][0]["init"]["kind"], "init_failed",
        "{m}"
    );
    assert_ne!(m["winner_seat"], 0, "{m}");
}

/// The house's bot ids.
fn house_ids(server: &Server) -> Vec<i64> {
    server.get("/api/bots?owner=house").json()["bots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_map_of_another_game_is_refused_with_this_games_maps() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("games-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("snake.toml");
    for (text, says) in [
        (
            "[server]\nladder_maps = [\"small\", \"duel\"]\n[match]\ngame = \"snake\"\n",
            "[server] ladder_maps has \"duel\": unknown map 'duel': use the snake maps standard, \
             small, large, or random:WxH",
        ),
        (
            "[server]\nladder_maps = [\"standard\"]\n[match]\ngame = \"connect-four\"\n",
            "[server] ladder_maps has \"standard\": unknown map 'standard': use the connect-four \
             maps classic, or WxH",
        ),
        (
            "[match]\ngame = \"chess\"\n",
            "[match] game: no game is called \"chess\"",
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        let (code, out, err) = run_binary(&["--config", path.to_str().unwrap()]);
        assert_eq!(code, Some(1), "{text}: {err}");
        assert_eq!(out, "", "nothing on stdout");
        assert!(err.contains(says), "{text}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_data_folder_keeps_the_game_it_was_made_for() {
    let mut server = Server::start("ladder_enabled = false\n[match]\ngame = \"snake\"\n");
    assert_eq!(server.get("/api/game").json()["name"], "snake");
    server.terminate();
    let config = std::fs::read_to_string(server.config_path()).unwrap();
    let cores = config.replace("game = \"snake\"", "game = \"cores\"");
    assert_ne!(cores, config);
    let path = server.config_path().with_file_name("cores.toml");
    std::fs::write(&path, cores).unwrap();
    let (code, out, err) = run_binary(&["--config", path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(out, "", "never listened");
    assert!(
        err.contains("holds a ladder of \"snake\", and this config plays \"cores\""),
        "{err}"
    );
    // The same game starts again as before.
    server.restart();
    assert_eq!(server.get("/api/game").json()["name"], "snake");
}
