//! The web replay viewer in a real headless Chromium, driven over WebDriver:
//! a recorded match's page loads, draws, plays, steps, seeks and shows each
//! tick's data, a bot's hostile log line stays text, bad data shows an
//! error, and `assets/viewer/index.html` opened as it is loads a file. Each
//! game has its renderer (`assets/viewer/games/`), checked against what it
//! reports it drew (units, discs, snake segments) and the seat colours on the
//! canvas; a game without one is shown as text.
//!
//! Needs `chromium` and `chromium-driver` (Debian), which `scripts/test`
//! installs. Without them the tests are skipped with a loud message, except
//! under CI (`CI` set), where they fail.

#[path = "support/webdriver.rs"]
mod webdriver;

use lockstep_sim::replay::render_html;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use webdriver::Browser;

/// A log line that would end the data element, were it not escaped.
const HOSTILE: &str = "</script><script>window.pwned = 1</script><b>bold</b>";
const HOSTILE_TICK: usize = 12;

/// Whether the browser is there; if not, skips loudly, or fails under CI.
fn browser_installed() -> bool {
    let Some(missing) = webdriver::missing() else {
        return true;
    };
    if std::env::var_os("CI").is_some() {
        panic!("{missing} missing: scripts/test installs chromium and chromium-driver");
    }
    eprintln!("\n!!!!! SKIPPED a viewer browser test: {missing} not installed");
    eprintln!("!!!!! (apt-get install chromium chromium-driver, or run scripts/test)\n");
    false
}

/// A fresh directory for one test's files, under `target/tmp` (kept after
/// the test, to open its pages by hand; emptied by the next run).
fn test_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("viewer-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn lockstep(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        // Compiled modules under the target folder, not the user's cache.
        .env(
            "LOCKSTEP_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/compiled-modules"),
        )
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lockstep {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A real match (`lockstep match ARGS`), recorded, and its viewer JSON, both
/// by the CLI. Checks on the way that `lockstep replay html` is
/// `render_html` of that JSON.
fn record(dir: &Path, args: &[&str]) -> Value {
    let replay = dir.join("match.replay").display().to_string();
    let json_path = dir.join("match.json").display().to_string();
    let html_path = dir.join("cli.html").display().to_string();
    lockstep(&[&["match"], args, &["--replay", &replay]].concat());
    lockstep(&["replay", "json", &replay, "-o", &json_path]);
    lockstep(&["replay", "html", &replay, "-o", &html_path]);
    let json = std::fs::read_to_string(&json_path).unwrap();
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(
        html == render_html(&json),
        "`replay html` is not render_html of `replay json`"
    );
    serde_json::from_str(&json).expect("the viewer JSON")
}

/// A match of the reference game between two bundled bots.
fn recorded_match(dir: &Path) -> Value {
    let game = ["rusher", "harvester", "--map", "duel", "--seed", "3"];
    record(dir, &[&game[..], &["--ticks", "120"]].concat())
}

/// Writes `data` as a page, opens it and waits until the viewer has started
/// (or shown an error); returns the page's path.
fn open(browser: &Browser, dir: &Path, name: &str, data: &Value) -> PathBuf {
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, render_html(&data.to_string())).unwrap();
    browser
        .navigate(&format!("file://{}", page.display()))
        .expect("opening the page");
    browser
        .wait_for(
            "return document.body.dataset.tick || document.body.dataset.error",
            Duration::from_secs(5),
        )
        .expect("the viewer starts");
    page
}

/// How many pixels of the board have exactly each of the first `seats` seat
/// colours.
const SEAT_PIXELS: &str = "const c = document.getElementById('map');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const want = LS.COLORS.slice(0, arguments[0])
        .map(h => [1, 3, 5].map(i => parseInt(h.slice(i, i + 2), 16)));
    const counts = want.map(() => 0);
    for (let i = 0; i < px.length; i += 4) {
        want.forEach((w, k) => {
            if (px[i] === w[0] && px[i + 1] === w[1] && px[i + 2] === w[2]) counts[k]++;
        });
    }
    return counts";

/// The world of frame `i`: tick `i`'s, or after the last tick the final one.
fn frame(data: &Value, i: usize) -> &Value {
    let ticks = data["ticks"].as_array().unwrap();
    ticks.get(i).unwrap_or(&data["final"])
}

