//! The admin config's parsing: defaults, partial files, errors.

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
    assert_eq!(s.sandbox, default_settings().sandbox);
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
    // More cases, and several problems in one file: problems.rs's tests.
    let e = error("[budget]\ntick_fule = 5\n");
    assert_eq!(
        e,
        "config 'admin.toml': line 2: [budget] has no key `tick_fule`: the keys of \
         [budget] are `tick_fuel`, `init_fuel`, `bucket_cap`, `overrun`"
    );
    let e = error("[budget]\ntick_fuel = 0\n");
    assert_eq!(
        e,
        "config 'admin.toml': line 2: [budget] tick_fuel = 0 is out of range: allowed 1 to 1125899906842624"
    );
    let e = error("[budget\n");
    assert!(e.starts_with("config 'admin.toml': line 1, column "), "{e}");
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
    assert_eq!(changed.match_config.settings.get_u64("max_ticks"), Some(9));
    let e = current
        .parse_over_current("change", "[budget]\ninit_fuel = 0\n")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "config 'change': line 2: [budget] init_fuel = 0 is out of range: allowed 1 to 1125899906842624"
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

#[test]
fn the_stack_limit_is_in_units_and_the_old_byte_setting_says_so() {
    let s = Settings::parse("t.toml", "[limits]\nstack_units = 4_096\n").unwrap();
    assert_eq!(s.sandbox.stack_units, 4_096);
    let e = error("[limits]\nwasm_stack_bytes = 524_288\n");
    assert!(e.contains("set `[limits] stack_units` instead"), "{e}");
    let e = error("[limits]\nstack_units = 10\n");
    assert!(
        e.contains("stack_units = 10 is out of range: allowed 1024 to 2097152"),
        "{e}"
    );
}

#[test]
fn resume_needs_a_tick_fuel_the_watchdog_can_slice() {
    let e = error("[budget]\ntick_fuel = 1_000_003\noverrun = \"resume\"\n");
    assert!(
        e.contains("has no divisor between 62,500 and 1,000,000"),
        "{e}"
    );
    assert!(e.contains("(e.g. 2000000)"), "{e}");
    // The same budget is fine where the watchdog needs no slices of it.
    assert!(Settings::parse("t.toml", "[budget]\ntick_fuel = 1_000_003\n").is_ok());
    let s = Settings::parse(
        "t.toml",
        "[budget]\ntick_fuel = 1_125_899_906_842_624\noverrun = \"resume\"\n",
    );
    assert!(s.is_ok(), "2^50, the most allowed, slices into 2^19s");
}

#[test]
fn the_game_table_sets_the_games_own_settings() {
    let s = Settings::parse(
        "snake.toml",
        "[match]\ngame = \"snake\"\nmax_ticks = 300\n[game]\nhazards = \"royale\"\nshrink_every = 25\n",
    )
    .unwrap();
    let m = &s.match_config;
    assert_eq!(m.game, "snake");
    assert_eq!(m.map, "standard");
    assert_eq!(m.settings.get_u64("max_ticks"), Some(300));
    assert_eq!(m.settings.get_u64("shrink_every"), Some(25));
    assert_eq!(
        m.settings.get("hazards"),
        Some(&serde_json::json!("royale"))
    );
    // Every other key of the game's, at its default; none of the reference game's.
    assert_eq!(m.settings.get_u64("minimum_food"), Some(1));
    assert_eq!(m.settings.get("max_actions"), None);

    // Another game, its own defaults: connect four has no order cap.
    let s = Settings::parse("c4.toml", "[match]\ngame = \"connect-four\"\n").unwrap();
    assert_eq!(s.match_config.settings.get("max_actions"), None);
    assert_eq!(
        s.match_config.settings.get("max_ticks"),
        Some(&serde_json::Value::Null)
    );
}

#[test]
fn a_key_the_game_lacks_is_named_with_its_line() {
    let text = "[match]\ngame = \"snake\"\n[game]\nhazard = \"royale\"\nshrink_every = 0\n";
    let e = Settings::parse("snake.toml", text).unwrap_err().to_string();
    assert!(e.contains("line 4") && e.contains("hazard"), "{e}");
    assert!(e.contains("hazards"), "the game's keys are listed: {e}");
    assert!(e.contains("line 5") && e.contains("shrink_every"), "{e}");
    // The reference game's keys are not snake's, and the other way round.
    let e = Settings::parse("c.toml", "[game]\nhazards = \"royale\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("[game]") && e.contains("hazards"), "{e}");
}
