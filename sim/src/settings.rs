//! The admin config (`assets/lockstep.toml`): budgets, the overrun policy,
//! tick limit, threads and the sandbox's limits, for every command.
//!
//! The built-in defaults *are* `assets/lockstep.toml` (embedded), so the
//! documented file and the behaviour cannot drift apart. A user's file is
//! laid over them key by key: every key is optional, an unknown one is an
//! error naming it and listing the allowed ones, and every value is checked
//! against its allowed range.

use crate::match_loop::{MatchConfig, OverrunPolicy};
use crate::sandbox::{SandboxConfig, ValidationLimits};
use serde::Deserialize;
use std::path::Path;

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
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("config '{file}': {message}")]
pub struct SettingsError {
    pub file: String,
    pub message: String,
}

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
        mut base: Settings,
        name: &str,
        text: &str,
        server: &mut Option<toml::Table>,
    ) -> Result<Settings, SettingsError> {
        let fail = |message: String| SettingsError {
            file: name.to_string(),
            message,
        };
        let file: FileConfig = toml::from_str(text).map_err(|e| {
            let table = e
                .span()
                .and_then(|span| table_at(text, span.start))
                .map(|t| format!(" (in [{t}])"))
                .unwrap_or_default();
            fail(format!("{}{table}", one_line(&e.to_string())))
        })?;
        *server = file.server.clone();
        file.apply(&mut base).map_err(fail)?;
        Ok(base)
    }
}

/// The starting point that `assets/lockstep.toml` is laid over; every key of
/// the file sets a field, so these values never show through.
fn default_settings() -> Settings {
    Settings {
        match_config: MatchConfig::default(),
        sandbox: SandboxConfig::default(),
    }
}

/// The `[table]` whose body holds byte `offset` of `text`, if any.
fn table_at(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    before[..line_start].lines().rev().find_map(|line| {
        let line = line.trim();
        let name = line.strip_prefix('[')?.strip_suffix(']')?;
        (!name.starts_with('[')).then(|| name.trim().to_string())
    })
}

