//! The report as files: JSON and CSV, each written whole or not at all.

use super::TournamentError;
use super::standings::Report;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// The whole report (what `--json` prints).
pub const SUMMARY_JSON: &str = "tournament.json";
/// One row per bot, best first.
pub const STANDINGS_CSV: &str = "standings.csv";
/// One row per ordered pair of bots that met.
pub const MATRIX_CSV: &str = "matrix.csv";

/// The standings as CSV (RFC 4180: a header row, fields quoted when they
/// hold a comma, a quote or a line break).
pub fn standings_csv(report: &Report) -> String {
    let mut out = String::from(
        "rank,bot,module_hash,rating,uncertainty,games,wins,draws,losses,byes,points,\
         average_score,ticks,fuel_per_tick_mean,fuel_per_tick_p99,fuel_max_tick,cutoffs,\
         traps,watchdogs,bad_outputs,invalid_actions,init_failures\r\n",
    );
    for s in &report.standings {
        let _ = write!(
            out,
            "{},{},{},{:.3},{:.3},{},{},{},{},{},{},{:.4},{},{},{},{},{},{},{},{},{},{}\r\n",
            s.rank,
            field(&s.bot),
            s.module_hash,
            s.rating,
            s.uncertainty,
            s.games,
            s.wins,
            s.draws,
            s.losses,
            s.byes,
            s.points,
            s.average_score,
            s.ticks,
            s.fuel_per_tick_mean,
            s.fuel_per_tick_p99,
            s.fuel_max_tick,
            s.cutoffs,
            s.traps,
            s.watchdogs,
            s.bad_outputs,
            s.invalid_actions,
            s.init_failures
        );
    }
    out
}

/// The head-to-head matrix as CSV, one row per ordered pair that met
/// (bots in standings order): the row's bot's games, wins, draws and losses
/// against the opponent.
pub fn matrix_csv(report: &Report) -> String {
    let m = &report.matrix;
    let mut out = String::from("bot,opponent,games,wins,draws,losses\r\n");
    for (i, bot) in m.bots.iter().enumerate() {
        for (j, opponent) in m.bots.iter().enumerate() {
            let games = m.games[i][j];
            if i == j || games == 0 {
                continue;
            }
            let (wins, draws) = (m.wins[i][j], m.draws[i][j]);
            let _ = write!(
                out,
                "{},{},{games},{wins},{draws},{}\r\n",
                field(bot),
                field(opponent),
                games - wins - draws
            );
        }
    }
    out
}

/// Writes `tournament.json`, `standings.csv` and `matrix.csv` into `dir`,
/// each to a temporary file first, synced, then renamed over the old one.
pub fn write_reports(dir: &Path, report: &Report) -> Result<(), TournamentError> {
    let mut json = serde_json::to_vec_pretty(report).expect("a report serialises");
    json.push(b'\n');
    write_atomic(&dir.join(SUMMARY_JSON), &json)?;
    write_atomic(&dir.join(STANDINGS_CSV), standings_csv(report).as_bytes())?;
    write_atomic(&dir.join(MATRIX_CSV), matrix_csv(report).as_bytes())?;
    Ok(())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TournamentError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let temporary = path.with_file_name(name);
    let written = std::fs::File::create(&temporary)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        TournamentError::Write {
            path: path.to_path_buf(),
            error,
        }
    })
}

/// A CSV field, quoted if it must be.
fn field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn csv_quoting() {
        assert_eq!(field("rusher"), "rusher");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}
