//! The HTTP API against the real `lockstep-server` binary and a real SQLite
//! database: players and tokens, uploads (versions, refusals, the size cap),
//! ownership, the leaderboard and admin settings (restarts and a bad config:
//! `startup.rs`).
//!
//! The tests share one server, each with its own players.

mod support;

use lockstep_sim::sandbox::report::{problems_json, summary_json};
use lockstep_sim::sandbox::{CacheDir, Sandbox};
use lockstep_sim::settings::Settings;
use serde_json::{Value, json};
use std::sync::OnceLock;
use support::{Body, Server, bundled_wasm, with_custom_section};

/// The server most tests use: no ladder, so nothing competes for the CPU.
fn shared() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::start("ladder_enabled = false\n"))
}

/// What `lockstep check --json` says of `bytes` (the same functions print
/// it): `Ok(summary)` or `Err(problems)`.
fn check(bytes: &[u8]) -> Result<Value, Value> {
    let mut config = Settings::defaults().sandbox;
    config.compiled_cache.dir = CacheDir::Off; // never the user's cache
    let sandbox = Sandbox::new(config).unwrap();
    match sandbox.load(bytes) {
        Ok(module) => Ok(summary_json(&module)),
        Err(e) => Err(problems_json(&e.problems())),
    }
}

fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

#[test]
fn players_register_with_checked_names_and_get_a_token() {
    let s = shared();
    let token = s.register("reg-ann");
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));

    let me = s.get_auth("/api/me", &token);
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["player"]["name"], "reg-ann");
    assert_eq!(me.json()["player"]["role"], "player");
    assert_eq!(me.json()["bots"], json!([]));
    let public = s.get("/api/players/reg-ann");
    assert_eq!(public.json()["player"], me.json()["player"]);
    assert!(
        !public.text().contains(&token),
        "the token is shown once only"
    );

    let again = s.post_json("/api/players", None, &json!({"name": "reg-ann"}));
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["error"]["code"], "conflict");
    assert_eq!(again.error_message(), "the player name 'reg-ann' is taken");
    for taken in ["admin", "house"] {
        let r = s.post_json("/api/players", None, &json!({ "name": taken }));
        assert_eq!(r.status, 409, "{taken}: {}", r.text());
    }
    for bad in ["ab", "Ann", "a b", "ann!", &"x".repeat(33)] {
        let r = s.post_json("/api/players", None, &json!({ "name": bad }));
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(
            r.error_message().contains("use 3 to 32 characters"),
            "{}",
            r.text()
        );
    }
    let r = s.post_json("/api/players", None, &json!({"nom": "ann"}));
    assert_eq!(r.status, 400);
    assert!(
        r.error_message().contains("unknown field `nom`"),
        "{}",
        r.text()
    );
    let r = s.request(
        "POST",
        "/api/players",
        None,
        Body::Bytes("application/json", b"{".to_vec()),
    );
    assert_eq!(r.status, 400);
    assert_eq!(s.get("/api/players/nobody-here").status, 404);
}

