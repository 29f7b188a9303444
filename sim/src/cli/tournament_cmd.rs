//! `lockstep tournament`.

use super::bots::load_entrants;
use super::game_choice::choose_game;
use super::tournament_table;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use lockstep_sim::sandbox::Sandbox;
use lockstep_sim::settings::Settings;
use lockstep_sim::tournament::{
    self, Format, MatchRecord, Plan, Progress, REPLAYS_DIR, Report, ResultsFile, RunOptions,
    TournamentSpec,
};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

const EXAMPLES: &str = "\
Examples:
  lockstep tournament rusher harvester random-walker idle
  lockstep tournament rusher harvester json-walker \\
      --maps duel,crossroads,random:48x48 --games-per-pair 3
  lockstep tournament my_bot.wasm rusher harvester --threads 2 \\
      --out runs/mine --replays
  lockstep tournament a.wasm b.wasm c.wasm d.wasm e.wasm \\
      --format swiss --rounds 4 --json
  lockstep tournament rusher harvester random-walker idle json-walker \\
      --ticks 60 --games-per-pair 25
  lockstep tournament rusher harvester random-walker idle --seats 4
  lockstep tournament connect-four-negamax connect-four-first

Every pair plays every map, --games-per-pair times in each seat order, with the same
seed in both orders; with --seats N, every group of N bots plays each map in each
rotation of its seats. Results are appended to OUT/results.jsonl as each match ends: run
the same command again after an interruption (even kill -9) to resume; finished matches
are not played again and the standings come out exactly as in an uninterrupted run.
The results hash is the same for any --threads. See docs/tournament.md.

Exit status: 0 when the tournament completes, whatever the bots did; 1 for a bad
argument, map, module or results file; 2 for a usage error.";

#[derive(Args)]
#[command(
    after_long_help = EXAMPLES,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct TournamentArgs {
    /// A tournament in a database: its progress or its results.
    #[command(subcommand)]
    pub(super) on_db: Option<super::distributed_cmd::DbAction>,

    /// Two or more bots: bundled names (see `lockstep bots`) or paths to .wasm
    /// files. Their order breaks ties.
    #[arg(required = true, value_name = "BOT")]
    pub(super) bots: Vec<String>,

    /// Play on PostgreSQL: write the plan and the modules to this database
    /// (postgres://user@host/db), let `lockstep worker URL` processes on any
    /// hosts play the matches, and wait for the results (round robin only).
    /// The same command again resumes; the results hash is a local run's.
    #[arg(long, value_name = "URL")]
    pub(super) db: Option<String>,

    /// The game to play (see `lockstep games`). [default: the game every bot
    /// named plays, if they are all bundled bots of one game; else the
    /// config's `[match] game`, cores]
    #[arg(long, value_name = "NAME")]
    game: Option<String>,

    /// Bots per match. 2: every pair meets, in both seat orders. More: a
    /// free-for-all, every group of N bots meets in each rotation of its
    /// seats (round robin only), rated from the game's ranking.
    #[arg(long, value_name = "N", default_value_t = 2)]
    seats: usize,

    /// How bots are paired: everyone against everyone, or Swiss rounds.
    #[arg(long, value_enum, default_value_t = FormatArg::RoundRobin)]
    format: FormatArg,

    /// Swiss only: the number of rounds. [default: ceil(log2(bots))]
    #[arg(long, value_name = "N")]
    rounds: Option<u32>,

    /// Games a pair plays on each map in each seat order (so 2 x N x maps per pair).
    #[arg(long, value_name = "N", default_value_t = 1)]
    games_per_pair: u32,

    /// Comma-separated maps: bundled names (see `lockstep games`), map files,
    /// or generator specs such as random:WxH (a new map for each game number,
    /// the same for every pair). [default: the game's tournament maps,
    /// duel,random:32x32 for the reference game]
    #[arg(long, value_name = "LIST")]
    maps: Option<String>,

    /// The tournament seed; each match's seed derives from it.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,

    /// Tick limit of each match. [default: the config's `[match] max_ticks`, 500]
    #[arg(long, value_name = "N")]
    ticks: Option<u32>,

    /// Matches played at once, one thread each. Any value gives the same results.
    /// [default: the config's `[match] threads`, 1]
    #[arg(long, value_name = "N")]
    threads: Option<usize>,

    /// Folder for results.jsonl, the reports and replays; the same folder
    /// resumes. [default: ./tournament-ID, ID a fingerprint of the tournament]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Record every match played into OUT/replays/ (see docs/replay.md).
    #[arg(long)]
    replays: bool,

    /// Print the report as one JSON object instead of tables; no progress bar.
    #[arg(long)]
    pub(super) json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// Every pair of bots meets.
    RoundRobin,
    /// Rounds of pairs with close scores, no rematch where avoidable.
    Swiss,
}

