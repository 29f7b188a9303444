//! 3. The challenge queue: ten accounts from one address flooding it.

use super::*;

/// `POST path` with `body` and `token` from `127.0.0.{host}`: the status
/// and the JSON body.
fn post_from(server: &Server, host: u8, path: &str, token: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, answer) = exchange(
        port(server),
        host,
        request.as_bytes(),
        Duration::from_secs(30),
    );
    let json = answer
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    (status.expect("an answer"), json)
}

fn millis(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("not a time: {value}"))
}

fn finished_matches(server: &Server) -> Vec<Value> {
    let r = server.get("/api/matches?state=finished&limit=100");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["matches"].as_array().unwrap().clone()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
#[ignore = "release only, through scripts/hostile-clients"]
fn a3_challenge_queue() {
    // Everything at its defaults (the queue's caps: 100, 10 per player, 30
    // per address; 1 challenge worker; 8 hostile-loop bots on arena is the
    // heaviest challenge there is, 83.2G fuel), the ladder at its pace.
    let config = LADDER_DEFAULT_PACE.to_string();
    let server = Server::start(&config);
    let attackers: Vec<String> = (0..10)
        .map(|n| server.register(&format!("atk{n}")))
        .collect();
    let up = server.upload(&attackers[0], "spin", bundled_wasm("hostile-loop"));
    assert_eq!(up.status, 201, "{}", up.text());
    let honest_player = server.register("honest");
    let spin = json!({"bots": vec!["atk0/spin"; 8], "map": "arena"});
    let cheap = json!({"bots": ["house/rusher", "house/harvester"], "map": "duel"});

    let honest = Honest::start(&server);
    let attack_start = now_ms();
    let started = Instant::now();
    // Ten accounts from 127.0.0.1, ten challenges each, each account
    // stopping at its first refusal; again every 2 s.
    let (mut accepted, mut refused) = (0, Vec::new());
    let flood = |accepted: &mut u32, refused: &mut Vec<String>| {
        for token in &attackers {
            for _ in 0..10 {
                let r = server.post_json("/api/matches", Some(token), &spin);
                if r.status == 201 {
                    *accepted += 1;
                    continue;
                }
                assert_eq!(r.status, 429, "{}", r.text());
                assert_eq!(r.header("retry-after"), Some("5"));
                let message = r.error_message();
                assert!(
                    [
                        "[server] challenges_queued_per_player = 10",
                        "[server] challenges_queued_per_address = 30",
                        "[server] challenges_queued = 100",
                    ]
                    .iter()
                    .any(|key| message.contains(key)),
                    "{message}"
                );
                refused.push(message);
                break;
            }
        }
    };
    flood(&mut accepted, &mut refused);
    // 30 for the address, then one for each account with none waiting.
    let first_round = (accepted, refused.len());
    assert!(
        (30..=45).contains(&accepted),
        "the first round: {accepted} accepted"
    );
    assert!(
        refused
            .iter()
            .all(|m| m.contains("[server] challenges_queued_per_address = 30")),
        "{refused:?}"
    );

    // Another player, from another address: accepted at once, and started
    // within one running challenge.
    let (status, r) = post_from(&server, 3, "/api/matches", &honest_player, &cheap);
    assert_eq!(status, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    let mut last_flood = Instant::now();
    let honest_match = wait_for(
        Duration::from_secs(60),
        "the other player's challenge",
        || {
            if last_flood.elapsed() >= Duration::from_secs(2) {
                flood(&mut accepted, &mut refused);
                last_flood = Instant::now();
            }
            let m = server.get(&format!("/api/matches/{id}")).json();
            (m["state"] == "finished").then_some(m)
        },
    );
    // Keep it up for at least 15 s in all.
    while started.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_secs(2));
        flood(&mut accepted, &mut refused);
    }
    let took = started.elapsed();
    let stats = honest.finish();

    let waited = millis(&honest_match["started_at"]) - millis(&honest_match["created_at"]);
    let finished = finished_matches(&server);
    let longest = finished
        .iter()
        .filter(|m| m["kind"] == "challenge" && m["seats"].as_array().unwrap().len() == 8)
        .map(|m| millis(&m["finished_at"]) - millis(&m["started_at"]))
        .max()
        .unwrap_or(0);
    assert!(
        waited <= longest.max(2_000) + 1_500,
        "waited {waited} ms to start, a challenge takes {longest} ms"
    );
    let ladder = finished
        .iter()
        .filter(|m| m["kind"] == "ladder" && millis(&m["finished_at"]) >= attack_start)
        .count();
    assert!(ladder >= 3, "{ladder} ladder matches during the attack");
    report(
        &format!(
            "3. challenges: 10 accounts, one address, 8 x hostile-loop on arena, {:.0} s",
            took.as_secs_f64()
        ),
        &shown(&config),
        &format!(
            "first round (up to 10 each, stopping at a refusal): {} x 201, {} x 429 naming \
             challenges_queued_per_address = 30; {accepted} x 201, {} x 429 in all; another address's challenge 201, started {:.1} s later \
             (a hostile one takes up to {:.1} s); {ladder} ladder matches meanwhile",
            first_round.0,
            first_round.1,
            refused.len(),
            waited as f64 / 1000.0,
            longest as f64 / 1000.0
        ),
        &stats,
    );
}
