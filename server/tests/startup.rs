//! Starting and stopping the real `lockstep-server` binary: restarts
//! (graceful and `kill -9`) keep players, bots, tokens and settings changes,
//! the house bots are seeded once, and a bad config is refused with a clear
//! message and exit status 1.

mod support;

use serde_json::json;
use support::{Server, bundled_wasm, run_binary};

#[test]
fn restarts_keep_everything_and_seed_the_house_once() {
    let mut s = Server::start("ladder_enabled = false\n");
    let house = |s: &Server| -> Vec<(i64, String, i64)> {
        let bots = s.get("/api/bots?owner=house").json();
        bots["bots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["id"].as_i64().unwrap(),
                    b["name"].as_str().unwrap().to_string(),
                    b["version"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let seeded = house(&s);
    let names: Vec<&str> = seeded.iter().map(|(_, n, _)| n.as_str()).collect();
    // The bundled bots of the server's game (the reference game's here).
    let expected: Vec<&str> = lockstep_sim::bundled::BUNDLED_BOTS
        .iter()
        .filter(|b| !b.is_hostile() && b.game == "cores")
        .map(|b| b.name)
        .collect();
    assert_eq!(names, expected);
    assert!(names.contains(&"rusher") && !names.contains(&"snake-flood"));
    assert!(seeded.iter().all(|(_, _, v)| *v == 1));

    let admin = s.admin_token();
    let token = s.register("rst-jo");
    assert_eq!(
        s.upload(&token, "survivor", bundled_wasm("rusher")).status,
        201
    );
    let change = json!({"match": {"max_ticks": 321}});
    assert_eq!(
        s.put_json("/api/admin/settings", Some(&admin), &change)
            .status,
        200
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.data_dir().join("admin-token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // A graceful stop, then a start on the same data.
    let status = s.terminate();
    assert_eq!(status.code(), Some(0), "{}", s.log());
    s.restart();
    assert_eq!(house(&s), seeded, "the house is seeded once");
    assert_eq!(s.admin_token(), admin);
    assert_eq!(
        s.get_auth("/api/me", &token).json()["bots"][0]["name"],
        "survivor"
    );
    let settings = s.get_auth("/api/admin/settings", &admin).json();
    assert_eq!(
        settings["settings"]["match"]["max_ticks"], 321,
        "changes are kept"
    );

    // kill -9, then again.
    s.kill9();
    s.restart();
    assert_eq!(house(&s), seeded);
    assert_eq!(s.get_auth("/api/me", &token).status, 200);
    assert_eq!(s.log().matches("house bot seeded").count(), seeded.len());
    assert_eq!(s.log().matches("admin's API token is in").count(), 1);
}

#[test]
fn a_bad_config_is_refused_with_a_clear_message() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bad-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (text, says) in [
        (
            "[server]\nlisten = \"127.0.0.1:0\"\nlisen = 1\n",
            "line 3, column 1: unknown field `lisen`",
        ),
        (
            "[server]\nladder_workers = 0\n",
            "[server] ladder_workers = 0 is out of range: allowed 1 to 256",
        ),
        (
            "[server]\nlisten = \"everywhere\"\n",
            "[server] listen = \"everywhere\" is not an address",
        ),
        (
            "[budget]\ntick_fuel = 0\n",
            "[budget] tick_fuel = 0 is out of range",
        ),
    ] {
        let path = dir.join("bad.toml");
        std::fs::write(&path, text).unwrap();
        let (code, out, err) = run_binary(&["--config", path.to_str().unwrap()]);
        assert_eq!(code, Some(1), "{text}: {err}");
        assert_eq!(out, "", "nothing on stdout");
        assert!(
            err.starts_with(&format!("error: config '{}': ", path.display())),
            "{err}"
        );
        assert!(err.contains(says), "{text}: {err}");
    }
    let (code, _, err) = run_binary(&["--config", "/no/such/server.toml"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("config '/no/such/server.toml': cannot read it"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