/// An order as the viewer writes it: "unit 3 move North", "spawn South".
fn action_text(action: &Value) -> String {
    let (kind, body) = action
        .as_object()
        .and_then(|o| o.iter().next())
        .expect("an action");
    let verb = kind.to_lowercase();
    match body.get("unit") {
        Some(unit) => format!("unit {unit} {verb} {}", body["dir"].as_str().unwrap()),
        None => format!("{verb} {}", body["dir"].as_str().unwrap()),
    }
}

/// A tick where some bot gave orders and logged: (tick, seat, orders, a line).
fn tick_with_orders_and_logs(data: &Value) -> (usize, usize, Vec<String>, String) {
    let ticks = data["ticks"].as_array().unwrap();
    for (i, tick) in ticks.iter().enumerate() {
        for (seat, bot) in tick["bots"].as_array().unwrap().iter().enumerate() {
            let actions = bot["actions"].as_array().unwrap();
            let logs = bot["logs"].as_array().unwrap();
            if !actions.is_empty() && !logs.is_empty() && i != HOSTILE_TICK {
                let orders = actions.iter().map(action_text).collect();
                return (i, seat, orders, logs[0].as_str().unwrap().to_string());
            }
        }
    }
    panic!("no tick with both orders and log lines");
}

#[test]
fn the_viewer_plays_a_recorded_match_in_headless_chromium() {
    if !browser_installed() {
        return;
    }
    let dir = test_dir("match");
    let mut data = recorded_match(&dir);
    let logs = &mut data["ticks"][HOSTILE_TICK]["bots"][0]["logs"];
    logs.as_array_mut().unwrap().push(json!(HOSTILE));
    let ticks = data["ticks"].as_array().unwrap().len();
    let html = render_html(&data.to_string());

    let browser = Browser::start(&dir, (1400, 1150)).expect("starting chromedriver and chromium");
    let page = open(&browser, &dir, "match", &data);
    let js = |script: &str| browser.execute(script, json!([])).expect(script);

    // Loaded, with no error, every tick and the world after the last, and a
    // counter that says so; drawn by the reference game's renderer.
    assert_eq!(
        js("return document.body.dataset.error || null"),
        Value::Null
    );
    assert_eq!(js("return document.getElementById('error').hidden"), true);
    assert_eq!(js("return lockstepViewer.ticks()"), json!(ticks));
    assert_eq!(js("return lockstepViewer.frames()"), json!(ticks + 1));
    assert_eq!(js("return lockstepViewer.tick()"), json!(0));
    assert_eq!(
        js(
            "return [lockstepViewer.renderer(), document.body.dataset.renderer,
                    document.getElementById('map').dataset.renderer]"
        ),
        json!(["cores", "cores", "cores"])
    );
    assert_eq!(js("return document.getElementById('world').hidden"), true);
    let last = data["ticks"][ticks - 1]["tick"].as_u64().unwrap();
    assert_eq!(
        js("return document.getElementById('counter').textContent"),
        json!(format!("tick 0 / {last}"))
    );
    // Tick 0's log panels start with each bot's start: lockstep_init's
    // outcome and log lines (the rusher logs its target there).
    let init = &data["ticks"][0]["bots"][0]["init"];
    assert_eq!(init["outcome"], "ok", "{init}");
    let line = init["logs"][0]
        .as_str()
        .expect("the rusher's init log line");
    let panel =
        js("return document.querySelectorAll('.bot')[0].querySelector('.logs').textContent");
    let panel = panel.as_str().unwrap();
    assert!(panel.starts_with("[init] lockstep_init ok, "), "{panel}");
    assert!(panel.contains(&format!("[init] {line}")), "{panel}");
    assert!(data["ticks"][1]["bots"][0]["init"].is_null());

    // The header names the bots, their modules and the winner.
    let header = js("return document.querySelector('header.match').innerText");
    let header = header.as_str().unwrap();
    for player in data["header"]["players"].as_array().unwrap() {
        assert!(header.contains(player["bot"].as_str().unwrap()), "{header}");
        let hash = player["module_hash"].as_str().unwrap();
        assert!(header.contains(&hash[..12]), "{header}");
    }
    match data["result"]["winner_bot"].as_str() {
        Some(winner) => assert!(header.contains(&format!("Winner: {winner}")), "{header}"),
        None => assert!(header.contains("Draw"), "{header}"),
    }

    // The map is drawn: walls, floor, sources, cores in several colours.
    let colours = js("const c = document.getElementById('map');
         const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
         const seen = new Set();
         for (let i = 0; i < px.length; i += 4 * 7) seen.add(px.slice(i, i + 4).join());
         return seen.size");
    assert!(
        colours.as_u64().unwrap() >= 6,
        "a blank-looking canvas: {colours} colours"
    );

    // The renderer drew every unit and core of the tick, and the orders.
    for i in [0, 10, ticks / 2] {
        js(&format!("lockstepViewer.seek({i})"));
        let world = frame(&data, i);
        let drawn = js("return lockstepViewer.drawn()");
        assert_eq!(
            drawn["units"],
            json!(world["units"].as_array().unwrap().len()),
            "tick {i}"
        );
        assert_eq!(
            drawn["cores"],
            json!(world["cores"].as_array().unwrap().len()),
            "tick {i}"
        );
        let orders: usize = (world["bots"].as_array().unwrap().iter())
            .map(|b| b["actions"].as_array().unwrap().len())
            .sum();
        assert!(
            drawn["orders"].as_u64().unwrap() as usize <= orders,
            "tick {i}: {drawn}"
        );
        assert_eq!(
            js("return JSON.parse(document.getElementById('map').dataset.drawn)"),
            drawn,
        );
    }
    // The last frame is the world after the last tick.
    js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'End', bubbles: true}))");
    assert_eq!(js("return lockstepViewer.tick()"), json!(ticks));
    let units = data["final"]["units"].as_array().unwrap().len();
    assert_eq!(js("return lockstepViewer.drawn().units"), json!(units));
    let last = data["ticks"][ticks - 1]["tick"].as_u64().unwrap();
    assert_eq!(
        js("return document.getElementById('counter').textContent"),
        json!(format!("end (after tick {last})"))
    );
    js("lockstepViewer.seek(0)");

    // Play advances by itself; pause stops; step forward is +1, back is -1.
    browser.click("#play").unwrap();
    browser
        .wait_for("return lockstepViewer.tick() > 0", Duration::from_secs(5))
        .expect("playing advances the tick");
    assert_eq!(js("return lockstepViewer.playing()"), true);
    browser.click("#play").unwrap();
    assert_eq!(js("return lockstepViewer.playing()"), false);
    let at = js("return lockstepViewer.tick()").as_u64().unwrap();
    browser.click("#fwd").unwrap();
    assert_eq!(js("return lockstepViewer.tick()"), json!(at + 1));
    assert_eq!(
        js("return document.body.dataset.tick"),
        json!((at + 1).to_string())
    );
    browser.click("#back").unwrap();
    assert_eq!(js("return lockstepViewer.tick()"), json!(at));
    js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}))");
    assert_eq!(js("return lockstepViewer.tick()"), json!(at + 1));

    // Hovering a unit names it.
    let unit = &data["ticks"][at as usize + 1]["units"][0];
    let hover = js(&format!(
        "const c = document.getElementById('map'), r = c.getBoundingClientRect();
         const cell = r.width / {width};
         c.dispatchEvent(new MouseEvent('mousemove', {{
             clientX: r.left + ({x} + 0.5) * cell, clientY: r.top + ({y} + 0.5) * cell}}));
         const t = document.getElementById('tooltip');
         return t.hidden ? '' : t.textContent",
        width = data["header"]["map"]["width"],
        x = unit[2],
        y = unit[3],
    ));
    let expected = format!("unit {} ", unit[0]);
    assert!(hover.as_str().unwrap().starts_with(&expected), "{hover}");
    js("document.getElementById('map').dispatchEvent(new MouseEvent('mouseleave'))");
    assert_eq!(js("return document.getElementById('tooltip').hidden"), true);

    // Seeking shows that tick's orders and log lines.
    let (tick, seat, orders, log) = tick_with_orders_and_logs(&data);
    js(&format!("lockstepViewer.seek({tick})"));
    assert_eq!(
        js("return document.getElementById('scrub').value"),
        json!(tick.to_string())
    );
    let panel = js(&format!(
        "return document.querySelectorAll('.bot')[{seat}].textContent"
    ));
    let panel = panel.as_str().unwrap();
    for order in &orders {
        assert!(panel.contains(order.as_str()), "{order:?} not in:\n{panel}");
    }
    assert!(panel.contains(&log), "{log:?} not in:\n{panel}");
    let hash = data["ticks"][tick]["hash"].as_str().unwrap();
    assert_eq!(
        js("return document.getElementById('hash').textContent"),
        json!(hash[..16])
    );

    // The hostile log line is text: no script ran, no element was made.
    js(&format!("lockstepViewer.seek({HOSTILE_TICK})"));
    let logs = js("return document.querySelectorAll('.bot')[0].querySelector('.logs').textContent");
    assert!(logs.as_str().unwrap().contains(HOSTILE), "{logs}");
    assert_eq!(js("return window.pwned === undefined"), true);
    assert_eq!(
        js("return document.querySelectorAll('script').length"),
        json!(html.matches("<script").count())
    );
    assert_eq!(
        js("return document.querySelectorAll('.logs b').length"),
        json!(0)
    );

    // Nothing above raised an error in the page.
    assert_eq!(
        js("return document.body.dataset.error || null"),
        Value::Null
    );

    // Late in the match, for the picture.
    js(&format!(
        "lockstepViewer.seek({})",
        ticks.saturating_sub(12)
    ));
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let shot = target.join("viewer-screenshot.png");
    browser.screenshot(&shot).expect("a screenshot");
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
    println!("viewer screenshot: {}", shot.display());
    println!("viewer page: {}", page.display());

    // ?autoplay=1 plays from ?tick=N.
    let url = format!("file://{}?autoplay=1&tick=5", page.display());
    browser.navigate(&url).unwrap();
    browser
        .wait_for(
            "return lockstepViewer.playing() && lockstepViewer.tick() > 5",
            Duration::from_secs(5),
        )
        .expect("autoplay from tick 5");
}

