//! Playing a tournament: matches in parallel on worker threads, each match
//! on one thread, results appended in the order they finish (the report
//! sorts them back into canonical order).

use super::TournamentError;
use super::plan::{Format, MatchSpec, Plan};
use super::record::{FuelObserver, MatchRecord};
use super::results_file::ResultsFile;
use super::swiss::SwissTable;
use crate::match_loop::{Entrant, run_match_observed};
use crate::replay::play_recorded;
use crate::sandbox::Sandbox;
use crossbeam_channel::unbounded;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The folder of the output folder where `RunOptions::replays` puts replays.
pub const REPLAYS_DIR: &str = "replays";

/// How to play; nothing here can change a result.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Matches played at once, each on its own thread. At least 1, and
    /// `2 * threads` instances must fit in the sandbox's `pool_instances`.
    pub threads: usize,
    /// Write each match's replay into this folder as
    /// `NNNNNN-BOT-vs-BOT.replay` (written as `.part`, renamed when whole).
    pub replays: Option<PathBuf>,
}

/// Told about progress, on the thread that called [`run`].
pub trait Progress {
    /// Before any match is played: `done` of `total` were already finished.
    fn start(&mut self, _done: u64, _total: u64) {}
    /// A match has finished and its result is on disk.
    fn match_done(&mut self, _record: &MatchRecord) {}
}

impl Progress for () {}

/// A finished tournament's results.
#[derive(Clone, Debug)]
pub struct Played {
    /// Every match, in index order.
    pub records: Vec<MatchRecord>,
    /// Swiss: each bot's byes (all 0 in a round robin).
    pub byes: Vec<u32>,
    /// Matches found finished in the results file at the start.
    pub already_done: u64,
    /// Matches this call played.
    pub played: u64,
}

/// Plays every match of `plan` that `results` does not hold yet, appending
/// each as it finishes, and returns them all. `bots` are the plan's bots, in
/// its order.
pub fn run(
    sandbox: &Sandbox,
    bots: &[Entrant],
    plan: &Plan,
    results: &mut ResultsFile,
    options: &RunOptions,
    progress: &mut dyn Progress,
) -> Result<Played, TournamentError> {
    check(sandbox, bots, plan, options)?;
    if let Some(dir) = &options.replays {
        std::fs::create_dir_all(dir).map_err(|error| TournamentError::Write {
            path: dir.clone(),
            error,
        })?;
    }
    let already_done = results.done().len() as u64;
    progress.start(already_done, plan.matches);
    let mut played = 0;
    let mut byes = vec![0; bots.len()];
    match plan.format {
        Format::RoundRobin => {
            let specs = plan.round_robin_matches();
            played += play_missing(sandbox, bots, plan, specs, results, options, progress)?;
        }
        Format::Swiss => {
            let mut table = SwissTable::new(bots.len());
            for round in 0..plan.rounds {
                let pairing = table.pair();
                let first = u64::from(round) * plan.per_round();
                let specs = plan.pairing_matches(round, &pairing.pairs, first);
                let range = first..first + specs.len() as u64;
                played += play_missing(sandbox, bots, plan, specs, results, options, progress)?;
                let round_records: Vec<MatchRecord> = results
                    .done()
                    .range(range)
                    .map(|(_, r)| r.clone())
                    .collect();
                table.record_round(&pairing, &round_records, plan.games_per_pairing());
            }
            byes = table.byes;
        }
    }
    let records: Vec<MatchRecord> = results.done().values().cloned().collect();
    debug_assert_eq!(records.len() as u64, plan.matches);
    Ok(Played {
        records,
        byes,
        already_done,
        played,
    })
}

impl RunOptions {
    /// Whether these options can run in `sandbox`: at least one thread, and
    /// every thread's two bot instances fit in its pool at once (otherwise
    /// an instantiation could fail for want of a slot, which would make a
    /// result depend on timing).
    pub fn check(&self, sandbox: &Sandbox) -> Result<(), TournamentError> {
        if self.threads == 0 {
            return Err(TournamentError::Invalid(
                "--threads must be at least 1".into(),
            ));
        }
        let pool = sandbox.config().pool_instances as usize;
        let instances = self.threads.saturating_mul(2);
        if instances > pool {
            return Err(TournamentError::Invalid(format!(
                "--threads {} would run {instances} bot instances at once, but the sandbox's \
                 pool holds {pool} ([limits] pool_instances in the config): use at most {} \
                 threads",
                self.threads,
                pool / 2
            )));
        }
        Ok(())
    }
}

fn check(
    sandbox: &Sandbox,
    bots: &[Entrant],
    plan: &Plan,
    options: &RunOptions,
) -> Result<(), TournamentError> {
    options.check(sandbox)?;
    let invalid = |m: String| Err(TournamentError::Invalid(m));
    let same = bots.len() == plan.bots.len()
        && bots
            .iter()
            .zip(&plan.bots)
            .all(|(e, b)| e.name == b.name && e.module.hash.to_hex() == b.module_hash);
    if !same {
        return invalid("the bots given are not the plan's bots, in its order".into());
    }
    Ok(())
}

