//! A match in progress, one tick at a time.

mod budget;

pub use budget::Grant;

use super::pool::{Job, WorkerPool};
use super::{BotTick, Entrant, MatchConfig, MatchError, MatchObserver, MatchResult, OverrunPolicy};
use super::{PlayerResult, StateHash, SubmittedActions};
use crate::json::Json;
use crate::sandbox::{
    BadOutput, BotInstance, CallReport, HostContext, Outcome, Sandbox, watchdog_slices_fit,
};
use budget::FuelAccount;
use lockstep_game_api::{DynGame, EngineLimits, MapChoice, RecordedMap, Setup};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use tracing::{debug, info_span, trace_span};

/// The random stream of the match seed that gives each bot its own seed.
/// (Stream 0 belongs to the map generator in `lockstep-game`.)
const BOT_SEED_STREAM: u64 = 1;
/// The stream that gives each seat the key of its WASI `random_get` bytes:
/// apart from `MatchInfo.seed`, so a bot's random bytes tell it nothing of
/// what its opponents' seeds are.
const HOST_RANDOM_STREAM: u64 = 2;

/// One seat during the match.
struct Seat {
    entrant: Entrant,
    /// `None` if instantiation failed: the bot sits out, ordering nothing.
    instance: Option<BotInstance>,
    needs_reset: bool,
    init_message: Vec<u8>,
    input: Vec<u8>,
    /// The bucket and the init remainder.
    fuel: FuelAccount,
    result: PlayerResult,
    /// The last (re)start's report, until the observer has seen it.
    unreported_init: Option<CallReport>,
    /// What the seat's host functions answer from; its `instance_number`
    /// counts the instances made so far.
    host: HostContext,
}

/// A match being played: the game, the bots' instances, the worker pool.
pub struct Match<'s> {
    sandbox: &'s Sandbox,
    config: MatchConfig,
    map_name: String,
    /// The `match` tracing span, entered around each tick.
    span: tracing::Span,
    game: Box<dyn DynGame>,
    seats: Vec<Seat>,
    pool: WorkerPool,
    /// Reused from tick to tick.
    jobs: Vec<Job>,
}

