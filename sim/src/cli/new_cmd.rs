//! `lockstep new`.

use clap::Args;
use clap::builder::PossibleValuesParser;
use lockstep_sim::kits;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  lockstep new my-bot --lang rust
  lockstep new bots/hunter --lang c
  lockstep new scout --lang javascript
  lockstep new scout --lang python

Each kit is a complete bot with a strategy of its own, a README (how the bot
works, how to build and test it), and build.sh, which builds NAME.wasm in the
folder (or where its argument says) and needs only that language's compiler;
a script kit's bot is its script, with nothing to build:

  rust            cargo with rustup (rust-toolchain.toml pins the version and
                  the wasm32-unknown-unknown target, installed on first build)
  c               clang and wasm-ld (lld)
  zig             Zig (build.sh installs its pinned version once, with pip)
  assemblyscript  Node.js and npm (build.sh installs AssemblyScript once)
  go              Go (build.sh installs its pinned version once, with pip)
  javascript      nothing: bot.js is the bot (Lockstep's own runtime runs it)
  python          nothing: bot.py is the bot (Lockstep's own runtime runs it)

The folder's name is the bot's: the module is NAME.wasm and matches show NAME.
A Rust kit's Cargo.toml points at this Lockstep's SDK by absolute path (see its
README); move the repository and edit that line.

Exit status: 0 when the folder is written; 1 when NAME exists and is not empty
or cannot name a bot; 2 for a usage error (an unknown --lang among them).";

#[derive(Args)]
#[command(after_long_help = EXAMPLES)]
pub struct NewArgs {
    /// The folder to create (or an empty one). Its name is the bot's name:
    /// a letter, then letters, digits, '-' or '_'.
    #[arg(value_name = "NAME")]
    dir: PathBuf,

    /// The language of the starter kit.
    #[arg(long, value_name = "LANG", value_parser = PossibleValuesParser::new(kits::languages()))]
    lang: String,
}

pub fn run(args: NewArgs) -> Result<(), String> {
    let created = kits::create(&args.lang, &args.dir)?;
    // The commands to copy, in order: build (in the folder), then a match
    // against the weakest bundled bot with this very binary.
    let lockstep = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "lockstep".into());
    // A script kit has nothing to build: its script is the bot.
    let builds = kits::files(&args.lang).any(|f| f.path == "build.sh");
    let script = kits::files(&args.lang).find(|f| {
        !builds
            && !f.path.contains('/')
            && lockstep_sim::sandbox::script::by_extension(std::path::Path::new(f.path)).is_some()
    });
    if let Some(script) = script {
        println!(
            "wrote {} ({} kit, {} files; see its README.md). Next, check it and play a match:",
            created.dir.display(),
            args.lang,
            created.files
        );
        let path = shell_word(&created.dir.join(script.path).display().to_string());
        println!("  {} check {path}", shell_word(&lockstep));
        println!("  {} match {path} random-walker", shell_word(&lockstep));
        return Ok(());
    }
    println!(
        "wrote {} ({} kit, {} files; see its README.md). Next, build it and play a match:",
        created.dir.display(),
        args.lang,
        created.files
    );
    println!(
        "  cd {} && ./build.sh",
        shell_word(&created.dir.display().to_string())
    );
    println!(
        "  {} match {}.wasm random-walker",
        shell_word(&lockstep),
        created.name
    );
    Ok(())
}

/// `word` quoted for a POSIX shell when it needs to be.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:@%=,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
