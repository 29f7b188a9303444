//! Which bytes of a multipart upload body are its `module`'s, counted as the
//! body is read off the connection.
//!
//! The multipart parser reads ahead: whatever the connection has ready goes
//! into its buffer before the field being read is done, so counting at the
//! parser tells nothing of the bytes already read. [`PartScanner`] follows
//! the same boundaries the parser will (`\r\n--BOUNDARY`, headers up to a
//! blank line, `--` after the last), frame by frame as they arrive, and
//! sorts every byte: the contents of parts named `module`, or the rest
//! (other parts, headers, boundaries, preamble and epilogue). So a 413 can
//! say which is too large, wherever the parser has got to.

/// Headers of one part longer than this are counted as the form's other
/// bytes as they come (they could be nothing else), rather than kept.
const MAX_HEADERS: usize = 16 << 10;

#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    /// In a part's contents (`module`: a `module` part's) or the preamble.
    Contents {
        module: bool,
    },
    /// Right after a delimiter: `--` ends the form, else headers follow.
    Delimited,
    Headers,
    /// After the closing delimiter.
    Epilogue,
}

/// See the module's documentation.
#[derive(Debug)]
pub struct PartScanner {
    /// `\r\n--BOUNDARY`.
    delimiter: Vec<u8>,
    state: State,
    /// Bytes not sorted yet: the end of what came, which may be the start
    /// of a delimiter or of a part's headers.
    pending: Vec<u8>,
    /// Of `pending`, the bytes that are not the body's (the `\r\n` put
    /// before the first delimiter).
    unreal: usize,
    pub module_bytes: usize,
    pub other_bytes: usize,
}

impl PartScanner {
    /// A scanner for a body of Content-Type `content_type`; `None` when it
    /// names no boundary (the parser refuses such a form anyway).
    pub fn new(content_type: &str) -> Option<PartScanner> {
        let boundary = content_type.split(';').skip(1).find_map(|param| {
            let (key, value) = param.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| value.trim().trim_matches('"').to_string())
        })?;
        if boundary.is_empty() {
            return None;
        }
        Some(PartScanner {
            delimiter: format!("\r\n--{boundary}").into_bytes(),
            state: State::Contents { module: false },
            // The first delimiter has no line break before it.
            pending: b"\r\n".to_vec(),
            unreal: 2,
            module_bytes: 0,
            other_bytes: 0,
        })
    }

    /// Sorts the next bytes of the body.
    pub fn feed(&mut self, data: &[u8]) {
        let mut buf = std::mem::take(&mut self.pending);
        buf.extend_from_slice(data);
        let mut at = 0;
        loop {
            match self.state {
                State::Contents { module } => {
                    let rest = &buf[at..];
                    match memmem(rest, &self.delimiter) {
                        Some(i) => {
                            self.count(module, i);
                            self.count(false, self.delimiter.len());
                            at += i + self.delimiter.len();
                            self.state = State::Delimited;
                        }
                        None => {
                            // Keep what could be the start of a delimiter.
                            let keep = rest.len().min(self.delimiter.len() - 1);
                            self.count(module, rest.len() - keep);
                            at = buf.len() - keep;
                            break;
                        }
                    }
                }
                State::Delimited => {
                    if buf.len() - at < 2 {
                        break;
                    }
                    self.state = if &buf[at..at + 2] == b"--" {
                        State::Epilogue
                    } else {
                        State::Headers
                    };
                }
                State::Headers => {
                    let rest = &buf[at..];
                    match memmem(rest, b"\r\n\r\n") {
                        Some(i) => {
                            let module = names_module(&rest[..i]);
                            self.count(false, i + 4);
                            at += i + 4;
                            self.state = State::Contents { module };
                        }
                        None if rest.len() > MAX_HEADERS => {
                            // Too long to be kept: the form's, whatever
                            // the part turns out to be.
                            self.count(false, rest.len() - 3);
                            at = buf.len() - 3;
                            break;
                        }
                        None => break,
                    }
                }
                State::Epilogue => {
                    self.count(false, buf.len() - at);
                    at = buf.len();
                    break;
                }
            }
        }
        buf.drain(..at);
        self.pending = buf;
    }

    /// Counts `n` bytes as the module's or the rest, leaving out the
    /// `unreal` ones first.
    fn count(&mut self, module: bool, n: usize) {
        let unreal = n.min(self.unreal);
        self.unreal -= unreal;
        let n = n - unreal;
        if module {
            self.module_bytes += n;
        } else {
            self.other_bytes += n;
        }
    }
}

