//! `lockstep bots`, `lockstep maps`, and turning a BOT argument into a module.

use lockstep_sim::bundled::{BUNDLED_BOTS, bundled_bot};
use lockstep_sim::games;
use lockstep_sim::match_loop::Entrant;
use lockstep_sim::sandbox::{Sandbox, script};
use std::borrow::Cow;
use std::path::Path;

pub fn list_bots(game: Option<&str>) -> Result<(), String> {
    if let Some(name) = game {
        games::find(name).map_err(|e| e.to_string())?;
    }
    let shown = |g: &str| game.is_none_or(|name| name == g);
    println!("Bundled bots (use the name as a BOT argument):");
    for def in games::GAMES.iter().filter(|def| shown(def.name())) {
        let bots: Vec<_> = (BUNDLED_BOTS.iter())
            .filter(|b| b.game == def.name() && !b.is_hostile())
            .collect();
        if bots.is_empty() {
            continue;
        }
        println!("\n  {} ({}):", def.name(), def.title());
        for bot in bots {
            println!("    {:<22} {}", bot.name, bot.description);
        }
    }
    let hostile: Vec<_> = (BUNDLED_BOTS.iter())
        .filter(|b| b.is_hostile() && shown(b.game))
        .collect();
    if !hostile.is_empty() {
        println!("\nHostile bots, for testing the sandbox:");
        for bot in hostile {
            println!("    {:<22} {}", bot.name, bot.description);
        }
    }
    Ok(())
}

pub fn list_games() -> Result<(), String> {
    println!("Games (use the name with --game; the first is the default):");
    for def in games::GAMES {
        let (min, max) = def.seats();
        let bots: Vec<&str> = (BUNDLED_BOTS.iter())
            .filter(|b| b.game == def.name())
            .map(|b| b.name)
            .collect();
        println!("\n  {:<14} {}", def.name(), def.title());
        if min == max {
            println!("    seats        {min} bots");
        } else {
            println!("    seats        {min} to {max} bots");
        }
        println!("    rules        version {}", def.rules_version());
        println!(
            "    maps         {} (default {})",
            def.bundled_maps().join(", "),
            def.default_map()
        );
        if !def.map_specs().is_empty() {
            println!("                 {}", def.map_specs());
        }
        println!("    settings     {}", def.default_settings());
        println!("    bots         {}", bots.join(", "));
    }
    println!(
        "\nEach game's rules and wire types are in docs/games/ (the reference game's in \
         docs/rules.md); its settings go in the config's [game] table, `game` and \
         `max_ticks` in [match]."
    );
    Ok(())
}

pub fn list_maps(game: Option<&str>) -> Result<(), String> {
    let defs: Vec<_> = match game {
        Some(name) => vec![games::find(name).map_err(|e| e.to_string())?],
        None => games::GAMES.to_vec(),
    };
    println!("Bundled maps (use the name with --map, and the game with --game):");
    for def in defs {
        println!("\n  {} (default {}):", def.name(), def.default_map());
        for name in def.bundled_maps() {
            println!("    {name}");
        }
        if !def.map_specs().is_empty() {
            println!("    {}", def.map_specs());
        }
    }
    Ok(())
}

/// A bot file's bytes: a module as it is, a script (`.js`, `.py`) as its script
/// bytes (`lockstep_sim::sandbox::script`), which is how every command,
/// replay and server names it.
pub fn read_bot_file(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read bot file '{}': {e}", path.display()))?;
    Ok(match script::by_extension(path) {
        Some(runtime) if !bytes.starts_with(b"\0asm") => script::wrap(runtime, &bytes),
        _ => bytes,
    })
}

/// A BOT argument's name and bytes: a path to a `.wasm` file or a script
/// (`.js`, `.py`), or a bundled bot's name.
pub fn bot_bytes(arg: &str) -> Result<(String, Cow<'static, [u8]>), String> {
    let path = Path::new(arg);
    let looks_like_path = arg.ends_with(".wasm")
        || script::by_extension(path).is_some()
        || arg.contains('/')
        || path.exists();
    if looks_like_path {
        let bytes = read_bot_file(path)?;
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

/// Every BOT argument loaded as an entrant, in order: each distinct
/// argument once, and the distinct ones compiled at once on the machine's
/// cores (a tournament of ten bots compiled them one after another, most
/// of its start-up). Compiled code is the same whichever thread made it, so
/// nothing a match does depends on this. The first refusal in argument
/// order is the error.
pub fn load_entrants(sandbox: &Sandbox, args: &[String]) -> Result<Vec<Entrant>, String> {
    let mut distinct: Vec<&str> = Vec::new();
    for arg in args {
        if !distinct.contains(&arg.as_str()) {
            distinct.push(arg);
        }
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(distinct.len());
    let loaded: Vec<Result<Entrant, String>> = if threads <= 1 {
        distinct
            .iter()
            .map(|arg| load_entrant(sandbox, arg))
            .collect()
    } else {
        // Each thread takes the next argument not yet taken, so one slow
        // module does not hold up the others' share.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slots: Vec<std::sync::Mutex<Option<Result<Entrant, String>>>> = distinct
            .iter()
            .map(|_| std::sync::Mutex::new(None))
            .collect();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(arg) = distinct.get(i) else { break };
                        let entrant = load_entrant(sandbox, arg);
                        *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(entrant);
                    }
                });
            }
        });
        slots
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .expect("every argument was loaded")
            })
            .collect()
    };
    let loaded = loaded.into_iter().collect::<Result<Vec<_>, _>>()?;
    // Back to the arguments' order, repeats included.
    let mut entrants = Vec::with_capacity(args.len());
    for arg in args {
        let i = distinct
            .iter()
            .position(|d| d == arg)
            .expect("listed above");
        entrants.push(loaded[i].clone());
    }
    Ok(entrants)
}
