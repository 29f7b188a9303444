//! The web pages in a real headless Chromium, against the real server with
//! its ladder running: a player uploads a bot through the form and sees the
//! validator's verdict (accepted with its hash; a garbage file refused with
//! the validator's own words), the bot plays its matches and appears on the
//! leaderboard, and one of its matches' pages plays the replay in the
//! embedded viewer. Screenshot: `target/server-screenshot.png`.
//!
//! Needs `chromium` and `chromium-driver` (Debian), which `scripts/test`
//! installs. Without them the test is skipped with a loud message, except
//! under CI (`CI` set), where it fails.

mod support;

#[allow(dead_code)]
#[path = "../../sim/tests/support/webdriver.rs"]
mod webdriver;

use lockstep_sim::sandbox::{CacheDir, Sandbox};
use lockstep_sim::settings::Settings;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{Server, bundled_wasm, with_custom_section};
use webdriver::Browser;

/// Whether the browser is there; if not, skips loudly, or fails under CI.
fn browser_installed() -> bool {
    let Some(missing) = webdriver::missing() else {
        return true;
    };
    if std::env::var_os("CI").is_some() {
        panic!("{missing} missing: scripts/test installs chromium and chromium-driver");
    }
    eprintln!("\n!!!!! SKIPPED the server's browser test: {missing} not installed");
    eprintln!("!!!!! (apt-get install chromium chromium-driver, or run scripts/test)\n");
    false
}

/// A fresh folder for the browser's profile and the files to upload.
fn test_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("server-browser");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `target/NAME`, beside `target/tmp`.
fn target_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join(name)
}

/// Fills the upload form and submits it; returns the verdict's kind
/// (`accepted` or `refused`) once the next page shows it.
fn submit_upload(browser: &Browser, token: &str, name: &str, file: &Path) -> String {
    let js = |script: &str| browser.execute(script, json!([])).expect(script);
    // The form shown again after a verdict keeps the token and name: clear them.
    js("document.getElementById('token').value = ''; document.getElementById('name').value = ''");
    browser.send_keys("#token", token).unwrap();
    browser.send_keys("#name", name).unwrap();
    browser
        .send_keys("#module", &file.display().to_string())
        .unwrap();
    js("window.beforeSubmit = true");
    browser.click("#submit").unwrap();
    let verdict = browser
        .wait_for(
            "return !window.beforeSubmit && document.getElementById('verdict') \
             && document.getElementById('verdict').dataset.verdict",
            Duration::from_secs(30),
        )
        .expect("a verdict after submitting the form");
    verdict.as_str().unwrap().to_string()
}

/// The validator's problems for `bytes`, as `lockstep check` words them.
fn problems(bytes: &[u8]) -> Vec<String> {
    let mut config = Settings::defaults().sandbox;
    config.compiled_cache.dir = CacheDir::Off; // never the user's cache
    let sandbox = Sandbox::new(config).unwrap();
    let Err(error) = sandbox.load(bytes) else {
        panic!("the module is accepted");
    };
    error.problems().iter().map(|p| p.to_string()).collect()
}