/// Serves `body` as JSON to one request on a loopback port; returns the URL.
fn serve_once(body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/match.json", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body.as_bytes());
    });
    url
}

/// `assets/viewer/index.html` as it is, its scripts and stylesheet beside it,
/// and no data in it: the file picker loads the sample, and so does `?src=`.
#[test]
fn the_unbundled_viewer_loads_a_file_from_its_picker_or_a_url() {
    if !browser_installed() {
        return;
    }
    let assets = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assets/viewer")
        .canonicalize()
        .unwrap();
    let dir = test_dir("picker");
    let browser = Browser::start(&dir, (1200, 900)).expect("starting chromedriver and chromium");
    let index = assets.join("index.html");
    browser
        .navigate(&format!("file://{}?tick=3", index.display()))
        .unwrap();
    let visible =
        "return !document.getElementById('loader').hidden && document.getElementById('app').hidden";
    assert_eq!(browser.execute(visible, json!([])).unwrap(), true);
    let sample = assets.join("sample.json");
    browser
        .send_keys("#file", &sample.display().to_string())
        .unwrap();
    browser
        .wait_for("return document.body.dataset.tick", Duration::from_secs(5))
        .expect("the chosen file loads");
    let text = std::fs::read_to_string(&sample).unwrap();
    let ticks = serde_json::from_str::<Value>(&text).unwrap()["ticks"]
        .as_array()
        .unwrap()
        .len();
    let state = browser
        .execute(
            "return [lockstepViewer.ticks(), lockstepViewer.tick(), document.body.dataset.error || null,
                     document.getElementById('loader').hidden]",
            json!([]),
        )
        .unwrap();
    assert_eq!(state, json!([ticks, 3, null, true]));

    let src = serve_once(text);
    browser
        .navigate(&format!("file://{}?src={src}", index.display()))
        .unwrap();
    browser
        .wait_for(
            "return document.body.dataset.tick || document.body.dataset.error",
            Duration::from_secs(5),
        )
        .expect("the URL loads");
    let state = browser
        .execute(
            "return [lockstepViewer.ticks(), document.body.dataset.error || null]",
            json!([]),
        )
        .unwrap();
    assert_eq!(state, json!([ticks, null]));
}

