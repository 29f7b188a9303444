//! The byte layer of a replay file: the preamble, and checksummed frames.
//!
//! ```text
//! preamble: "LOCKSTEP-REPLAY\n" (16 bytes), format version (u16 little-endian)
//! frame:    kind (u8), length (u32 LE), payload (postcard), checksum (8 bytes:
//!           blake3 of kind, length and payload, truncated)
//! ```
//! Every byte is covered by a checksum or the preamble check, so a flipped
//! byte is reported where it is, before anything is decoded from it.

use super::ReplayError;
use std::io::{self, Read, Write};

pub const MAGIC: &[u8; 16] = b"LOCKSTEP-REPLAY\n";
/// The format this build writes, and the newest it reads. Version 2 added
/// the `exited` outcome (WASI's `proc_exit`); version 3 records the
/// deterministic stack limit (`stack_units`) where the native stack's size
/// was; version 4 names the game and records its settings as JSON, the map
/// as the game's text, orders as the game's canonical bytes and each seat's
/// place. Files of versions 1 to 3 (the reference game's) read as before
/// (`legacy.rs`).
pub const FORMAT_VERSION: u16 = 5;
/// Bytes before the first frame.
pub const PREAMBLE_BYTES: u64 = MAGIC.len() as u64 + 2;
/// No frame is larger: 8 bots x (64 KiB of orders + 16 x 256 B of logs)
/// fits many times over; anything bigger is corruption, not a record.
pub const MAX_FRAME_BYTES: u32 = 64 << 20;
const CHECKSUM_BYTES: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FrameKind {
    Header = 1,
    Tick = 2,
    Summary = 3,
}

impl FrameKind {
    fn from_byte(byte: u8) -> Option<FrameKind> {
        match byte {
            1 => Some(FrameKind::Header),
            2 => Some(FrameKind::Tick),
            3 => Some(FrameKind::Summary),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FrameKind::Header => "header",
            FrameKind::Tick => "tick",
            FrameKind::Summary => "summary",
        }
    }
}

fn checksum(kind: u8, len: u32, payload: &[u8]) -> [u8; CHECKSUM_BYTES] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&[kind]);
    hasher.update(&len.to_le_bytes());
    hasher.update(payload);
    let mut out = [0; CHECKSUM_BYTES];
    out.copy_from_slice(&hasher.finalize().as_bytes()[..CHECKSUM_BYTES]);
    out
}

/// Writes frames to `inner`, hashing every byte written for the summary's
/// `replay_hash`.
pub struct FrameWriter<W: Write> {
    inner: W,
    hasher: blake3::Hasher,
    scratch: Vec<u8>,
}

impl<W: Write> FrameWriter<W> {
    pub fn new(mut inner: W) -> io::Result<FrameWriter<W>> {
        let mut hasher = blake3::Hasher::new();
        let mut preamble = MAGIC.to_vec();
        preamble.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        inner.write_all(&preamble)?;
        hasher.update(&preamble);
        Ok(FrameWriter {
            inner,
            hasher,
            scratch: Vec::new(),
        })
    }

    pub fn write<T: serde::Serialize>(&mut self, kind: FrameKind, record: &T) -> io::Result<()> {
        let scratch = std::mem::take(&mut self.scratch);
        let payload = postcard::to_extend(record, scratch).map_err(io::Error::other)?;
        let len = u32::try_from(payload.len())
            .ok()
            .filter(|&len| len <= MAX_FRAME_BYTES)
            .ok_or_else(|| io::Error::other("a replay frame would exceed 64 MiB"))?;
        let kind = kind as u8;
        let mut head = [0u8; 5];
        head[0] = kind;
        head[1..].copy_from_slice(&len.to_le_bytes());
        let sum = checksum(kind, len, &payload);
        for part in [&head[..], &payload, &sum] {
            self.inner.write_all(part)?;
            self.hasher.update(part);
        }
        self.scratch = payload;
        self.scratch.clear();
        Ok(())
    }

    /// blake3 of everything written so far.
    pub fn hash(&self) -> [u8; 32] {
        *self.hasher.finalize().as_bytes()
    }

    pub fn into_inner(self) -> W {
        self.inner
    }
}

