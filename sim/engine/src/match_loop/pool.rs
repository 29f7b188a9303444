//! The worker pool that runs one tick's bot calls in parallel.
//!
//! Each job owns the bot's instance for the length of the call and hands it
//! back with the report, so no instance is ever shared between threads. An
//! instance with a suspended call (`resume` policy) moves with it: the call's
//! future owns the store and is `Send`, and nothing of it is tied to the
//! thread that last ran it (wasmtime saves its per-thread state when a fiber
//! is suspended and restores it on whichever thread resumes it).
//! Results are collected by seat, so the caller applies them in player-id order
//! whatever thread finished first.

use super::runner::Grant;
use crate::sandbox::{BotInstance, CallReport};
use crossbeam_channel::{Receiver, Sender, unbounded};
use std::thread::JoinHandle;

/// One bot call: the instance, its input message (empty when a suspended
/// call continues) and what it may spend.
pub struct Job {
    pub seat: usize,
    pub instance: BotInstance,
    pub input: Vec<u8>,
    pub grant: Grant,
}

/// A finished job: the instance and input buffer come back for reuse.
pub struct Done {
    pub seat: usize,
    pub instance: BotInstance,
    pub input: Vec<u8>,
    pub grant: Grant,
    pub report: CallReport,
}

fn run(job: Job) -> Done {
    let Job {
        seat,
        mut instance,
        input,
        grant,
    } = job;
    let report = match grant {
        Grant::Fuel(fuel) => instance.call_tick(&input, fuel),
        Grant::Segments {
            segment_fuel,
            segments,
        } => instance.call_tick_resumable(&input, segment_fuel, segments),
    };
    Done {
        seat,
        instance,
        input,
        grant,
        report,
    }
}

/// `threads` workers, or none at all for one thread: then calls run inline on
/// the caller's thread, with no hand-off cost.
pub struct WorkerPool {
    jobs: Option<Sender<(Job, Sender<Done>)>>,
    workers: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    pub fn new(threads: usize, stack_size: usize) -> std::io::Result<WorkerPool> {
        if threads <= 1 {
            return Ok(WorkerPool {
                jobs: None,
                workers: Vec::new(),
            });
        }
        let (jobs, queue) = unbounded::<(Job, Sender<Done>)>();
        let workers = (0..threads)
            .map(|i| {
                let queue: Receiver<(Job, Sender<Done>)> = queue.clone();
                std::thread::Builder::new()
                    .name(format!("lockstep-bot-{i}"))
                    .stack_size(stack_size)
                    .spawn(move || {
                        for (job, reply) in queue {
                            // The match waits for every reply; if it is gone, so is the work.
                            let _ = reply.send(run(job));
                        }
                    })
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(WorkerPool {
            jobs: Some(jobs),
            workers,
        })
    }

    /// Runs every job and returns the results indexed by seat (`None` where no job ran).
    /// Takes the jobs out of `jobs`, leaving its allocation for the next tick.
    pub fn run_all(&self, jobs: &mut Vec<Job>, seats: usize) -> Vec<Option<Done>> {
        let mut results: Vec<Option<Done>> = (0..seats).map(|_| None).collect();
        match &self.jobs {
            None => {
                for job in jobs.drain(..) {
                    let done = run(job);
                    let seat = done.seat;
                    results[seat] = Some(done);
                }
            }
            Some(queue) => {
                let (reply, replies) = unbounded();
                let count = jobs.len();
                for job in jobs.drain(..) {
                    queue
                        .send((job, reply.clone()))
                        .expect("workers live as long as the pool");
                }
                // Only the jobs hold reply senders now: a worker that died drops
                // its job's sender, and the loop below ends instead of hanging.
                drop(reply);
                for done in replies.iter().take(count) {
                    let seat = done.seat;
                    results[seat] = Some(done);
                }
            }
        }
        results
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.jobs = None; // closes the queue; workers finish and exit
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