#[test]
fn the_viewer_shows_an_error_for_bad_data() {
    if !browser_installed() {
        return;
    }
    let dir = test_dir("bad");
    let browser = Browser::start(&dir, (1000, 700)).expect("starting chromedriver and chromium");
    for (name, data) in [
        ("not-json", "{\"format\": \"lockstep-viewer/1\", "),
        ("wrong-format", r#"{"format": "something-else/3"}"#),
        (
            "bad-units",
            r#"{"format": "lockstep-viewer/1", "header": {"map": {"rows": ["..", ".."]}}, "ticks": [{"units": [[1, 2]]}]}"#,
        ),
        (
            "bad-snake",
            r#"{"format": "lockstep-viewer/1", "header": {"game": "snake"}, "ticks": [{"width": 5, "height": 5, "snakes": [{"body": [[1]]}]}]}"#,
        ),
        (
            "bad-connect-four",
            r#"{"format": "lockstep-viewer/1", "header": {"game": "connect-four"}, "ticks": [{"columns": 3, "rows": 2, "grid": [[0, 0, 0]]}]}"#,
        ),
    ] {
        let page = dir.join(format!("{name}.html"));
        std::fs::write(&page, render_html(data)).unwrap();
        browser
            .navigate(&format!("file://{}", page.display()))
            .unwrap();
        let error = browser
            .wait_for("return document.body.dataset.error", Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("{name}: no error shown: {e}"));
        let shown = browser
            .execute(
                "const e = document.getElementById('error'); return e.hidden ? '' : e.textContent",
                json!([]),
            )
            .unwrap();
        assert!(
            shown.as_str().unwrap().contains(error.as_str().unwrap()),
            "{name}: {shown} vs {error}"
        );
    }
}

/// Connect four between the bundled bots: the upright grid with every disc of
/// every frame, the last drop ringed, the winning four struck through at the
/// end, and the controls stepping through it.
#[test]
fn the_viewer_draws_connect_four() {
    if !browser_installed() {
        return;
    }
    let dir = test_dir("connect-four");
    let game = ["--game", "connect-four"];
    let data = record(
        &dir,
        &[&game[..], &["connect-four-negamax", "connect-four-first"]].concat(),
    );
    let ticks = data["ticks"].as_array().unwrap().len();
    let browser = Browser::start(&dir, (1300, 1000)).expect("starting chromedriver and chromium");
    open(&browser, &dir, "connect-four", &data);
    let js = |script: &str| browser.execute(script, json!([])).expect(script);
    assert_eq!(
        js("return document.body.dataset.error || null"),
        Value::Null
    );
    assert_eq!(
        js(
            "return [lockstepViewer.renderer(), document.getElementById('map').dataset.renderer,
                    document.getElementById('map').hidden, lockstepViewer.frames()]"
        ),
        json!(["connect-four", "connect-four", false, ticks + 1])
    );

    // Every frame: as many discs drawn as the grid holds, the last drop ringed.
    for i in 0..=ticks {
        js(&format!("lockstepViewer.seek({i})"));
        let world = frame(&data, i);
        let grid: Vec<Vec<u64>> = serde_json::from_value(world["grid"].clone()).unwrap();
        let discs = grid.iter().flatten().filter(|&&v| v != 0).count();
        let drawn = js("return lockstepViewer.drawn()");
        assert_eq!(drawn["discs"], json!(discs), "frame {i}: {drawn}");
        match world["last_move"].as_u64() {
            Some(column) => {
                let row = (0..grid.len()).find(|&r| grid[r][column as usize] != 0);
                assert_eq!(drawn["last"], json!([column, row.unwrap()]), "frame {i}");
            }
            None => assert_eq!(drawn["last"], Value::Null, "frame {i}"),
        }
        // This tick's drop is shown where it lands; none after the last tick.
        let ordered: usize = (world["bots"].as_array().into_iter().flatten())
            .map(|b| b["actions"].as_array().unwrap().len())
            .sum();
        assert_eq!(drawn["pending"], json!(ordered), "frame {i}");
    }

    // At the end: the winner's four in a row, marked.
    let winner = data["result"]["winner"]
        .as_u64()
        .expect("negamax beats first");
    let end = &data["final"];
    assert_eq!(end["end"], "four-in-a-row");
    let grid: Vec<Vec<u64>> = serde_json::from_value(end["grid"].clone()).unwrap();
    let line: Vec<(i64, i64)> =
        serde_json::from_value(js("return lockstepViewer.drawn().winning")).unwrap();
    assert!(line.len() >= 4, "{line:?}");
    for &(column, row) in &line {
        assert_eq!(grid[row as usize][column as usize], winner + 1, "{line:?}");
    }
    let step = (line[1].0 - line[0].0, line[1].1 - line[0].1);
    assert!(step.0.abs() <= 1 && step.1.abs() <= 1 && step != (0, 0));
    assert!(
        line.windows(2)
            .all(|w| (w[1].0 - w[0].0, w[1].1 - w[0].1) == step)
    );
    assert!(
        js("return document.querySelectorAll('.bot')[0].textContent")
            .as_str()
            .unwrap()
            .contains("won")
    );
    // Discs of both seats' colours are on the canvas.
    let pixels = browser.execute(SEAT_PIXELS, json!([2])).unwrap();
    let pixels: Vec<u64> = serde_json::from_value(pixels).unwrap();
    assert!(pixels.iter().all(|&n| n > 50), "seat pixels {pixels:?}");
    // Hovering the last drop says so.
    let column = end["last_move"].as_u64().unwrap();
    let row = grid.iter().position(|r| r[column as usize] != 0).unwrap();
    let hover = js(&format!(
        "const c = document.getElementById('map'), r = c.getBoundingClientRect();
         const cell = r.width / {columns};
         c.dispatchEvent(new MouseEvent('mousemove', {{
             clientX: r.left + ({column} + 0.5) * cell, clientY: r.top + ({row} + 0.5) * cell}}));
         return document.getElementById('tooltip').textContent",
        columns = end["columns"],
    ));
    let hover = hover.as_str().unwrap();
    let letter = ["A", "B"][winner as usize];
    assert!(hover.starts_with(&format!("disc of {letter} ")), "{hover}");
    assert!(hover.contains("the last drop"), "{hover}");
    assert!(hover.contains(&format!("column {column}")), "{hover}");

    // Stepping: the first tick's board is empty, the next has one disc.
    js("lockstepViewer.seek(0)");
    browser.click("#fwd").unwrap();
    assert_eq!(
        js("return [lockstepViewer.tick(), lockstepViewer.drawn().discs]"),
        json!([1, 1])
    );
    js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowLeft', bubbles: true}))");
    assert_eq!(
        js("return [lockstepViewer.tick(), lockstepViewer.drawn().discs]"),
        json!([0, 0])
    );
    // Each seat's order, in words.
    let column = data["ticks"][0]["bots"][0]["actions"][0]["Drop"]["column"].clone();
    let panel =
        js("return document.querySelectorAll('.bot')[0].querySelector('.actions').textContent");
    assert_eq!(panel, json!(format!("drop column {column}")));
    assert_eq!(
        js("return document.body.dataset.error || null"),
        Value::Null
    );
    let shot = dir.join("connect-four.png");
    js(&format!("lockstepViewer.seek({ticks})"));
    browser.screenshot(&shot).expect("a screenshot");
    println!("connect four screenshot: {}", shot.display());
}

