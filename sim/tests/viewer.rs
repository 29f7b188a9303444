//! The web replay viewer in a real headless Chromium, driven over WebDriver:
//! a recorded match's page loads, draws, plays, steps, seeks and shows each
//! tick's data, a bot's hostile log line stays text, bad data shows an
//! error, and `assets/viewer/index.html` opened as it is loads a file.
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

/// A real match, recorded, and its viewer JSON, both by the CLI. Checks on
/// the way that `lockstep replay html` is `render_html` of that JSON.
fn recorded_match(dir: &Path) -> Value {
    let replay = dir.join("match.replay").display().to_string();
    let json_path = dir.join("match.json").display().to_string();
    let html_path = dir.join("cli.html").display().to_string();
    let game = [
        "match",
        "rusher",
        "harvester",
        "--map",
        "duel",
        "--seed",
        "3",
    ];
    lockstep(&[&game[..], &["--ticks", "120", "--replay", &replay]].concat());
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
    let page = dir.join("match.html");
    std::fs::write(&page, render_html(&data.to_string())).unwrap();

    let browser = Browser::start(&dir, (1400, 1150)).expect("starting chromedriver and chromium");
    browser
        .navigate(&format!("file://{}", page.display()))
        .expect("opening the page");
    let js = |script: &str| browser.execute(script, json!([])).expect(script);

    // Loaded, with no error, every tick, and a counter that says so.
    browser
        .wait_for(
            "return document.body.dataset.tick || document.body.dataset.error",
            Duration::from_secs(5),
        )
        .expect("the viewer starts");
    assert_eq!(
        js("return document.body.dataset.error || null"),
        Value::Null
    );
    assert_eq!(js("return document.getElementById('error').hidden"), true);
    assert_eq!(js("return lockstepViewer.ticks()"), json!(ticks));
    assert_eq!(js("return lockstepViewer.tick()"), json!(0));
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
        json!(5)
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
