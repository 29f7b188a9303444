//! The admin config (`assets/lockstep.toml`): budgets, the overrun policy,
//! tick limit, threads and the sandbox's limits, for every command.
//!
//! The built-in defaults *are* `assets/lockstep.toml` (embedded), so the
//! documented file and the behaviour cannot drift apart. A user's file is
//! laid over them key by key: every key is optional, an unknown one is an
//! error naming it and listing the allowed ones, and every value is checked
//! against its allowed range.

mod problems;
mod values;

use crate::match_loop::{MatchConfig, OverrunPolicy};
use crate::sandbox::{
    CacheDir, CompiledCache, SandboxConfig, ValidationLimits, watchdog_slices_fit,
};
use serde::Deserialize;
use std::path::Path;
use values::{Fuel, Setting, Whole};

/// The default config, as shipped and documented.
pub const DEFAULT_TOML: &str = include_str!("../../assets/lockstep.toml");

/// Everything the admin config decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Budgets, overrun policy, tick limit, order cap and threads; the map
    /// and seed stay `MatchConfig`'s defaults (commands take them as flags).
    pub match_config: MatchConfig,
    /// Memory, table, stack, output and log limits, the pool, the watchdog
    /// and the upload limits.
    pub sandbox: SandboxConfig,
}

/// A config file that cannot be used: where, which key, what is allowed.
/// `message` holds every problem of the file, one per line (`line N: ...`);
/// displayed, each line is prefixed with `config 'FILE': `.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsError {
    pub file: String,
    pub message: String,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, line) in self.message.lines().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "config '{}': {line}", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    /// The built-in defaults (`assets/lockstep.toml`).
    pub fn defaults() -> Settings {
        Settings::parse_over(
            default_settings(),
            "built-in defaults",
            DEFAULT_TOML,
            &mut None,
        )
        .expect("assets/lockstep.toml is valid (checked by a unit test)")
    }

    /// The defaults with `path`'s values laid over them.
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        Settings::load_document(path).map(|(settings, _)| settings)
    }

    /// [`Settings::load`], also handing back the `[server]` table.
    pub fn load_document(path: &Path) -> Result<(Settings, Option<toml::Table>), SettingsError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SettingsError {
            file: name.clone(),
            message: format!("cannot read it: {e}"),
        })?;
        Settings::parse_document(&name, &text)
    }

    /// The defaults with `text`'s values laid over them; `name` is for messages.
    pub fn parse(name: &str, text: &str) -> Result<Settings, SettingsError> {
        Settings::parse_document(name, text).map(|(settings, _)| settings)
    }

    /// [`Settings::parse`], also handing back the file's `[server]` table
    /// (the game server's own keys, which it checks itself; the CLI ignores
    /// them, so one file can configure both).
    pub fn parse_document(
        name: &str,
        text: &str,
    ) -> Result<(Settings, Option<toml::Table>), SettingsError> {
        let mut server = None;
        let settings = Settings::parse_over(Settings::defaults(), name, text, &mut server)?;
        Ok((settings, server))
    }

    /// `text`'s values laid over these settings (not over the defaults): how
    /// the game server applies an admin's change to the settings in force.
    /// Same keys, ranges and messages as a file; a `[server]` table is refused
    /// (the server's own keys are not settings).
    pub fn parse_over_current(&self, name: &str, text: &str) -> Result<Settings, SettingsError> {
        let mut server = None;
        let settings = Settings::parse_over(self.clone(), name, text, &mut server)?;
        if server.is_some() {
            return Err(SettingsError {
                file: name.to_string(),
                message: "[server] cannot be set here: it is read from the config file at start-up"
                    .to_string(),
            });
        }
        Ok(settings)
    }

    /// [`Settings::load`] for `Some(path)`, the defaults for `None`.
    pub fn load_or_defaults(path: Option<&Path>) -> Result<Settings, SettingsError> {
        path.map_or_else(|| Ok(Settings::defaults()), Settings::load)
    }

    fn parse_over(
        base: Settings,
        name: &str,
        text: &str,
        server: &mut Option<toml::Table>,
    ) -> Result<Settings, SettingsError> {
        let mut settings = base.clone();
        let whole = toml::from_str::<FileConfig>(text)
            .map_err(|e| e.message().trim().to_string())
            .and_then(|file| {
                *server = file.server.clone();
                file.apply(&mut settings)
            });
        match whole {
            Ok(()) => Ok(settings),
            // Refused: every problem, each with its line, found key by key
            // (the whole file's message if only a combination of keys fails).
            Err(message) => {
                let problems = problems::problems(&base, text);
                let message = if problems.is_empty() {
                    message
                } else {
                    problems.join("\n")
                };
                Err(SettingsError {
                    file: name.to_string(),
                    message,
                })
            }
        }
    }
}