#[test]
fn a_bot_uploaded_through_the_form_climbs_the_ladder_and_its_replay_plays() {
    if !browser_installed() {
        return;
    }
    let started = Instant::now();
    let server = Server::start("ladder_maps = [\"duel\"]\n[match]\nmax_ticks = 40\n");
    let dir = test_dir();
    let good = with_custom_section(bundled_wasm("rusher"), "web-ann");
    let good_path = dir.join("web-rusher.wasm");
    std::fs::write(&good_path, &good).unwrap();
    let garbage = b"this is not a WebAssembly module <b>at all</b>".to_vec();
    let garbage_path = dir.join("garbage.wasm");
    std::fs::write(&garbage_path, &garbage).unwrap();

    let browser = Browser::start(&dir, (1280, 1500)).expect("starting chromedriver and chromium");
    let js = |script: &str| browser.execute(script, json!([])).expect(script);
    let text_of = |selector: &str| {
        browser
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : null",
                json!([selector]),
            )
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string()
    };

    // Register through the form: the browser posts it from the server's own
    // page (`Origin`, `Sec-Fetch-Site: same-origin`), which guards.rs lets
    // through; the token is shown once.
    browser.navigate(&server.url("/register")).unwrap();
    browser.send_keys("#name", "web-ann").unwrap();
    js("window.beforeSubmit = true");
    browser.click("#register button").unwrap();
    let token = browser
        .wait_for(
            "return !window.beforeSubmit && document.getElementById('token') \
             && document.getElementById('token').innerText",
            Duration::from_secs(30),
        )
        .expect("a token after registering through the form");
    let token = token.as_str().unwrap().trim().to_string();
    assert_eq!(token.len(), 64, "{token}");
    assert_eq!(server.get("/api/me").status, 401);
    assert_eq!(server.get_auth("/api/me", &token).status, 200);
    // The same form on a page of another origin (a `data:` page here): the
    // browser says so, and the server refuses it with a page saying why.
    let forged = format!(
        "data:text/html,<form id=f method=post action='{}'>\
         <input name=name value=forged-ann><button id=go>go</button></form>",
        server.url("/register")
    );
    browser.navigate(&forged).unwrap();
    browser.click("#go").unwrap();
    let refused = browser
        .wait_for(
            "return document.body && document.body.innerText.includes('another site') \
             && document.body.innerText",
            Duration::from_secs(30),
        )
        .expect("the refusal page");
    assert!(
        refused
            .as_str()
            .unwrap()
            .contains("Open the form on this server"),
        "{refused}"
    );
    assert_eq!(server.get("/api/players/forged-ann").status, 404);

    // Upload through the form: accepted, with the module's hash.
    browser.navigate(&server.url("/upload")).unwrap();
    assert_eq!(
        submit_upload(&browser, &token, "web-bot", &good_path),
        "accepted"
    );
    let hash = blake3::hash(&good).to_hex().to_string();
    assert_eq!(text_of("#module-hash"), hash);
    assert!(
        text_of("#verdict").contains("web-bot v1"),
        "{}",
        text_of("#verdict")
    );
    browser
        .screenshot(&target_file("tmp/server-upload.png"))
        .unwrap();

    // A garbage file: refused, with every problem the validator names.
    assert_eq!(
        submit_upload(&browser, &token, "web-bot", &garbage_path),
        "refused"
    );
    let verdict = text_of("#verdict");
    for problem in problems(&garbage) {
        assert!(verdict.contains(&problem), "{problem:?} not in:\n{verdict}");
    }
    assert_eq!(
        js("return document.querySelectorAll('#verdict b').length"),
        json!(0)
    );
    browser
        .screenshot(&target_file("tmp/server-refused.png"))
        .unwrap();
    // A wrong token is refused by name, not with a validator's verdict.
    assert_eq!(
        submit_upload(&browser, "not-a-token", "web-bot", &good_path),
        "refused"
    );
    assert!(
        text_of("#verdict").contains("unknown token"),
        "{}",
        text_of("#verdict")
    );

    // The bot's id, and its matches once the ladder has played some.
    let me = server.get_auth("/api/me", &token).json();
    let bot_id = me["bots"][0]["id"].as_i64().expect("the uploaded bot");
    let deadline = Instant::now() + Duration::from_secs(45);
    let finished = loop {
        let list = server
            .get(&format!("/api/matches?bot={bot_id}&state=finished"))
            .json();
        if let Some(first) = list["matches"].as_array().and_then(|m| m.first()) {
            break first["id"].as_i64().unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "no finished match for the bot after 45 s; server log:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(250));
    };

    // The leaderboard lists it, with its owner.
    browser.navigate(&server.url("/")).unwrap();
    let row = text_of(&format!("#leaderboard tr[data-bot='{bot_id}']"));
    assert!(row.contains("web-bot") && row.contains("web-ann"), "{row}");
    browser
        .screenshot(&target_file("tmp/server-leaderboard.png"))
        .unwrap();

    // Its page links the match, with its fuel.
    browser
        .navigate(&server.url(&format!("/bots/{bot_id}")))
        .unwrap();
    let link = format!("#matches a[href='/matches/{finished}']");
    assert!(!text_of(&link).is_empty(), "no link to match {finished}");
    assert!(
        text_of("#fuel").contains("of budget"),
        "{}",
        text_of("#fuel")
    );
    browser
        .screenshot(&target_file("tmp/server-bot.png"))
        .unwrap();

    // The match page: the viewer in its frame loads the replay and plays.
    browser.click(&link).unwrap();
    let frame = "const f = document.getElementById('viewer'); \
                 const w = f && f.contentWindow; const d = f && f.contentDocument;";
    browser
        .wait_for(
            &format!("{frame} return d && d.body && (d.body.dataset.tick || d.body.dataset.error)"),
            Duration::from_secs(15),
        )
        .expect("the viewer loads the replay");
    let state = js(&format!(
        "{frame} return [d.body.dataset.error || null, w.lockstepViewer.tick(), w.lockstepViewer.ticks()]"
    ));
    assert_eq!(state[0], Value::Null, "the viewer shows an error");
    assert_eq!(state[1], json!(0));
    assert!(state[2].as_u64().unwrap() > 1, "{state}");
    assert!(text_of("#seats").contains("web-bot"));
    js(&format!(
        "{frame} d.getElementById('speed').value = '20'; \
                 d.getElementById('speed').dispatchEvent(new Event('change')); \
                 d.getElementById('play').click()"
    ));
    browser
        .wait_for(
            &format!("{frame} return w.lockstepViewer.tick() >= 12"),
            Duration::from_secs(10),
        )
        .expect("playing advances the tick");
    assert_eq!(
        js(&format!("{frame} return w.lockstepViewer.playing()")),
        true
    );
    js(&format!("{frame} d.getElementById('play').click()"));

    let shot = target_file("server-screenshot.png");
    browser.screenshot(&shot).expect("a screenshot");
    assert!(std::fs::read(&shot).unwrap().starts_with(b"\x89PNG"));
    println!("server screenshot: {}", shot.display());
    println!("took {:.1} s", started.elapsed().as_secs_f64());
}