/// One frame as read: where it started, its kind and its checked payload.
pub struct Frame {
    pub offset: u64,
    pub kind: FrameKind,
    pub payload: Vec<u8>,
}

/// Reads frames from `inner`, checking each, and hashing every byte read so
/// the summary's `replay_hash` can be checked.
pub struct FrameReader<R: Read> {
    inner: R,
    offset: u64,
    hasher: blake3::Hasher,
    pub version: u16,
}

impl<R: Read> FrameReader<R> {
    pub fn new(mut inner: R) -> Result<FrameReader<R>, ReplayError> {
        let mut preamble = [0u8; PREAMBLE_BYTES as usize];
        let got = read_full(&mut inner, &mut preamble)?;
        if got < MAGIC.len() || &preamble[..MAGIC.len()] != MAGIC {
            return Err(ReplayError::NotAReplay);
        }
        if got < preamble.len() {
            return Err(ReplayError::Truncated {
                offset: got as u64,
                inside: "the preamble".into(),
            });
        }
        let version = u16::from_le_bytes([preamble[16], preamble[17]]);
        if version > FORMAT_VERSION {
            return Err(ReplayError::NewerFormat { version });
        }
        if version == 0 {
            return Err(ReplayError::Corrupted {
                offset: 16,
                what: "the format version is 0".into(),
            });
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update(&preamble);
        Ok(FrameReader {
            inner,
            offset: PREAMBLE_BYTES,
            hasher,
            version,
        })
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// blake3 of every byte read so far (call before reading the summary
    /// frame to get what its `replay_hash` must be).
    pub fn hash(&self) -> [u8; 32] {
        *self.hasher.finalize().as_bytes()
    }

    /// The next frame; `Ok(None)` at a clean end of file. `after` names what
    /// the previous frame was, for error messages.
    pub fn next(&mut self, after: &str) -> Result<Option<Frame>, ReplayError> {
        let offset = self.offset;
        let mut head = [0u8; 5];
        let got = read_full(&mut self.inner, &mut head)?;
        if got == 0 {
            return Ok(None);
        }
        let inside = || format!("the frame after {after}");
        if got < head.len() {
            return Err(ReplayError::Truncated {
                offset: offset + got as u64,
                inside: inside(),
            });
        }
        let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]);
        let Some(kind) = FrameKind::from_byte(head[0]) else {
            return Err(ReplayError::Corrupted {
                offset,
                what: format!("{} starts with unknown kind {}", inside(), head[0]),
            });
        };
        if len > MAX_FRAME_BYTES {
            return Err(ReplayError::Corrupted {
                offset: offset + 1,
                what: format!(
                    "{} claims {len} bytes (at most {MAX_FRAME_BYTES})",
                    inside()
                ),
            });
        }
        let mut payload = vec![0u8; len as usize];
        let got = read_full(&mut self.inner, &mut payload)?;
        if got < payload.len() {
            return Err(ReplayError::Truncated {
                offset: offset + 5 + got as u64,
                inside: inside(),
            });
        }
        let mut sum = [0u8; CHECKSUM_BYTES];
        let got = read_full(&mut self.inner, &mut sum)?;
        if got < sum.len() {
            return Err(ReplayError::Truncated {
                offset: offset + 5 + len as u64 + got as u64,
                inside: inside(),
            });
        }
        if sum != checksum(head[0], len, &payload) {
            return Err(ReplayError::Corrupted {
                offset,
                what: format!(
                    "{} ({} frame, bytes {offset}..{}) fails its checksum",
                    inside(),
                    kind.name(),
                    offset + 5 + len as u64 + CHECKSUM_BYTES as u64
                ),
            });
        }
        for part in [&head[..], &payload, &sum] {
            self.hasher.update(part);
        }
        self.offset = offset + 5 + len as u64 + CHECKSUM_BYTES as u64;
        Ok(Some(Frame {
            offset,
            kind,
            payload,
        }))
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(inner: &mut impl Read, buf: &mut [u8]) -> Result<usize, ReplayError> {
    let mut filled = 0;
    while filled < buf.len() {
        match inner.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReplayError::Io(e.to_string())),
        }
    }
    Ok(filled)
}
