//! A bot's output bytes, decoded as the match loop decodes them, in both
//! encodings: any bytes give orders or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lockstep_sdk::{Action, Encoding, MatchInfo, Observation};

fuzz_target!(|data: &[u8]| {
    for encoding in [Encoding::Postcard, Encoding::Json] {
        if let Ok(actions) = lockstep_sdk::decode::<Vec<Action>>(encoding, data) {
            // What decodes must encode back to something that decodes the same.
            let again = lockstep_sdk::encode(encoding, &actions);
            assert_eq!(lockstep_sdk::decode::<Vec<Action>>(encoding, &again).unwrap(), actions);
        }
        // The SDK's side, for bots: the host's messages, from any bytes.
        let _ = lockstep_sdk::decode::<Observation>(encoding, data);
        let _ = lockstep_sdk::decode::<MatchInfo>(encoding, data);
    }
});
