//! Multipart bodies built by hand, byte for byte, so that tests can send
//! forms no browser would (two module parts, 100,000 fields, cut-off bodies).

pub const BOUNDARY: &str = "lockstep-test-form-5e2a";
pub const FORM_TYPE: &str = "multipart/form-data; boundary=lockstep-test-form-5e2a";

/// One part of a form: its field name, file name (sent as
/// `application/wasm`) and bytes.
pub fn part(name: &str, file: Option<&str>, bytes: &[u8]) -> Vec<u8> {
    let mut out = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"");
    if let Some(file) = file {
        out += &format!("; filename=\"{file}\"\r\nContent-Type: application/wasm");
    }
    out += "\r\n\r\n";
    let mut out = out.into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
    out
}

/// The parts, closed with the final boundary.
pub fn close(parts: Vec<Vec<u8>>) -> Vec<u8> {
    let mut body = parts.concat();
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}
