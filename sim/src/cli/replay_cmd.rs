//! `lockstep replay verify|show|html|json`.

use super::bots::read_bot_file;
use super::replay_show;
use clap::{Args, Subcommand};
use lockstep_sim::bundled::BUNDLED_BOTS;
use lockstep_sim::replay::{
    ReplayReader, VerifyError, render_html, sandbox_config_for, verify_in, viewer_json,
};
use lockstep_sim::sandbox::{ModuleHash, Sandbox, script};
use lockstep_sim::settings::Settings;
use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const EXAMPLES: &str = "\
Examples:
  lockstep match rusher harvester --replay game.replay
  lockstep replay verify game.replay
  lockstep replay verify game.replay --bots ./my-bots
  lockstep replay show game.replay
  lockstep replay show game.replay --tick 40
  lockstep replay html game.replay -o game.html

Exit status: 0 when the command did its job (for `verify`: every tick matched);
1 when `verify` found a divergence, or the replay cannot be read (the message
says where and why); 2 for a usage error.";

#[derive(Args)]
#[command(after_long_help = EXAMPLES)]
pub struct ReplayArgs {
    #[command(subcommand)]
    command: ReplayCommand,
}

#[derive(Subcommand)]
enum ReplayCommand {
    /// Play the match again with the same modules and check every tick.
    ///
    /// Bundled bots are found by their module hash; other modules are looked
    /// for in --bots DIR (every .wasm, .js and .py file in it) and at the path the bot was
    /// entered under. The first tick that differs is named, with what differs.
    Verify {
        /// The replay file.
        file: PathBuf,
        /// A folder of .wasm, .js and .py files to find the match's bots in.
        #[arg(long, value_name = "DIR")]
        bots: Option<PathBuf>,
        /// Threads running the bots. Any value must verify the same.
        /// [default: the config's `[match] threads`, 1] (of the rest of the
        /// config only `[upload]` applies, to admit the modules: a replay is
        /// re-run under its own settings)
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Print a replay's summary, or with --tick one tick in full.
    Show {
        /// The replay file.
        file: PathBuf,
        /// Show this tick: the whole world, each bot's orders, outcome, fuel and logs.
        #[arg(long, value_name = "N")]
        tick: Option<u32>,
    },
    /// Write one self-contained HTML file that plays the replay in a browser.
    Html {
        /// The replay file.
        file: PathBuf,
        /// Where to write the page.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Write the viewer's JSON data (for assets/viewer/index.html's file picker).
    Json {
        /// The replay file.
        file: PathBuf,
        /// Where to write the JSON.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
}

pub fn run(args: ReplayArgs, settings: &Settings) -> Result<ExitCode, String> {
    match args.command {
        ReplayCommand::Verify {
            file,
            bots,
            threads,
        } => {
            let threads = threads.unwrap_or(settings.match_config.threads);
            run_verify(&file, bots.as_deref(), threads, settings)
        }
        ReplayCommand::Show { file, tick } => {
            replay_show::show(&file, tick).map(|()| ExitCode::SUCCESS)
        }
        ReplayCommand::Html { file, output } => {
            let json = viewer_data(&file)?;
            write_output(&output, render_html(&json).as_bytes())?;
            println!("wrote {} (open it in any browser)", output.display());
            Ok(ExitCode::SUCCESS)
        }
        ReplayCommand::Json { file, output } => {
            write_output(&output, viewer_data(&file)?.as_bytes())?;
            println!("wrote {}", output.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn open(file: &Path) -> Result<ReplayReader<BufReader<std::fs::File>>, String> {
    ReplayReader::open(file).map_err(|e| format!("replay '{}': {e}", file.display()))
}

fn viewer_data(file: &Path) -> Result<String, String> {
    viewer_json(open(file)?).map_err(|e| format!("replay '{}': {e}", file.display()))
}

/// Writes next to the destination, then renames: no half-written page.
fn write_output(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let partial = partial_path(path);
    std::fs::write(&partial, bytes)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            format!("could not write '{}': {e}", path.display())
        })
}

/// `FILE.part`, beside `FILE`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

fn run_verify(
    file: &Path,
    dir: Option<&Path>,
    threads: usize,
    settings: &Settings,
) -> Result<ExitCode, String> {
    if threads == 0 {
        return Err("--threads must be at least 1".into());
    }
    let reader = open(file)?;
    let candidates = module_candidates(dir, reader.header())?;
    // The recorded limits, with this machine's compiled-module cache and the
    // config's `[upload]` limits: which modules are admitted is the
    // config's policy, not the match's (a module admitted under raised
    // limits verifies under the config that raised them).
    let cache = settings.sandbox.compiled_cache.clone();
    let sandbox = Sandbox::new(lockstep_sim::sandbox::SandboxConfig {
        validation: settings.sandbox.validation.clone(),
        ..sandbox_config_for(reader.header(), cache)
    })?;
    let started = Instant::now();
    let report = verify_in(
        &sandbox,
        reader,
        &|hash| candidates.by_hash.get(hash).cloned(),
        threads,
    )
    .map_err(|e| {
        let mut message = format!("replay '{}': {e}", file.display());
        if let VerifyError::MissingModule { bot, .. } = &e {
            message.push_str(&candidates.other_module_note(bot));
        }
        message
    })?;
    let seconds = started.elapsed().as_secs_f64();
    match report.divergence {
        None => {
            let hash = report
                .summary
                .map(|s| ModuleHash(s.replay_hash).to_hex())
                .unwrap_or_default();
            println!(
                "ok: all {} ticks match the recording, and so does the result ({:.2} s)",
                report.ticks_matched, seconds
            );
            println!("replay hash {hash}");
            Ok(ExitCode::SUCCESS)
        }
        Some(d) => {
            eprintln!(
                "DIVERGED at tick {} (ticks 0..{} matched): {}",
                d.tick, report.ticks_matched, d.what
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Modules that might be the match's, by blake3 hash, and what was found
/// at each bot's recorded path (to explain a module that is not among them).
struct Candidates {
    by_hash: HashMap<[u8; 32], Vec<u8>>,
    /// `(bot, NAME.wasm, its hash)` for each bot whose `NAME.wasm` exists.
    at_recorded_path: Vec<(String, PathBuf, ModuleHash)>,
}

impl Candidates {
    /// For a bot whose module was not found: the file at its recorded path is
    /// another module (rebuilt since the match?), and what to do about it.
    fn other_module_note(&self, bot: &str) -> String {
        self.at_recorded_path
            .iter()
            .filter(|(name, _, _)| name == bot)
            .map(|(_, path, hash)| {
                format!(
                    "\n  {} is another module, with hash {}: was it rebuilt or changed since \
                     the match? --bots DIR needs the very module the match was played with",
                    path.display(),
                    hash.to_hex()
                )
            })
            .collect()
    }
}

/// The bundled bots, every .wasm in `dir`, and each bot's recorded name if
/// it is a readable path.
fn module_candidates(
    dir: Option<&Path>,
    header: &lockstep_sim::replay::ReplayHeader,
) -> Result<Candidates, String> {
    let mut found = HashMap::new();
    let mut add = |bytes: Vec<u8>| {
        let hash = ModuleHash::of(&bytes);
        found.insert(hash.0, bytes);
        hash
    };
    for bot in BUNDLED_BOTS {
        add(bot.wasm.to_vec());
    }
    if let Some(dir) = dir {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read --bots folder '{}': {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "wasm")
                || script::by_extension(&path).is_some()
            {
                add(read_bot_file(&path)?);
            }
        }
    }
    // A bot entered as a file is recorded under its file stem.
    let mut at_recorded_path = Vec::new();
    for player in &header.players {
        let extensions = match &player.runtime {
            Some(runtime) => {
                script::by_language(&runtime.language).map_or(&[][..], |r| r.extensions)
            }
            None => &["wasm"][..],
        };
        for extension in extensions {
            let path = PathBuf::from(format!("{}.{extension}", player.bot));
            if let Ok(bytes) = read_bot_file(&path) {
                let hash = add(bytes);
                at_recorded_path.push((player.bot.clone(), path, hash));
            }
        }
    }
    Ok(Candidates {
        by_hash: found,
        at_recorded_path,
    })
}