/// One client address registers at most `registrations_per_hour` players in
/// any hour, through the API and the form alike; a refused name (400, 409)
/// does not use up the allowance.
#[test]
fn registrations_per_address_are_limited_and_only_successes_count() {
    let s = Server::start("registrations_per_hour = 3\nladder_enabled = false\n");
    let register = |name: &str| s.post_json("/api/players", None, &json!({ "name": name }));
    s.register("lim-ann");
    let refused = [register("Lim Bad"), register("lim-ann"), register("admin")];
    assert_eq!(refused.map(|r| r.status), [400, 409, 409]);
    s.register("lim-bob");
    s.register("lim-cy");

    let r = register("lim-dee");
    assert_eq!(
        r.json()["error"]["code"],
        "too_many_requests",
        "{}",
        r.text()
    );
    let message = "too many new players from 127.0.0.1: at most 3 an hour; try again in";
    assert_eq!(r.error_message(), format!("{message} 60 minutes"));
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((3000..=3600).contains(&retry), "Retry-After: {retry}");
    // The form shares the allowance and shows the refusal on the page.
    let form = b"name=lim-eve".to_vec();
    let type_ = "application/x-www-form-urlencoded";
    let r = s.request("POST", "/register", None, Body::Bytes(type_, form));
    let page = r.text();
    assert_eq!((r.status, r.header("retry-after").is_some()), (429, true));
    assert!(page.contains(r#"data-verdict="refused""#), "{page}");
    assert!(page.contains(message) && page.contains(r#"value="lim-eve""#));
    for name in ["lim-dee", "lim-eve"] {
        assert_eq!(s.get(&format!("/api/players/{name}")).status, 404);
    }
}

#[test]
fn writes_need_a_known_token() {
    let s = shared();
    let r = s.get("/api/me");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "unauthorized");
    assert!(
        r.error_message().contains("Authorization: Bearer"),
        "{}",
        r.text()
    );
    let r = s.get_auth("/api/me", &"0".repeat(64));
    assert_eq!(
        (r.status, r.error_message().as_str()),
        (401, "unknown token")
    );
    let r = s.upload(&"f".repeat(64), "tokenless", bundled_wasm("idle"));
    assert_eq!(r.status, 401);
    let r = s.request(
        "POST",
        "/api/bots/some-bot",
        None,
        Body::Bytes("application/wasm", vec![0]),
    );
    assert_eq!(r.status, 401);
    let raw = support::agent()
        .get(s.url("/api/me"))
        .header("Authorization", "Basic abc")
        .call()
        .unwrap();
    let r = support::Response::from(raw);
    assert_eq!(r.status, 401);
    assert!(r.error_message().contains("Bearer <token>"), "{}", r.text());
}

#[test]
fn uploads_make_versions_by_content_and_modules_download_unchanged() {
    let s = shared();
    let token = s.register("up-bea");
    let rusher = bundled_wasm("rusher");
    let r = s.upload(&token, "pathfinder", rusher);
    assert_eq!(r.status, 201, "{}", r.text());
    let body = r.json();
    assert_eq!(body["version"], 1);
    assert_eq!(body["new_version"], true);
    assert_eq!(body["module"], hash(rusher));
    assert_eq!(
        body["summary"],
        check(rusher).unwrap(),
        "the summary of `lockstep check --json`"
    );
    assert_eq!(body["bot"]["owner"], "up-bea");
    assert_eq!(body["bot"]["active"], true);
    let id = body["bot"]["id"].as_i64().unwrap();

    // The same bytes again: no new version.
    let r = s.upload(&token, "pathfinder", rusher);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        (r.json()["version"].clone(), r.json()["new_version"].clone()),
        (json!(1), json!(false))
    );

    // Different bytes (a custom section): version 2; by id works too.
    let changed = with_custom_section(rusher, "v2");
    let r = s.upload(&token, &id.to_string(), &changed);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["version"], 2);
    assert_eq!(r.json()["module"], hash(&changed));

    let bot = s.get(&format!("/api/bots/{id}")).json();
    assert_eq!(bot["version"], 2);
    let versions: Vec<(i64, String)> = bot["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["module"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(versions, [(1, hash(rusher)), (2, hash(&changed))]);
    assert_eq!(bot["summary"], check(&changed).unwrap());

    for (version, bytes) in [(1, rusher), (2, &changed[..])] {
        let r = s.get(&format!("/api/bots/{id}/versions/{version}/module"));
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/wasm"));
        assert!(r.body == bytes, "version {version} downloads as uploaded");
        let by_hash = s.get(&format!("/api/modules/{}", hash(bytes)));
        assert!(by_hash.body == bytes);
    }
    assert_eq!(
        s.get(&format!("/api/bots/{id}/versions/3/module")).status,
        404
    );
    assert_eq!(
        s.get(&format!("/api/modules/{}", "0".repeat(64))).status,
        404
    );
    let listed = s.get("/api/bots?owner=up-bea").json();
    assert_eq!(listed["bots"].as_array().unwrap().len(), 1);
    assert_eq!(s.get("/api/bots?owner=nobody-at-all").status, 404);
}

#[test]
fn a_module_file_without_a_row_is_reused_and_repaired() {
    let s = shared();
    let token = s.register("file-cid");
    let bytes = with_custom_section(bundled_wasm("idle"), "orphan");
    // A crash mid-upload could leave this (no row points at it).
    let path = s.data_dir().join(format!("modules/{}.wasm", hash(&bytes)));
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let r = s.upload(&token, "orphan", &bytes);
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(std::fs::read(&path).unwrap() == bytes);
    let id = r.json()["bot"]["id"].as_i64().unwrap();
    assert!(s.get(&format!("/api/bots/{id}/versions/1/module")).body == bytes);
    // No temp file of this module is left (other tests upload meanwhile).
    let temp = format!(".tmp-{}", hash(&bytes));
    let leftovers = std::fs::read_dir(s.data_dir().join("modules"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(&temp)
        })
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn refused_modules_get_the_validators_problems_verbatim() {
    let s = shared();
    let token = s.register("bad-dan");
    let no_exports = b"\0asm\x01\0\0\0".to_vec();
    let mut truncated = bundled_wasm("idle").to_vec();
    truncated.truncate(truncated.len() - 10);
    for (bytes, kind) in [
        (b"garbage!".to_vec(), "invalid"),
        (no_exports, "abi"),
        (truncated, "invalid"),
    ] {
        let r = s.upload(&token, "broken", &bytes);
        assert_eq!(r.status, 422, "{}", r.text());
        let error = &r.json()["error"];
        assert_eq!(error["code"], "module_refused");
        assert_eq!(error["problems"], check(&bytes).unwrap_err());
        assert_eq!(error["problems"][0]["kind"], kind);
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .starts_with("the module was refused")
        );
    }
    let me = s.get_auth("/api/me", &token).json();
    assert_eq!(
        me["bots"],
        json!([]),
        "nothing is recorded for a refused module"
    );

    let r = s.upload(&token, "9lives", bundled_wasm("idle"));
    assert_eq!(
        r.status,
        400,
        "a bot name starts with a letter: {}",
        r.text()
    );
}

#[test]
fn the_size_cap_holds_with_and_without_a_content_length() {
    let s = shared();
    let token = s.register("big-eve");
    let limit = 8 << 20;
    let too_big = vec![0u8; limit + 1];
    let expected = "the module is larger than the 8388608-byte upload limit";
    let r = s.upload(&token, "whale", &too_big);
    assert_eq!((r.status, r.error_message().as_str()), (413, expected));
    assert_eq!(r.json()["error"]["code"], "too_large");
    let chunked = Body::Chunked("application/octet-stream", too_big.clone());
    let r = s.request("POST", "/api/bots/whale", Some(&token), chunked);
    assert_eq!((r.status, r.error_message().as_str()), (413, expected));
    // Far past the cap: the server reads (and drops) 16 MiB more at most,
    // answers 413 and closes; a client still sending sees a broken pipe.
    let huge = ureq::http::Request::post(s.url("/api/bots/whale"))
        .header("Authorization", format!("Bearer {token}"))
        .body(ureq::SendBody::from_owned_reader(std::io::Cursor::new(
            vec![0u8; 64 << 20],
        )))
        .unwrap();
    match support::agent().run(huge) {
        Ok(r) => assert_eq!(r.status(), 413),
        Err(e) => assert!(
            e.to_string().contains("Broken pipe") || e.to_string().contains("reset"),
            "{e}"
        ),
    }
    assert_eq!(
        s.get("/api/leaderboard").status,
        200,
        "the server carries on"
    );
    // A form with a module over the cap.
    let (content_type, form) = multipart(&[
        ("name", None, b"whale"),
        ("module", Some("w.wasm"), &too_big),
    ]);
    let r = s.request(
        "POST",
        "/api/bots",
        Some(&token),
        Body::Bytes(content_type, form),
    );
    assert_eq!((r.status, r.error_message().as_str()), (413, expected));
    // At the cap exactly, it is read and judged by the validator.
    let r = s.upload(&token, "whale", &vec![0u8; limit]);
    assert_eq!(r.status, 422, "{}", r.text());
}

#[test]
fn a_multipart_form_uploads_like_a_raw_body() {
    let s = shared();
    let token = s.register("form-fay");
    let idle = bundled_wasm("idle");
    let (content_type, form) = multipart(&[
        ("name", None, b"formbot"),
        ("module", Some("idle.wasm"), idle),
    ]);
    let r = s.request(
        "POST",
        "/api/bots",
        Some(&token),
        Body::Bytes(content_type, form),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["bot"]["name"], "formbot");
    assert_eq!(r.json()["module"], hash(idle));
    let changed = with_custom_section(idle, "form");
    let (content_type, form) = multipart(&[("module", Some("idle.wasm"), &changed)]);
    let r = s.request(
        "POST",
        "/api/bots/formbot",
        Some(&token),
        Body::Bytes(content_type, form),
    );
    assert_eq!(
        (r.status, r.json()["version"].clone()),
        (201, json!(2)),
        "{}",
        r.text()
    );
    let (content_type, form) = multipart(&[("name", None, b"formbot")]);
    let r = s.request(
        "POST",
        "/api/bots",
        Some(&token),
        Body::Bytes(content_type, form),
    );
    assert_eq!(r.status, 400);
    assert!(
        r.error_message().contains("no `module` file"),
        "{}",
        r.text()
    );
}

#[test]
fn only_owners_change_their_bots_and_retired_bots_leave_the_leaderboard() {
    let s = shared();
    let (owner, other) = (s.register("own-gus"), s.register("own-hal"));
    let r = s.upload(&owner, "keeper", bundled_wasm("harvester"));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["bot"]["id"].as_i64().unwrap();

    let changed = with_custom_section(bundled_wasm("harvester"), "theft");
    let r = s.upload(&other, &id.to_string(), &changed);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "forbidden");
    assert!(
        r.error_message().contains("belongs to 'own-gus'"),
        "{}",
        r.text()
    );
    let r = s.post_empty(&format!("/api/bots/{id}/retire"), Some(&other));
    assert_eq!(r.status, 403);
    // The other player's own bot of the same name is theirs, not this one.
    let r = s.upload(&other, "keeper", &changed);
    assert_eq!(r.status, 201);
    assert_ne!(r.json()["bot"]["id"], id);

    let on_board = |s: &Server| {
        let board = s.get("/api/leaderboard").json();
        board["leaderboard"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == id)
    };
    assert!(on_board(s));
    let r = s.post_empty(&format!("/api/bots/{id}/retire"), Some(&owner));
    assert_eq!(
        (r.status, r.json()["bot"]["active"].clone()),
        (200, json!(false))
    );
    assert!(!on_board(s));
    assert_eq!(s.get(&format!("/api/bots/{id}")).json()["active"], false);
    let r = s.post_empty(&format!("/api/bots/{id}/activate"), Some(&owner));
    assert_eq!(
        (r.status, r.json()["bot"]["active"].clone()),
        (200, json!(true))
    );
    assert!(on_board(s));
    // An admin may retire anyone's bot.
    let r = s.post_empty(&format!("/api/bots/{id}/retire"), Some(&s.admin_token()));
    assert_eq!(r.status, 200, "{}", r.text());
    s.post_empty(&format!("/api/bots/{id}/activate"), Some(&owner));

    for path in [
        "/api/bots/999999",
        "/api/bots/keeper",
        "/api/bots/999999/versions/1/module",
    ] {
        let r = s.get(path);
        assert_eq!(
            (r.status, r.json()["error"]["code"].clone()),
            (404, json!("not_found")),
            "{path}"
        );
    }
    assert_eq!(
        s.post_empty("/api/bots/999999/retire", Some(&owner)).status,
        404
    );
    assert_eq!(s.upload(&owner, "999999", bundled_wasm("idle")).status, 404);

    let board = s.get("/api/leaderboard").json();
    let rows = board["leaderboard"].as_array().unwrap();
    let ratings: Vec<f64> = rows
        .iter()
        .map(|b| b["rating"]["conservative"].as_f64().unwrap())
        .collect();
    assert!(
        ratings.windows(2).all(|w| w[0] >= w[1]),
        "sorted: {ratings:?}"
    );
    assert_eq!(rows[0]["rank"], 1);
}

#[test]
fn unknown_paths_and_methods_answer_in_json() {
    let s = shared();
    let r = s.get("/api/no/such/thing");
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (404, json!("not_found"))
    );
    let r = s.request("DELETE", "/api/leaderboard", None, Body::Empty);
    assert_eq!(r.status, 405);
    assert_eq!(r.json()["error"]["code"], "method_not_allowed");
    let r = s.get("/api/bots?colour=blue");
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (400, json!("bad_request"))
    );
}