impl<'s> Match<'s> {
    /// Loads the map, sets up the game, instantiates every bot and calls its
    /// `lockstep_init`. A bot failing here is recorded, not an error.
    pub fn new(
        sandbox: &'s Sandbox,
        entrants: &[Entrant],
        config: &MatchConfig,
    ) -> Result<Match<'s>, MatchError> {
        Match::start(sandbox, entrants, config, MapChoice::Spec(&config.map))
    }

    /// [`Match::new`] on the map as a replay recorded it (`config.map` is
    /// only its name then).
    pub fn on_recorded_map(
        sandbox: &'s Sandbox,
        entrants: &[Entrant],
        config: &MatchConfig,
        map: &RecordedMap,
    ) -> Result<Match<'s>, MatchError> {
        Match::start(sandbox, entrants, config, MapChoice::Recorded(map))
    }

    fn start(
        sandbox: &'s Sandbox,
        entrants: &[Entrant],
        config: &MatchConfig,
        map: MapChoice<'_>,
    ) -> Result<Match<'s>, MatchError> {
        let players = entrants.len();
        super::check_seats(config, players)?;
        if config.overrun == OverrunPolicy::Resume && !watchdog_slices_fit(config.tick_fuel) {
            return Err(MatchError::ResumeSlices(config.tick_fuel));
        }
        let game = crate::games::find(&config.game)?.start(&Setup {
            map,
            seats: players,
            seed: config.seed,
            settings: &config.settings.0,
        })?;
        let map_name = game.recorded_map().name;
        let pool = WorkerPool::new(
            config.threads,
            sandbox.config().native_stack_bytes() + (2 << 20),
        )?;
        let limits = limits(config, sandbox);
        let mut seeds = ChaCha8Rng::seed_from_u64(config.seed);
        seeds.set_stream(BOT_SEED_STREAM);
        let mut host_keys = ChaCha8Rng::seed_from_u64(config.seed);
        host_keys.set_stream(HOST_RANDOM_STREAM);
        let seats = entrants
            .iter()
            .enumerate()
            .map(|(index, entrant)| {
                let encoding = entrant.module.encoding;
                let init_message = game.init_message(index, seeds.next_u64(), &limits, encoding);
                let mut seat = Seat {
                    entrant: entrant.clone(),
                    instance: None,
                    needs_reset: false,
                    init_message,
                    input: Vec::new(),
                    fuel: FuelAccount::default(),
                    result: PlayerResult::new(
                        index,
                        entrant.name.clone(),
                        entrant.module.hash.to_hex(),
                        entrant.module.encoding.to_string(),
                    ),
                    unreported_init: None,
                    host: HostContext::default(),
                };
                host_keys.fill_bytes(&mut seat.host.random_seed);
                start(sandbox, &mut seat, config.init_fuel, 0);
                seat
            })
            .collect();
        Ok(Match {
            sandbox,
            config: config.clone(),
            span: info_span!("match", map = %map_name, seed = config.seed, players),
            map_name,
            game,
            seats,
            pool,
            jobs: Vec::new(),
        })
    }

    pub fn is_over(&self) -> bool {
        self.game.is_over()
    }

    /// The match's settings.
    pub fn config(&self) -> &MatchConfig {
        &self.config
    }

    /// The game being played.
    pub fn game(&self) -> &dyn DynGame {
        &*self.game
    }

    /// The game itself, e.g. to set up a scenario in a test or benchmark
    /// (`as_any_mut` reaches the game's own type).
    pub fn game_mut(&mut self) -> &mut dyn DynGame {
        &mut *self.game
    }

    /// Plays one tick: observe, run every live bot, submit in seat order, step.
    ///
    /// Under `resume`, a bot whose call is suspended is not observed: its
    /// call continues, and its orders are submitted on the tick it ends.
    pub fn play_tick(&mut self, observer: &mut dyn MatchObserver) -> Result<(), MatchError> {
        let tick = self.game.tick();
        let _match = self.span.clone().entered();
        let _tick = trace_span!("tick", tick).entered();

        let mut jobs = std::mem::take(&mut self.jobs);
        jobs.clear();
        for (index, seat) in self.seats.iter_mut().enumerate() {
            if !self.game.to_act(index) {
                continue;
            }
            if seat.needs_reset {
                seat.needs_reset = false;
                seat.result.resets += 1;
                start(self.sandbox, seat, self.config.init_fuel, u64::from(tick));
            }
            if let Some(report) = seat.unreported_init.take() {
                observer.bot_init(tick, index, &report);
            }
            let Some(mut instance) = seat.instance.take() else {
                continue;
            };
            instance.set_tick(u64::from(tick));
            let mut input = std::mem::take(&mut seat.input);
            input.clear();
            if !instance.is_suspended() {
                let encoding = seat.entrant.module.encoding;
                self.game.encode_observation(index, encoding, &mut input);
            }
            let resume = self.config.overrun == OverrunPolicy::Resume;
            jobs.push(Job {
                seat: index,
                instance,
                input,
                grant: seat.fuel.grant(self.config.tick_fuel, resume),
            });
        }

        let expected = jobs.len();
        let results = self.pool.run_all(&mut jobs, self.seats.len());
        self.jobs = jobs;
        if results.iter().flatten().count() != expected {
            return Err(MatchError::WorkerDied(tick));
        }
        for done in results.into_iter().flatten() {
            let seat = &mut self.seats[done.seat];
            let mut submitted = 0;
            let outcome = match &done.report.outcome {
                Outcome::Ok => {
                    let encoding = seat.entrant.module.encoding;
                    match (self.game).submit_output(done.seat, encoding, done.instance.output()) {
                        Ok(count) => {
                            submitted = count;
                            Outcome::Ok
                        }
                        Err(e) => Outcome::BadOutput {
                            reason: BadOutput::Undecodable {
                                message: e.to_string(),
                            },
                        },
                    }
                }
                other => other.clone(),
            };
            if outcome.is_failure() {
                debug!(seat = done.seat, tick, %outcome, "bot call failed");
            }
            let budget = done.grant.budget();
            observer.bot_tick(&BotTick {
                tick,
                seat: done.seat,
                budget,
                report: &done.report,
                outcome: &outcome,
                actions: &SubmittedActions::new(&*self.game, done.seat, submitted),
            });
            seat.result
                .record_tick(tick, budget, &done.report, &outcome);
            let (tick_fuel, cap) = (self.config.tick_fuel, self.config.bucket_cap);
            seat.fuel.settle(tick_fuel, cap, done.report.fuel_used);
            seat.result.bucket_max = seat.result.bucket_max.max(seat.fuel.bucket());
            seat.needs_reset = self.config.overrun == OverrunPolicy::Reset
                && matches!(
                    outcome,
                    Outcome::OutOfFuel
                        | Outcome::Watchdog
                        | Outcome::Trap { .. }
                        | Outcome::MemoryExhausted { .. }
                        | Outcome::Exited { .. }
                );
            seat.instance = Some(done.instance);
            seat.input = done.input;
        }
        self.game.step();
        observer.tick_end(tick, &StateHash::new(&*self.game));
        Ok(())
    }

    /// The seat alone in first place once the game is over; `None` while it
    /// runs, and on a draw.
    fn winner(&self) -> Option<usize> {
        if !self.game.is_over() {
            return None;
        }
        let ranking = self.game.ranking();
        let mut first = (ranking.iter().enumerate()).filter(|&(_, &place)| place == 0);
        match (first.next(), first.next()) {
            (Some((seat, _)), None) => Some(seat),
            _ => None,
        }
    }

    /// The result as it stands (normally called once the game is over).
    pub fn finish(self) -> MatchResult {
        let scores = self.game.scores();
        let ranking = self.game.ranking();
        let winner = self.winner();
        let players: Vec<PlayerResult> = self
            .seats
            .into_iter()
            .enumerate()
            .map(|(index, seat)| {
                let mut result = seat.result;
                result.score = Json(scores.get(index).cloned().unwrap_or_default());
                result.rank = ranking.get(index).copied().unwrap_or(0);
                result.invalid_actions = self.game.rejected_total(index);
                result
            })
            .collect();
        MatchResult {
            game: self.config.game.clone(),
            winner,
            winner_bot: winner.map(|w| players[w].bot.clone()),
            ticks: self.game.tick(),
            final_hash: hex(&self.game.state_hash()),
            map: self.map_name,
            seed: self.config.seed,
            tick_fuel: self.config.tick_fuel,
            bucket_cap: self.config.bucket_cap,
            overrun: self.config.overrun,
            players,
        }
    }
}

