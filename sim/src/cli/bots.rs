//! `lockstep bots`, `lockstep maps`, and turning a BOT argument into a module.

use lockstep_game::Map;
use lockstep_sim::bundled::{BUNDLED_BOTS, bundled_bot};
use lockstep_sim::match_loop::Entrant;
use lockstep_sim::sandbox::Sandbox;
use std::borrow::Cow;
use std::path::Path;

pub fn list_bots() -> Result<(), String> {
    println!("Bundled bots (use the name as a BOT argument):");
    for bot in BUNDLED_BOTS.iter().filter(|b| !b.is_hostile()) {
        println!("  {:<16} {}", bot.name, bot.description);
    }
    println!("\nHostile bots, for testing the sandbox:");
    for bot in BUNDLED_BOTS.iter().filter(|b| b.is_hostile()) {
        println!("  {:<16} {}", bot.name, bot.description);
    }
    Ok(())
}

pub fn list_maps() -> Result<(), String> {
    println!("Bundled maps (use the name with --map):");
    for name in Map::bundled_names() {
        if let Some(map) = Map::bundled(name) {
            println!(
                "  {:<12} {}x{}, {} cores, {} sources",
                name,
                map.width,
                map.height,
                map.cores.len(),
                map.sources.len()
            );
        }
    }
    println!("  random:WxH   generated from --seed, point-symmetric (e.g. random:48x48)");
    Ok(())
}

/// A BOT argument's name and bytes: a path to a `.wasm` file, or a bundled
/// bot's name.
pub fn bot_bytes(arg: &str) -> Result<(String, Cow<'static, [u8]>), String> {
    let path = Path::new(arg);
    let looks_like_path = arg.ends_with(".wasm") || arg.contains('/') || path.exists();
    if looks_like_path {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read bot file '{arg}': {e}"))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| arg.to_string());
        return Ok((name, bytes.into()));
    }
    let bot = bundled_bot(arg).ok_or_else(|| {
        format!(
            "unknown bot '{arg}': it is not a bundled bot ({}) and no file has that name",
            BUNDLED_BOTS
                .iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    Ok((bot.name.to_string(), bot.wasm.into()))
}

/// A BOT argument, loaded (so validated) as a match entrant.
pub fn load_entrant(sandbox: &Sandbox, arg: &str) -> Result<Entrant, String> {
    let (name, bytes) = bot_bytes(arg)?;
    let module = sandbox
        .load(&bytes)
        .map_err(|e| format!("bot '{arg}' was refused: {e}"))?;
    Ok(Entrant { name, module })
}
