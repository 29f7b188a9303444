//! Storage quotas and a full disk, against the real `lockstep-server`
//! binary: the versions kept per bot (`[server] versions_per_bot`), the
//! bytes one player may store (`bytes_per_player`, 409), deleting versions
//! to make room, a pruned version's module and replay answering 410, the
//! disk's reserve (`disk_reserve_bytes`, 507), and (as root, on a small
//! tmpfs) a disk that fills for another reason: a module or database write
//! that fails is a 507 with nothing half-written, and reads go on.
//!
//! `LOCKSTEP_QUOTA_ATTACK=1 cargo test -p lockstep-server --test quotas --
//! --ignored --nocapture` replays the attack (50 versions of a
//! 4 MiB bot) with and without the quotas and prints the figures.

mod support;

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};
use support::tmpfs::{Tmpfs, copy_tree};
use support::{Server, bundled_wasm, padded, wait_for};

const MIB: usize = 1 << 20;

fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// The module files in `DATA/modules` (temp files included) and their bytes.
fn modules(server: &Server) -> (Vec<String>, u64) {
    let mut names = Vec::new();
    let mut bytes = 0;
    for entry in std::fs::read_dir(server.data_dir().join("modules")).unwrap() {
        let entry = entry.unwrap();
        bytes += entry.metadata().unwrap().len();
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    (names, bytes)
}

fn temp_files(server: &Server) -> Vec<String> {
    let (names, _) = modules(server);
    names
        .into_iter()
        .filter(|n| !n.ends_with(".wasm"))
        .collect()
}

/// `(version, pruned, module deleted)` of each of bot `id`'s versions.
fn versions(server: &Server, id: i64) -> Vec<(i64, bool, bool)> {
    let bot = server.get(&format!("/api/bots/{id}")).json();
    bot["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                !v["pruned_at"].is_null(),
                !v["module_deleted_at"].is_null(),
            )
        })
        .collect()
}