/// (Re)creates a seat's instance at `tick` and calls `lockstep_init`,
/// recording how it went.
fn start(sandbox: &Sandbox, seat: &mut Seat, init_fuel: u64, tick: u64) {
    seat.instance = None;
    seat.host.tick = tick;
    let instance = BotInstance::with_context(sandbox, &seat.entrant.module, init_fuel, &seat.host);
    seat.host.instance_number += 1;
    match instance {
        Ok(mut instance) => {
            let report = instance.call_init(&seat.init_message, init_fuel);
            seat.fuel.initialised(init_fuel, report.fuel_used);
            seat.result.keep_logs(None, &report);
            seat.result.init = report.outcome.clone();
            seat.instance = Some(instance);
            seat.unreported_init = Some(report);
        }
        Err(e) => {
            debug!(seat = seat.result.seat, error = %e, "bot could not be instantiated");
            seat.result.init = e.outcome.clone();
            seat.unreported_init = Some(CallReport {
                outcome: e.outcome,
                fuel_used: 0,
                logs: Vec::new(),
                logs_dropped: 0,
            });
        }
    }
}

fn limits(config: &MatchConfig, sandbox: &Sandbox) -> EngineLimits {
    let sandbox = sandbox.config();
    EngineLimits {
        init_fuel: config.init_fuel,
        tick_fuel: config.tick_fuel,
        max_output_bytes: sandbox.max_output_bytes,
        max_log_lines: sandbox.max_log_lines,
        max_log_line_bytes: sandbox.max_log_line_bytes,
        max_memory_bytes: sandbox.memory_limit as u64,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