/// The starting point that `assets/lockstep.toml` is laid over; every key of
/// the file sets a field, so these values never show through.
fn default_settings() -> Settings {
    let mut match_config = MatchConfig::default();
    if let Ok(game) = crate::games::find(&match_config.game) {
        match_config.settings.0 = game.default_settings();
    }
    Settings {
        match_config,
        // The commands share the user's compiled modules; a library user's
        // `SandboxConfig` keeps none on disk unless asked.
        sandbox: SandboxConfig {
            compiled_cache: CompiledCache {
                dir: CacheDir::User,
                ..CompiledCache::default()
            },
            ..SandboxConfig::default()
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    budget: Option<BudgetTable>,
    #[serde(rename = "match")]
    match_: Option<MatchTable>,
    limits: Option<LimitsTable>,
    upload: Option<UploadTable>,
    cache: Option<CacheTable>,
    /// The game's own settings (`lockstep games` lists each game's), checked
    /// by the game named in `[match] game`.
    game: Option<toml::Table>,
    /// `lockstep-server`'s own keys, checked by the server.
    server: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetTable {
    tick_fuel: Option<Fuel>,
    init_fuel: Option<Fuel>,
    bucket_cap: Option<Fuel>,
    overrun: Option<OverrunPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchTable {
    game: Option<String>,
    max_ticks: Option<Whole>,
    max_actions: Option<Whole>,
    threads: Option<Whole>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsTable {
    memory_bytes: Option<Whole>,
    table_elements: Option<Whole>,
    stack_units: Option<Whole>,
    /// Replaced by `stack_units`; kept to say so.
    wasm_stack_bytes: Option<Whole>,
    output_bytes: Option<Whole>,
    log_lines: Option<Whole>,
    log_line_bytes: Option<Whole>,
    pool_instances: Option<Whole>,
    watchdog_ms: Option<Whole>,
    huge_pages: Option<bool>,
    module_cache: Option<Whole>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadTable {
    module_bytes: Option<Whole>,
    code_bytes: Option<Whole>,
    function_body_bytes: Option<Whole>,
    functions: Option<Whole>,
    locals_per_function: Option<Whole>,
    control_depth: Option<Whole>,
    function_block_local_pairs: Option<Whole>,
    block_local_pairs: Option<Whole>,
    globals: Option<Whole>,
    data_segments: Option<Whole>,
    element_segments: Option<Whole>,
    types: Option<Whole>,
    exports: Option<Whole>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheTable {
    dir: Option<String>,
    max_bytes: Option<Whole>,
}

/// `[cache] dir`: `"user"`, `"off"` or an absolute path.
fn cache_dir(written: &str) -> Result<CacheDir, String> {
    match written {
        "user" => Ok(CacheDir::User),
        "off" => Ok(CacheDir::Off),
        path if Path::new(path).is_absolute() => Ok(CacheDir::At(path.into())),
        _ => Err(format!(
            "[cache] dir = {written:?} is not allowed: allowed \"user\" (the user's cache \
             folder), \"off\" or an absolute path"
        )),
    }
}

/// Checks `value` is a whole number within `min..=max` and stores it.
fn set<T, U>(slot: &mut U, key: &str, value: Option<T>, min: u64, max: u64) -> Result<(), String>
where
    T: Setting,
    U: TryFrom<u64>,
{
    let Some(value) = value else { return Ok(()) };
    let wide = value.whole().map_err(|bad| bad.message(key, min, max))?;
    if !(min..=max).contains(&wide) {
        return Err(format!(
            "{key} = {wide} is out of range: allowed {min} to {max}"
        ));
    }
    *slot = U::try_from(wide).map_err(|_| format!("{key} = {wide} does not fit this machine"))?;
    Ok(())
}

/// `[match] max_ticks` and `max_actions` set the game's settings of those
/// names, for a game that has them (every bundled game has a tick limit;
/// only the reference game caps orders): the others are dropped, and what
/// is left must be settings the game accepts.
fn keep_the_games_keys(m: &mut MatchConfig) -> Result<(), String> {
    let def = crate::games::find(&m.game).map_err(|e| format!("[match] game: {e}"))?;
    let defaults = def.default_settings();
    if let serde_json::Value::Object(keys) = &mut m.settings.0 {
        keys.retain(|key, _| defaults.get(key).is_some());
    }
    // Every key the game has, the file's values over its defaults.
    m.settings.0 = def
        .check_settings(&m.settings.0)
        .map_err(|e| format!("[match]: {e}"))?;
    Ok(())
}

/// `[game]`: keys of the game's own settings, over what `[match]` set; a
/// key the game does not have is refused by the game, with its keys.
fn set_the_games_keys(m: &mut MatchConfig, table: toml::Table) -> Result<(), String> {
    let def = crate::games::find(&m.game).map_err(|e| format!("[match] game: {e}"))?;
    for (key, value) in table {
        let value = serde_json::to_value(value).map_err(|e| format!("[game] {key}: {e}"))?;
        m.settings.set(&key, value);
    }
    m.settings.0 = def
        .check_settings(&m.settings.0)
        .map_err(|e| format!("[game]: {e}"))?;
    Ok(())
}

/// Under `resume` the watchdog reads the clock between slices that divide
/// `tick_fuel`; a budget without a divisor between 62,500 and 1,000,000
/// (a prime, say) would let one slice run a whole tick unwatched.
pub fn resume_fits_the_watchdog(config: &MatchConfig) -> Result<(), String> {
    if config.overrun != OverrunPolicy::Resume || watchdog_slices_fit(config.tick_fuel) {
        return Ok(());
    }
    Err(format!(
        "[budget] tick_fuel = {} cannot be used with overrun = \"resume\": the watchdog \
         checks the clock between equal slices of a tick's fuel, and {} has no divisor \
         between 62,500 and 1,000,000; use a multiple of 1,000,000 (e.g. {})",
        config.tick_fuel,
        config.tick_fuel,
        config.tick_fuel.div_ceil(1_000_000) * 1_000_000
    ))
}

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

impl FileConfig {
    fn apply(self, s: &mut Settings) -> Result<(), String> {
        let m = &mut s.match_config;
        if let Some(b) = self.budget {
            set(
                &mut m.tick_fuel,
                "[budget] tick_fuel",
                b.tick_fuel,
                1,
                1 << 50,
            )?;
            set(
                &mut m.init_fuel,
                "[budget] init_fuel",
                b.init_fuel,
                1,
                1 << 50,
            )?;
            set(
                &mut m.bucket_cap,
                "[budget] bucket_cap",
                b.bucket_cap,
                0,
                1 << 50,
            )?;
            if let Some(overrun) = b.overrun {
                m.overrun = overrun;
            }
        }
        if let Some(t) = self.match_ {
            if let Some(game) = t.game {
                let def = crate::games::find(&game).map_err(|e| format!("[match] game: {e}"))?;
                if def.name() != m.game {
                    // Another game starts from its own settings.
                    m.map = def.default_map().to_string();
                    m.settings.0 = def.default_settings();
                }
                m.game = game;
            }
            let (has_ticks, has_actions) = (t.max_ticks.is_some(), t.max_actions.is_some());
            let (mut max_ticks, mut max_actions) = (0u32, 0u32);
            set(
                &mut max_ticks,
                "[match] max_ticks",
                t.max_ticks,
                1,
                10_000_000,
            )?;
            set(
                &mut max_actions,
                "[match] max_actions",
                t.max_actions,
                1,
                100_000,
            )?;
            if has_ticks {
                m.settings.set("max_ticks", max_ticks);
            }
            if has_actions {
                m.settings.set("max_actions", max_actions);
            }
            set(&mut m.threads, "[match] threads", t.threads, 1, 1024)?;
        }
        keep_the_games_keys(m)?;
        if let Some(table) = self.game {
            set_the_games_keys(m, table)?;
        }
        let sb = &mut s.sandbox;
        if let Some(l) = self.limits {
            set(
                &mut sb.memory_limit,
                "[limits] memory_bytes",
                l.memory_bytes,
                64 * KIB,
                4 * GIB,
            )?;
            set(
                &mut sb.table_limit,
                "[limits] table_elements",
                l.table_elements,
                0,
                10_000_000,
            )?;
            if l.wasm_stack_bytes.is_some() {
                return Err(
                    "[limits] wasm_stack_bytes is no longer a setting: the stack limit \
                     is now counted the same on every CPU, in stack units; set \
                     `[limits] stack_units` instead (default 65_536, about 4,000 frames; \
                     docs/limits.md says what frames cost)"
                        .into(),
                );
            }
            set(
                &mut sb.stack_units,
                "[limits] stack_units",
                l.stack_units,
                1_024,
                1 << 21,
            )?;
            set(
                &mut sb.max_output_bytes,
                "[limits] output_bytes",
                l.output_bytes,
                1,
                64 * MIB,
            )?;
            set(
                &mut sb.max_log_lines,
                "[limits] log_lines",
                l.log_lines,
                0,
                10_000,
            )?;
            let line = l.log_line_bytes;
            set(
                &mut sb.max_log_line_bytes,
                "[limits] log_line_bytes",
                line,
                1,
                64 * KIB,
            )?;
            let pool = l.pool_instances;
            set(
                &mut sb.pool_instances,
                "[limits] pool_instances",
                pool,
                2,
                100_000,
            )?;
            set(
                &mut sb.watchdog_ms,
                "[limits] watchdog_ms",
                l.watchdog_ms,
                10,
                3_600_000,
            )?;
            if let Some(huge) = l.huge_pages {
                sb.huge_pages = huge;
            }
            let cache = l.module_cache;
            set(
                &mut sb.module_cache,
                "[limits] module_cache",
                cache,
                0,
                1_000_000,
            )?;
        }
        if let Some(u) = self.upload {
            let v: &mut ValidationLimits = &mut sb.validation;
            set(
                &mut v.max_module_bytes,
                "[upload] module_bytes",
                u.module_bytes,
                1,
                GIB,
            )?;
            set(
                &mut v.max_code_bytes,
                "[upload] code_bytes",
                u.code_bytes,
                1,
                GIB,
            )?;
            let body = u.function_body_bytes;
            set(
                &mut v.max_function_body_bytes,
                "[upload] function_body_bytes",
                body,
                1,
                GIB,
            )?;
            set(
                &mut v.max_functions,
                "[upload] functions",
                u.functions,
                1,
                1_000_000,
            )?;
            let locals = u.locals_per_function;
            set(
                &mut v.max_locals_per_function,
                "[upload] locals_per_function",
                locals,
                1,
                50_000,
            )?;
            let depth = u.control_depth;
            set(
                &mut v.max_control_depth,
                "[upload] control_depth",
                depth,
                1,
                1_000_000,
            )?;
            let pairs = u.function_block_local_pairs;
            set(
                &mut v.max_function_block_local_pairs,
                "[upload] function_block_local_pairs",
                pairs,
                1,
                1 << 40,
            )?;
            let pairs = u.block_local_pairs;
            set(
                &mut v.max_block_local_pairs,
                "[upload] block_local_pairs",
                pairs,
                1,
                1 << 40,
            )?;
            set(
                &mut v.max_globals,
                "[upload] globals",
                u.globals,
                1,
                1_000_000,
            )?;
            let data = u.data_segments;
            set(
                &mut v.max_data_segments,
                "[upload] data_segments",
                data,
                0,
                100_000,
            )?;
            let elements = u.element_segments;
            set(
                &mut v.max_element_segments,
                "[upload] element_segments",
                elements,
                0,
                1_000_000,
            )?;
            set(&mut v.max_types, "[upload] types", u.types, 1, 1_000_000)?;
            set(
                &mut v.max_exports,
                "[upload] exports",
                u.exports,
                5,
                1_000_000,
            )?;
        }
        if let Some(c) = self.cache {
            let cache = &mut sb.compiled_cache;
            if let Some(dir) = c.dir {
                cache.dir = cache_dir(&dir)?;
            }
            set(
                &mut cache.max_bytes,
                "[cache] max_bytes",
                c.max_bytes,
                MIB,
                1 << 50,
            )?;
        }
        // Modules are checked with the budget they will start on.
        s.sandbox.start_fuel = s.match_config.init_fuel;
        resume_fits_the_watchdog(&s.match_config)
    }
}

#[cfg(test)]
mod tests;
