//! # Hostile on purpose: answers with bytes that do not decode
//!
//! A test fixture for the host's output handling, not a player. It declares
//! ABI v1 with the postcard encoding and accepts every message, but every
//! `lockstep_tick` returns [`GARBAGE`]: a pointer and length that are valid and
//! in bounds (a static in its own memory, far below any size cap), whose bytes
//! are not a `Vec<Action>`: the length says one order, and the order's variant
//! index is 9 (`Action` has four). So the only failure is "does not decode";
//! the host must drop the tick's orders and record that in the bot's report.
//!
//! `export_bot!` would encode real orders, so the four exports are written by
//! hand here, as a C or Zig author would (see `docs/abi.md`).

/// The output of every tick: varint length 1, then variant index 9 (out of
/// range), then two bytes a real `Move` might have carried.
pub const GARBAGE: [u8; 4] = [0x01, 0x09, 0x03, 0x00];

#[cfg(target_arch = "wasm32")]
mod exports {
    use core::cell::UnsafeCell;
    use lockstep_sdk::{Encoding, abi};

    /// The input buffer the host writes into. Single-threaded wasm: one owner.
    struct Input(UnsafeCell<Vec<u8>>);
    // SAFETY: wasm32 modules run on one thread and exports are not re-entered.
    unsafe impl Sync for Input {}
    static INPUT: Input = Input(UnsafeCell::new(Vec::new()));
    static OUTPUT: [u8; 4] = super::GARBAGE;

    #[unsafe(no_mangle)]
    pub extern "C" fn lockstep_abi() -> i32 {
        abi::abi_word(Encoding::Postcard) // 1 << 8 | 0
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn lockstep_alloc(len: i32) -> i32 {
        // SAFETY: see `Input`.
        let input = unsafe { &mut *INPUT.0.get() };
        input.clear();
        input.resize(len.max(0) as usize, 0);
        input.as_mut_ptr() as i32
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn lockstep_init(_ptr: i32, _len: i32) -> i32 {
        0
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn lockstep_tick(_ptr: i32, _len: i32) -> i64 {
        abi::pack_output(OUTPUT.as_ptr() as u32, OUTPUT.len() as u32)
    }
}

#[cfg(test)]
mod tests {
    use lockstep_sdk::{Action, Encoding, decode};

    #[test]
    fn the_output_does_not_decode() {
        let err = decode::<Vec<Action>>(Encoding::Postcard, &super::GARBAGE).unwrap_err();
        assert_eq!(err.encoding, Encoding::Postcard);
        // And not as JSON either, whichever encoding a host might assume.
        assert!(decode::<Vec<Action>>(Encoding::Json, &super::GARBAGE).is_err());
    }
}
