//! Embedding Lockstep: load two bots, play a match, read the result.
//!
//! Run: `cargo run -p lockstep-sim --example play_match [BOT.wasm BOT.wasm]`
//! (without arguments it uses two bundled bots).

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::match_loop::{Entrant, MatchConfig, run_match};
use lockstep_sim::sandbox::{Sandbox, SandboxConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One sandbox per process: it owns the wasm engine and the compiled-module cache.
    let sandbox = Sandbox::new(SandboxConfig::default())?;

    let paths: Vec<String> = std::env::args().skip(1).collect();
    let modules: Vec<(String, Vec<u8>)> = if paths.is_empty() {
        ["rusher", "harvester"]
            .iter()
            .map(|name| (name.to_string(), bundled_bot(name).unwrap().wasm.to_vec()))
            .collect()
    } else {
        paths
            .iter()
            .map(|path| Ok((path.clone(), std::fs::read(path)?)))
            .collect::<std::io::Result<_>>()?
    };

    // Loading validates each module against ABI v1 and compiles it once.
    let entrants = modules
        .into_iter()
        .map(|(name, wasm)| {
            Ok(Entrant {
                module: sandbox.load(&wasm)?,
                name,
            })
        })
        .collect::<Result<Vec<_>, lockstep_sim::sandbox::ModuleError>>()?;

    let mut config = MatchConfig {
        map: "random:40x40".into(),
        seed: 2026,
        threads: 2,
        ..MatchConfig::default()
    };
    config.settings.set("max_ticks", 300);
    let result = run_match(&sandbox, &entrants, &config)?;

    match &result.winner_bot {
        Some(bot) => println!("winner: {bot} after {} ticks", result.ticks),
        None => println!("draw after {} ticks", result.ticks),
    }
    for player in &result.players {
        println!(
            "  #{} {:<12} core {:>3}  units {:>2}  fuel/tick max {:>9}  cut-offs {}  traps {}",
            player.rank + 1,
            player.bot,
            // The score is the game's own JSON: the reference game's keys.
            player.score.get_u64("core_hp").unwrap_or(0),
            player.score.get_u64("units").unwrap_or(0),
            player.fuel_max_tick,
            player.cutoffs,
            player.traps
        );
    }
    println!("final state hash {}", result.final_hash);
    Ok(())
}
