//! `lockstep tournament --db URL`, `lockstep tournament status|results URL`
//! and `lockstep worker URL`: tournaments played by workers over PostgreSQL
//! (`lockstep_sim::distributed`).

use super::bots::{bot_bytes, load_entrants};
use super::tournament_cmd::{Bar, TournamentArgs};
use super::tournament_table;
use clap::{Args, Subcommand};
use lockstep_sim::distributed::{self, worker};
use lockstep_sim::sandbox::{ModuleHash, Sandbox};
use lockstep_sim::settings::Settings;
use lockstep_sim::tournament::{Plan, Progress, Report, TournamentSpec};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum DbAction {
    /// Progress of the tournaments in a database (or of one).
    Status {
        /// The database (postgres://user@host/db).
        url: String,
        /// One tournament's id (as `tournament --db` printed it).
        id: Option<String>,
    },
    /// The standings of a tournament in a database, from the matches
    /// finished so far (all of them: the same report, and results hash, as a
    /// local run of the same command).
    Results {
        /// The database (postgres://user@host/db).
        url: String,
        /// The tournament's id.
        id: String,
        /// Print the report as one JSON object instead of tables.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct WorkerArgs {
    /// The database (postgres://user@host/db) that `tournament --db` wrote to.
    url: String,

    /// Matches played at once, one thread and one connection each.
    #[arg(long, value_name = "N", default_value_t = 1)]
    threads: usize,

    /// Seconds a claimed match stays this worker's without a heartbeat; a
    /// killed worker's match is played again by another after this.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    lease: f64,

    /// Exit once no match in the database is queued or running, instead of
    /// waiting for new tournaments.
    #[arg(long)]
    exit_when_idle: bool,

    /// This worker's name in the database. [default: HOST-PID]
    #[arg(long)]
    name: Option<String>,
}

pub fn worker(args: WorkerArgs, settings: &Settings) -> Result<(), String> {
    if args.threads == 0 {
        return Err("--threads must be at least 1".into());
    }
    if !(args.lease.is_finite() && args.lease >= 1.0) {
        return Err(format!(
            "--lease must be at least 1 second, not {}",
            args.lease
        ));
    }
    let name = args.name.unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "host".into());
        format!("{host}-{}", std::process::id())
    });
    let options = worker::WorkerOptions {
        threads: args.threads,
        lease: Duration::from_secs_f64(args.lease),
        exit_when_idle: args.exit_when_idle,
        name: name.clone(),
        compiled_cache: settings.sandbox.compiled_cache.clone(),
    };
    eprintln!(
        "worker {name}: {} thread(s), claiming matches from the database",
        args.threads
    );
    let log = |line: String| eprintln!("worker {name}: {line}");
    let worked = worker::run(&args.url, &options, &log).map_err(|e| e.to_string())?;
    eprintln!(
        "worker {name}: played {} matches{}",
        worked.played,
        match worked.refused {
            0 => String::new(),
            n => format!(", {n} results refused (lease ran out)"),
        }
    );
    Ok(())
}

pub fn action(action: &DbAction) -> Result<(), String> {
    match action {
        DbAction::Status { url, id } => {
            let mut client = distributed::connect(url).map_err(|e| e.to_string())?;
            let ids = match id {
                Some(id) => vec![id.clone()],
                None => distributed::tournaments(&mut client).map_err(|e| e.to_string())?,
            };
            if ids.is_empty() {
                println!("no tournaments in this database");
            }
            for id in ids {
                let s = distributed::status(&mut client, &id).map_err(|e| e.to_string())?;
                println!(
                    "{}  {}/{} matches done, {} running, {} played again after a worker was lost",
                    s.id, s.done, s.matches, s.running, s.retried
                );
            }
            Ok(())
        }
        DbAction::Results { url, id, json } => {
            let mut client = distributed::connect(url).map_err(|e| e.to_string())?;
            let (plan, records) =
                distributed::results(&mut client, id).map_err(|e| e.to_string())?;
            print_report(&plan, &records, *json)
        }
    }
}

/// `tournament --db URL`: writes the tournament (or finds it written) and
/// waits for the workers to play it, showing progress.
pub fn submit_and_wait(
    args: &TournamentArgs,
    spec: TournamentSpec,
    url: &str,
    settings: &Settings,
) -> Result<(), String> {
    let sandbox = Sandbox::new(settings.sandbox.clone())?;
    let bots = load_entrants(&sandbox, &args.bots)?;
    let plan = Plan::new(&spec, &bots, &sandbox).map_err(|e| e.to_string())?;
    let mut modules = Vec::with_capacity(args.bots.len());
    for arg in &args.bots {
        let (_, bytes) = bot_bytes(arg)?;
        modules.push(bytes);
    }
    debug_assert!((modules.iter().zip(&bots)).all(|(m, b)| ModuleHash::of(m) == b.module.hash));
    let mut client = distributed::connect(url).map_err(|e| e.to_string())?;
    let module_refs: Vec<&[u8]> = modules.iter().map(|m| m.as_ref()).collect();
    let id = distributed::submit(&mut client, &plan, &module_refs).map_err(|e| e.to_string())?;
    let status = distributed::status(&mut client, &id).map_err(|e| e.to_string())?;
    eprintln!(
        "tournament {id}: {} matches, {} done; workers play it: lockstep worker {url}",
        status.matches, status.done
    );
    let mut bar = Bar::new(!args.json && std::io::stderr().is_terminal());
    bar.start(status.done, status.matches);
    let mut shown = status.done;
    let started = Instant::now();
    let mut waiting_said = false;
    loop {
        let status = distributed::status(&mut client, &id).map_err(|e| e.to_string())?;
        if let Some(progress) = bar.bar_mut() {
            progress.inc(status.done - shown);
        }
        shown = status.done;
        if status.done == status.matches {
            break;
        }
        if status.running == 0 && !waiting_said && started.elapsed() > Duration::from_secs(5) {
            eprintln!("no worker is playing: start `lockstep worker {url}` on any host");
            waiting_said = true;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    bar.finish();
    let (plan, records) = distributed::results(&mut client, &id).map_err(|e| e.to_string())?;
    print_report(&plan, &records, args.json)
}

fn print_report(
    plan: &Plan,
    records: &[lockstep_sim::tournament::MatchRecord],
    json: bool,
) -> Result<(), String> {
    let report = Report::new(plan, records, &vec![0; plan.bots.len()]);
    if json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        print!("{}", tournament_table::render(&report, plan));
    }
    Ok(())
}