/// Sends a request head (no blank line) with no body, and reads the answer
/// (status, body) within 10 seconds: what is refused before a body is read.
fn head_only(server: &Server, head: &str) -> (u16, String) {
    let address = server.url("").trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "{head}\r\nHost: test\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let body = &answer[end + 4..];
            if serde_json::from_slice::<Value>(body).is_ok() {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

fn error_code(r: &support::Response) -> String {
    r.json()["error"]["code"].as_str().unwrap_or("").to_string()
}

#[test]
fn old_versions_go_and_a_player_stores_at_most_bytes_per_player() {
    let quota = 3 * MIB + MIB / 2;
    let s = Server::start(&format!(
        "ladder_enabled = false\nversions_per_bot = 3\nbytes_per_player = {quota}\n\
         disk_reserve_bytes = 0\n"
    ));
    let ann = s.register("quota-ann");
    let bob = s.register("quota-bob");
    let idle = bundled_wasm("idle");
    let (_, house_bytes) = modules(&s);
    // Eight versions of one 1 MiB bot: only the newest 3 stay.
    let mut id = 0;
    let mut hashes = Vec::new();
    for tag in 1..=8 {
        let module = padded(idle, MIB - idle.len(), tag);
        let r = s.upload(&ann, "big", &module);
        assert_eq!(r.status, 201, "version {tag}: {}", r.text());
        id = r.json()["bot"]["id"].as_i64().unwrap();
        hashes.push(hash(&module));
        let (_, bytes) = modules(&s);
        assert!(
            bytes - house_bytes <= 3 * MIB as u64 + 64,
            "after version {tag}: {bytes} bytes in modules/"
        );
        let storage = &r.json()["storage"];
        assert_eq!(storage["bytes_per_player"], quota);
        assert_eq!(storage["modules"], tag.min(3));
    }
    // Versions that never played are gone, rows and all.
    assert_eq!(
        versions(&s, id),
        [(6, false, false), (7, false, false), (8, false, false)]
    );
    let gone = s.get(&format!("/api/modules/{}", hashes[0]));
    assert_eq!(
        (gone.status, error_code(&gone).as_str()),
        (404, "not_found")
    );
    let (names, _) = modules(&s);
    assert!(names.contains(&format!("{}.wasm", hashes[7])));

    // A second bot would take ann to 4 MiB: 409 before anything is
    // written, the quota and its value named, with what to do.
    let other = padded(idle, MIB - idle.len(), 100);
    let before = modules(&s);
    let r = s.upload(&ann, "other", &other);
    assert_eq!(
        (r.status, error_code(&r).as_str()),
        (409, "quota_exceeded"),
        "{}",
        r.text()
    );
    let message = r.error_message();
    for part in [
        "quota-ann stores 3.0 MiB of modules",
        "this 1.0 MiB module would take that to 4.0 MiB, over the 3.5 MiB a player may store",
        &format!("([server] bytes_per_player = {quota})"),
        "newest 3 ([server] versions_per_bot)",
        "DELETE /api/bots/{id}/versions/{v}",
        "ask the server's admin",
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }
    assert_eq!(modules(&s), before, "nothing written");
    // Its declared length alone is enough, before the body is read: the
    // answer comes though the body never does.
    let head = format!(
        "POST /api/bots/other HTTP/1.1\r\nAuthorization: Bearer {ann}\r\n\
         Content-Type: application/wasm\r\nContent-Length: {}",
        other.len()
    );
    let (status, body) = head_only(&s, &head);
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("bytes_per_player"), "{body}");
    // Another player is not held to ann's quota; re-uploading the current
    // bytes changes nothing and is never refused.
    assert_eq!(s.upload(&bob, "other", &other).status, 201);
    let current = padded(idle, MIB - idle.len(), 8);
    assert_eq!(s.upload(&ann, "big", &current).status, 200);

    // Deleting versions makes room: not the current one, not another's.
    let path = |v: i64| format!("/api/bots/{id}/versions/{v}");
    let r = s.request("DELETE", &path(8), Some(&ann), support::Body::Empty);
    assert_eq!(
        (r.status, error_code(&r).as_str()),
        (409, "conflict"),
        "{}",
        r.text()
    );
    let r = s.request("DELETE", &path(6), Some(&bob), support::Body::Empty);
    assert_eq!(r.status, 403, "{}", r.text());
    let r = s.request("DELETE", &path(6), Some(&ann), support::Body::Empty);
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = r.json();
    assert_eq!(answer["deleted"]["version"], 6);
    assert_eq!(answer["deleted"]["module_deleted"], true);
    let stored = answer["storage"]["stored_bytes"].as_u64().unwrap();
    assert_eq!(stored / MIB as u64, 2, "versions 7 and 8: {stored}");
    assert!(!modules(&s).0.contains(&format!("{}.wasm", hashes[5])));
    let r = s.request("DELETE", &path(6), Some(&ann), support::Body::Empty);
    assert_eq!(
        r.status,
        404,
        "a version that never played is gone: {}",
        r.text()
    );
    let r = s.upload(&ann, "other", &other);
    assert_eq!(r.status, 201, "{}", r.text());
    // Bob's copy and ann's are one file.
    assert!(modules(&s).0.contains(&format!("{}.wasm", hash(&other))));
    assert!(temp_files(&s).is_empty());
}

#[test]
fn two_uploads_at_once_cannot_both_pass_the_quota() {
    let s = Server::start(&format!(
        "ladder_enabled = false\nbytes_per_player = {}\ndisk_reserve_bytes = 0\n",
        MIB + MIB / 2
    ));
    let idle = bundled_wasm("idle");
    // Each fits alone, both do not: checked before either is recorded, they
    // both pass; the recording transaction lets one through.
    for round in 0..3u64 {
        let token = s.register(&format!("race-{round}"));
        let modules_of = |n: u64| padded(idle, MIB - idle.len(), 1000 * round + n);
        let (a, b) = (modules_of(1), modules_of(2));
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let one = scope.spawn(|| s.upload(&token, "left", &a).status);
            let two = scope.spawn(|| s.upload(&token, "right", &b).status);
            vec![one.join().unwrap(), two.join().unwrap()]
        });
        let mut sorted = statuses.clone();
        sorted.sort();
        assert_eq!(sorted, [201, 409], "round {round}: {statuses:?}");
        let (names, _) = modules(&s);
        let stored = [&a, &b].map(|m| names.contains(&format!("{}.wasm", hash(m))));
        assert_eq!(
            stored,
            [statuses[0] == 201, statuses[1] == 201],
            "round {round}: only the accepted module's file is left"
        );
    }
    assert!(temp_files(&s).is_empty());
}

#[test]
fn the_disk_reserve_refuses_uploads_before_anything_is_written() {
    let s = Server::start("ladder_enabled = false\ndisk_reserve_bytes = 1125899906842624\n");
    let ann = s.register("reserve-ann");
    let before = modules(&s);
    let r = s.upload(&ann, "walker", bundled_wasm("random-walker"));
    assert_eq!(
        (r.status, error_code(&r).as_str()),
        (507, "insufficient_storage"),
        "{}",
        r.text()
    );
    let message = r.error_message();
    assert!(
        message.starts_with("the server's disk is nearly full: "),
        "{message}"
    );
    assert!(
        message.contains("([server] disk_reserve_bytes = 1125899906842624)"),
        "{message}"
    );
    assert!(message.contains("nothing was stored"), "{message}");
    assert_eq!(modules(&s), before);
    // Reads, and writes that are not uploads, go on.
    assert_eq!(s.get("/api/leaderboard").status, 200);
    s.register("reserve-bob");
}

