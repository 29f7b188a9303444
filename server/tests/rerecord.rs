//! Recording pruned replays again, bounded (issue 12, finding 4), through
//! the real binary: concurrent requests share one recording, which is
//! written back and served as a file afterwards; a client that goes away
//! stops its recording; each address has an allowance; a slow recording
//! answers 503 with `Retry-After` and goes on for the client's return; and
//! an admin can turn it off (410).

mod support;

use serde_json::{Value, json};
use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::{Server, bundled_wasm, wait_for};

/// Challenges only, the newest replay kept; an 8-seat hostile challenge of
/// 100 ticks burns 16G fuel (a few seconds).
const PRUNING: &str = "ladder_enabled = false\nreplays_kept = 1\nreplays_kept_per_bot = 0\n\
                       challenges_kept_per_player = 0\n";
const SHORT: &str = "[match]\nmax_ticks = 100\n[budget]\ninit_fuel = 20_000_000\n";

/// Queues each challenge (`true`: 8 hostile bots on arena, else two house
/// bots on duel) and waits until all have finished; their ids.
fn play(server: &Server, token: &str, heavy: &[bool]) -> Vec<i64> {
    let ids: Vec<i64> = heavy
        .iter()
        .enumerate()
        .map(|(n, &heavy)| {
            let body = if heavy {
                json!({"bots": vec!["ann/spin"; 8], "map": "arena", "seed": n})
            } else {
                json!({"bots": ["house/rusher", "house/harvester"], "map": "duel", "seed": n})
            };
            let r = server.post_json("/api/matches", Some(token), &body);
            assert_eq!(r.status, 201, "{}", r.text());
            r.json()["id"].as_i64().unwrap()
        })
        .collect();
    wait_for(Duration::from_secs(120), "the challenges", || {
        ids.iter()
            .all(|id| server.get(&format!("/api/matches/{id}")).json()["state"] == "finished")
            .then_some(())
    });
    ids
}

/// A server with `extra`, its challenges played, restarted so that the
/// retention rule prunes all but the newest; the match ids.
fn pruned_server(extra: &str, heavy: &[bool]) -> (Server, Vec<i64>) {
    pruned_server_with(extra, heavy, SHORT)
}

/// [`pruned_server`] with its own `[match]` and `[budget]` tables.
fn pruned_server_with(extra: &str, heavy: &[bool], tables: &str) -> (Server, Vec<i64>) {
    let mut server = Server::start(&format!("{PRUNING}{extra}{tables}"));
    let token = server.register("ann");
    let up = server.upload(&token, "spin", bundled_wasm("hostile-loop"));
    assert_eq!(up.status, 201, "{}", up.text());
    let ids = play(&server, &token, heavy);
    server.restart();
    let oldest = ids[0];
    wait_for(Duration::from_secs(30), "the pruning", || {
        let m = server.get(&format!("/api/matches/{oldest}")).json();
        (m["replay"] == "recorded_again").then_some(())
    });
    (server, ids)
}