/// A snake bot in WAT: moves through `dirs` (postcard `Direction`: up 0,
/// down 1, left 2, right 3), `run` ticks each, round and round.
fn snake_bot(dirs: &[u8], run: u32) -> Vec<u8> {
    let data: String = dirs.iter().map(|d| format!("\\{d:02x}")).collect();
    let len = dirs.len();
    wat::parse_str(format!(
        r#"(module
            (memory (export "memory") 2)
            (global $n (mut i32) (i32.const 0))
            (data (i32.const 0) "\01\00\00")
            (data (i32.const 16) "{data}")
            (func (export "lockstep_abi") (result i32) i32.const 256)
            (func (export "lockstep_alloc") (param i32) (result i32) i32.const 1024)
            (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0)
            (func (export "lockstep_tick") (param i32 i32) (result i64)
                ;; orders at 0: [1 order, Move, dir]
                i32.const 2
                global.get $n
                i32.const {run}
                i32.div_u
                i32.const {len}
                i32.rem_u
                i32.load8_u offset=16
                i32.store8
                global.get $n
                i32.const 1
                i32.add
                global.set $n
                i64.const 3))"#
    ))
    .unwrap()
}

/// The bundled snake bots when this build has them, else two WAT bots going
/// round in squares; and a WAT bot that runs straight off the board.
fn snake_bots(dir: &Path) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .arg("bots")
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    let bundled = ["snake-flood", "snake-simple"];
    let mut wat_bots: Vec<(&str, &[u8])> = vec![("straight", &[0])];
    let mut bots: Vec<String> = Vec::new();
    if bundled.iter().all(|b| list.contains(b)) {
        bots.extend(bundled.iter().map(|b| b.to_string()));
    } else {
        wat_bots.insert(0, ("clockwise", &[0, 3, 1, 2]));
        wat_bots.insert(1, ("anticlockwise", &[0, 2, 1, 3]));
    }
    for (name, dirs) in wat_bots {
        let path = dir.join(format!("{name}.wasm"));
        std::fs::write(&path, snake_bot(dirs, 2)).unwrap();
        bots.push(path.display().to_string());
    }
    bots
}