pub fn run(args: TournamentArgs, settings: &Settings) -> Result<(), String> {
    if let Some(action) = &args.on_db {
        return super::distributed_cmd::action(action);
    }
    if let Some(url) = &args.db {
        let spec = spec(&args, settings)?;
        return super::distributed_cmd::submit_and_wait(&args, spec, url, settings);
    }
    let wall = Instant::now();
    let spec = spec(&args, settings)?;
    let threads = args.threads.unwrap_or(settings.match_config.threads);
    let sandbox = Sandbox::new(settings.sandbox.clone())?;
    let compiling = Instant::now();
    let bots = load_entrants(&sandbox, &args.bots)?;
    let compiling = compiling.elapsed().as_secs_f64();
    let plan = Plan::new(&spec, &bots, &sandbox).map_err(|e| e.to_string())?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("tournament-{}", plan.id())));
    let options = RunOptions {
        threads,
        replays: args.replays.then(|| out.join(REPLAYS_DIR)),
    };
    options.check(&sandbox).map_err(|e| e.to_string())?;
    let mut results = ResultsFile::open(&out, &plan).map_err(|e| e.to_string())?;
    let done = results.done().len() as u64;
    if results.torn_bytes() > 0 {
        eprintln!(
            "cut an unfinished last line ({} bytes) from {}: that match will be played again",
            results.torn_bytes(),
            results.path().display()
        );
    }
    if done > 0 {
        eprintln!(
            "resuming {}: {done} matches already done, {} to play",
            out.display(),
            plan.matches - done
        );
    } else {
        eprintln!(
            "{} matches to play, results in {}",
            plan.matches,
            results.path().display()
        );
    }
    let mut bar = Bar::new(!args.json && std::io::stderr().is_terminal());
    let started = Instant::now();
    let played = tournament::run(&sandbox, &bots, &plan, &mut results, &options, &mut bar)
        .map_err(|e| e.to_string())?;
    bar.finish();
    let playing = started.elapsed().as_secs_f64();
    if played.played > 0 {
        // The whole wall time, and where it went: compiling every module
        // once (wasm to native code), then the matches.
        eprintln!(
            "played {} matches in {:.1} s: {compiling:.1} s compiling {} bots, \
             {playing:.1} s playing ({:.1} matches/s, {threads} thread{})",
            played.played,
            wall.elapsed().as_secs_f64(),
            bots.len(),
            played.played as f64 / playing.max(1e-9),
            if threads == 1 { "" } else { "s" }
        );
    }
    let report = Report::new(&plan, &played.records, &played.byes);
    tournament::write_reports(&out, &report).map_err(|e| e.to_string())?;
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{json}");
    } else {
        print!("{}", tournament_table::render(&report, &plan));
        println!(
            "\nreport in {} ({}, {}, {}){}",
            out.display(),
            tournament::SUMMARY_JSON,
            tournament::STANDINGS_CSV,
            tournament::MATRIX_CSV,
            if args.replays {
                format!("; replays in {}", out.join(REPLAYS_DIR).display())
            } else {
                String::new()
            }
        );
    }
    Ok(())
}

/// The tournament the arguments ask for, over the config's match settings.
fn spec(args: &TournamentArgs, settings: &Settings) -> Result<TournamentSpec, String> {
    let format = match args.format {
        FormatArg::RoundRobin => Format::RoundRobin,
        FormatArg::Swiss => Format::Swiss,
    };
    if format == Format::RoundRobin && args.rounds.is_some() {
        return Err("--rounds is only for --format swiss (a round robin plays every pair)".into());
    }
    let mut match_config = settings.match_config.clone();
    choose_game(&mut match_config, args.game.as_deref(), &args.bots)?;
    let maps: Vec<String> = match &args.maps {
        Some(list) => list.split(',').map(|m| m.trim().to_string()).collect(),
        None => lockstep_sim::games::find(&match_config.game)
            .map_err(|e| e.to_string())?
            .tournament_maps()
            .into_iter()
            .map(String::from)
            .collect(),
    };
    if maps.iter().any(String::is_empty) {
        return Err(format!(
            "--maps '{}' has an empty entry: give comma-separated map names, files or random:WxH",
            args.maps.as_deref().unwrap_or_default()
        ));
    }
    if let Some(ticks) = args.ticks {
        if ticks == 0 {
            return Err("--ticks must be at least 1".into());
        }
        match_config.settings.set("max_ticks", ticks);
    }
    // Swiss default: enough rounds for a clear leader (ceil(log2(bots))).
    let bots = args.bots.len().max(2) as u32;
    let rounds = args
        .rounds
        .unwrap_or_else(|| 32 - (bots - 1).leading_zeros());
    Ok(TournamentSpec {
        format,
        rounds,
        maps,
        games_per_pair: args.games_per_pair,
        seats: args.seats,
        seed: args.seed,
        match_config,
    })
}

/// The progress bar on stderr: matches done, rate, ETA. `None` when stderr
/// is not a terminal or the output is JSON.
pub(super) struct Bar {
    shown: bool,
    bar: Option<ProgressBar>,
}

impl Bar {
    pub(super) fn new(shown: bool) -> Bar {
        Bar { shown, bar: None }
    }

    /// The bar, once shown.
    pub(super) fn bar_mut(&mut self) -> Option<&mut ProgressBar> {
        self.bar.as_mut()
    }

    pub(super) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn start(&mut self, done: u64, total: u64) {
        if !self.shown || done == total {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{bar:32} {pos}/{len} matches  {rate}  {elapsed} elapsed, ETA {eta}",
        )
        .expect("the template is valid")
        .with_key(
            "rate",
            |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(out, "{:.1} matches/s", state.per_sec());
            },
        );
        bar.set_style(style);
        bar.set_position(done);
        bar.reset_eta();
        self.bar = Some(bar);
    }

    fn match_done(&mut self, _record: &MatchRecord) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}
