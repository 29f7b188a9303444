//! `lockstep check`: a module through the very checks an upload goes through
//! (`Sandbox::load`), with every problem or a summary.

use super::bots::bot_bytes;
use clap::Args;
use lockstep_sim::sandbox::report::{problems_json, summary_json};
use lockstep_sim::sandbox::{
    BotModule, LoadReport, LoadedFrom, Problem, ProblemKind, Sandbox, SandboxConfig,
};
use lockstep_sim::settings::Settings;
use serde_json::{Value, json};
use std::fmt::Write;
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  lockstep check my_bot.wasm
  lockstep check rusher
  lockstep check my_bot.wasm --json
  lockstep check my_bot.js
  lockstep check my_bot.py

Checks the module exactly as an upload is checked: the header, the WebAssembly
features Lockstep allows, the upload-time limits (docs/limits.md), ABI v1's
imports and exports (docs/abi.md), then it is compiled and `lockstep_abi()` is
called. Every problem is listed, not just the first.

A script (`.js`, `.py`) is checked by loading it in its runtime, as an upload is: the
source is compiled and its top level run on the init budget, and `tick` must
be defined. A syntax error or an uncaught exception is shown with its line and
column (a line in Python), then its stack (docs/languages/).

A module that passes is compiled once per machine: the compiled code is kept
in the cache folder (`[cache]` in the config) and read from there next time;
`loaded` says which, and how long it took.

Exit status: 0 when the module would be accepted; 1 when it would be refused
(the problems are on stdout) or the file cannot be read; 2 for a usage error.";

#[derive(Args)]
#[command(after_long_help = EXAMPLES)]
pub struct CheckArgs {
    /// A path to a .wasm file or a script (.js, .py), or a bundled bot's name
    /// (see `lockstep bots`).
    #[arg(value_name = "BOT")]
    bot: String,

    /// Print one JSON object: `ok`, `problems` (each with `kind`, `message`
    /// and, for a limit, the config field `limit`), `summary` (null when
    /// refused) and `loaded` (null when refused: `from`, `compiled` or
    /// `disk cache`, and the milliseconds each step took).
    #[arg(long)]
    json: bool,
}