/// Snake: each snake drawn as a line of its body's cells in its seat's
/// colour, food and hazards counted, a snake that died shown on the next
/// frame only, and seeking with the slider.
#[test]
fn the_viewer_draws_snake() {
    if !browser_installed() {
        return;
    }
    let dir = test_dir("snake");
    let bots = snake_bots(&dir);
    let bots: Vec<&str> = bots.iter().map(String::as_str).collect();
    let args = [&["--game", "snake", "--ticks", "40"][..], &bots].concat();
    let mut data = record(&dir, &args);
    // Hazards need royale settings; the renderer only reads the cells.
    data["ticks"][3]["hazards"] = json!([[0, 0], [1, 0], [10, 10]]);
    let ticks = data["ticks"].as_array().unwrap().len();
    let browser = Browser::start(&dir, (1300, 1000)).expect("starting chromedriver and chromium");
    open(&browser, &dir, "snake", &data);
    let js = |script: &str| browser.execute(script, json!([])).expect(script);
    assert_eq!(
        js("return document.body.dataset.error || null"),
        Value::Null
    );
    assert_eq!(
        js("return [lockstepViewer.renderer(), document.getElementById('map').hidden]"),
        json!(["snake", false])
    );

    let mut deaths = 0;
    for i in 0..=ticks {
        // Seeking as the slider does.
        js(&format!(
            "const s = document.getElementById('scrub'); s.value = '{i}';
             s.dispatchEvent(new Event('input'))"
        ));
        assert_eq!(js("return lockstepViewer.tick()"), json!(i));
        let world = frame(&data, i);
        let tick = world["tick"].as_i64().unwrap();
        let snakes = world["snakes"].as_array().unwrap();
        let alive = snakes.iter().filter(|s| s["alive"] == true);
        let just_died = (snakes.iter())
            .filter(|s| s["alive"] == false && s["eliminated_at"].as_i64() == Some(tick - 1));
        let length = |s: &Value| s["body"].as_array().unwrap().len();
        let drawn = js("return lockstepViewer.drawn()");
        assert_eq!(
            drawn["snakes"],
            json!(alive.clone().count()),
            "frame {i}: {drawn}"
        );
        assert_eq!(drawn["dead"], json!(just_died.clone().count()), "frame {i}");
        deaths += just_died.clone().count();
        let segments: usize = alive.chain(just_died).map(length).sum();
        assert_eq!(drawn["segments"], json!(segments), "frame {i}");
        let food = world["food"].as_array().unwrap().len();
        assert_eq!(drawn["food"], json!(food), "frame {i}");
        let hazards = world["hazards"].as_array().unwrap().len();
        assert_eq!(drawn["hazards"], json!(hazards), "frame {i}");
    }
    assert!(deaths >= 1, "idle's snake runs off the board");
    assert_eq!(
        js("return lockstepViewer.drawn().hazards"),
        json!(data["final"]["hazards"].as_array().unwrap().len())
    );
    js("lockstepViewer.seek(3)");
    assert_eq!(js("return lockstepViewer.drawn().hazards"), json!(3));

    // Early on, every snake is on the board in its seat's colour.
    js("lockstepViewer.seek(4)");
    let pixels = browser.execute(SEAT_PIXELS, json!([bots.len()])).unwrap();
    let pixels: Vec<u64> = serde_json::from_value(pixels).unwrap();
    assert!(pixels.iter().all(|&n| n > 50), "seat pixels {pixels:?}");
    // Hovering a head names its snake.
    let head = &data["ticks"][4]["snakes"][0]["body"][0];
    let hover = js(&format!(
        "const c = document.getElementById('map'), r = c.getBoundingClientRect();
         const cell = r.width / {width};
         c.dispatchEvent(new MouseEvent('mousemove', {{
             clientX: r.left + ({x} + 0.5) * cell, clientY: r.top + ({y} + 0.5) * cell}}));
         return document.getElementById('tooltip').textContent",
        width = data["ticks"][4]["width"],
        x = head[0],
        y = head[1],
    ));
    assert!(hover.as_str().unwrap().starts_with("snake A · "), "{hover}");
    browser.click("#fwd").unwrap();
    assert_eq!(js("return lockstepViewer.tick()"), json!(5));
    // The card says how long the snake is.
    let length = data["ticks"][5]["snakes"][0]["body"]
        .as_array()
        .unwrap()
        .len();
    let stats = js("return document.querySelector('.bot .stats').textContent");
    assert!(
        stats
            .as_str()
            .unwrap()
            .starts_with(&format!("length {length} · health ")),
        "{stats}"
    );
    assert_eq!(
        js("return document.body.dataset.error || null"),
        Value::Null
    );
    let shot = dir.join("snake.png");
    browser.screenshot(&shot).expect("a screenshot");
    println!("snake screenshot: {}", shot.display());
}

