//! The limits on uploads, against the real `lockstep-server` binary: the
//! bots a player may have (`[server] bots_per_player`), the web form's token
//! checked before its module is read, bodies read a few at a time
//! (`uploads_at_once`) and within a deadline (`upload_timeout_secs`), and a
//! body that breaks off told apart from one too large. Raw `TcpStream`s play
//! the clients that send part of a body, or a broken one.

mod support;

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};
use support::multipart::{self, BOUNDARY, FORM_TYPE, part};
use support::{Body, Server, bundled_wasm, with_custom_section};

/// The upload page's form, as a browser sends it: token, name, module.
fn form(token: &str, name: &str, module: &[u8]) -> Vec<u8> {
    let mut body = part("token", None, token.as_bytes());
    body.extend(part("name", None, name.as_bytes()));
    body.extend(part("module", Some("bot.wasm"), module));
    multipart::close(vec![body])
}

/// `POST /upload` with the form: (status, page).
fn post_form(server: &Server, body: Vec<u8>) -> (u16, String) {
    let r = server.request("POST", "/upload", None, Body::Bytes(FORM_TYPE, body));
    (r.status, r.text())
}

/// The text of the page's verdict (`<section id="verdict">`).
fn verdict(page: &str) -> &str {
    let start = page.find(r#"id="verdict""#).expect("a verdict on the page");
    let end = page[start..]
        .find("</section>")
        .map_or(page.len(), |i| start + i);
    &page[start..end]
}

/// A connection that sends `head` (request line and headers, without the
/// blank line) and then `body`, and leaves it open.
fn send_raw(server: &Server, head: &str, body: &[u8]) -> TcpStream {
    let address = server.url("").trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(address).expect("connecting");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!("{head}\r\nHost: test\r\n\r\n").into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request).expect("sending");
    stream
}

/// The response on `stream`: (status, headers in lower case, body); the
/// body as far as its Content-Length says.
fn read_response(stream: &mut TcpStream) -> (u16, String, String) {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 8192];
    let (head_len, length) = loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |n| n.trim().parse().unwrap());
            if bytes.len() >= end + 4 + length {
                break (end + 4, length);
            }
        }
        let n = stream.read(&mut buf).expect("reading the response");
        assert!(
            n > 0,
            "the connection closed: {:?}",
            String::from_utf8_lossy(&bytes)
        );
        bytes.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_len]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    let body = String::from_utf8_lossy(&bytes[head_len..head_len + length]).into_owned();
    (status, head, body)
}

/// The `message` of an API error body.
fn message(body: &str) -> String {
    let json: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    json["error"]["message"].as_str().unwrap().to_string()
}

/// The head of a raw upload of `length` bytes to `/api/bots/{bot}`.
fn api_head(token: &str, bot: &str, length: usize) -> String {
    format!(
        "POST /api/bots/{bot} HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/wasm\r\nContent-Length: {length}"
    )
}

fn form_head(length: usize) -> String {
    format!("POST /upload HTTP/1.1\r\nContent-Type: {FORM_TYPE}\r\nContent-Length: {length}")
}

