//! The ladder on a full disk, through the real binary on a real full file
//! system: the data folder moved onto a small tmpfs (`mount -t tmpfs`, so
//! root on Linux; the test says it is skipped otherwise), then filled. The
//! ladder pauses (no match left running, none failed, challenges refused
//! with 503, `/metrics` and one log line say so), and resumes by itself
//! once space is freed.

mod support;

use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};
use support::tmpfs::{Tmpfs, copy_tree};
use support::{Server, wait_for};

/// Writes zeros to `path` until the file system says it is full.
fn fill(path: &Path) -> u64 {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 64 << 10];
    let mut written = 0;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(28), "{e}");
                break;
            }
        }
    }
    let _ = file.sync_all();
    written
}

fn metric_line(server: &Server, name: &str) -> String {
    let text = server.get("/metrics").text();
    text.lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .to_string()
}

fn count(server: &Server, state: &str) -> usize {
    let r = server.get(&format!("/api/matches?state={state}&limit=100"));
    r.json()["matches"].as_array().unwrap().len()
}

#[test]
fn a_full_disk_pauses_the_ladder_and_freeing_space_resumes_it() {
    let mut server = Server::start("ladder_maps = [\"duel\"]\n[match]\nmax_ticks = 60\n");
    wait_for(Duration::from_secs(60), "a few ladder matches", || {
        (count(&server, "finished") >= 3).then_some(())
    });
    assert!(server.terminate().success());
    let data = server.data_dir();
    let aside = data.with_extension("aside");
    std::fs::rename(&data, &aside).unwrap();
    std::fs::create_dir(&data).unwrap();
    let Some(_tmpfs) = Tmpfs::mount(&data, "16m") else {
        eprintln!("skipped: cannot mount a tmpfs here (root on Linux is needed)");
        std::fs::remove_dir(&data).unwrap();
        std::fs::rename(&aside, &data).unwrap();
        return;
    };
    copy_tree(&aside, &data);
    server.restart();
    let before = count(&server, "finished");
    wait_for(Duration::from_secs(60), "matches on the tmpfs", || {
        (count(&server, "finished") > before).then_some(())
    });

    // Full.
    let filler = data.join("filler");
    let filled = fill(&filler);
    let full_at = Instant::now();
    let paused = wait_for(Duration::from_secs(60), "the pause", || {
        let line = metric_line(&server, "lockstep_ladder_paused");
        line.contains("reason=\"disk_full\"").then_some(line)
    });
    println!(
        "filled {filled} bytes; paused {} ms later: {paused}",
        full_at.elapsed().as_millis()
    );
    assert_eq!(paused, "lockstep_ladder_paused{reason=\"disk_full\"} 1");
    // Nothing left running, nothing failed for the disk.
    wait_for(Duration::from_secs(30), "no match running", || {
        (count(&server, "running") == 0).then_some(())
    });
    assert_eq!(count(&server, "failed"), 0);
    let token = server.register("ann");
    let r = server.post_json(
        "/api/matches",
        Some(&token),
        &json!({"bots": ["house/rusher", "house/harvester"]}),
    );
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(
        r.error_message()
            .starts_with("the ladder is paused: the disk is full ("),
        "{}",
        r.text()
    );
    assert_eq!(r.header("retry-after"), Some("30"));
    // Retried (5 s, then 10 s): still full, still paused, logged once.
    std::thread::sleep(Duration::from_secs(8));
    let finished = count(&server, "finished");
    assert!(metric_line(&server, "lockstep_ladder_paused").ends_with(" 1"));
    assert_eq!(
        server
            .log()
            .matches("ladder paused: the disk is full")
            .count(),
        1
    );

    // Space again: resumed at the next try, matches finish again.
    std::fs::remove_file(&filler).unwrap();
    let freed_at = Instant::now();
    wait_for(Duration::from_secs(45), "the resume", || {
        (metric_line(&server, "lockstep_ladder_paused") == "lockstep_ladder_paused 0").then_some(())
    });
    let resumed = freed_at.elapsed();
    wait_for(Duration::from_secs(60), "matches again", || {
        (count(&server, "finished") > finished).then_some(())
    });
    println!(
        "resumed {} ms after the space was freed",
        resumed.as_millis()
    );
    let log = server.log();
    assert_eq!(log.matches("ladder resumed").count(), 1, "{log}");
    assert_eq!(count(&server, "failed"), 0);
    server.kill9();
}
