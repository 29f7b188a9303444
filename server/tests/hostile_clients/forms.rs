//! 5. The smaller ones: foreign writes, two module parts, 100,000 fields.

use super::*;
use support::send;

/// Runs `attack` again and again for `length` (at least 3 times) with the
/// honest client meanwhile; the number of runs and its figures.
fn repeated(server: &Server, length: Duration, mut attack: impl FnMut()) -> (u32, Stats) {
    let honest = Honest::start(server);
    let started = Instant::now();
    let mut runs = 0;
    while runs < 3 || started.elapsed() < length {
        attack();
        runs += 1;
    }
    (runs, honest.finish())
}

#[test]
#[ignore = "release only, through scripts/hostile-clients"]
fn a5_forms_and_foreign_writes() {
    let config = LADDER_DEFAULT_PACE;
    let server = Server::start(config);
    let token = server.register("parts-ann");
    let length = Duration::from_secs(3);

    // A form posted from another site's page, and JSON sent as text/plain.
    let (runs, stats) = repeated(&server, length, || {
        let r = send(
            &server,
            "POST",
            "/register",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("origin", "https://evil.example"),
            ],
            b"name=xs-form".to_vec(),
        );
        assert_eq!(r.status, 403, "{}", r.text());
        let r = send(
            &server,
            "POST",
            "/api/players",
            &[
                ("content-type", "application/json"),
                ("sec-fetch-site", "cross-site"),
            ],
            br#"{"name":"xs-api"}"#.to_vec(),
        );
        assert_eq!(r.status, 403, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "cross_site");
        let r = send(
            &server,
            "POST",
            "/api/players",
            &[("content-type", "text/plain")],
            br#"{"name":"plain-ann"}"#.to_vec(),
        );
        assert_eq!(r.status, 415, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "unsupported_media_type");
    });
    for name in ["xs-form", "xs-api", "plain-ann"] {
        assert_eq!(server.get(&format!("/api/players/{name}")).status, 404);
    }
    report(
        &format!("5a. cross-site form and JSON posts, text/plain JSON, {runs} rounds"),
        &shown(config),
        "403 (an HTML page for the form, cross_site for the API); 415 unsupported_media_type; \
         no player made",
        &stats,
    );

    // Two module parts.
    let idle = bundled_wasm("idle");
    let rusher = bundled_wasm("rusher");
    let (runs, stats) = repeated(&server, length, || {
        let body = form(vec![
            part("name", None, b"two-bot"),
            part("module", Some("a.wasm"), idle),
            part("module", Some("b.wasm"), rusher),
        ]);
        let r = server.request(
            "POST",
            "/api/bots",
            Some(&token),
            Body::Bytes(FORM_TYPE, body),
        );
        assert_eq!(r.status, 400, "{}", r.text());
        assert_eq!(
            r.error_message(),
            "the multipart form has more than one `module` part: send exactly one"
        );
    });
    assert_eq!(
        server.get("/api/bots?owner=parts-ann").json()["bots"],
        json!([])
    );
    report(
        &format!("5b. upload forms with two `module` parts, {runs} rounds"),
        &shown(config),
        "400 \"more than one `module` part\"; no bot made",
        &stats,
    );

    // 100,000 small fields beside the module: 413 naming the fields.
    let mut parts: Vec<Vec<u8>> = vec![part("name", None, b"many-bot")];
    parts.extend((0..100_000).map(|i| part(&format!("f{i}"), None, b"x")));
    parts.push(part("module", Some("a.wasm"), idle));
    let body = form(parts);
    let size = body.len();
    let (runs, stats) = repeated(&server, length, || {
        let r = server.request(
            "POST",
            "/api/bots",
            Some(&token),
            Body::Bytes(FORM_TYPE, body.clone()),
        );
        assert_eq!(r.status, 413, "{}", r.text());
        assert!(
            r.error_message()
                .starts_with("the form's fields other than `module` take more than 65536 bytes"),
            "{}",
            r.text()
        );
    });
    report(
        &format!(
            "5c. 100,000 small fields ({:.1} MB forms), {runs} rounds",
            size as f64 / 1e6
        ),
        &shown(config),
        "413 \"the form's fields other than `module` take more than 65536 bytes\" (not the module)",
        &stats,
    );
}