pub fn run(args: CheckArgs, settings: &Settings) -> Result<ExitCode, String> {
    let (name, bytes) = bot_bytes(&args.bot)?;
    let config = settings.sandbox.clone();
    let sandbox = Sandbox::new(config.clone())?;
    let verdict = sandbox.load_traced(&bytes);
    let text = match (&verdict, args.json) {
        (Ok((module, loaded)), true) => {
            json_report(&[], Some((summary_json(module), loaded_json(loaded))))
        }
        (Err(error), true) => json_report(&error.problems(), None),
        (Ok((module, loaded)), false) if module.script.is_some() => {
            script_text(&name, module, loaded, &sandbox)
        }
        (Ok((module, loaded)), false) => ok_text(&name, module, loaded, &sandbox),
        (Err(error), false) => problems_text(&name, &in_file(&args.bot, error.problems())),
    };
    print!("{text}");
    Ok(if verdict.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn ok_text(name: &str, module: &BotModule, loaded: &LoadReport, sandbox: &Sandbox) -> String {
    let config: &SandboxConfig = sandbox.config();
    let summary = &module.summary;
    let limits = &config.validation;
    let memory = summary.memory;
    let limit_pages = config.memory_limit as u64 >> 16;
    let maximum = match memory.maximum {
        Some(max) if max <= limit_pages => format!("maximum {} pages", count(max)),
        Some(max) => format!(
            "maximum {} pages (growth stops at the {}-page limit)",
            count(max),
            count(limit_pages)
        ),
        None => format!(
            "no maximum (growth stops at the {}-page limit)",
            count(limit_pages)
        ),
    };
    let exports: Vec<String> = summary
        .exports
        .iter()
        .map(|e| e.name.escape_debug().to_string())
        .collect();
    let rows = [
        ("bot", name.to_string()),
        (
            "size",
            format!(
                "{} bytes (limit {})",
                count(module.size as u64),
                count(limits.max_module_bytes as u64)
            ),
        ),
        (
            "code",
            format!(
                "{} bytes (limit {})",
                count(summary.code_bytes.into()),
                count(limits.max_code_bytes.into())
            ),
        ),
        (
            "functions",
            format!(
                "{} (limit {})",
                count(summary.functions.into()),
                count(limits.max_functions.into())
            ),
        ),
        (
            "block-local pairs",
            format!(
                "{} (limit {})",
                count(summary.block_local_pairs),
                count(limits.max_block_local_pairs)
            ),
        ),
        (
            "memory",
            format!(
                "{} pages ({:.1} MiB) initial, {maximum}",
                count(memory.initial),
                memory.initial as f64 / 16.0
            ),
        ),
        (
            "abi",
            format!(
                "version {}, {} encoding",
                lockstep_game_api::ABI_VERSION,
                module.encoding.name()
            ),
        ),
        ("exports", exports.join(", ")),
        ("hash", module.hash.to_hex()),
        ("loaded", loaded_text(loaded, sandbox)),
    ];
    let mut out = String::from("ok\n");
    for (label, value) in rows {
        let _ = writeln!(out, "  {label:<18} {value}");
    }
    out
}

/// A script bot: its source, its runtime (a module Lockstep builds, so not
/// held to the upload limits), and the identity hash.
fn script_text(name: &str, module: &BotModule, loaded: &LoadReport, sandbox: &Sandbox) -> String {
    let script = module.script.as_ref().expect("a script bot");
    let runtime = script.runtime;
    let ms = |d: std::time::Duration| count(d.as_millis() as u64);
    let rows = [
        ("bot", format!("{name} ({})", runtime.display)),
        (
            "source",
            format!(
                "{} bytes (limit {}); it loads: its top level ran and `tick` is defined",
                count(script.source.len() as u64),
                count(sandbox.config().validation.max_module_bytes as u64)
            ),
        ),
        (
            "runtime",
            format!(
                "{}, {} bytes, hash {} (built with Lockstep)",
                runtime.interpreter,
                count(runtime.wasm().map_or(0, |w| w.len()) as u64),
                script.runtime_hash.to_hex()
            ),
        ),
        (
            "abi",
            format!(
                "version {}, {} encoding",
                lockstep_game_api::ABI_VERSION,
                module.encoding.name()
            ),
        ),
        (
            "hash",
            format!("{} (of the script bytes)", module.hash.to_hex()),
        ),
        (
            "loaded",
            format!(
                "runtime {} in {} ms; script checked in {} ms",
                loaded.from.name(),
                ms(loaded.compile),
                ms(loaded.validate)
            ),
        ),
    ];
    let mut out = String::from("ok\n");
    for (label, value) in rows {
        let _ = writeln!(out, "  {label:<18} {value}");
    }
    out
}

/// A script's problems name its file as the player knows it, not as the
/// runtime calls it (`bot.js:3:5` becomes `my_bot.js:3:5`).
fn in_file(arg: &str, mut problems: Vec<Problem>) -> Vec<Problem> {
    let path = std::path::Path::new(arg);
    if let Some(runtime) = lockstep_sim::sandbox::script::by_extension(path) {
        let from = format!("{}:", runtime.script_name);
        for problem in &mut problems {
            problem.message = problem.message.replace(&from, &format!("{arg}:"));
        }
    }
    problems
}

/// `compiled in 1,234 ms (kept in DIR)`, `from the disk cache in 12 ms (DIR)`.
fn loaded_text(loaded: &LoadReport, sandbox: &Sandbox) -> String {
    let ms = |d: std::time::Duration| count(d.as_millis() as u64);
    let place = match sandbox.disk_cache() {
        Ok(Some(dir)) => format!("cache {}", dir.display()),
        Ok(None) => "no disk cache".to_string(),
        Err(_) => "disk cache unusable".to_string(),
    };
    let mut text = match loaded.from {
        LoadedFrom::Disk => format!(
            "from the disk cache in {} ms, checks included ({place})",
            ms(loaded.total)
        ),
        _ => format!(
            "compiled in {} ms; {} ms with the checks ({place})",
            ms(loaded.compile),
            ms(loaded.total)
        ),
    };
    if let Some(note) = &loaded.disk_note {
        let _ = write!(text, "; {note}");
    }
    text
}

fn loaded_json(loaded: &LoadReport) -> Value {
    json!({
        "from": loaded.from.name(),
        "validate_ms": loaded.validate.as_secs_f64() * 1e3,
        "compile_ms": loaded.compile.as_secs_f64() * 1e3,
        "total_ms": loaded.total.as_secs_f64() * 1e3,
        "disk_note": loaded.disk_note,
    })
}

fn problems_text(name: &str, problems: &[Problem]) -> String {
    let (advice, problems): (Vec<&Problem>, Vec<&Problem>) =
        problems.iter().partition(|p| p.kind == ProblemKind::Advice);
    let plural = if problems.len() == 1 { "" } else { "s" };
    let mut out = format!("refused: {name} has {} problem{plural}\n", problems.len());
    for problem in problems {
        let _ = writeln!(out, "  - {problem}");
    }
    for hint in advice {
        let _ = writeln!(out, "  hint: {hint}");
    }
    out
}

fn json_report(problems: &[Problem], accepted: Option<(Value, Value)>) -> String {
    let (summary, loaded) = accepted.unzip();
    let report = json!({
        "ok": summary.is_some(),
        "problems": problems_json(problems),
        "summary": summary,
        "loaded": loaded,
    });
    format!("{report:#}\n")
}

/// `1234567` as `1,234,567`.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