#[test]
fn a_replay_keeps_its_version_until_it_is_pruned_then_410() {
    // One replay kept overall, none per bot or per challenge: the pruner
    // (every 30 s) leaves only the newest.
    let s = Server::start(
        "ladder_enabled = false\nversions_per_bot = 1\nreplays_kept = 1\n\
         replays_kept_per_bot = 0\nchallenges_kept_per_player = 0\n\
         disk_reserve_bytes = 0\n[match]\nmax_ticks = 40\n",
    );
    let ann = s.register("replay-ann");
    let rusher = bundled_wasm("rusher");
    let v1 = padded(rusher, 16, 1);
    let id = s.upload(&ann, "fighter", &v1).json()["bot"]["id"]
        .as_i64()
        .unwrap();
    let challenge = |s: &Server| -> i64 {
        let body = json!({"bots": [id, "house/idle"], "map": "duel", "seed": 3});
        let r = s.post_json("/api/matches", Some(&ann), &body);
        assert_eq!(r.status, 201, "{}", r.text());
        let m = r.json()["id"].as_i64().unwrap();
        wait_for(Duration::from_secs(60), "the challenge to finish", || {
            let state = s.get(&format!("/api/matches/{m}")).json()["state"].clone();
            (state == "finished").then_some(())
        });
        m
    };
    let first = challenge(&s);
    // Version 2: version 1 stays, its replay is on disk.
    assert_eq!(
        s.upload(&ann, "fighter", &padded(rusher, 16, 2)).status,
        201
    );
    assert_eq!(versions(&s, id), [(1, false, false), (2, false, false)]);
    challenge(&s);
    wait_for(
        Duration::from_secs(70),
        "the first replay to be pruned",
        || {
            let m = s.get(&format!("/api/matches/{first}")).json();
            (!m["replay_pruned_at"].is_null()).then_some(())
        },
    );
    // Version 3: version 1 goes now (marked: a match names it), and with it
    // its module; version 2's replay is the newest, kept.
    let r = s.upload(&ann, "fighter", &padded(rusher, 16, 3));
    assert_eq!(r.json()["storage"]["modules_deleted"], 1, "{}", r.text());
    assert_eq!(
        versions(&s, id),
        [(1, true, true), (2, false, false), (3, false, false)]
    );
    let module = s.get(&format!("/api/modules/{}", hash(&v1)));
    assert_eq!(module.status, 410, "{}", module.text());
    assert!(module.error_message().contains("versions_per_bot"));
    let download = s.get(&format!("/api/bots/{id}/versions/1/module"));
    assert_eq!(download.status, 410);
    // The pruned replay cannot be recorded again: 410 saying why.
    let replay = s.get(&format!("/api/matches/{first}/replay"));
    assert_eq!(replay.status, 410, "{}", replay.text());
    let message = replay.error_message();
    assert!(
        message.contains("the module of seat 0 (") && message.contains(&hash(&v1)),
        "{message}"
    );
}

/// Fills the file system of `dir` with `dir/filler` until a write fails,
/// then frees `keep` bytes of it.
fn fill(dir: &Path, keep: u64) {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![1u8; 64 << 10];
    let mut written = 0u64;
    loop {
        match file.write(&block) {
            Ok(0) | Err(_) => break,
            Ok(n) => written += n as u64,
        }
    }
    let _ = file.sync_all();
    file.set_len(written.saturating_sub(keep)).unwrap();
    file.sync_all().unwrap();
}