#[test]
fn a_player_has_at_most_bots_per_player_active_bots() {
    let s = Server::start("ladder_enabled = false\nbots_per_player = 3\n");
    let token = s.register("cap-ann");
    let idle = bundled_wasm("idle");
    // The same bytes under new names: new bots, up to the limit.
    let mut ids = Vec::new();
    for name in ["one", "two", "three"] {
        let r = s.upload(&token, name, idle);
        assert_eq!(r.status, 201, "{name}: {}", r.text());
        ids.push(r.json()["bot"]["id"].as_i64().unwrap());
    }
    let expected = "cap-ann has 3 active bots, the most a player may have ([server] \
                    bots_per_player = 3); retire one (POST /api/bots/{id}/retire) or upload \
                    a new version of an existing bot";
    let r = s.upload(&token, "four", idle);
    assert_eq!((r.status, r.error_message().as_str()), (403, expected));
    assert_eq!(r.json()["error"]["code"], "forbidden");
    // By form too, and through the web page.
    let body = [
        part("name", None, b"four"),
        part("module", Some("m.wasm"), idle),
    ]
    .concat();
    let body = [body, format!("--{BOUNDARY}--\r\n").into_bytes()].concat();
    let r = s.request(
        "POST",
        "/api/bots",
        Some(&token),
        Body::Bytes(FORM_TYPE, body),
    );
    assert_eq!((r.status, r.error_message().as_str()), (403, expected));
    let (status, page) = post_form(&s, form(&token, "four", idle));
    assert_eq!(status, 200);
    assert!(
        verdict(&page).contains("cap-ann has 3 active bots"),
        "{page}"
    );
    let mine = s.get("/api/bots?owner=cap-ann").json();
    assert_eq!(mine["bots"].as_array().unwrap().len(), 3, "{mine}");

    // Refused before its body is read: a client that sends none hears at once.
    let mut stream = send_raw(&s, &api_head(&token, "five", 1 << 20), b"");
    let (status, _, body) = read_response(&mut stream);
    assert_eq!((status, message(&body).as_str()), (403, expected));

    // New versions of a bot never count, by name or by id.
    let v2 = with_custom_section(idle, "v2");
    let r = s.upload(&token, "one", &v2);
    assert_eq!((r.status, r.json()["version"].clone()), (201, json!(2)));
    let v3 = with_custom_section(idle, "v3");
    let r = s.upload(&token, &ids[1].to_string(), &v3);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(s.upload(&token, "one", &v2).status, 200);

    // A retired bot frees its place; activating it again needs one.
    let retire = format!("/api/bots/{}/retire", ids[0]);
    assert_eq!(s.post_empty(&retire, Some(&token)).status, 200);
    let r = s.upload(&token, "four", idle);
    assert_eq!(r.status, 201, "{}", r.text());
    let activate = format!("/api/bots/{}/activate", ids[0]);
    let r = s.post_empty(&activate, Some(&token));
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        r.error_message(),
        format!(
            "cap-ann has 3 active bots, the most a player may have ([server] bots_per_player \
             = 3); retire one (POST /api/bots/{{id}}/retire) before activating bot {}",
            ids[0]
        )
    );
    // An admin activating it meets the owner's limit too.
    let admin = s.admin_token();
    assert_eq!(s.post_empty(&activate, Some(&admin)).status, 403);
    // A retired bot takes new versions, and stays retired.
    let r = s.upload(&token, "one", &with_custom_section(idle, "v4"));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["bot"]["active"], false);
    // Room again (another bot retired): activating works.
    let r = s.post_empty(&format!("/api/bots/{}/retire", ids[2]), Some(&token));
    assert_eq!(r.status, 200);
    let r = s.post_empty(&activate, Some(&token));
    assert_eq!(
        (r.status, r.json()["bot"]["active"].clone()),
        (200, json!(true))
    );

    // The house and admins have no limit: the house was seeded with more
    // bundled bots than 3, all active, and an admin uploads a fourth bot.
    let house = s.get("/api/bots?owner=house").json();
    let house = house["bots"].as_array().unwrap();
    assert!(house.len() > 3, "{house:?}");
    assert!(house.iter().all(|b| b["active"] == true));
    for name in ["adm-a", "adm-b", "adm-c", "adm-d"] {
        let r = s.upload(&admin, name, idle);
        assert_eq!(r.status, 201, "{name}: {}", r.text());
    }
}

#[test]
fn the_form_checks_its_token_before_reading_the_module() {
    let s = Server::start("ladder_enabled = false\nmax_upload_bytes = 1000\n");
    let token = s.register("form-ann");
    let big = vec![0u8; 3 << 20];
    // A bad token: refused as the API refuses it, not for the module's size.
    let (status, page) = post_form(&s, form("not-a-token", "big-bot", &big));
    assert_eq!(status, 200);
    let said = verdict(&page);
    assert!(
        said.contains("unknown token") && !said.contains("larger than"),
        "{said}"
    );
    let (_, page) = post_form(&s, form("", "big-bot", &big));
    assert!(verdict(&page).contains("No token"), "{page}");
    let (_, page) = post_form(&s, form(&token, "Big Bot", &big));
    assert!(verdict(&page).contains("is not allowed"), "{page}");
    // With a good token the module is read, and found too large.
    let (status, page) = post_form(&s, form(&token, "big-bot", &big));
    assert_eq!(status, 200);
    assert!(
        verdict(&page).contains("the module is larger than the 1000-byte upload limit"),
        "{page}"
    );
    // A client that sends the fields and the start of a large module, then
    // stops: the refusal is the token's, made without the module.
    let start = [
        part("token", None, b"not-a-token"),
        part("name", None, b"big-bot"),
        part("module", Some("big.wasm"), &big[..1000]),
    ]
    .concat();
    let mut stream = send_raw(&s, &form_head(big.len() + 1000), &start);
    stream.shutdown(Shutdown::Write).unwrap();
    let (status, _, page) = read_response(&mut stream);
    assert_eq!(status, 200);
    assert!(verdict(&page).contains("unknown token"), "{page}");
    // Fields before the module are small: the form is refused once more than
    // 64 KiB (and the one read that passes it) come before it.
    let junk = [
        part("junk", None, &vec![b'j'; 2 << 20]),
        form(&token, "bot", b"\0asm"),
    ]
    .concat();
    let (status, page) = post_form(&s, junk);
    assert_eq!(status, 200);
    assert!(
        verdict(&page).contains("fields before its `module` take more than 65536 bytes"),
        "{page}"
    );
    // Nothing was stored by any of these.
    let mine = s.get("/api/bots?owner=form-ann").json();
    assert_eq!(mine["bots"], json!([]));
}

/// `bytes` as one chunk of a chunked body.
fn chunk(bytes: &[u8]) -> Vec<u8> {
    [format!("{:x}\r\n", bytes.len()).as_bytes(), bytes, b"\r\n"].concat()
}

