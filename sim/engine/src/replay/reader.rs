//! Reading a replay back, one frame at a time.

use super::ReplayError;
use super::format::{ReplayHeader, SandboxLimits, Summary, TickRecord};
use super::frame::{Frame, FrameKind, FrameReader};
use super::legacy::{HeaderV3, HeaderV4, LimitsV2, SummaryV3, TickV3};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// A replay being read: the header is read and checked on opening; ticks are
/// read on demand; the summary (and the whole file's hash) is checked when
/// the ticks run out.
pub struct ReplayReader<R: Read> {
    frames: FrameReader<R>,
    header: ReplayHeader,
    last_tick: Option<u32>,
    summary: Option<Summary>,
}

impl ReplayReader<BufReader<File>> {
    pub fn open(path: &Path) -> Result<Self, ReplayError> {
        let file = File::open(path).map_err(|e| ReplayError::Io(e.to_string()))?;
        ReplayReader::new(BufReader::with_capacity(1 << 16, file))
    }
}

impl<R: Read> ReplayReader<R> {
    pub fn new(inner: R) -> Result<Self, ReplayError> {
        let mut frames = FrameReader::new(inner)?;
        let frame = frames.next("the preamble")?.ok_or(ReplayError::Truncated {
            offset: super::frame::PREAMBLE_BYTES,
            inside: "the header (the file ends after the preamble)".into(),
        })?;
        if frame.kind != FrameKind::Header {
            return Err(malformed(&frame, "the first frame is not the header"));
        }
        let header: ReplayHeader = match frames.version {
            ..=2 => decode::<HeaderV3<LimitsV2>>(&frame)?.upgrade(),
            3 => decode::<HeaderV3<SandboxLimits>>(&frame)?.upgrade(),
            4 => decode::<HeaderV4>(&frame)?.upgrade(),
            _ => decode(&frame)?,
        };
        if header.players.is_empty() || header.players.len() > 8 {
            return Err(malformed(
                &frame,
                &format!("the header lists {} players", header.players.len()),
            ));
        }
        Ok(ReplayReader {
            frames,
            header,
            last_tick: None,
            summary: None,
        })
    }

    pub fn header(&self) -> &ReplayHeader {
        &self.header
    }

    /// The file's format version (at most [`super::FORMAT_VERSION`]).
    pub fn format_version(&self) -> u16 {
        self.frames.version
    }

    /// The next tick; `Ok(None)` once the summary has been read and checked.
    pub fn next_tick(&mut self) -> Result<Option<TickRecord>, ReplayError> {
        if self.summary.is_some() {
            return Ok(None);
        }
        let after = match self.last_tick {
            None => "the header".to_string(),
            Some(t) => format!("tick {t}"),
        };
        let hash_so_far = self.frames.hash();
        let Some(frame) = self.frames.next(&after)? else {
            return Err(ReplayError::Truncated {
                offset: self.offset_hint(),
                inside: format!(
                    "the summary: the file ends after {after}, before the match's result \
                     (was the recording interrupted?)"
                ),
            });
        };
        match frame.kind {
            FrameKind::Tick => {
                let record: TickRecord = if self.frames.version <= 3 {
                    decode::<TickV3>(&frame)?.upgrade()
                } else {
                    decode(&frame)?
                };
                let expected = self.last_tick.map_or(0, |t| t + 1);
                if record.tick != expected {
                    return Err(malformed(
                        &frame,
                        &format!("tick {} follows {after}", record.tick),
                    ));
                }
                let players = self.header.players.len();
                if let Some(bad) = record
                    .bots
                    .iter()
                    .map(|b| b.seat)
                    .chain(record.inits.iter().map(|i| i.seat))
                    .find(|&s| s as usize >= players)
                {
                    return Err(malformed(
                        &frame,
                        &format!("tick {} names seat {bad} of {players}", record.tick),
                    ));
                }
                self.last_tick = Some(record.tick);
                Ok(Some(record))
            }
            FrameKind::Summary => {
                let summary: Summary = if self.frames.version <= 3 {
                    decode::<SummaryV3>(&frame)?.upgrade()
                } else {
                    decode(&frame)?
                };
                if summary.replay_hash != hash_so_far {
                    return Err(ReplayError::Corrupted {
                        offset: frame.offset,
                        what: "the summary's replay hash does not match the file's contents".into(),
                    });
                }
                let played = self.last_tick.map_or(0, |t| t + 1);
                if summary.ticks != played || summary.scores.len() != self.header.players.len() {
                    return Err(malformed(
                        &frame,
                        &format!(
                            "the summary claims {} ticks and {} players; the file has {played} and {}",
                            summary.ticks,
                            summary.scores.len(),
                            self.header.players.len()
                        ),
                    ));
                }
                if let Some(extra) = self.frames.next("the summary")? {
                    return Err(ReplayError::Corrupted {
                        offset: extra.offset,
                        what: "there are frames after the summary".into(),
                    });
                }
                self.summary = Some(summary);
                Ok(None)
            }
            FrameKind::Header => Err(malformed(&frame, &format!("a second header after {after}"))),
        }
    }

    /// The summary, once [`Self::next_tick`] has returned `None`.
    pub fn summary(&self) -> Option<&Summary> {
        self.summary.as_ref()
    }

    /// Reads (and checks) the rest of the file, keeping only the summary.
    pub fn finish(mut self) -> Result<(ReplayHeader, Summary), ReplayError> {
        while self.next_tick()?.is_some() {}
        let summary = self.summary.take().ok_or_else(|| ReplayError::Malformed {
            offset: 0,
            what: "no summary".into(),
        })?;
        Ok((self.header, summary))
    }

    fn offset_hint(&self) -> u64 {
        self.frames.offset()
    }
}

fn decode<T: serde::de::DeserializeOwned>(frame: &Frame) -> Result<T, ReplayError> {
    postcard::from_bytes(&frame.payload).map_err(|e| ReplayError::Undecodable {
        offset: frame.offset,
        kind: frame.kind.name(),
        error: e.to_string(),
    })
}

fn malformed(frame: &Frame, what: &str) -> ReplayError {
    ReplayError::Malformed {
        offset: frame.offset,
        what: what.to_string(),
    }
}
