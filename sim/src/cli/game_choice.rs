//! Which game a command plays: `--game`, else the one every named bundled
//! bot plays, else the config's `[match] game`; and a bundled bot of another
//! game refused with the flag that fixes it.

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::games;
use lockstep_sim::match_loop::MatchConfig;

/// Sets `config` to the game the command plays. Another game than the
/// config's starts from its own default map and settings (the config's
/// `[match]` keys are the configured game's).
pub fn choose_game(
    config: &mut MatchConfig,
    flag: Option<&str>,
    bots: &[String],
) -> Result<(), String> {
    let bundled: Vec<(&str, &'static str)> = bots
        .iter()
        .filter_map(|arg| Some((arg.as_str(), bundled_bot(arg)?.game)))
        .collect();
    let implied = match bundled.split_first() {
        Some(((_, game), rest)) if bundled.len() == bots.len() => {
            rest.iter().all(|(_, g)| g == game).then_some(*game)
        }
        _ => None,
    };
    if let Some(name) = flag.or(implied)
        && name != config.game
    {
        let game = games::find(name).map_err(|e| e.to_string())?;
        config.game = game.name().to_string();
        config.map = game.default_map().to_string();
        config.settings.0 = game.default_settings();
    }
    for (arg, game) in bundled {
        if game != config.game {
            return Err(format!(
                "bot '{arg}' plays {game}, not {}: add --game {game}, or pick bots of {} \
                 (`lockstep bots`)",
                config.game, config.game
            ));
        }
    }
    Ok(())
}