/// toml's message, which spans lines (a source excerpt with a caret), kept
/// readable on one error line.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message.lines().map(str::trim_end).collect();
    let position = lines.first().copied().unwrap_or_default();
    let position = position
        .strip_prefix("TOML parse error at ")
        .unwrap_or(position);
    let reason = lines.last().copied().unwrap_or_default();
    if lines.len() > 1 {
        format!("{position}: {reason}")
    } else {
        reason.to_string()
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
    /// `lockstep-server`'s own keys, checked by the server.
    server: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetTable {
    tick_fuel: Option<u64>,
    init_fuel: Option<u64>,
    bucket_cap: Option<u64>,
    overrun: Option<OverrunPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchTable {
    max_ticks: Option<u32>,
    max_actions: Option<u32>,
    threads: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsTable {
    memory_bytes: Option<u64>,
    table_elements: Option<u64>,
    wasm_stack_bytes: Option<u64>,
    output_bytes: Option<u32>,
    log_lines: Option<u32>,
    log_line_bytes: Option<u32>,
    pool_instances: Option<u32>,
    watchdog_ms: Option<u64>,
    module_cache: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadTable {
    module_bytes: Option<u64>,
    code_bytes: Option<u32>,
    function_body_bytes: Option<u32>,
    functions: Option<u32>,
    locals_per_function: Option<u32>,
    block_local_pairs: Option<u64>,
    globals: Option<u32>,
    data_segments: Option<u32>,
    element_segments: Option<u32>,
    types: Option<u32>,
    exports: Option<u32>,
}

/// Checks `value` is within `min..=max` and stores it.
fn set<T, U>(slot: &mut U, key: &str, value: Option<T>, min: u64, max: u64) -> Result<(), String>
where
    T: Copy + Into<u64>,
    U: TryFrom<u64>,
{
    let Some(value) = value else { return Ok(()) };
    let wide: u64 = value.into();
    if !(min..=max).contains(&wide) {
        return Err(format!(
            "{key} = {wide} is out of range: allowed {min} to {max}"
        ));
    }
    *slot = U::try_from(wide).map_err(|_| format!("{key} = {wide} does not fit this machine"))?;
    Ok(())
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
            set(
                &mut m.game.max_ticks,
                "[match] max_ticks",
                t.max_ticks,
                1,
                10_000_000,
            )?;
            set(
                &mut m.game.max_actions,
                "[match] max_actions",
                t.max_actions,
                1,
                100_000,
            )?;
            let threads = t.threads.map(|n| n as u64);
            set(&mut m.threads, "[match] threads", threads, 1, 1024)?;
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
            let stack = l.wasm_stack_bytes;
            set(
                &mut sb.max_wasm_stack,
                "[limits] wasm_stack_bytes",
                stack,
                64 * KIB,
                64 * MIB,
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
                1_000_000,
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_is_exactly_the_code_defaults() {
        assert_eq!(Settings::defaults(), default_settings());
    }

    #[test]
    fn a_partial_file_changes_only_its_keys() {
        let s = Settings::parse(
            "t.toml",
            "[budget]\ntick_fuel = 5_000_000\noverrun = \"resume\"\n",
        )
        .unwrap();
        assert_eq!(s.match_config.tick_fuel, 5_000_000);
        assert_eq!(s.match_config.overrun, OverrunPolicy::Resume);
        assert_eq!(s.match_config.init_fuel, MatchConfig::default().init_fuel);
        assert_eq!(s.sandbox, SandboxConfig::default());
        assert_eq!(
            Settings::parse("empty.toml", "").unwrap(),
            Settings::defaults()
        );
    }

    fn error(text: &str) -> String {
        Settings::parse("admin.toml", text).unwrap_err().to_string()
    }

    #[test]
    fn bad_keys_and_values_are_named_with_what_is_allowed() {
        let e = error("[budget]\ntick_fule = 5\n");
        assert!(
            e.starts_with("config 'admin.toml': line 2, column 1"),
            "{e}"
        );
        assert!(e.contains("unknown field `tick_fule`"), "{e}");
        assert!(e.ends_with("(in [budget])"), "{e}");
        assert!(
            e.contains("`tick_fuel`, `init_fuel`, `bucket_cap`, `overrun`"),
            "{e}"
        );

        let e = error("[budget]\noverrun = \"pause\"\n");
        assert!(e.contains("unknown variant `pause`"), "{e}");
        assert!(e.contains("`skip`, `reset`, `resume`"), "{e}");

        let e = error("[budget]\ntick_fuel = 0\n");
        assert_eq!(
            e,
            "config 'admin.toml': [budget] tick_fuel = 0 is out of range: allowed 1 to 1125899906842624"
        );
        let e = error("[match]\nthreads = 0\n");
        assert!(
            e.contains("[match] threads = 0 is out of range: allowed 1 to 1024"),
            "{e}"
        );
        let e = error("[budget]\ntick_fuel = \"lots\"\n");
        assert!(
            e.contains("line 2") && e.contains("invalid type: string"),
            "{e}"
        );
        let e = error("[serve]\nport = 80\n");
        assert!(e.contains("unknown field `serve`"), "{e}");
        assert!(
            e.contains("`budget`, `match`, `limits`, `upload`, `server`"),
            "{e}"
        );
        let e = error("[budget\n");
        assert!(e.contains("line 1"), "{e}");
        let e = error("[limits]\nmemory_bytes = -1\n");
        assert!(e.contains("memory_bytes") || e.contains("line 2"), "{e}");
    }

    #[test]
    fn the_server_table_is_handed_back_untouched() {
        let text = "[server]\nlisten = \"127.0.0.1:9000\"\n[budget]\ntick_fuel = 7\n";
        let (settings, server) = Settings::parse_document("s.toml", text).unwrap();
        assert_eq!(settings.match_config.tick_fuel, 7);
        assert_eq!(server.unwrap()["listen"].as_str(), Some("127.0.0.1:9000"));
        assert_eq!(Settings::parse_document("e.toml", "").unwrap().1, None);
    }

    #[test]
    fn a_change_is_laid_over_the_current_settings() {
        let current = Settings::parse("a.toml", "[budget]\ntick_fuel = 7\n").unwrap();
        let changed = current
            .parse_over_current("change", "[match]\nmax_ticks = 9\n")
            .unwrap();
        assert_eq!(changed.match_config.tick_fuel, 7);
        assert_eq!(changed.match_config.game.max_ticks, 9);
        let e = current
            .parse_over_current("change", "[budget]\ninit_fuel = 0\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "config 'change': [budget] init_fuel = 0 is out of range: allowed 1 to 1125899906842624"
        );
        let e = current
            .parse_over_current("change", "[server]\nlisten = \"0.0.0.0:1\"\n")
            .unwrap_err();
        assert!(e.message.starts_with("[server] cannot be set here"), "{e}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let e = Settings::load(Path::new("/no/such/lockstep.toml")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("config '/no/such/lockstep.toml': cannot read it:")
        );
    }
}
