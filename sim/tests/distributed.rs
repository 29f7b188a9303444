//! Tournaments over a real PostgreSQL (`scripts/test` starts a throwaway
//! cluster and sets `LOCKSTEP_TEST_PG`): worker processes give the
//! single-machine results hash; a worker killed mid-match (and restarted
//! under its name) loses nothing and doubles nothing; a late result is
//! refused; a worker whose connection is cut reconnects. Without the variable the tests are skipped loudly, except
//! under CI (`CI` set), where they fail.

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::distributed::{self, worker};
use lockstep_sim::match_loop::{Entrant, MatchConfig};
use lockstep_sim::sandbox::{CompiledCache, Sandbox, SandboxConfig};
use lockstep_sim::tournament::{
    self, Format, Plan, Report, ResultsFile, RunOptions, TournamentSpec, play_match,
};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh database of the throwaway cluster for one test, or `None` (the
/// test is skipped) when there is no cluster.
fn database(name: &str) -> Option<String> {
    let Ok(admin) = std::env::var("LOCKSTEP_TEST_PG") else {
        if std::env::var_os("CI").is_some() {
            panic!("LOCKSTEP_TEST_PG is not set: scripts/test starts a PostgreSQL for these tests");
        }
        eprintln!(
            "\n!!!!! SKIPPED a distributed test: LOCKSTEP_TEST_PG is not set (scripts/test sets it)\n"
        );
        return None;
    };
    let db = format!("t_{name}_{}", std::process::id());
    let mut client =
        postgres::Client::connect(&admin, postgres::NoTls).expect("the cluster answers");
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    let base = admin.rsplit_once('/').expect("a URL with a database").0;
    Some(format!("{base}/{db}"))
}

fn sandbox() -> Sandbox {
    Sandbox::new(SandboxConfig::default()).unwrap()
}

const BOTS: [&str; 4] = ["rusher", "harvester", "random-walker", "idle"];

fn entrants(sandbox: &Sandbox) -> Vec<Entrant> {
    BOTS.iter()
        .map(|name| Entrant {
            name: name.to_string(),
            module: sandbox.load(bundled_bot(name).unwrap().wasm).unwrap(),
        })
        .collect()
}

fn plan(sandbox: &Sandbox, ticks: u32, games: u32) -> Plan {
    let mut match_config = MatchConfig::default();
    match_config.settings.set("max_ticks", ticks);
    let spec = TournamentSpec {
        format: Format::RoundRobin,
        rounds: 0,
        maps: vec!["duel".into(), "random:16x16".into()],
        games_per_pair: games,
        seats: 2,
        seed: 5,
        match_config,
    };
    Plan::new(&spec, &entrants(sandbox), sandbox).unwrap()
}

/// The plan's results hash as one process plays it.
fn local_hash(sandbox: &Sandbox, plan: &Plan, name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("distributed")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let mut results = ResultsFile::open(&dir, plan).unwrap();
    let options = RunOptions {
        threads: 2,
        replays: None,
    };
    let played = tournament::run(
        sandbox,
        &entrants(sandbox),
        plan,
        &mut results,
        &options,
        &mut (),
    )
    .unwrap();
    Report::new(plan, &played.records, &played.byes).results_hash
}

fn submit(url: &str, plan: &Plan) -> String {
    let mut client = distributed::connect(url).unwrap();
    let modules: Vec<&[u8]> = BOTS.iter().map(|b| bundled_bot(b).unwrap().wasm).collect();
    distributed::submit(&mut client, plan, &modules).unwrap()
}

fn spawn_worker(url: &str, name: &str, lease: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .env(
            "LOCKSTEP_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/compiled-modules"),
        )
        .args([
            "worker",
            url,
            "--exit-when-idle",
            "--lease",
            lease,
            "--name",
            name,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lockstep binary runs")
}

fn finished(child: Child) -> String {
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{log}");
    log
}

fn distributed_hash(url: &str, id: &str) -> (String, u64) {
    let mut client = distributed::connect(url).unwrap();
    let (plan, records) = distributed::results(&mut client, id).unwrap();
    let count = records.len() as u64;
    (
        Report::new(&plan, &records, &vec![0; plan.bots.len()]).results_hash,
        count,
    )
}

#[test]
fn three_workers_give_the_single_machine_results_hash() {
    let Some(url) = database("three") else { return };
    let sandbox = sandbox();
    let plan = plan(&sandbox, 30, 2);
    let id = submit(&url, &plan);
    // Submitting again is the same tournament, nothing added.
    assert_eq!(submit(&url, &plan), id);
    let workers: Vec<Child> = (0..3)
        .map(|i| spawn_worker(&url, &format!("w{i}"), "10"))
        .collect();
    let logs: Vec<String> = workers.into_iter().map(finished).collect();
    let (hash, count) = distributed_hash(&url, &id);
    assert_eq!(count, plan.matches);
    assert_eq!(hash, local_hash(&sandbox, &plan, "three"));
    // Every worker took part (the matches are many and short).
    let played: Vec<u64> = logs
        .iter()
        .map(|log| {
            let tail = log.rsplit("played ").next().unwrap();
            tail.split(' ').next().unwrap().parse().unwrap()
        })
        .collect();
    assert_eq!(played.iter().sum::<u64>(), plan.matches, "{logs:?}");
    let status = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(["tournament", "status", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains(&format!("{id}  {0}/{0} matches done", plan.matches)),
        "{text}"
    );
}

#[test]
fn a_worker_killed_mid_match_loses_nothing_and_doubles_nothing() {
    let Some(url) = database("killed") else {
        return;
    };
    let sandbox = sandbox();
    let plan = plan(&sandbox, 300, 1);
    let id = submit(&url, &plan);
    let mut victim = spawn_worker(&url, "victim", "1");
    // Kill it while it holds a match.
    let mut client = distributed::connect(&url).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let row = client
            .query_one(
                "SELECT count(*) FROM matches WHERE worker = 'victim' AND state = 'running'",
                &[],
            )
            .unwrap();
        if row.get::<_, i64>(0) > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the victim never claimed a match"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    victim.kill().unwrap();
    victim.wait().unwrap();
    let held: i64 = client
        .query_one(
            "SELECT idx FROM matches WHERE worker = 'victim' AND state = 'running'",
            &[],
        )
        .unwrap()
        .get(0);
    // Restarted under the same name, as a service manager would: it must
    // not keep the dead process's match alive, and plays it again.
    finished(spawn_worker(&url, "victim", "1"));
    let (hash, count) = distributed_hash(&url, &id);
    assert_eq!(count, plan.matches, "every match once");
    assert_eq!(hash, local_hash(&sandbox, &plan, "killed"));
    let row = client
        .query_one(
            "SELECT m.attempts, r.worker FROM matches m JOIN results r USING (tournament, idx)
             WHERE m.idx = $1",
            &[&held],
        )
        .unwrap();
    assert_eq!(
        row.get::<_, i32>(0),
        2,
        "claimed by the dead victim, then again"
    );
    assert_eq!(row.get::<_, String>(1), "victim");
}

#[test]
fn a_result_after_the_lease_ran_out_is_refused() {
    let Some(url) = database("late") else { return };
    let sandbox = sandbox();
    let plan = plan(&sandbox, 10, 1);
    let id = submit(&url, &plan);
    let options = |name: &str, lease_ms: u64| worker::WorkerOptions {
        threads: 1,
        lease: Duration::from_millis(lease_ms),
        exit_when_idle: true,
        name: name.into(),
        compiled_cache: CompiledCache::default(),
    };
    let mut client = distributed::connect(&url).unwrap();
    let (claimed_id, spec) = worker::claim(&mut client, &options("slow", 200))
        .unwrap()
        .unwrap();
    assert_eq!((claimed_id.as_str(), spec.index), (id.as_str(), 0));
    let record = play_match(&sandbox, &entrants(&sandbox), &plan, spec.clone()).unwrap();
    std::thread::sleep(Duration::from_millis(400));
    // Another worker takes the match over; the slow one's result is refused.
    let (_, again) = worker::claim(&mut client, &options("quick", 10_000))
        .unwrap()
        .unwrap();
    assert_eq!(again.index, 0);
    assert!(!worker::commit(&mut client, &id, &record, "slow").unwrap());
    assert!(worker::commit(&mut client, &id, &record, "quick").unwrap());
    // And a second commit of the same match, by anyone, changes nothing.
    assert!(!worker::commit(&mut client, &id, &record, "quick").unwrap());
    let rows: i64 = client
        .query_one("SELECT count(*) FROM results WHERE idx = 0", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

#[test]
fn a_worker_whose_connection_is_cut_reconnects_and_finishes() {
    let Some(url) = database("cut") else { return };
    let sandbox = sandbox();
    let plan = plan(&sandbox, 100, 2);
    let id = submit(&url, &plan);
    let worker = spawn_worker(&url, "cut", "10");
    let db = url.rsplit('/').next().unwrap().to_string();
    let admin_url = std::env::var("LOCKSTEP_TEST_PG").unwrap();
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
    // Cut every connection of the worker's, twice, while it plays: after
    // its 3rd and its 10th result (of 24).
    for after in [3, 10] {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let done: i64 = admin_query_count(&url);
            if done >= after {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the worker stalled at {done} results"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&db],
            )
            .unwrap();
    }
    let log = finished(worker);
    assert!(log.contains("reconnecting"), "{log}");
    let (hash, count) = distributed_hash(&url, &id);
    assert_eq!(count, plan.matches, "{log}");
    assert_eq!(hash, local_hash(&sandbox, &plan, "cut"));
}

/// Results committed so far in the database at `url` (a connection of its
/// own, which a cut does not reach: it is made after).
fn admin_query_count(url: &str) -> i64 {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .query_one("SELECT count(*) FROM results", &[])
        .unwrap()
        .get(0)
}