#[test]
fn admins_change_the_budgets_and_no_one_else_does() {
    let s = shared();
    let player = s.register("adm-ida");
    let admin = s.admin_token();
    assert_eq!(s.get_auth("/api/admin/settings", &player).status, 403);
    let change = json!({"budget": {"tick_fuel": 5_000_000}});
    let r = s.put_json("/api/admin/settings", Some(&player), &change);
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (403, json!("forbidden"))
    );
    assert_eq!(s.put_json("/api/admin/settings", None, &change).status, 401);

    let before = s.get_auth("/api/admin/settings", &admin).json();
    assert_eq!(before["settings"]["budget"]["tick_fuel"], 20_000_000);
    let r = s.put_json("/api/admin/settings", Some(&admin), &change);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["settings"]["budget"]["tick_fuel"], 5_000_000);
    assert_eq!(r.json()["config_file"]["budget"]["tick_fuel"], 20_000_000);
    assert_eq!(r.json()["changes"], json!({"budget.tick_fuel": 5_000_000}));
    let now = s.get_auth("/api/admin/settings", &admin).json();
    assert_eq!(now["settings"]["budget"]["tick_fuel"], 5_000_000);

    for (body, says) in [
        (
            json!({"budget": {"tick_fuel": 0}}),
            "[budget] tick_fuel = 0 is out of range: allowed 1 to",
        ),
        (
            json!({"budget": {"tick_fuel": "lots"}}),
            "[budget] tick_fuel = \"lots\" is not a fuel amount (unknown suffix 's'): allowed 1 to",
        ),
        (
            json!({"budget": {"tick_fule": 5}}),
            "[budget] has no key `tick_fule`: the keys of [budget] are `tick_fuel`",
        ),
        (
            json!({"budget": {"overrun": "pause"}}),
            "[budget] overrun = \"pause\" is not allowed: allowed `skip`, `reset`, `resume`",
        ),
        (
            json!({"limits": {"memory_bytes": 1_048_576}}),
            "[limits] memory_bytes is fixed while the server runs",
        ),
        (
            json!({"match": {"game": "snake"}}),
            "[match] game is fixed: a server hosts one game",
        ),
        (
            json!({"budget": {"tick_fuel": [1]}}),
            "[budget] tick_fuel: the value must be a number or a string",
        ),
        (json!({}), "no settings given"),
    ] {
        let r = s.put_json("/api/admin/settings", Some(&admin), &body);
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert!(r.error_message().contains(says), "{body}: {}", r.text());
    }
    // All or nothing: one bad key and nothing changes.
    let mixed = json!({"budget": {"init_fuel": 7, "tick_fuel": 0}});
    assert_eq!(
        s.put_json("/api/admin/settings", Some(&admin), &mixed)
            .status,
        400
    );
    let after = s.get_auth("/api/admin/settings", &admin).json();
    assert_eq!(
        after["settings"]["budget"]["init_fuel"],
        before["settings"]["budget"]["init_fuel"]
    );
    // null drops a change: back to the config file's value.
    let reset = json!({"budget": {"tick_fuel": null}});
    let r = s.put_json("/api/admin/settings", Some(&admin), &reset);
    assert_eq!(
        r.json()["settings"]["budget"]["tick_fuel"],
        20_000_000,
        "{}",
        r.text()
    );
    assert_eq!(r.json()["changes"], json!({}));
}

/// A `multipart/form-data` body from `(field, file name, bytes)`.
fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (&'static str, Vec<u8>) {
    const BOUNDARY: &str = "lockstep-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file, bytes) in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match file {
            Some(file) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/wasm\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (
        "multipart/form-data; boundary=lockstep-test-boundary-7d1f",
        body,
    )
}
