//! 4. Recording pruned replays again: many anonymous GETs, some gone early.

use super::*;

fn metric(server: &Server, name: &str) -> f64 {
    let text = server.get("/metrics").text();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

/// `count` GETs of `path` from 127.0.0.1 at once, each dropped after `after`.
fn dropped_gets(server: &Server, path: &str, count: usize, after: Duration) {
    let streams: Vec<TcpStream> = (0..count)
        .map(|_| {
            let mut stream = connect(port(server), 1, Duration::from_secs(5)).unwrap();
            write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
            stream
        })
        .collect();
    std::thread::sleep(after);
    drop(streams);
}

#[test]
#[ignore = "release only, through scripts/hostile-clients"]
fn a4_rerecording_pruned_replays() {
    // Only the newest replay kept, so that the challenges' are pruned; 3
    // recordings an hour per address (the default, 30, would need 31 pruned
    // matches). No ladder: only these matches. The matches at the default
    // settings: 8 hostile-loop bots on arena is the heaviest challenge
    // there is (83.2G fuel).
    let config = "ladder_enabled = false\nreplays_kept = 1\nreplays_kept_per_bot = 0\n\
                  challenges_kept_per_player = 0\nrerecords_per_hour = 3\n";
    let mut server = Server::start(config);
    let token = server.register("ann");
    let up = server.upload(&token, "spin", bundled_wasm("hostile-loop"));
    assert_eq!(up.status, 201, "{}", up.text());
    let ids: Vec<i64> = [true, true, false, false]
        .iter()
        .enumerate()
        .map(|(n, &heavy)| {
            let body = if heavy {
                json!({"bots": vec!["ann/spin"; 8], "map": "arena", "seed": n})
            } else {
                json!({"bots": ["house/rusher", "house/harvester"], "map": "duel", "seed": n})
            };
            let r = server.post_json("/api/matches", Some(&token), &body);
            assert_eq!(r.status, 201, "{}", r.text());
            r.json()["id"].as_i64().unwrap()
        })
        .collect();
    wait_for(Duration::from_secs(120), "the challenges", || {
        ids.iter()
            .all(|id| server.get(&format!("/api/matches/{id}")).json()["state"] == "finished")
            .then_some(())
    });
    // A restart prunes all but the newest.
    server.restart();
    let (h1, h2, c3) = (ids[0], ids[1], ids[2]);
    wait_for(Duration::from_secs(30), "the pruning", || {
        let m = server.get(&format!("/api/matches/{h1}")).json();
        (m["replay"] == "recorded_again").then_some(())
    });

    let honest = Honest::start(&server);
    let started = Instant::now();
    // 20 anonymous GETs of a pruned heavy replay at once, 8 of them gone
    // after 300 ms: one recording, the same bytes for the 12 that waited.
    let path = format!("/api/matches/{h1}/replay");
    let answers: Vec<support::Response> = std::thread::scope(|s| {
        s.spawn(|| dropped_gets(&server, &path, 8, Duration::from_millis(300)));
        let waiting: Vec<_> = (0..12).map(|_| s.spawn(|| server.get(&path))).collect();
        waiting.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &answers {
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.body, answers[0].body);
    }
    let recorded = "lockstep_rerecords_total{outcome=\"recorded\"}";
    assert_eq!(metric(&server, recorded), 1.0, "one recording");
    let one_flight = started.elapsed();

    // 10 GETs of another, all gone after 500 ms: stopped.
    let path = format!("/api/matches/{h2}/replay");
    dropped_gets(&server, &path, 10, Duration::from_millis(500));
    let gone = Instant::now();
    let stopped = "lockstep_rerecords_total{outcome=\"stopped\"}";
    wait_for(Duration::from_secs(10), "the recording to stop", || {
        (metric(&server, stopped) == 1.0).then_some(())
    });
    let stopped_after = gone.elapsed();
    assert_eq!(metric(&server, "lockstep_rerecords_running"), 0.0);

    // The third recording from this address passes; past it, 429s.
    let r = server.get(&format!("/api/matches/{c3}/replay"));
    assert_eq!(r.status, 200, "{}", r.text());
    let mut refused = 0;
    for _ in 0..20 {
        let r = server.get(&path);
        assert_eq!(r.status, 429, "{}", r.text());
        assert!(
            r.error_message()
                .starts_with("too many pruned replays recorded again for 127.0.0.1: at most 3"),
            "{}",
            r.text()
        );
        assert!(r.header("retry-after").is_some());
        refused += 1;
    }
    assert_eq!(metric(&server, recorded), 2.0);
    let took = started.elapsed();
    let stats = honest.finish();
    report(
        &format!(
            "4. pruned replays: 20 + 10 + 21 anonymous GETs, one address, {:.1} s",
            took.as_secs_f64()
        ),
        &shown(config),
        &format!(
            "20 at once (8 gone at 0.3 s): one recording, 12 x 200 same bytes in {:.1} s; \
             10 all gone at 0.5 s: recording stopped {} ms later; the 3rd: 200; then \
             {refused} x 429 (rerecords_per_hour)",
            one_flight.as_secs_f64(),
            stopped_after.as_millis()
        ),
        &stats,
    );
}
