//! AssemblyScript's runtime imports (module `env`), so that plain `asc`
//! output runs without `--use abort=...`: `abort` ends the call as a trap
//! that carries its message, `trace` logs, `seed` seeds `Math.random` from
//! the bot's own random stream.

use super::guest::{self, Guest};
use super::{ASSEMBLYSCRIPT_MODULE, HostState, charge};
use crate::costs::HOST_CALL_FUEL;
use rand_core::Rng;
use wasmtime::{Caller, Error, Linker};

/// Characters read of one AssemblyScript string; a log line is cut shorter.
const MAX_STRING_CHARS: u32 = 1024;

/// `abort(message, file, line, column)` was called: the call ends here.
#[derive(Debug, thiserror::Error)]
#[error("abort: {0}")]
pub(crate) struct Abort(pub String);

pub(super) fn define(linker: &mut Linker<HostState>) -> Result<(), Error> {
    let m = ASSEMBLYSCRIPT_MODULE;
    linker.func_wrap(
        m,
        "abort",
        |mut c: Caller<'_, HostState>,
         message: i32,
         file: i32,
         line: i32,
         column: i32|
         -> Result<(), Error> {
            charge(&mut c, HOST_CALL_FUEL)?;
            let text = read_strings(&mut c, |guest| {
                format!(
                    "{} at {}:{line}:{column}",
                    string(guest, message),
                    string(guest, file)
                )
            });
            Err(Error::new(Abort(text)))
        },
    )?;
    linker.func_wrap(
        m,
        "trace",
        |mut c: Caller<'_, HostState>,
         message: i32,
         n: i32,
         a0: f64,
         a1: f64,
         a2: f64,
         a3: f64,
         a4: f64|
         -> Result<(), Error> {
            charge(&mut c, HOST_CALL_FUEL)?;
            let text = read_strings(&mut c, |guest| {
                let values = [a0, a1, a2, a3, a4];
                let shown = &values[..(n.clamp(0, 5) as usize)];
                let values: Vec<String> = shown.iter().map(f64::to_string).collect();
                format!("trace: {} {}", string(guest, message), values.join(", "))
            });
            c.data().shared.log().line(Some(text.trim_end().as_bytes()));
            Ok(())
        },
    )?;
    linker.func_wrap(
        m,
        "seed",
        |mut c: Caller<'_, HostState>| -> Result<f64, Error> {
            charge(&mut c, HOST_CALL_FUEL)?;
            // 53 random bits as a float in [0, 1): any value seeds it.
            let bits = c.data_mut().wasi.random.next_u64() >> 11;
            Ok(bits as f64 / (1u64 << 53) as f64)
        },
    )?;
    Ok(())
}

fn read_strings(
    caller: &mut Caller<'_, HostState>,
    read: impl FnOnce(&Guest<'_>) -> String,
) -> String {
    match guest::memory(caller) {
        Some(memory) => read(&Guest::new(memory.data_mut(caller))),
        None => read(&Guest::new(&mut [])),
    }
}

/// An AssemblyScript string: UTF-16 code units, its length in bytes in the
/// four bytes before it. Null, or one past the memory, reads as a marker.
fn string(guest: &Guest<'_>, ptr: i32) -> String {
    if ptr == 0 {
        return "null".to_string();
    }
    let ptr = ptr as u32;
    let Some(bytes) = ptr
        .checked_sub(4)
        .and_then(|at| guest.u32(at).ok())
        .map(|len| len.min(MAX_STRING_CHARS * 2) & !1)
        .and_then(|len| guest.read(ptr, len).ok())
    else {
        return "(a string outside the bot's memory)".to_string();
    };
    let units = bytes
        .chunks_exact(2)
        .map(|unit| u16::from_le_bytes([unit[0], unit[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}
