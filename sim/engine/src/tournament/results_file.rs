//! `results.jsonl`: the plan, then one line per finished match, appended and
//! synced to disk as each match ends, so a killed tournament loses at most
//! the matches that were being played.

use super::TournamentError;
use super::plan::Plan;
use super::record::MatchRecord;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The results file's name inside the output folder.
pub const RESULTS_FILE: &str = "results.jsonl";

/// An open results file, locked against a second tournament writing to it.
/// The lock is the operating system's (`flock`): a killed process drops it.
#[derive(Debug)]
pub struct ResultsFile {
    path: PathBuf,
    file: File,
    done: BTreeMap<u64, MatchRecord>,
    torn: u64,
}

impl ResultsFile {
    /// Opens (or starts) `dir/results.jsonl` for `plan`.
    ///
    /// A new or empty file gets the plan as its first line. An existing one
    /// must hold the same plan, or it is refused, naming what differs. Each
    /// complete line after it is a finished match; a last line without its
    /// newline is what a kill in the middle of a write leaves, and is cut
    /// away before anything is appended. A damaged complete line is an error
    /// naming its line number.
    pub fn open(dir: &Path, plan: &Plan) -> Result<ResultsFile, TournamentError> {
        let path = dir.join(RESULTS_FILE);
        let err = |message: String| TournamentError::Results {
            path: path.clone(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| err(format!("cannot create its folder: {e}")))?;
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| err(format!("cannot open it: {e}")))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(err(
                    "another `lockstep tournament` is writing to it; let it finish, \
                     or give this one another --out"
                        .into(),
                ));
            }
            Err(TryLockError::Error(e)) => return Err(err(format!("cannot lock it: {e}"))),
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| err(format!("cannot read it: {e}")))?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let torn = (bytes.len() - complete) as u64;
        if torn > 0 {
            file.set_len(complete as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| err(format!("cannot cut its torn last line: {e}")))?;
        }
        let text = std::str::from_utf8(&bytes[..complete])
            .map_err(|_| err("it is not UTF-8 text: the file is damaged".into()))?;
        let mut lines = text.split_terminator('\n');
        let mut results = ResultsFile {
            path: path.clone(),
            file,
            done: BTreeMap::new(),
            torn,
        };
        let Some(first) = lines.next() else {
            let mut line = serde_json::to_vec(plan).expect("a plan serialises");
            line.push(b'\n');
            results.write_line(&line)?;
            // The file's name in its folder, too, must survive a crash.
            if let Ok(folder) = File::open(dir) {
                let _ = folder.sync_all();
            }
            return Ok(results);
        };
        let theirs: Plan = serde_json::from_str(first).map_err(|e| {
            err(format!(
                "its first line is not a tournament plan this lockstep reads ({e}); \
                 give another --out"
            ))
        })?;
        if theirs != *plan {
            let mut what = plan.differences(&theirs);
            if what.is_empty() {
                what.push("plan");
            }
            return Err(err(format!(
                "it holds the results of a different tournament (different {}); run that \
                 tournament's command to resume it, or give another --out (or delete the \
                 folder) to start this one",
                what.join(", ")
            )));
        }
        for (n, line) in lines.enumerate() {
            let number = n + 2;
            let record: MatchRecord = serde_json::from_str(line).map_err(|e| {
                err(format!(
                    "line {number} is not a match result ({e}): the file is damaged"
                ))
            })?;
            let bots = plan.bots.len();
            if record.spec.index >= plan.matches
                || record.spec.seats.iter().any(|&s| s >= bots)
                || record.players.len() != record.spec.seats.len()
            {
                return Err(err(format!(
                    "line {number}: match {} is not one of this tournament's",
                    record.spec.index
                )));
            }
            match results.done.entry(record.spec.index) {
                Entry::Vacant(slot) => {
                    slot.insert(record);
                }
                Entry::Occupied(existing) if *existing.get() == record => {}
                Entry::Occupied(existing) => {
                    return Err(err(format!(
                        "line {number}: match {} is recorded twice, with different results",
                        existing.key()
                    )));
                }
            }
        }
        Ok(results)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The finished matches, by index.
    pub fn done(&self) -> &BTreeMap<u64, MatchRecord> {
        &self.done
    }

    /// Bytes of a torn last line that [`Self::open`] cut away (0 if none).
    pub fn torn_bytes(&self) -> u64 {
        self.torn
    }

    /// Appends a finished match as one line and syncs it to disk before
    /// returning.
    pub fn append(&mut self, record: MatchRecord) -> Result<(), TournamentError> {
        self.append_all(vec![record])
    }

    /// Appends finished matches, one line each, and syncs them to disk
    /// (once: a sync costs milliseconds on many disks, more than a short
    /// match) before returning.
    pub fn append_all(&mut self, records: Vec<MatchRecord>) -> Result<(), TournamentError> {
        let mut lines = Vec::new();
        for record in &records {
            serde_json::to_writer(&mut lines, record).expect("a match record serialises");
            lines.push(b'\n');
        }
        self.write_line(&lines)?;
        for record in records {
            self.done.insert(record.spec.index, record);
        }
        Ok(())
    }

    /// Every finished match, in index order.
    pub fn into_records(self) -> Vec<MatchRecord> {
        self.done.into_values().collect()
    }

    /// Whole lines, each newline last, then `fdatasync`: a kill can leave a
    /// prefix (whole lines and a torn one), never a newline after a line
    /// that is not whole.
    fn write_line(&mut self, line: &[u8]) -> Result<(), TournamentError> {
        self.file
            .write_all(line)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| TournamentError::Results {
                path: self.path.clone(),
                message: format!("cannot append to it: {e}"),
            })
    }
}