/// A game the viewer has no renderer for still opens: its world as text,
/// with the shared panels, charts and controls working.
#[test]
fn an_unknown_game_is_shown_as_text() {
    if !browser_installed() {
        return;
    }
    let dir = test_dir("unknown-game");
    let args = [
        "--game",
        "connect-four",
        "connect-four-first",
        "connect-four-first",
        "--ticks",
        "6",
    ];
    let mut data = record(&dir, &args);
    data["header"]["game"] = json!("hex-chess");
    let ticks = data["ticks"].as_array().unwrap().len();
    let browser = Browser::start(&dir, (1200, 900)).expect("starting chromedriver and chromium");
    open(&browser, &dir, "unknown", &data);
    let js = |script: &str| browser.execute(script, json!([])).expect(script);
    assert_eq!(
        js("return document.body.dataset.error || null"),
        Value::Null
    );
    assert_eq!(
        js(
            "return [lockstepViewer.renderer(), document.body.dataset.renderer,
                    document.getElementById('map').hidden, document.getElementById('world').hidden,
                    lockstepViewer.frames()]"
        ),
        json!(["generic", "generic", true, false, ticks + 1])
    );
    let meta = js("return document.getElementById('meta').textContent");
    assert!(meta.as_str().unwrap().contains("hex-chess"), "{meta}");

    // The world's keys and values, as the tick has them; stepping changes them.
    let world_text = || -> Value {
        let text = js("return document.getElementById('world').textContent");
        let text = text.as_str().unwrap();
        let json = text
            .split_once('\n')
            .expect("a comment line, then the world")
            .1;
        serde_json::from_str(json).expect("the world as JSON")
    };
    for i in [0, 1, 3] {
        if i == 0 {
            js("lockstepViewer.seek(0)");
        } else {
            browser.click("#fwd").unwrap();
            if i == 3 {
                browser.click("#fwd").unwrap();
            }
        }
        assert_eq!(js("return lockstepViewer.tick()"), json!(i));
        let shown = world_text();
        let tick = &data["ticks"][i];
        for key in ["grid", "last_move", "to_move", "columns"] {
            assert_eq!(shown[key], tick[key], "tick {i}: {key}");
        }
        assert!(shown.get("bots").is_none() && shown.get("hash").is_none());
    }
    // The orders, logs and fuel of the shared panels.
    let column = data["ticks"][3]["bots"][1]["actions"][0]["Drop"]["column"].clone();
    let panel =
        js("return document.querySelectorAll('.bot')[1].querySelector('.actions').textContent");
    assert_eq!(panel, json!(format!("drop column {column}")));
    assert_eq!(
        js("return document.querySelectorAll('.chart').length"),
        json!(2)
    );
    js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'End', bubbles: true}))");
    assert_eq!(js("return lockstepViewer.tick()"), json!(ticks));
    assert_eq!(world_text()["grid"], data["final"]["grid"]);
    assert_eq!(
        js("return document.body.dataset.error || null"),
        Value::Null
    );
}
