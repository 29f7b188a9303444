//! The two encodings of ABI v1, over the same types: `lockstep-bot`'s, with
//! this crate's name in the error when it was built without `json`.

pub use lockstep_bot::encoding::{DecodeError, Encoding};

use alloc::vec::Vec;
use serde::{Serialize, de::DeserializeOwned};

/// Appends the encoding of `value` to `out`, keeping `out`'s allocation.
pub fn encode_into<T: Serialize>(encoding: Encoding, value: &T, out: &mut Vec<u8>) {
    lockstep_bot::encoding::encode_into_for(encoding, value, out, crate::abi::SDK)
}

pub fn encode<T: Serialize>(encoding: Encoding, value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(encoding, value, &mut out);
    out
}

/// Decodes a whole message; trailing bytes are an error in both encodings.
pub fn decode<T: DeserializeOwned>(encoding: Encoding, bytes: &[u8]) -> Result<T, DecodeError> {
    lockstep_bot::encoding::decode_for(encoding, bytes, crate::abi::SDK)
}
