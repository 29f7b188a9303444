//! What one player (or one page on another site) cannot do to a public
//! server, against the real `lockstep-server` binary: registrations past the
//! limit, before or after a restart; writes from another site's page; JSON
//! sent as something else; a form with two modules or a flood of small
//! fields; a response a browser could sniff into something else; a database
//! others may read.

mod support;

use serde_json::json;
use std::time::Duration;
use support::multipart::{FORM_TYPE, close as form, part};
use support::{Body, Server, bundled_wasm, send};

/// `count` small fields, `f0=x` ...: about 80 bytes each.
fn small_fields(count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| part(&format!("f{i}"), None, b"x"))
        .collect()
}

/// The verdict's text on the upload page.
fn verdict(page: &str) -> &str {
    let start = page.find(r#"id="verdict""#).expect("a verdict on the page");
    let end = page[start..]
        .find("</section>")
        .map_or(page.len(), |i| start + i);
    &page[start..end]
}

#[test]
fn the_registration_limit_survives_a_restart() {
    let mut s = Server::start("registrations_per_hour = 2\nladder_enabled = false\n");
    s.register("lim-ann");
    s.register("lim-bob");
    let register =
        |s: &Server, name: &str| s.post_json("/api/players", None, &json!({ "name": name }));
    let r = register(&s, "lim-cy");
    assert_eq!(r.status, 429, "{}", r.text());
    s.restart();
    let r = register(&s, "lim-cy");
    assert_eq!(
        r.status,
        429,
        "a restart gives no fresh allowance: {}",
        r.text()
    );
    assert!(
        r.error_message()
            .starts_with("too many new players from 127.0.0.1: at most 2 an hour; try again in"),
        "{}",
        r.text()
    );
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((3000..=3600).contains(&retry), "Retry-After: {retry}");
    // The form shares the same stored allowance.
    let r = s.request(
        "POST",
        "/register",
        None,
        Body::Bytes(
            "application/x-www-form-urlencoded",
            b"name=lim-dee".to_vec(),
        ),
    );
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(s.get("/api/players/lim-cy").status, 404);
    assert_eq!(s.get("/api/players/lim-dee").status, 404);
}

#[test]
fn writes_from_another_sites_page_are_refused() {
    let s = Server::start("ladder_enabled = false\n");
    let own = s.url("");
    let json_type = ("content-type", "application/json");
    let new_player = |name: &str| json!({ "name": name }).to_string().into_bytes();

    // The API: a page elsewhere, by Origin or by Sec-Fetch-Site.
    for (i, header) in [
        ("origin", "http://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("xs-api-{i}");
        let r = send(
            &s,
            "POST",
            "/api/players",
            &[json_type, header],
            new_player(&name),
        );
        assert_eq!(r.status, 403, "{header:?}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "cross_site");
        let message = r.error_message();
        assert!(
            message.starts_with(
                "POST /api/players was refused: it was sent by a page of another site"
            ),
            "{message}"
        );
        assert_eq!(s.get(&format!("/api/players/{name}")).status, 404);
    }
    // The forms: an HTML page saying what to do.
    let form_type = ("content-type", "application/x-www-form-urlencoded");
    let r = send(
        &s,
        "POST",
        "/register",
        &[form_type, ("origin", "https://evil.example")],
        b"name=xs-form".to_vec(),
    );
    assert_eq!(r.status, 403);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let page = r.text();
    assert!(
        page.contains("This form was sent from a page of another site")
            && page.contains("Open the form on this server"),
        "{page}"
    );
    assert_eq!(s.get("/api/players/xs-form").status, 404);
    let token = s.register("xs-owner");
    let upload = form(vec![
        part("token", None, token.as_bytes()),
        part("name", None, b"xs-bot"),
        part("module", Some("b.wasm"), bundled_wasm("idle")),
    ]);
    let cross = [
        ("content-type", FORM_TYPE),
        ("sec-fetch-site", "cross-site"),
    ];
    let r = send(&s, "POST", "/upload", &cross, upload.clone());
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(s.get("/api/bots?owner=xs-owner").json()["bots"], json!([]));

    // The server's own pages, as a browser posts them, and clients that are
    // not browsers (no Origin, no Sec-Fetch-Site) are served.
    let same = [
        form_type,
        ("origin", own.as_str()),
        ("sec-fetch-site", "same-origin"),
    ];
    let r = send(&s, "POST", "/register", &same, b"name=xs-own".to_vec());
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains(r#"data-verdict="registered""#));
    let r = send(
        &s,
        "POST",
        "/register",
        &[form_type, ("origin", own.as_str())],
        b"name=xs-own2".to_vec(),
    );
    assert_eq!(
        r.status,
        200,
        "Origin alone, without Sec-Fetch-Site: {}",
        r.text()
    );
    let same_upload = [
        ("content-type", FORM_TYPE),
        ("sec-fetch-site", "same-origin"),
    ];
    let r = send(&s, "POST", "/upload", &same_upload, upload);
    assert!(
        verdict(&r.text()).contains("Accepted: xs-bot v1"),
        "{}",
        r.text()
    );
    // Reads are anyone's.
    let r = send(
        &s,
        "GET",
        "/api/leaderboard",
        &[("sec-fetch-site", "cross-site")],
        vec![],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn json_bodies_must_be_sent_as_json() {
    let s = Server::start("ladder_enabled = false\n");
    let body = json!({"name": "plain-ann"}).to_string().into_bytes();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let headers: Vec<(&str, &str)> =
            content_type.iter().map(|t| ("content-type", *t)).collect();
        let r = send(&s, "POST", "/api/players", &headers, body.clone());
        assert_eq!(r.status, 415, "{content_type:?}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "unsupported_media_type");
        let given = content_type.map_or("none".to_string(), |t| format!("`{t}`"));
        assert_eq!(
            r.error_message(),
            format!(
                "POST /api/players takes a JSON body, sent with `Content-Type: application/json` \
                 (this request's Content-Type: {given}); with curl: -H 'Content-Type: \
                 application/json' -d '{{...}}'"
            )
        );
    }
    assert_eq!(s.get("/api/players/plain-ann").status, 404);
    let token = s.register("plain-ann");
    let admin = s.admin_token();
    let text = |path: &str, method: &str, token: &str| {
        let auth = format!("Bearer {token}");
        let headers = [
            ("content-type", "text/plain"),
            ("authorization", auth.as_str()),
        ];
        send(&s, method, path, &headers, b"{}".to_vec()).status
    };
    assert_eq!(text("/api/matches", "POST", &token), 415);
    assert_eq!(text("/api/admin/settings", "PUT", &admin), 415);
    // Uploads are modules, of any type; a write without a body needs none.
    let r = s.request(
        "POST",
        "/api/bots/plain-bot",
        Some(&token),
        Body::Bytes("application/octet-stream", bundled_wasm("idle").to_vec()),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["bot"]["id"].as_i64().unwrap();
    let r = s.post_empty(&format!("/api/bots/{id}/retire"), Some(&token));
    assert_eq!(r.status, 200, "{}", r.text());
    // An unknown endpoint is still a 404.
    let r = send(
        &s,
        "POST",
        "/api/nothing",
        &[("content-type", "text/plain")],
        b"x".to_vec(),
    );
    assert_eq!(r.status, 404, "{}", r.text());
}

#[test]
fn a_form_takes_one_module_and_a_few_fields() {
    let s = Server::start("ladder_enabled = false\n");
    let token = s.register("parts-ann");
    let idle = bundled_wasm("idle");
    let rusher = bundled_wasm("rusher");
    let api_upload = |path: &str, body: Vec<u8>| {
        s.request("POST", path, Some(&token), Body::Bytes(FORM_TYPE, body))
    };
    // Two modules: neither is taken, and the answer names the part.
    let two = || {
        form(vec![
            part("name", None, b"two-bot"),
            part("module", Some("a.wasm"), idle),
            part("module", Some("b.wasm"), rusher),
        ])
    };
    for path in ["/api/bots", "/api/bots/two-bot"] {
        let r = api_upload(path, two());
        assert_eq!(r.status, 400, "{path}: {}", r.text());
        assert_eq!(
            r.error_message(),
            "the multipart form has more than one `module` part: send exactly one"
        );
    }
    let r = api_upload(
        "/api/bots",
        form(vec![
            part("name", None, b"two-bot"),
            part("name", None, b"other-bot"),
            part("module", Some("a.wasm"), idle),
        ]),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.error_message().contains("more than one `name` part"));
    let page = s
        .request(
            "POST",
            "/upload",
            None,
            Body::Bytes(
                FORM_TYPE,
                form(vec![
                    part("token", None, token.as_bytes()),
                    part("name", None, b"two-bot"),
                    part("module", Some("a.wasm"), idle),
                    part("module", Some("b.wasm"), rusher),
                ]),
            ),
        )
        .text();
    assert!(
        verdict(&page).contains("more than one `module` part"),
        "{page}"
    );
    assert_eq!(s.get("/api/bots?owner=parts-ann").json()["bots"], json!([]));

    // 100,000 small fields, before or after the module: the fields are
    // too large, not the module.
    let fields_message = "the form's fields other than `module` take more than 65536 bytes: \
                          an upload form holds the module and a few short fields (`name`, \
                          the web form's `token`)";
    let mut before = small_fields(100_000);
    before.push(part("module", Some("a.wasm"), idle));
    let mut after = vec![part("module", Some("a.wasm"), idle)];
    after.extend(small_fields(100_000));
    for (what, parts) in [("before", before), ("after", after.clone())] {
        let mut parts = parts;
        parts.insert(0, part("name", None, b"many-bot"));
        let r = api_upload("/api/bots", form(parts));
        assert_eq!(r.status, 413, "{what}: {}", r.text());
        assert_eq!(r.error_message(), fields_message, "{what}");
        assert!(!r.error_message().contains("module is larger"));
    }
    // The web form: fields before the module are held at 64 KiB until the
    // token is checked; after it, the same words as the API's.
    let mut web = vec![
        part("token", None, token.as_bytes()),
        part("name", None, b"many-bot"),
    ];
    web.extend(after);
    let page = s
        .request("POST", "/upload", None, Body::Bytes(FORM_TYPE, form(web)))
        .text();
    let escaped = |text: &str| text.replace('\'', "&#39;");
    assert!(verdict(&page).contains(&escaped(fields_message)), "{page}");
    let mut web = small_fields(100_000);
    web.push(part("module", Some("a.wasm"), idle));
    let page = s
        .request("POST", "/upload", None, Body::Bytes(FORM_TYPE, form(web)))
        .text();
    assert!(
        verdict(&page).contains(&escaped(
            "the form's fields before its `module` take more than 65536 bytes"
        )),
        "{page}"
    );
    // One large field of another name, or twice the upload cap of small
    // ones: the fields, however far the parser has read ahead.
    let large = vec![
        part("name", None, b"many-bot"),
        part("note", None, &vec![b'n'; 300_000]),
        part("module", Some("a.wasm"), idle),
    ];
    let r = api_upload("/api/bots", form(large));
    assert_eq!(
        (r.status, r.error_message().as_str()),
        (413, fields_message)
    );
    let r = api_upload("/api/bots", form(small_fields(220_000)));
    assert_eq!(
        (r.status, r.error_message().as_str()),
        (413, fields_message)
    );
    // A few fields of any name still pass beside a module.
    let r = api_upload(
        "/api/bots",
        form(vec![
            part("name", None, b"few-bot"),
            part("note", None, &[b'n'; 1000]),
            part("module", Some("a.wasm"), idle),
        ]),
    );
    assert_eq!(r.status, 201, "{}", r.text());
}

#[test]
fn every_response_says_nosniff() {
    let s = Server::start("ladder_enabled = false\n");
    let token = s.register("sniff-ann");
    let idle = bundled_wasm("idle");
    let r = s.upload(&token, "sniff-bot", idle);
    assert_eq!(r.status, 201);
    let hash = blake3::hash(idle).to_hex();
    let mut responses = vec![];
    for path in [
        "/",
        "/register",
        "/upload",
        "/matches",
        "/static/site.css",
        "/viewer",
        "/api/leaderboard",
        "/api/bots",
        &format!("/api/modules/{hash}"),
        "/api/nothing",
        "/no-page",
        "/metrics",
    ] {
        responses.push((path.to_string(), s.get(path)));
    }
    responses.push((
        "a 405".into(),
        s.request("DELETE", "/api/leaderboard", None, Body::Empty),
    ));
    responses.push((
        "a 415".into(),
        send(
            &s,
            "POST",
            "/api/players",
            &[("content-type", "text/plain")],
            b"{}".to_vec(),
        ),
    ));
    responses.push((
        "a cross-site 403".into(),
        send(
            &s,
            "POST",
            "/register",
            &[("origin", "http://evil.example")],
            vec![],
        ),
    ));
    responses.push(("a 401".into(), s.get("/api/me")));
    for (what, r) in responses {
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{what}: {} {:?}",
            r.status,
            r.headers
        );
    }
}

#[cfg(unix)]
#[test]
fn the_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mut s = Server::start("ladder_enabled = false\n");
    s.register("mode-ann");
    let data = s.data_dir();
    let mode = |name: &str| {
        std::fs::metadata(data.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .permissions()
            .mode()
            & 0o777
    };
    for name in [
        "lockstep.db",
        "lockstep.db-wal",
        "lockstep.db-shm",
        "admin-token",
    ] {
        assert_eq!(mode(name), 0o600, "{name}");
    }
    // A database left readable by an earlier build: made private at start,
    // with a warning.
    assert_eq!(s.terminate().code(), Some(0));
    for name in ["lockstep.db", "lockstep.db-wal", "lockstep.db-shm"] {
        if let Ok(meta) = std::fs::metadata(data.join(name)) {
            let mut loose = meta.permissions();
            loose.set_mode(0o644);
            std::fs::set_permissions(data.join(name), loose).unwrap();
        }
    }
    s.restart();
    support::wait_for(Duration::from_secs(10), "the warning", || {
        s.log().contains("made 0600").then_some(())
    });
    assert!(s.log().contains("old_mode=0644"), "{}", s.log());
    for name in ["lockstep.db", "lockstep.db-wal", "lockstep.db-shm"] {
        if data.join(name).exists() {
            assert_eq!(mode(name), 0o600, "{name}");
        }
    }
    assert_eq!(s.get("/api/players/mode-ann").status, 200);
}