#[test]
fn a_body_that_breaks_off_is_not_called_too_large() {
    let s = Server::start("ladder_enabled = false\n");
    let token = s.register("cut-ann");
    let head = format!(
        "POST /api/bots/cut-bot HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/wasm\r\nTransfer-Encoding: chunked"
    );
    // A chunk size that is not hex.
    let mut stream = send_raw(&s, &head, &[chunk(b"\0asm"), b"zz\r\n".to_vec()].concat());
    let (status, _, body) = read_response(&mut stream);
    let said = message(&body);
    assert_eq!(status, 400, "{said}");
    assert!(
        said.starts_with("the request body could not be read: "),
        "{said}"
    );
    // Cut off in the middle of a chunk: the client stops sending.
    let mut stream = send_raw(&s, &head, b"100\r\n\0asm");
    stream.shutdown(Shutdown::Write).unwrap();
    let (status, _, body) = read_response(&mut stream);
    let said = message(&body);
    assert_eq!(status, 400, "{said}");
    assert!(
        said.starts_with("the request body could not be read: "),
        "{said}"
    );
    // The web form says so too, not that the module is too large.
    let idle = bundled_wasm("idle");
    let fields = [
        part("token", None, token.as_bytes()),
        part("name", None, b"cut-bot"),
        part("module", Some("m.wasm"), &idle[..100]),
    ]
    .concat();
    let head =
        format!("POST /upload HTTP/1.1\r\nContent-Type: {FORM_TYPE}\r\nTransfer-Encoding: chunked");
    let mut stream = send_raw(&s, &head, &chunk(&fields));
    stream.shutdown(Shutdown::Write).unwrap();
    let (status, _, page) = read_response(&mut stream);
    assert_eq!(status, 200);
    let said = verdict(&page);
    assert!(
        said.contains("the request body could not be read") && !said.contains("larger than"),
        "{said}"
    );
    let mine = s.get("/api/bots?owner=cut-ann").json();
    assert_eq!(mine["bots"], json!([]));
}

#[test]
fn uploads_past_uploads_at_once_wait_then_hear_503() {
    let s = Server::start("ladder_enabled = false\nuploads_at_once = 1\n");
    let token = s.register("busy-ann");
    let idle = bundled_wasm("idle");
    // A form whose token is not read yet takes no slot, nor does a request
    // without a token.
    let _anonymous = send_raw(&s, &form_head(1 << 20), &part("token", None, b"")[..40]);
    let _no_token = send_raw(
        &s,
        "POST /api/bots/x-bot HTTP/1.1\r\nContent-Length: 100000",
        b"\0asm",
    );
    let r = s.upload(&token, "first", idle);
    assert_eq!(r.status, 201, "{}", r.text());

    // A slow upload holds the only slot; the next waits 5 s, then hears 503.
    let mut slow = send_raw(&s, &api_head(&token, "slow", 100_000), b"\0asm");
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let r = s.upload(&token, "second", idle);
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(started.elapsed() >= Duration::from_secs(4), "it waited");
    assert_eq!(r.json()["error"]["code"], "busy");
    assert_eq!(r.header("retry-after"), Some("5"));
    let expected = "every upload slot is taken ([server] uploads_at_once = 1): the server is \
                    reading as many uploads as it may at once; try again in 5 seconds";
    assert_eq!(r.error_message(), expected);
    // The form, its token checked, waits as well.
    let r = s.request(
        "POST",
        "/upload",
        None,
        Body::Bytes(FORM_TYPE, form(&token, "second", idle)),
    );
    assert_eq!((r.status, r.header("retry-after")), (503, Some("5")));
    assert!(verdict(&r.text()).contains(expected), "{}", r.text());

    // The slow client gives up; its slot is free again.
    slow.shutdown(Shutdown::Write).unwrap();
    let (status, _, body) = read_response(&mut slow);
    assert_eq!(status, 400, "{body}");
    let r = s.upload(&token, "second", idle);
    assert_eq!(r.status, 201, "{}", r.text());
}

#[test]
fn a_body_slower_than_upload_timeout_secs_hears_408() {
    let s = Server::start("ladder_enabled = false\nupload_timeout_secs = 1\nuploads_at_once = 1\n");
    let token = s.register("slow-ann");
    let expected = "the upload did not arrive within 1 s ([server] upload_timeout_secs); \
                    nothing was stored";
    let started = Instant::now();
    let mut slow = send_raw(&s, &api_head(&token, "slow", 100_000), b"\0asm");
    let (status, _, body) = read_response(&mut slow);
    assert_eq!((status, message(&body).as_str()), (408, expected));
    assert!(started.elapsed() < Duration::from_secs(10));
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"]["code"], "timeout");
    // The form: its token checked, its module too slow.
    let start = [
        part("token", None, token.as_bytes()),
        part("name", None, b"slow"),
        part("module", Some("m.wasm"), b"\0asm"),
    ]
    .concat();
    let mut slow = send_raw(&s, &form_head(100_000), &start);
    let (status, _, page) = read_response(&mut slow);
    assert_eq!(status, 408);
    assert!(verdict(&page).contains(expected), "{page}");
    // The one slot is free again.
    let r = s.upload(&token, "quick", bundled_wasm("idle"));
    assert_eq!(r.status, 201, "{}", r.text());
}
