//! A call's log: the lines a bot writes with `lockstep.log` and through WASI's
//! stdout and stderr, under one set of caps. `lockstep.log` gives whole lines;
//! stdout and stderr are byte streams, joined across `fd_write` calls per
//! stream and split on `\n` (Rust's `eprintln!` makes about 24 writes for one
//! line; C's stdio splits long lines), so both end up as the same kind of
//! line, in the order they were finished.

use super::HostState;
use super::charge;
use crate::costs::LOG_CALL_FUEL;
use lockstep_bot::abi::EXPORT_MEMORY;
use wasmtime::{Caller, Error};

/// The output streams a bot can write to: WASI's descriptors 1 and 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout = 0,
    Stderr = 1,
}

/// The lines of one call, or of one tick's part of a suspendable call.
pub(crate) struct CallLog {
    lines: Vec<String>,
    dropped: u32,
    max_lines: u32,
    max_line_bytes: u32,
    /// Each stream's unfinished line: its first `max_line_bytes` bytes.
    partial: [Partial; 2],
}

#[derive(Default)]
struct Partial {
    bytes: Vec<u8>,
    /// Something was written since the last newline (possibly only bytes
    /// past the cap): the line exists even if `bytes` is empty.
    open: bool,
}

impl CallLog {
    pub(crate) fn new(max_lines: u32, max_line_bytes: u32) -> CallLog {
        CallLog {
            lines: Vec::new(),
            dropped: 0,
            max_lines,
            max_line_bytes,
            partial: Default::default(),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.lines.clear();
        self.dropped = 0;
        for partial in &mut self.partial {
            partial.bytes.clear();
            partial.open = false;
        }
    }

    /// Ends unfinished stream lines, then hands back the lines and the
    /// count of those dropped, leaving the log empty.
    pub(crate) fn take(&mut self) -> (Vec<String>, u32) {
        for stream in [Stream::Stdout, Stream::Stderr] {
            self.end_line(stream);
        }
        (
            std::mem::take(&mut self.lines),
            std::mem::replace(&mut self.dropped, 0),
        )
    }

    /// One whole line (`lockstep.log`), cut to the cap; `None` if the bot's
    /// pointer was outside its memory.
    pub(crate) fn line(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            Some(bytes) => self.push(bytes),
            None => self.push(b"[lockstep] log(ptr, len) pointed outside the bot's memory"),
        }
    }

    /// Bytes written to a stream: complete lines are logged, the rest waits
    /// for its newline or the end of the call.
    pub(crate) fn write(&mut self, stream: Stream, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.lines.len() >= self.max_lines as usize {
                return self.write_past_the_cap(stream, bytes);
            }
            let (piece, ends_line) = match bytes.iter().position(|&b| b == b'\n') {
                Some(at) => (&bytes[..at], true),
                None => (bytes, false),
            };
            let partial = &mut self.partial[stream as usize];
            let room = (self.max_line_bytes as usize).saturating_sub(partial.bytes.len());
            partial
                .bytes
                .extend_from_slice(&piece[..piece.len().min(room)]);
            partial.open = true;
            if ends_line {
                self.end_line(stream);
                bytes = &bytes[piece.len() + 1..];
            } else {
                bytes = &[];
            }
        }
    }

    /// With no room for another line, lines are only counted: each newline
    /// ends one, the bytes are scanned in bulk (vectorised) and not copied.
    fn write_past_the_cap(&mut self, stream: Stream, bytes: &[u8]) {
        let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u32;
        self.dropped += newlines;
        let partial = &mut self.partial[stream as usize];
        partial.bytes.clear();
        partial.open = newlines == 0 || bytes.last() != Some(&b'\n');
    }

    fn end_line(&mut self, stream: Stream) {
        let partial = &mut self.partial[stream as usize];
        if !partial.open {
            return;
        }
        partial.open = false;
        let mut bytes = std::mem::take(&mut partial.bytes);
        self.push(&bytes);
        // Keep the allocation for the stream's next line.
        bytes.clear();
        self.partial[stream as usize].bytes = bytes;
    }

    /// Keeps the first `max_lines` lines of the call, each cut to the cap.
    fn push(&mut self, bytes: &[u8]) {
        if self.lines.len() >= self.max_lines as usize {
            self.dropped += 1;
            return;
        }
        // Cut first: the host's work must not grow with what the bot wrote.
        let max = self.max_line_bytes as usize;
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]);
        let mut end = text.len().min(max);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.lines.push(text[..end].to_string());
    }
}

/// `lockstep.log(ptr, len)`: one line into the bot's log for this call.
pub(crate) fn lockstep_log(
    mut caller: Caller<'_, HostState>,
    ptr: i32,
    len: i32,
) -> Result<(), Error> {
    // Paid up front, whatever the length: the line is cut to the cap first.
    charge(&mut caller, LOG_CALL_FUEL)?;
    let Some(memory) = caller
        .get_export(EXPORT_MEMORY)
        .and_then(|export| export.into_memory())
    else {
        caller.data().shared.log().line(None);
        return Ok(());
    };
    let (data, state) = memory.data_and_store_mut(&mut caller);
    let start = ptr as u32 as usize;
    let bytes = start
        .checked_add(len as u32 as usize)
        .and_then(|end| data.get(start..end));
    state.shared.log().line(bytes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(log: &mut CallLog) -> Vec<String> {
        log.take().0
    }

    #[test]
    fn stream_writes_join_and_split_on_newlines() {
        let mut log = CallLog::new(16, 256);
        for piece in ["he", "llo", "\nwor", "ld\n", "\n", "tail"] {
            log.write(Stream::Stderr, piece.as_bytes());
        }
        assert_eq!(take(&mut log), ["hello", "world", "", "tail"]);
        assert_eq!(take(&mut log), Vec::<String>::new());
    }

    #[test]
    fn streams_are_joined_separately_and_lines_keep_their_finishing_order() {
        let mut log = CallLog::new(16, 256);
        log.write(Stream::Stdout, b"out ");
        log.write(Stream::Stderr, b"err\n");
        log.line(Some(b"direct"));
        log.write(Stream::Stdout, b"line\n");
        assert_eq!(take(&mut log), ["err", "direct", "out line"]);
    }

    #[test]
    fn long_lines_are_cut_and_extra_lines_counted() {
        let mut log = CallLog::new(2, 4);
        log.write(Stream::Stdout, b"abcdefgh");
        log.write(Stream::Stdout, b"ijkl\nxy\nz\n");
        let (lines, dropped) = log.take();
        assert_eq!(lines, ["abcd", "xy"]);
        assert_eq!(dropped, 1);
    }

    #[test]
    fn lines_past_the_cap_are_counted_however_they_arrive() {
        let mut bulk = CallLog::new(1, 8);
        bulk.write(Stream::Stdout, b"one\ntwo\nthree\nfour");
        let mut bytewise = CallLog::new(1, 8);
        for byte in b"one\ntwo\nthree\nfour" {
            bytewise.write(Stream::Stdout, &[*byte]);
        }
        assert_eq!(bulk.take(), (vec!["one".to_string()], 3));
        assert_eq!(bytewise.take(), (vec!["one".to_string()], 3));
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let mut log = CallLog::new(4, 5);
        // é is 2 bytes: the cut leaves half of it, which is not kept.
        log.write(Stream::Stdout, "abcdé\n".as_bytes());
        assert_eq!(take(&mut log), ["abcd"]);
    }
}
