//! The two encodings of ABI v1, over any game's wire types.

use alloc::vec::Vec;
use core::fmt;
use serde::{Serialize, de::DeserializeOwned};

/// How a bot wants its messages encoded; the low byte of `lockstep_abi()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Compact binary (<https://postcard.jamesmunns.com/wire-format>). The default.
    Postcard = 0,
    /// UTF-8 JSON, serde's default representation. Easiest from other languages.
    Json = 1,
}

impl Encoding {
    pub fn from_byte(byte: u8) -> Option<Encoding> {
        match byte {
            0 => Some(Encoding::Postcard),
            1 => Some(Encoding::Json),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Postcard => "postcard",
            Encoding::Json => "json",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Bytes that are not a valid message of the expected type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub encoding: Encoding,
    pub message: alloc::string::String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not valid {}: {}", self.encoding, self.message)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}

/// Why JSON fails without the `json` feature; `sdk` names the crate whose
/// feature to turn on.
#[cfg(not(feature = "json"))]
fn json_off(sdk: &str) -> alloc::string::String {
    alloc::format!("{sdk} was built without its `json` feature")
}

/// Appends the encoding of `value` to `out`, keeping `out`'s allocation.
pub fn encode_into<T: Serialize>(encoding: Encoding, value: &T, out: &mut Vec<u8>) {
    encode_into_for(encoding, value, out, "lockstep-bot")
}

/// [`encode_into`], naming `sdk` in the panic when JSON is off.
#[doc(hidden)]
#[cfg_attr(feature = "json", allow(unused_variables))]
pub fn encode_into_for<T: Serialize>(encoding: Encoding, value: &T, out: &mut Vec<u8>, sdk: &str) {
    // Serialising our own plain data types cannot fail in either format: no maps
    // with non-string keys, no non-finite floats, and `Vec` sinks never run out.
    match encoding {
        Encoding::Postcard => {
            let buf = core::mem::take(out);
            *out = postcard::to_extend(value, buf).expect("postcard encoding of wire types");
        }
        #[cfg(feature = "json")]
        Encoding::Json => {
            let json = serde_json::to_vec(value).expect("JSON encoding of wire types");
            out.extend_from_slice(&json);
        }
        #[cfg(not(feature = "json"))]
        Encoding::Json => panic!("{}", json_off(sdk)),
    }
}

pub fn encode<T: Serialize>(encoding: Encoding, value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(encoding, value, &mut out);
    out
}

/// Decodes a whole message; trailing bytes are an error in both encodings.
pub fn decode<T: DeserializeOwned>(encoding: Encoding, bytes: &[u8]) -> Result<T, DecodeError> {
    decode_for(encoding, bytes, "lockstep-bot")
}

/// [`decode`], naming `sdk` as the crate to build with its `json` feature when
/// JSON is off (a game SDK's runner and `decode` say their own name).
#[doc(hidden)]
#[cfg_attr(feature = "json", allow(unused_variables))]
pub fn decode_for<T: DeserializeOwned>(
    encoding: Encoding,
    bytes: &[u8],
    sdk: &str,
) -> Result<T, DecodeError> {
    let err = |message: alloc::string::String| DecodeError { encoding, message };
    match encoding {
        Encoding::Postcard => match postcard::take_from_bytes(bytes) {
            Ok((value, [])) => Ok(value),
            Ok((_, rest)) => Err(err(alloc::format!(
                "{} trailing bytes after the message",
                rest.len()
            ))),
            Err(e) => Err(err(alloc::format!("{e}"))),
        },
        #[cfg(feature = "json")]
        Encoding::Json => serde_json::from_slice(bytes).map_err(|e| err(alloc::format!("{e}"))),
        #[cfg(not(feature = "json"))]
        Encoding::Json => Err(err(json_off(sdk))),
    }
}
