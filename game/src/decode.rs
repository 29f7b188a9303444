//! Decoding each bot's orders without serde on the common path.
//!
//! A postcard order list is a varint count, then per order its variant index,
//! the unit id (not for `Spawn`) and the direction's index, all varints
//! (`docs/abi.md` section 5). [`decode_actions`] reads exactly that by hand
//! when every varint is in its shortest form and nothing is left over, which
//! is what every encoder writes; anything else (JSON, a malformed or unusual
//! message) goes to `lockstep_sdk::decode`, so errors and their messages are
//! serde's, word for word. The tests check that both agree on every message.

use lockstep_sdk::{Action, DecodeError, Direction, Encoding, UnitId};

/// `bytes` as a bot's order list in `encoding`: the same result as
/// `lockstep_sdk::decode::<Vec<Action>>`, faster for plain postcard.
pub(crate) fn decode_actions(encoding: Encoding, bytes: &[u8]) -> Result<Vec<Action>, DecodeError> {
    if encoding == Encoding::Postcard
        && let Some(actions) = postcard_actions(bytes)
    {
        return Ok(actions);
    }
    lockstep_sdk::decode(encoding, bytes)
}

/// The orders, or `None` if anything is out of the ordinary (then serde decides).
fn postcard_actions(bytes: &[u8]) -> Option<Vec<Action>> {
    let mut reader = Reader { bytes, at: 0 };
    let count = reader.varint()? as usize;
    // Every order takes at least two bytes: a longer count is malformed.
    if count > bytes.len() / 2 {
        return None;
    }
    let mut actions = Vec::with_capacity(count);
    for _ in 0..count {
        let variant = reader.varint()?;
        let unit = match variant {
            0 => UnitId(0),
            1..=3 => UnitId(reader.varint()?),
            _ => return None,
        };
        let dir = match reader.varint()? {
            0 => Direction::North,
            1 => Direction::East,
            2 => Direction::South,
            3 => Direction::West,
            _ => return None,
        };
        actions.push(match variant {
            0 => Action::Spawn { dir },
            1 => Action::Move { unit, dir },
            2 => Action::Attack { unit, dir },
            _ => Action::Harvest { unit, dir },
        });
    }
    (reader.at == bytes.len()).then_some(actions)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// An unsigned LEB128 `u32` in its shortest form; `None` otherwise.
    fn varint(&mut self) -> Option<u32> {
        let mut value = 0u32;
        for i in 0..5 {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            if i == 4 && byte > 0x0f {
                return None; // past 32 bits
            }
            value |= u32::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                // A zero last byte after others is a longer form than needed.
                return (i == 0 || byte != 0).then_some(value);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde(bytes: &[u8]) -> Result<Vec<Action>, DecodeError> {
        lockstep_sdk::decode(Encoding::Postcard, bytes)
    }

    /// Every encoded order list reads back the same, by hand and by serde.
    #[test]
    fn agrees_with_serde_on_encoded_lists() {
        let mut lists = vec![Vec::new()];
        for unit in [0, 1, 127, 128, 16_383, 16_384, 2_097_152, u32::MAX] {
            let unit = UnitId(unit);
            let mut list = Vec::new();
            for dir in Direction::ALL {
                list.extend([
                    Action::Spawn { dir },
                    Action::Move { unit, dir },
                    Action::Attack { unit, dir },
                    Action::Harvest { unit, dir },
                ]);
            }
            lists.push(list);
        }
        lists.push(
            (0..300)
                .map(|i| Action::Move {
                    unit: UnitId(i),
                    dir: Direction::East,
                })
                .collect(),
        );
        for list in lists {
            let bytes = lockstep_sdk::encode(Encoding::Postcard, &list);
            assert_eq!(postcard_actions(&bytes).as_ref(), Some(&list));
            assert_eq!(decode_actions(Encoding::Postcard, &bytes).unwrap(), list);
            assert_eq!(serde(&bytes).unwrap(), list);
        }
    }

    /// On any bytes at all: where the hand path answers, serde gives the same
    /// orders; where it does not, the result is serde's (errors included).
    #[test]
    fn agrees_with_serde_on_any_bytes() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut answered = 0;
        for _ in 0..200_000 {
            let len = (next() % 12) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let b = next();
                    // Mostly small values, so many inputs are valid lists.
                    if b % 3 == 0 {
                        (b >> 8) as u8
                    } else {
                        ((b >> 8) % 5) as u8
                    }
                })
                .collect();
            let ours = decode_actions(Encoding::Postcard, &bytes);
            let theirs = serde(&bytes);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{bytes:?}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{bytes:?}"),
                _ => panic!("{bytes:?}: {ours:?} vs {theirs:?}"),
            }
            answered += usize::from(postcard_actions(&bytes).is_some());
        }
        assert!(answered > 1000, "the hand path was exercised ({answered})");
        // Longer forms than needed are left to serde, whatever it says.
        for bytes in [&[1, 0x81, 0x00, 0][..], &[0x81, 0x00, 0, 0]] {
            assert_eq!(postcard_actions(bytes), None);
            assert_eq!(
                format!("{:?}", decode_actions(Encoding::Postcard, bytes)),
                format!("{:?}", serde(bytes))
            );
        }
    }
}