#[test]
fn a_full_disk_is_507_nothing_is_half_written_and_reads_go_on() {
    // The database's disk filling up is SQLite's case: on PostgreSQL the
    // rows are on the database server's disk, not the data folder's.
    if support::postgres_run() {
        eprintln!("skipped on PostgreSQL: the full disk here is the SQLite file's");
        return;
    }
    let mut s = Server::start("ladder_enabled = false\ndisk_reserve_bytes = 0\n");
    let ann = s.register("disk-ann");
    // The data folder moves onto a 16 MiB tmpfs (root only).
    assert_eq!(s.terminate().code(), Some(0));
    let data = s.data_dir();
    let saved = data.with_file_name("data-saved");
    std::fs::rename(&data, &saved).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    let Some(mount) = Tmpfs::mount(&data, "16m") else {
        eprintln!("skipped: cannot mount a tmpfs here (not root?)");
        std::fs::remove_dir(&data).unwrap();
        std::fs::rename(&saved, &data).unwrap();
        return;
    };
    copy_tree(&saved, &data);
    s.restart();
    let house = s.get("/api/bots?owner=house").json()["bots"][0]["module"]
        .as_str()
        .unwrap()
        .to_string();
    let module = padded(bundled_wasm("idle"), 2 * MIB, 1);

    // The module does not fit: 507, no temp file left, nothing recorded.
    fill(&data, 256 << 10);
    let before = modules(&s);
    let r = s.upload(&ann, "big", &module);
    assert_eq!(
        (r.status, error_code(&r).as_str()),
        (507, "insufficient_storage"),
        "{}",
        r.text()
    );
    let message = r.error_message();
    assert!(
        message.starts_with("the server's disk is full: module "),
        "{message}"
    );
    assert!(message.contains("nothing was stored"), "{message}");
    assert_eq!(modules(&s), before, "no temp file, no module");
    assert!(
        s.get("/api/bots?owner=disk-ann").json()["bots"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Reads go on: pages, the API, module downloads.
    assert_eq!(s.get("/").status, 200);
    assert_eq!(s.get("/api/leaderboard").status, 200);
    assert_eq!(s.get(&format!("/api/modules/{house}")).status, 200);

    // The module fits, the database's write does not (SQLITE_FULL): 507
    // too, the transaction rolled back, the module file removed again.
    std::fs::remove_file(data.join("filler")).unwrap();
    let small = padded(bundled_wasm("idle"), 64 << 10, 2);
    let pages = (small.len() as u64).div_ceil(4096) + 1;
    fill(&data, pages * 4096);
    let r = s.upload(&ann, "small", &small);
    assert_eq!(
        (r.status, error_code(&r).as_str()),
        (507, "insufficient_storage"),
        "{}",
        r.text()
    );
    let message = r.error_message();
    assert!(
        message.starts_with("the server's disk is full: the database could not record this"),
        "{message}"
    );
    assert!(temp_files(&s).is_empty());
    assert!(!modules(&s).0.contains(&format!("{}.wasm", hash(&small))));
    assert_eq!(s.get("/api/leaderboard").status, 200);

    // Room again: the same uploads succeed, with the server never restarted.
    std::fs::remove_file(data.join("filler")).unwrap();
    for (name, bytes) in [("small", &small), ("big", &module)] {
        let r = s.upload(&ann, name, bytes);
        assert_eq!(r.status, 201, "{name}: {}", r.text());
        let got = s.get(&format!("/api/modules/{}", hash(bytes)));
        assert_eq!(got.body, *bytes);
    }
    assert!(s.log().contains("a write to the data folder failed"));
    s.kill9();
    drop(mount);
}

/// Uploads 50 versions of 4 MiB bots (as `bots` names them, round and
/// round; `tags` makes the bytes differ from another run's, which the
/// compiled-module cache would know) as fast as they are answered, and
/// prints the modules folder's growth, the time and the answers.
fn attack(label: &str, config: &str, bots: &[&str], tags: u64) {
    let s = Server::start(&format!("ladder_enabled = false\n{config}"));
    let token = s.register("flooder");
    let idle = bundled_wasm("idle");
    let (_, before) = modules(&s);
    let start = Instant::now();
    let mut answers: Vec<(u16, usize)> = Vec::new();
    for n in 0..50u64 {
        let module = padded(idle, 4 * MIB - idle.len() - 32, tags + n);
        let status = s
            .upload(&token, bots[n as usize % bots.len()], &module)
            .status;
        match answers.last_mut() {
            Some((last, count)) if *last == status => *count += 1,
            _ => answers.push((status, 1)),
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let (_, after) = modules(&s);
    println!(
        "{label}: modules/ grew by {:.1} MiB in {secs:.1} s; answers (status, how many) {answers:?}",
        (after - before) as f64 / MIB as f64,
    );
}

/// The attack, measured: 50 versions of a 4 MiB bot with the
/// quotas off (as before them) and at their defaults, then 50 versions
/// spread over 5 bots at the defaults (`bytes_per_player` stops them).
#[test]
#[ignore]
fn fifty_versions_of_a_4_mib_bot() {
    if std::env::var_os("LOCKSTEP_QUOTA_ATTACK").is_none() {
        eprintln!("set LOCKSTEP_QUOTA_ATTACK=1 to run");
        return;
    }
    let tags = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        << 16;
    let off = "versions_per_bot = 10000\nbytes_per_player = 1099511627776\n";
    attack("one bot, quotas off (as before)", off, &["flood"], tags);
    attack("one bot, default quotas", "", &["flood"], tags + 100);
    let five = ["flood-a", "flood-b", "flood-c", "flood-d", "flood-e"];
    attack("five bots, default quotas", "", &five, tags + 200);
}