/// Plays those of `specs` not yet in `results`, checking that those already
/// there are what the plan says. Returns how many were played.
fn play_missing(
    sandbox: &Sandbox,
    bots: &[Entrant],
    plan: &Plan,
    specs: Vec<MatchSpec>,
    results: &mut ResultsFile,
    options: &RunOptions,
    progress: &mut dyn Progress,
) -> Result<u64, TournamentError> {
    let mut todo = Vec::new();
    for spec in specs {
        match results.done().get(&spec.index) {
            None => todo.push(spec),
            Some(record) if record.spec == spec => {}
            Some(_) => {
                return Err(TournamentError::Results {
                    path: results.path().to_path_buf(),
                    message: format!(
                        "match {} in it is not the match this plan has at that index \
                         (the file was edited, or written by another lockstep build)",
                        spec.index
                    ),
                });
            }
        }
    }
    let count = todo.len() as u64;
    play_parallel(sandbox, bots, plan, todo, options, &mut |records| {
        let reported = records.clone();
        results.append_all(records)?;
        for record in &reported {
            progress.match_done(record);
        }
        Ok(())
    })?;
    Ok(count)
}

/// Plays `specs` on `options.threads` worker threads, handing results to
/// `sink` on this thread as they arrive: each time, every result already
/// waiting (group commit: one sync for all of them while the workers play
/// on). The first error stops the workers from starting new matches and is
/// returned once they are done.
fn play_parallel(
    sandbox: &Sandbox,
    bots: &[Entrant],
    plan: &Plan,
    specs: Vec<MatchSpec>,
    options: &RunOptions,
    sink: &mut dyn FnMut(Vec<MatchRecord>) -> Result<(), TournamentError>,
) -> Result<(), TournamentError> {
    if specs.is_empty() {
        return Ok(());
    }
    let threads = options.threads.clamp(1, specs.len());
    let (jobs, queue) = unbounded::<MatchSpec>();
    for spec in specs {
        jobs.send(spec).expect("the queue is open");
    }
    drop(jobs);
    let (done, finished) = unbounded::<Result<MatchRecord, TournamentError>>();
    let stop = AtomicBool::new(false);
    // Bots run on the worker's own stack (one thread per match): room for
    // the deepest wasm stack the sandbox allows, plus the host's frames.
    let stack = sandbox.config().native_stack_bytes() + (8 << 20);
    std::thread::scope(|scope| {
        let mut first_error = None;
        for i in 0..threads {
            let queue = queue.clone();
            let done = done.clone();
            let stop = &stop;
            let replays = options.replays.as_deref();
            let spawned = std::thread::Builder::new()
                .name(format!("lockstep-tournament-{i}"))
                .stack_size(stack)
                .spawn_scoped(scope, move || {
                    for spec in queue {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let result = play_one(sandbox, bots, plan, spec, replays);
                        if done.send(result).is_err() {
                            break;
                        }
                    }
                });
            if let Err(e) = spawned {
                stop.store(true, Ordering::Relaxed);
                first_error = Some(TournamentError::Invalid(format!(
                    "could not start a tournament worker thread: {e}"
                )));
                break;
            }
        }
        drop(done);
        let mut sink_failed = false;
        while let Ok(first) = finished.recv() {
            let mut batch = Vec::new();
            for result in std::iter::once(first).chain(finished.try_iter()) {
                match result {
                    Ok(record) => batch.push(record),
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        first_error.get_or_insert(e);
                    }
                }
            }
            // After a match's error, finished matches are still kept: they
            // are whole and correct, and a resumed run need not play them
            // again. After the sink's own error (the file), nothing more.
            if !batch.is_empty()
                && !sink_failed
                && let Err(e) = sink(batch)
            {
                sink_failed = true;
                stop.store(true, Ordering::Relaxed);
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    })
}

/// Plays the match `spec` of `plan` alone and records it: what a
/// distributed worker does with a match it claimed. `bots` are the plan's.
pub fn play_match(
    sandbox: &Sandbox,
    bots: &[Entrant],
    plan: &Plan,
    spec: MatchSpec,
) -> Result<MatchRecord, TournamentError> {
    play_one(sandbox, bots, plan, spec, None)
}

/// Plays one match (writing its replay if asked) and records it.
fn play_one(
    sandbox: &Sandbox,
    bots: &[Entrant],
    plan: &Plan,
    spec: MatchSpec,
    replays: Option<&Path>,
) -> Result<MatchRecord, TournamentError> {
    let config = plan.match_config(&spec);
    let entrants: Vec<Entrant> = spec.seats.iter().map(|&b| bots[b].clone()).collect();
    let mut fuel = FuelObserver::new(entrants.len());
    let failed = |message: String| TournamentError::Match {
        index: spec.index,
        message,
    };
    let result = match replays {
        None => run_match_observed(sandbox, &entrants, &config, &mut fuel)
            .map_err(|e| failed(e.to_string()))?,
        Some(dir) => {
            let names: Vec<String> = entrants.iter().map(|e| file_safe(&e.name)).collect();
            let path = dir.join(format!("{:06}-{}.replay", spec.index, names.join("-vs-")));
            let partial = path.with_extension("replay.part");
            let write_err = |error: std::io::Error| TournamentError::Write {
                path: path.clone(),
                error,
            };
            let file = std::fs::File::create(&partial).map_err(write_err)?;
            let recorded =
                play_recorded(sandbox, &entrants, &config, BufWriter::new(file), &mut fuel);
            match recorded {
                Ok((result, _hash)) => {
                    std::fs::rename(&partial, &path).map_err(write_err)?;
                    result
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(failed(e.to_string()));
                }
            }
        }
    };
    Ok(MatchRecord::new(spec, &result, fuel))
}

/// A bot name as a piece of a file name: letters, digits, `-` and `_` kept,
/// anything else `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
