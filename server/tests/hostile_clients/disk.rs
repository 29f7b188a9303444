//! 1. Disk through versions: a player uploading versions until the quotas answer.

use super::*;
use support::padded;

/// The bytes of the files in `DATA/modules`.
fn modules_bytes(server: &Server) -> u64 {
    std::fs::read_dir(server.data_dir().join("modules"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

#[test]
#[ignore = "release only, through scripts/hostile-clients"]
fn a1_disk_through_versions() {
    // The quotas at their defaults (versions_per_bot = 10, bytes_per_player
    // = 64 MiB); the ladder off, as a version that took a seat is kept for
    // its replays.
    let config = "ladder_enabled = false\n";
    let server = Server::start(config);
    let token = server.register("flooder");
    let idle = bundled_wasm("idle");
    // Tags unlike any earlier run's, which the compiled-module cache knows.
    let tags = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        << 16;
    let module = |n: u64| padded(idle, 4 * MIB as usize - idle.len() - 32, tags + n);
    let before = modules_bytes(&server);
    let honest = Honest::start(&server);
    let started = Instant::now();

    // 15 versions of one 4 MiB bot: all accepted, the newest 10 kept.
    let mut bot = 0;
    for n in 0..15 {
        let r = server.upload(&token, "flood-a", &module(n));
        assert_eq!(r.status, 201, "version {n}: {}", r.text());
        bot = r.json()["bot"]["id"].as_i64().unwrap();
    }
    let kept = server.get(&format!("/api/bots/{bot}")).json()["versions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(kept, 10, "versions_per_bot");
    let after_one = modules_bytes(&server) - before;
    assert!(after_one <= 10 * 4 * MIB, "{after_one} bytes after one bot");

    // Then another bot, until the player's 64 MiB are full: 409.
    let mut accepted = 0;
    let mut refusal = None;
    for n in 100..115 {
        let r = server.upload(&token, "flood-b", &module(n));
        match r.status {
            201 => accepted += 1,
            409 => {
                refusal = Some(r);
                break;
            }
            other => panic!("{other}: {}", r.text()),
        }
    }
    let refusal = refusal.expect("a 409 past bytes_per_player");
    assert_eq!(refusal.json()["error"]["code"], "quota_exceeded");
    assert!(
        refusal
            .error_message()
            .contains("([server] bytes_per_player = 67108864)"),
        "{}",
        refusal.text()
    );
    // ... and again for each further try, on any bot: 50 uploads in all,
    // as in the issue, and more for at least 5 s (at most 600).
    let mut refused = 1;
    let mut n = 200;
    while 15 + accepted + refused < 50
        || (started.elapsed() < Duration::from_secs(5) && 15 + accepted + refused < 600)
    {
        let bot = ["flood-b", "flood-c", "flood-d"][n as usize % 3];
        let r = server.upload(&token, bot, &module(n));
        assert_eq!(r.status, 409, "{}", r.text());
        refused += 1;
        n += 1;
    }
    let took = started.elapsed();
    let stats = honest.finish();
    let grew = modules_bytes(&server) - before;
    assert!(grew <= 64 * MIB, "modules/ grew by {grew} bytes");
    let sent = 15 + accepted + refused;
    report(
        &format!(
            "1. disk: {sent} uploads of 4 MiB versions, one player, {:.1} s",
            took.as_secs_f64()
        ),
        &shown(config),
        &format!(
            "bot A: 15 x 201, 10 versions kept; bot B: {accepted} x 201, then {refused} x 409 \
             quota_exceeded (bots B, C, D); modules/ +{:.1} MiB (cap 64)",
            grew as f64 / MIB as f64
        ),
        &stats,
    );
}