fn metric(server: &Server, name: &str) -> f64 {
    let text = server.get("/metrics").text();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

fn match_json(server: &Server, id: i64) -> Value {
    server.get(&format!("/api/matches/{id}")).json()
}

fn replay_hash_of(replay: &[u8]) -> String {
    let reader = lockstep_sim::replay::ReplayReader::new(replay).unwrap();
    let (_, summary) = reader.finish().unwrap();
    blake3::Hash::from_bytes(summary.replay_hash)
        .to_hex()
        .to_string()
}

#[test]
fn one_recording_for_all_written_back_stopped_when_nobody_waits_and_limited() {
    let (server, ids) = pruned_server("rerecords_per_hour = 3\n", &[true, true, false, false]);
    let (h1, h2, c3) = (ids[0], ids[1], ids[2]);

    // Four clients at once: one recording, the same bytes for all.
    let started = Instant::now();
    let answers: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| server.get(&format!("/api/matches/{h1}/replay"))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let took = started.elapsed();
    for r in &answers {
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("x-lockstep-replay"), Some("recorded-again"));
        assert_eq!(r.body, answers[0].body);
    }
    let m = match_json(&server, h1);
    assert_eq!(
        replay_hash_of(&answers[0].body),
        m["replay_hash"].as_str().unwrap()
    );
    assert_eq!(
        metric(&server, "lockstep_rerecords_total{outcome=\"recorded\"}"),
        1.0
    );
    let cpu = metric(&server, "lockstep_rerecord_seconds_total");
    println!(
        "4 concurrent requests: answered in {} ms, {cpu:.2} s of recording",
        took.as_millis()
    );
    // Written back: a file now, served as one.
    assert_eq!(m["replay"], "file", "{m}");
    assert!(m["replay_pruned_at"].is_null(), "{m}");
    let file = server.data_dir().join(format!("replays/{h1}.replay"));
    assert_eq!(std::fs::read(&file).unwrap(), answers[0].body);
    let again = server.get(&format!("/api/matches/{h1}/replay"));
    assert_eq!(again.header("x-lockstep-replay"), Some("file"));
    let viewer = server.get(&format!("/api/matches/{h1}/viewer.json"));
    assert_eq!(viewer.status, 200, "{}", viewer.text());
    assert_eq!(
        metric(&server, "lockstep_rerecords_total{outcome=\"recorded\"}"),
        1.0
    );

    // A client that asks and goes away after half a second: its recording
    // stops at the next tick.
    let port = server.url("").rsplit(':').next().unwrap().to_string();
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    write!(
        stream,
        "GET /api/matches/{h2}/replay HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    drop(stream);
    let gone = Instant::now();
    wait_for(Duration::from_secs(10), "the recording to stop", || {
        (metric(&server, "lockstep_rerecords_total{outcome=\"stopped\"}") == 1.0).then_some(())
    });
    println!(
        "a client gone after 0.5 s: its recording stopped {} ms later",
        gone.elapsed().as_millis()
    );
    assert_eq!(metric(&server, "lockstep_rerecords_running"), 0.0);
    let log = server.log();
    let line = log
        .lines()
        .find(|l| l.contains("recording a replay again stopped"))
        .unwrap();
    assert!(line.contains(&format!("id={h2}")), "{line}");
    assert!(
        !server
            .data_dir()
            .join(format!("replays/{h2}.replay"))
            .exists()
    );
    assert_eq!(match_json(&server, h2)["replay"], "recorded_again");

    // The third recording is within the allowance (3 an hour); a fourth
    // is not.
    let r = server.get(&format!("/api/matches/{c3}/replay"));
    assert_eq!(r.status, 200, "{}", r.text());
    let r = server.get(&format!("/api/matches/{h2}/replay"));
    assert_eq!(r.status, 429, "{}", r.text());
    let message = r.error_message();
    assert!(
        message.starts_with(
            "too many pruned replays recorded again for 127.0.0.1: at most 3 an hour \
             ([server] rerecords_per_hour); try again in "
        ),
        "{message}"
    );
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((3000..=3600).contains(&retry), "{retry}");
}

#[test]
fn a_slow_recording_answers_503_and_waits_for_the_client_and_can_be_turned_off() {
    // Requests must be answered within 6 s: a recording waits 1 s for its
    // answer, then says when to come back. The heavy match is 500 ticks
    // (80G fuel, several seconds) so that its recording outlasts that second
    // by far on any machine (100 ticks took under one once fuel replaced
    // epoch checks).
    let (mut server, ids) = pruned_server_with(
        "request_timeout_secs = 6\n",
        &[true, false, false],
        "[match]\nmax_ticks = 500\n[budget]\ninit_fuel = 20_000_000\n",
    );
    let (h1, c2) = (ids[0], ids[1]);
    let first = server.get(&format!("/api/matches/{h1}/replay"));
    assert_eq!(first.status, 503, "{}", first.text());
    let message = first.error_message();
    assert!(
        message.starts_with(&format!(
            "match {h1}'s replay was pruned and is being recorded again ("
        )) && message.contains("the recording goes on for you until then"),
        "{message}"
    );
    let retry: u64 = first.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Nobody waits meanwhile, yet it goes on: the client was told to come
    // back.
    let replay = wait_for(Duration::from_secs(60), "the recording", || {
        std::thread::sleep(Duration::from_secs(retry.min(3)));
        let r = server.get(&format!("/api/matches/{h1}/replay"));
        match r.status {
            200 => Some(r),
            503 => None,
            other => panic!("{other}: {}", r.text()),
        }
    });
    assert_eq!(
        replay_hash_of(&replay.body),
        match_json(&server, h1)["replay_hash"].as_str().unwrap()
    );
    assert_eq!(
        metric(&server, "lockstep_rerecords_total{outcome=\"recorded\"}"),
        1.0
    );
    assert_eq!(
        metric(&server, "lockstep_rerecords_total{outcome=\"stopped\"}"),
        0.0
    );

    // Turned off: 410 saying so, for the API and the viewer's data.
    assert!(server.terminate().success());
    let config = std::fs::read_to_string(server.config_path()).unwrap();
    std::fs::write(
        server.config_path(),
        config.replace("[server]\n", "[server]\nrerecord_pruned = false\n"),
    )
    .unwrap();
    server.restart();
    for path in [
        format!("/api/matches/{c2}/replay"),
        format!("/api/matches/{c2}/viewer.json"),
    ] {
        let r = server.get(&path);
        assert_eq!(r.status, 410, "{path}: {}", r.text());
        assert_eq!(
            r.error_message(),
            format!(
                "match {c2}'s replay was deleted by the server's retention rule, and cannot be \
                 recorded again here: this server does not record pruned replays again \
                 ([server] rerecord_pruned = false); the result, seed and module hashes are \
                 still at /api/matches/{c2}"
            )
        );
    }
    assert_eq!(match_json(&server, c2)["replay"], "gone");
    let html = server.get(&format!("/matches/{c2}")).text();
    assert!(
        html.contains(r#"id="replay-pruned""#)
            && html.contains("This server does not record pruned replays again."),
        "{html}"
    );
    // The one written back is still a file.
    let r = server.get(&format!("/api/matches/{h1}/replay"));
    assert_eq!(r.header("x-lockstep-replay"), Some("file"));
}

/// The server's CPU time so far (user + system), from /proc (Linux).
fn cpu_seconds(server: &Server) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", server.pid().unwrap())).unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// Waits until the server has used no CPU for a second; its CPU time then.
fn idle_cpu(server: &Server) -> f64 {
    let mut last = cpu_seconds(server);
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let now = cpu_seconds(server);
        if now - last < 0.05 {
            return now;
        }
        last = now;
    }
}

/// `GET path`, coming back after each 503's `Retry-After`; the answer and
/// the 503s.
fn get_retrying(server: &Server, path: &str) -> (support::Response, u32) {
    let mut retries = 0;
    loop {
        let r = server.get(path);
        if r.status != 503 {
            return (r, retries);
        }
        retries += 1;
        let wait: u64 = r.header("retry-after").unwrap_or("5").parse().unwrap_or(5);
        std::thread::sleep(Duration::from_secs(wait));
    }
}

/// The figures of docs/server.md ("Recording pruned replays again"): the
/// server's CPU for a pruned challenge of 8 `hostile-loop` bots on `arena`
/// at the default settings, asked for by `LOCKSTEP_CLIENTS` (4) clients at
/// once, then once more, then by a client that goes after 2 s. With
/// `LOCKSTEP_SERVER_BIN=path/to/lockstep-server`, that build's:
/// `cargo test -p lockstep-server --test rerecord -- --ignored --nocapture`.
#[test]
#[ignore]
fn rerecord_figures() {
    let clients: usize = std::env::var("LOCKSTEP_CLIENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let launch = support::Launch {
        binary: std::env::var_os("LOCKSTEP_SERVER_BIN").map(std::path::PathBuf::from),
        ..Default::default()
    };
    let mut server = Server::start_with(PRUNING, launch);
    let token = server.register("ann");
    let up = server.upload(&token, "spin", bundled_wasm("hostile-loop"));
    assert_eq!(up.status, 201, "{}", up.text());
    let ids = play(&server, &token, &[true, true, false]);
    let m = match_json(&server, ids[0]);
    println!(
        "played in {} ms",
        m["finished_at"].as_i64().unwrap() - m["started_at"].as_i64().unwrap()
    );
    server.restart();
    wait_for(Duration::from_secs(30), "the pruning", || {
        (!match_json(&server, ids[1])["replay_pruned_at"].is_null()).then_some(())
    });
    let (h1, h2) = (ids[0], ids[1]);
    let path = format!("/api/matches/{h1}/replay");

    let base = idle_cpu(&server);
    let started = Instant::now();
    let answers: Vec<(support::Response, u32)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|_| s.spawn(|| get_retrying(&server, &path)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let took = started.elapsed();
    let used = idle_cpu(&server) - base;
    let statuses: Vec<u16> = answers.iter().map(|(r, _)| r.status).collect();
    let retried: u32 = answers.iter().map(|(_, n)| n).sum();
    println!(
        "{clients} clients at once: {statuses:?} ({retried} 503s retried) in {:.1} s; the \
         server's CPU: {used:.1} s; {} bytes",
        took.as_secs_f64(),
        answers[0].0.body.len()
    );

    let base = idle_cpu(&server);
    let started = Instant::now();
    let (again, _) = get_retrying(&server, &path);
    let took = started.elapsed();
    println!(
        "the next request: {} ({:?}) in {:.2} s; the server's CPU: {:.1} s",
        again.status,
        again.header("x-lockstep-replay"),
        took.as_secs_f64(),
        idle_cpu(&server) - base
    );

    let base = idle_cpu(&server);
    let port = server.url("").rsplit(':').next().unwrap().to_string();
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    write!(
        stream,
        "GET /api/matches/{h2}/replay HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    drop(stream);
    let gone = Instant::now();
    let used = idle_cpu(&server) - base;
    println!(
        "a client gone after 2 s: the server's CPU {used:.1} s in all, busy {:.1} s after it \
         went",
        gone.elapsed().as_secs_f64().max(1.0) - 1.0
    );

    // While the viewer's data of a pruned match waits for its recording,
    // the viewer's data of a kept one.
    let kept = ids[2];
    std::thread::scope(|s| {
        let pruned = s.spawn(|| get_retrying(&server, &format!("/api/matches/{h2}/viewer.json")));
        std::thread::sleep(Duration::from_millis(500));
        let started = Instant::now();
        let r = server.get(&format!("/api/matches/{kept}/viewer.json"));
        println!(
            "a kept match's viewer data during a recording: {} in {} ms",
            r.status,
            started.elapsed().as_millis()
        );
        assert_eq!(pruned.join().unwrap().0.status, 200);
    });
}
