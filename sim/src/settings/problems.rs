//! Every problem of a config file, each with its line. The file is parsed
//! into a spanned tree, then each key is read and range-checked on its own,
//! through the same `FileConfig` and `apply` as the whole file, so one bad
//! key cannot hide the next and every message can say where it is.

use super::{FileConfig, Settings};
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue, ValueDeserializer};

type Key<'i> = Spanned<DeString<'i>>;
type Value<'i> = Spanned<DeValue<'i>>;

/// The problems of `text` laid over `base`, one per line (`line N: ...`), in
/// file order; empty when the file is good.
pub(super) fn problems(base: &Settings, text: &str) -> Vec<String> {
    let (root, syntax) = DeTable::parse_recoverable(text);
    let mut found: Vec<(usize, String)> = Vec::new();
    if !syntax.is_empty() {
        // What follows a syntax error may be misread: report the syntax alone.
        for e in &syntax {
            let at = e.span().map_or(0, |s| s.start);
            let (line, column) = line_column(text, at);
            let what = e.message().trim().replace('\n', "; ");
            found.push((at, format!("line {line}, column {column}: {what}")));
        }
    } else {
        // `[game]` keys are the game's of `[match] game`, so each is checked
        // over a base that already plays it.
        let game_base = games_base(base, root.get_ref());
        for (name, value) in root.get_ref() {
            let base = match name.get_ref().as_ref() {
                "game" => &game_base,
                _ => base,
            };
            match value.get_ref() {
                // The game server's own table: the server checks it.
                DeValue::Table(_) if name.get_ref() == "server" => {}
                DeValue::Table(keys) => {
                    // An unknown table is one problem, not one per key.
                    let empty = Spanned::new(value.span(), DeValue::Table(DeTable::new()));
                    if let Some(why) = refusal(base, document(name, empty)) {
                        found.push((name.span().start, top_message(text, name, value, why)));
                        continue;
                    }
                    for (key, item) in keys {
                        let one = Spanned::new(
                            value.span(),
                            DeValue::Table(DeTable::from_iter([(key.clone(), item.clone())])),
                        );
                        if let Some(why) = refusal(base, document(name, one)) {
                            let message = key_message(text, name, key, item, why);
                            found.push((key.span().start, message));
                        }
                    }
                }
                _ => {
                    if let Some(why) = refusal(base, document(name, value.clone())) {
                        found.push((name.span().start, top_message(text, name, value, why)));
                    }
                }
            }
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found.dedup();
    found
        .into_iter()
        .map(|(at, message)| match message.starts_with("line ") {
            true => message,
            false => format!("line {}: {message}", line_column(text, at).0),
        })
        .collect()
}

/// `base` with the file's `[match] game` applied, if it names a game.
fn games_base(base: &Settings, root: &DeTable<'_>) -> Settings {
    let mut games = base.clone();
    let named = root.iter().find(|(name, _)| name.get_ref() == "match");
    if let Some((_, table)) = named
        && let DeValue::Table(keys) = table.get_ref()
        && let Some((_, game)) = keys.iter().find(|(key, _)| key.get_ref() == "game")
        && let DeValue::String(game) = game.get_ref()
        && let Ok(def) = crate::games::find(game)
    {
        games.match_config.game = def.name().to_string();
        games.match_config.map = def.default_map().to_string();
        games.match_config.settings.0 = def.default_settings();
    }
    games
}

/// Why a one-key document is refused.
enum Why {
    /// The reader's message (unknown key, wrong kind of value).
    Read(String),
    /// `apply`'s message, which names the key and what is allowed.
    Apply(String),
}

/// `{name: value}` as a whole document.
fn document<'i>(name: &Key<'i>, value: Value<'i>) -> Value<'i> {
    Spanned::new(
        0..0,
        DeValue::Table(DeTable::from_iter([(name.clone(), value)])),
    )
}

fn refusal(base: &Settings, document: Value<'_>) -> Option<Why> {
    match FileConfig::deserialize(ValueDeserializer::from(document)) {
        Err(e) => Some(Why::Read(e.message().trim().to_string())),
        Ok(file) => file.apply(&mut base.clone()).err().map(Why::Apply),
    }
}

/// A problem of `[name] key = item`.
fn key_message(text: &str, name: &Key, key: &Key, item: &Value, why: Why) -> String {
    let (table, key) = (name.get_ref(), key.get_ref());
    let written = text.get(item.span()).unwrap_or("?").trim();
    match why {
        Why::Apply(message) => message,
        Why::Read(message) => match unknown(&message, "field") {
            Some((_, allowed)) => {
                format!("[{table}] has no key `{key}`: the keys of [{table}] are {allowed}")
            }
            None => match unknown(&message, "variant") {
                Some((_, allowed)) => {
                    format!("[{table}] {key} = {written} is not allowed: allowed {allowed}")
                }
                None => format!("[{table}] {key} = {written}: {message}"),
            },
        },
    }
}

/// A problem of a top-level `name = value` (a table, or a key outside any).
fn top_message(text: &str, name: &Key, value: &Value, why: Why) -> String {
    let name = name.get_ref();
    let message = match why {
        Why::Apply(message) => return message,
        Why::Read(message) => message,
    };
    match (unknown(&message, "field"), value.get_ref()) {
        (Some((_, tables)), DeValue::Table(_)) => {
            format!("[{name}] is not a table of the config: the tables are {tables}")
        }
        (Some((_, tables)), _) => format!(
            "`{name}` is outside any table: the config's keys go under a table header, \
             one of {tables} (see assets/lockstep.toml)"
        ),
        (None, _) => {
            let written = text.get(value.span()).unwrap_or("?").trim();
            format!("{name} = {written}: {message}")
        }
    }
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (or "expected `a`",
/// or "there are no fields") as (`x`, "`a`, `b`").
fn unknown<'m>(message: &'m str, what: &str) -> Option<(&'m str, &'m str)> {
    let rest = message.strip_prefix(&format!("unknown {what} `"))?;
    let (name, rest) = rest.split_once('`')?;
    let allowed = rest
        .strip_prefix(", expected one of ")
        .or_else(|| rest.strip_prefix(", expected "))
        .unwrap_or("none");
    Some((name, allowed))
}

/// 1-based line and column (in characters) of byte `at`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::super::Settings;

    fn lines(text: &str) -> Vec<String> {
        let e = Settings::parse("admin.toml", text).unwrap_err();
        e.to_string().lines().map(str::to_string).collect()
    }

    #[test]
    fn every_problem_of_a_file_is_reported_with_its_line_and_what_is_allowed() {
        let text = "\
[budget]
tick_fuel = \"lots\"
init_fuel = -5
overrun = \"pause\"

[match]
threads = 0
max_ticks = \"many\"
max_actions = 1.5
tick_fuel = 5

[serve]
port = 80
";
        let got = lines(text);
        assert_eq!(got.len(), 8, "{got:?}");
        assert_eq!(
            got[..7],
            [
                "config 'admin.toml': line 2: [budget] tick_fuel = \"lots\" is not a fuel amount \
                 (unknown suffix 's'): allowed 1 to 1125899906842624, written as a number \
                 (20_000_000) or as a string with a suffix k, M or G (\"20M\")",
                "config 'admin.toml': line 3: [budget] init_fuel = -5 is out of range: \
                 allowed 1 to 1125899906842624",
                "config 'admin.toml': line 4: [budget] overrun = \"pause\" is not allowed: \
                 allowed `skip`, `reset`, `resume`",
                "config 'admin.toml': line 7: [match] threads = 0 is out of range: allowed 1 to 1024",
                "config 'admin.toml': line 8: [match] max_ticks = \"many\" is not a whole number: \
                 allowed 1 to 10000000",
                "config 'admin.toml': line 9: [match] max_actions = 1.5 is not a whole number: \
                 allowed 1 to 100000",
                "config 'admin.toml': line 10: [match] has no key `tick_fuel`: the keys of \
                 [match] are `game`, `max_ticks`, `max_actions`, `threads`",
            ]
        );
        // The whole list of tables grows with the config: its start is enough.
        assert!(
            got[7].starts_with(
                "config 'admin.toml': line 12: [serve] is not a table of the config: the \
                 tables are `budget`, `match`, `limits`, `upload`, "
            ),
            "{got:?}"
        );
    }

    #[test]
    fn a_key_outside_any_table_and_syntax_errors_are_placed() {
        let got = lines("tick_fuel = 5\n[budget]\n");
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].starts_with(
                "config 'admin.toml': line 1: `tick_fuel` is outside any table: the config's \
                 keys go under a table header, one of `budget`, `match`"
            ),
            "{got:?}"
        );
        // Two syntax errors, both reported, with line and column.
        let got = lines("[budget]\ntick_fuel = = 5\n[match\nthreads = 2\n");
        assert!(got.len() >= 2, "{got:?}");
        assert!(
            got[0].starts_with("config 'admin.toml': line 2, column "),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|l| l.starts_with("config 'admin.toml': line 3, column ")),
            "{got:?}"
        );
    }

    #[test]
    fn fuel_keys_take_the_command_line_forms() {
        let s = Settings::parse(
            "t.toml",
            "[budget]\ntick_fuel = \"5M\"\ninit_fuel = \"1.5G\"\nbucket_cap = \"0\"\n",
        )
        .unwrap();
        assert_eq!(s.match_config.tick_fuel, 5_000_000);
        assert_eq!(s.match_config.init_fuel, 1_500_000_000);
        assert_eq!(s.match_config.bucket_cap, 0);
        let got = lines("[budget]\ntick_fuel = \"0k\"\n");
        assert_eq!(
            got,
            [
                "config 'admin.toml': line 2: [budget] tick_fuel = 0 is out of range: allowed 1 to 1125899906842624"
            ]
        );
    }

    #[test]
    fn a_good_file_and_the_server_table_have_no_problems() {
        let text = "[server]\nanything = \"the server checks it\"\n[match]\nthreads = 2\n";
        assert!(Settings::parse("ok.toml", text).is_ok());
    }
}
