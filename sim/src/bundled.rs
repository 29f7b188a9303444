//! The bots built from `bots/` and embedded in the binary (see `sim/build.rs`).

/// A bot shipped inside the `lockstep` binary.
#[derive(Clone, Copy, Debug)]
pub struct BundledBot {
    pub name: &'static str,
    pub description: &'static str,
    /// The registry name of the game it plays: `"cores"` (the reference
    /// game) unless its manifest says otherwise
    /// (`[package.metadata.lockstep] game = "connect-four"`).
    pub game: &'static str,
    pub wasm: &'static [u8],
}

impl BundledBot {
    /// Hostile bots exist to test the sandbox; they are not offered as opponents.
    pub fn is_hostile(&self) -> bool {
        self.name.starts_with("hostile-")
    }
}

/// Every bundled bot, sorted by name.
pub static BUNDLED_BOTS: &[BundledBot] = include!(concat!(env!("OUT_DIR"), "/bundled_bots.rs"));

pub fn bundled_bot(name: &str) -> Option<&'static BundledBot> {
    BUNDLED_BOTS.iter().find(|bot| bot.name == name)
}