/// Whether a part's headers (`Content-Disposition: form-data;
/// name="module"; ...`) name it `module`.
fn names_module(headers: &[u8]) -> bool {
    let text = String::from_utf8_lossy(headers);
    text.split("\r\n").any(|line| {
        let Some((key, value)) = line.split_once(':') else {
            return false;
        };
        key.trim().eq_ignore_ascii_case("content-disposition")
            && value.split(';').skip(1).any(|param| {
                param.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("name") && v.trim().trim_matches('"') == "module"
                })
            })
    })
}

/// Where `needle` first occurs in `haystack`.
fn memmem(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut from = 0;
    while let Some(i) = haystack[from..=haystack.len() - needle.len()]
        .iter()
        .position(|&b| b == first)
    {
        let at = from + i;
        if &haystack[at..at + needle.len()] == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=\"b-1\"";

    fn part(name: &str, body: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "--b-1\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"x\"\r\n\r\n"
        )
        .into_bytes();
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
        out
    }

    fn body() -> (Vec<u8>, usize) {
        let module: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let mut body = part("name", b"my-bot");
        body.extend(part("module", &module));
        body.extend(part("note", &[b'-'; 300]));
        body.extend_from_slice(b"--b-1--\r\nepilogue");
        (body, module.len())
    }

    #[test]
    fn the_modules_bytes_are_told_from_the_rest_however_the_body_is_cut() {
        let (body, module) = body();
        for frame in [1, 2, 3, 7, 64, 1000, body.len()] {
            let mut scanner = PartScanner::new(TYPE).unwrap();
            for chunk in body.chunks(frame) {
                scanner.feed(chunk);
            }
            assert_eq!(scanner.module_bytes, module, "frames of {frame}");
            assert_eq!(
                scanner.module_bytes + scanner.other_bytes,
                body.len(),
                "frames of {frame}: every byte sorted once"
            );
        }
    }

    #[test]
    fn a_module_part_with_a_delimiter_like_byte_run_is_still_counted() {
        let mut body = part("module", b"\r\n--b-\r\n--b-2x\r\n-");
        body.extend_from_slice(b"--b-1--\r\n");
        let mut scanner = PartScanner::new(TYPE).unwrap();
        for chunk in body.chunks(3) {
            scanner.feed(chunk);
        }
        assert_eq!(scanner.module_bytes, 17);
    }

    #[test]
    fn many_small_fields_are_the_rest() {
        let mut body: Vec<u8> = (0..1000)
            .flat_map(|i| part(&format!("f{i}"), b"x"))
            .collect();
        body.extend(part("module", b"wasm"));
        body.extend_from_slice(b"--b-1--\r\n");
        let mut scanner = PartScanner::new(TYPE).unwrap();
        scanner.feed(&body);
        assert_eq!(scanner.module_bytes, 4);
        assert!(scanner.other_bytes > 60_000, "{}", scanner.other_bytes);
    }

    #[test]
    fn boundaries_and_names_are_read_as_the_parser_reads_them() {
        assert!(PartScanner::new("multipart/form-data").is_none());
        assert!(PartScanner::new("multipart/form-data; boundary=").is_none());
        let plain = PartScanner::new("multipart/form-data; charset=utf-8; BOUNDARY=abc").unwrap();
        assert_eq!(plain.delimiter, b"\r\n--abc");
        assert!(names_module(b"Content-Disposition: form-data; name=module"));
        assert!(names_module(
            b"content-type: application/wasm\r\ncontent-disposition: form-data; filename=\"m\"; name=\"module\""
        ));
        assert!(!names_module(
            b"Content-Disposition: form-data; name=\"name\"; filename=\"module\""
        ));
        assert!(!names_module(b"X-Note: name=\"module\""));
        assert_eq!(memmem(b"abcabd", b"abd"), Some(3));
        assert_eq!(memmem(b"ab", b"abd"), None);
    }
}
