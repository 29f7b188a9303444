//! Connections: the caps and timeouts of `[server]` (docs/server.md,
//! "Connections and timeouts") against the real binary, over raw sockets,
//! some of them from other loopback addresses (127.0.0.2, ...: on Linux
//! every 127/8 address is this machine), each test a few seconds.
//!
//! `attack_latency` (ignored) measures an honest client's `GET /` during
//! each attack, under a 256-descriptor limit:
//! `cargo test -p lockstep-server --test connections -- --ignored --nocapture`;
//! with `LOCKSTEP_SERVER_BIN=path/to/lockstep-server` it measures that build
//! instead (one from before the caps, say).

mod support;

use socket2::{Domain, Socket, Type};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::{Launch, Server};

/// The server's port.
fn port(server: &Server) -> u16 {
    let url = server.url("");
    url.rsplit(':').next().unwrap().parse().unwrap()
}

/// A connection to `port` from `127.0.0.{host}`.
fn connect(port: u16, host: u8, timeout: Duration) -> std::io::Result<TcpStream> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.bind(&SocketAddr::from((Ipv4Addr::new(127, 0, 0, host), 0)).into())?;
    socket.connect_timeout(
        &SocketAddr::from((Ipv4Addr::LOCALHOST, port)).into(),
        timeout,
    )?;
    Ok(socket.into())
}

fn connect_from(server: &Server, host: u8) -> TcpStream {
    connect(port(server), host, Duration::from_secs(5)).expect("connecting to the server")
}

/// What a socket read until the server closed it, or until `limit`.
#[derive(Debug)]
struct Ended {
    bytes: Vec<u8>,
    after: Duration,
    closed: bool,
}

impl Ended {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Reads `stream` until the server closes it (or resets it) or `limit`
/// passes, sending `drip`'s next piece every `every` meanwhile.
fn read_until_closed(
    stream: &mut TcpStream,
    limit: Duration,
    every: Duration,
    mut drip: impl FnMut() -> Option<Vec<u8>>,
) -> Ended {
    let start = Instant::now();
    let mut bytes = Vec::new();
    let mut next_drip = start + every;
    loop {
        let now = Instant::now();
        let closed = |bytes| Ended {
            bytes,
            after: start.elapsed(),
            closed: true,
        };
        if now >= start + limit {
            return Ended {
                bytes,
                after: start.elapsed(),
                closed: false,
            };
        }
        if now >= next_drip {
            next_drip += every;
            if let Some(piece) = drip()
                && stream.write_all(&piece).is_err()
            {
                return closed(bytes);
            }
        }
        let wait = (next_drip.min(start + limit) - now).max(Duration::from_millis(1));
        stream.set_read_timeout(Some(wait)).unwrap();
        let mut buf = [0; 8192];
        match stream.read(&mut buf) {
            Ok(0) => return closed(bytes),
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return closed(bytes),
        }
    }
}

fn wait_closed(stream: &mut TcpStream, limit: Duration) -> Ended {
    read_until_closed(stream, limit, limit, || None)
}

/// `GET /` on a new connection from 127.0.0.1: the status (`None`: no
/// answer) and how long it took.
fn honest_get(port: u16, timeout: Duration) -> (Option<u16>, Duration) {
    let start = Instant::now();
    let status = (|| {
        let mut stream = connect(port, 1, timeout).ok()?;
        stream.set_read_timeout(Some(timeout)).ok()?;
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).ok()?;
        let text = String::from_utf8_lossy(&response);
        text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
    })();
    (status, start.elapsed())
}

/// Config for the timing tests: short timeouts, no ladder.
fn quick(extra: &str) -> String {
    format!("ladder_enabled = false\n{extra}")
}

#[test]
fn idle_connections_are_closed_after_their_timeouts() {
    let server = Server::start(&quick(
        "header_timeout_secs = 1\nkeep_alive_timeout_secs = 2\n",
    ));
    // A new connection that sends nothing: closed after the header timeout,
    // without an answer.
    let mut idle = connect_from(&server, 2);
    let ended = wait_closed(&mut idle, Duration::from_secs(10));
    assert!(ended.closed && ended.bytes.is_empty(), "{ended:?}");
    let after = ended.after.as_secs_f64();
    assert!((0.8..3.0).contains(&after), "closed after {after} s");

    // After a response: the keep-alive timeout, not the header timeout.
    let mut kept = connect_from(&server, 2);
    kept.write_all(b"GET /api/leaderboard HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let ended = wait_closed(&mut kept, Duration::from_secs(10));
    let text = ended.text();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(ended.closed, "{ended:?}");
    let after = ended.after.as_secs_f64();
    assert!((1.8..4.0).contains(&after), "closed after {after} s");

    // `/metrics` says which deadline closed them.
    let metrics = server.get("/metrics").text();
    for line in [
        "lockstep_connections_timed_out_total{reason=\"first_request\"} 1",
        "lockstep_connections_timed_out_total{reason=\"keep_alive\"} 1",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no `{line}`:\n{metrics}"
        );
    }
}

#[test]
fn slow_headers_are_cut_off() {
    let server = Server::start(&quick("header_timeout_secs = 2\n"));
    let mut slow = connect_from(&server, 2);
    slow.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    // A header line every 300 ms, for ever: still closed at 2 s.
    let ended = read_until_closed(
        &mut slow,
        Duration::from_secs(10),
        Duration::from_millis(300),
        || Some(b"X-Slow: 1\r\n".to_vec()),
    );
    assert!(ended.closed && ended.bytes.is_empty(), "{ended:?}");
    let after = ended.after.as_secs_f64();
    assert!((1.5..4.0).contains(&after), "closed after {after} s");
    // The server is fine.
    assert_eq!(
        honest_get(port(&server), Duration::from_secs(5)).0,
        Some(200)
    );
}

#[test]
fn a_slow_body_meets_the_request_deadline() {
    let server = Server::start(&quick("request_timeout_secs = 2\n"));
    // A JSON body of 1,000 bytes, a byte every 200 ms: 408 at 2 s.
    let mut slow = connect_from(&server, 2);
    slow.write_all(
        b"POST /api/players HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
          Content-Length: 1000\r\n\r\n{",
    )
    .unwrap();
    let ended = read_until_closed(
        &mut slow,
        Duration::from_secs(10),
        Duration::from_millis(200),
        || Some(b" ".to_vec()),
    );
    let text = ended.text();
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("connection: close"), "{text}");
    assert!(
        text.contains(r#""code":"timeout""#)
            && text.contains("did not arrive within 2 s of its headers")
            && text.contains("[server] request_timeout_secs"),
        "{text}"
    );
    assert!(ended.closed, "{ended:?}");
    let after = ended.after.as_secs_f64();
    assert!((1.5..4.5).contains(&after), "answered after {after} s");

    // A page does not read a body: answered at once, and the connection
    // closed rather than kept for the rest of the body.
    let mut page = connect_from(&server, 2);
    page.write_all(b"GET / HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\nxx")
        .unwrap();
    let ended = read_until_closed(
        &mut page,
        Duration::from_secs(10),
        Duration::from_millis(200),
        || Some(b"x".to_vec()),
    );
    assert!(ended.text().starts_with("HTTP/1.1 200"), "{}", ended.text());
    assert!(
        ended.closed && ended.after < Duration::from_secs(2),
        "{ended:?}"
    );
}

/// Whether the server answered `stream` with its over-the-cap 503 naming
/// `which` and closed it.
fn assert_refused(stream: &mut TcpStream, which: &str) {
    let ended = wait_closed(stream, Duration::from_secs(5));
    let text = ended.text();
    assert!(
        text.starts_with("HTTP/1.1 503") && text.contains("retry-after: 1"),
        "{text}"
    );
    assert!(text.contains(which), "{text}");
    assert!(
        ended.closed && ended.after < Duration::from_secs(1),
        "{ended:?}"
    );
}

/// Whether the server still holds `stream` open, answering nothing.
fn held(stream: &mut TcpStream) -> bool {
    let ended = wait_closed(stream, Duration::from_millis(100));
    !ended.closed && ended.bytes.is_empty()
}

#[test]
fn connections_over_the_caps_are_refused() {
    let server = Server::start(&quick(
        "max_connections = 6\nmax_connections_per_address = 4\n",
    ));
    let port = port(&server);
    // One address: 4 connections, not 5.
    let mut first: Vec<TcpStream> = (0..4).map(|_| connect_from(&server, 2)).collect();
    let mut fifth = connect_from(&server, 2);
    assert_refused(
        &mut fifth,
        "too many connections from your address: at most 4",
    );
    assert!(first.iter_mut().all(held));
    // An honest client from another address is served meanwhile.
    assert_eq!(honest_get(port, Duration::from_secs(5)).0, Some(200));

    // Two more from another address: 6, the cap; a seventh from a third is refused.
    let second: Vec<TcpStream> = (0..2).map(|_| connect_from(&server, 3)).collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut seventh = connect_from(&server, 4);
    assert_refused(&mut seventh, "as many connections open as it takes (6)");
    let (status, took) = honest_get(port, Duration::from_secs(5));
    assert_ne!(status, Some(200), "the server is full");
    assert!(took < Duration::from_secs(1), "refused at once: {took:?}");

    // One address's connections closed: room again.
    drop(second);
    support::wait_for(Duration::from_secs(5), "a free slot", || {
        (honest_get(port, Duration::from_secs(5)).0 == Some(200)).then_some(())
    });
    assert!(first.iter_mut().all(held));
    let log = server.log();
    assert!(
        log.contains("connections refused: as many open from this address")
            && log.contains("connections refused: as many open as [server] max_connections"),
        "{log}"
    );
    // And `/metrics` counts them by cap, and the connections open now.
    let metrics = server.get("/metrics").text();
    let value = |name: &str| -> u64 {
        let line = metrics.lines().find(|l| l.starts_with(name));
        let line = line.unwrap_or_else(|| panic!("no {name}:\n{metrics}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(
        value("lockstep_connections_refused_total{cap=\"max_connections_per_address\"}"),
        1
    );
    assert!(value("lockstep_connections_refused_total{cap=\"max_connections\"}") >= 2);
    // The four held and the one asking (the two dropped may still be closing).
    assert!((5..=7).contains(&value("lockstep_connections_open")));
}

/// From the log of a server started under `ulimit -n 256`: the descriptors
/// it kept for its own files and the cap it lowered `max_connections` to.
fn lowered_cap(log: &str) -> (usize, usize) {
    let said = "[server] max_connections = 1024 does not fit the open-file limit \
                (ulimit -n: 256) beside the ";
    let (_, rest) = log
        .split_once(said)
        .unwrap_or_else(|| panic!("no line saying the cap was lowered:\n{log}"));
    let (reserved, rest) = rest
        .split_once(" descriptors kept for the server's own files: at most ")
        .unwrap();
    let (cap, _) = rest.split_once(" connections at once").unwrap();
    (reserved.parse().unwrap(), cap.parse().unwrap())
}

#[test]
fn a_low_open_file_limit_lowers_the_cap_and_never_locks_out_the_listener() {
    let launch = Launch {
        open_files: Some(256),
        binary: None,
    };
    let server = Server::start_with(&quick("header_timeout_secs = 6\n"), launch);
    let port = port(&server);
    // 256 descriptors: some kept for the server's own files, the rest for
    // connections.
    let (reserved, cap) = lowered_cap(&server.log());
    assert_eq!(reserved + cap, 256);
    assert!((100..=192).contains(&cap), "{cap}");

    // 300 idle sockets from one address: 32 held, the rest refused, and an
    // honest client served throughout.
    let one: Vec<TcpStream> = (0..300).map(|_| connect_from(&server, 2)).collect();
    assert_eq!(honest_get(port, Duration::from_secs(5)).0, Some(200));
    assert_eq!(census(one), (32, 268));
    std::thread::sleep(Duration::from_millis(500));

    // 300 from 30 addresses: the cap held; the rest refused at once,
    // never left waiting for descriptors.
    let started = Instant::now();
    let many: Vec<TcpStream> = (0..300u16)
        .map(|i| connect_from(&server, 10 + (i % 30) as u8))
        .collect();
    let (status, took) = honest_get(port, Duration::from_secs(5));
    assert!(
        status == Some(503) || status.is_none() && took < Duration::from_secs(1),
        "full: {status:?} after {took:?}"
    );
    let counted = census(many);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "counted before the header timeout"
    );
    assert_eq!(counted, (cap, 300 - cap));

    // They time out (6 s), and the server serves again.
    support::wait_for(Duration::from_secs(15), "the server to serve again", || {
        (honest_get(port, Duration::from_secs(5)).0 == Some(200)).then_some(())
    });
    let log = server.log();
    assert!(!log.contains("Too many open files"), "{log}");
}

/// Of `sockets`, how many the server holds open and how many it refused
/// with its 503 (a socket that is neither fails the test).
fn census(sockets: Vec<TcpStream>) -> (usize, usize) {
    std::thread::sleep(Duration::from_millis(300));
    let (mut held, mut refused) = (0, 0);
    for mut socket in sockets {
        socket.set_nonblocking(true).unwrap();
        let mut buf = [0; 512];
        match socket.read(&mut buf) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => held += 1,
            Ok(n) if buf[..n].starts_with(b"HTTP/1.1 503") => refused += 1,
            other => panic!("neither held nor refused: {other:?}"),
        }
    }
    (held, refused)
}

#[test]
fn a_stop_does_not_wait_for_idle_connections() {
    let mut server = Server::start(&quick(""));
    let _idle: Vec<TcpStream> = (0..5).map(|_| connect_from(&server, 2)).collect();
    let started = Instant::now();
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped after {:?}",
        started.elapsed()
    );
}

// ----- Measuring: an honest client's latency during each attack -----

#[derive(Clone, Copy, Debug)]
enum Attack {
    /// Connections that send nothing.
    Idle,
    /// A request line, then a header line a second.
    SlowHeaders,
    /// A request's head, then a body byte a second.
    SlowBody,
}

/// `sockets` attacking connections from `hosts`, each one opened again as
/// soon as the server closes or answers it, until `stop`.
fn attack(port: u16, kind: Attack, sockets: usize, hosts: Vec<u8>, stop: Arc<AtomicBool>) {
    let opening: &[u8] = match kind {
        Attack::Idle => b"",
        Attack::SlowHeaders => b"GET / HTTP/1.1\r\nHost: attack\r\n",
        Attack::SlowBody => {
            b"POST /api/players HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\n\
              Content-Length: 1000000\r\n\r\n{"
        }
    };
    let piece: &[u8] = match kind {
        Attack::Idle => b"",
        Attack::SlowHeaders => b"X-Slow: 1\r\n",
        Attack::SlowBody => b" ",
    };
    let mut open: Vec<Option<(TcpStream, Instant)>> = (0..sockets).map(|_| None).collect();
    while !stop.load(Ordering::Relaxed) {
        let mut connects = 0;
        for (i, slot) in open.iter_mut().enumerate() {
            let Some((stream, sent)) = slot else {
                if connects < 100 {
                    connects += 1;
                    let host = hosts[i % hosts.len()];
                    if let Ok(stream) = connect(port, host, Duration::from_millis(50)) {
                        let _ = stream.set_nonblocking(true);
                        let _ = (&stream).write(opening);
                        *slot = Some((stream, Instant::now()));
                    }
                }
                continue;
            };
            let mut buf = [0; 1024];
            match stream.read(&mut buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                _ => {
                    // Closed, reset or answered: open another.
                    *slot = None;
                    continue;
                }
            }
            if !piece.is_empty() && sent.elapsed() >= Duration::from_secs(1) {
                *sent = Instant::now();
                if matches!(stream.write(piece), Err(e) if e.kind() != ErrorKind::WouldBlock) {
                    *slot = None;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Honest `GET /`s for `length`: answers 200, other answers, no answer;
/// then p50, p99 and the longest, over every attempt.
fn measure(port: u16, length: Duration) -> String {
    let end = Instant::now() + length;
    let (mut ok, mut other, mut none, mut times) = (0, 0, 0, Vec::new());
    while Instant::now() < end {
        let (status, took) = honest_get(port, Duration::from_secs(5));
        match status {
            Some(200) => ok += 1,
            Some(_) => other += 1,
            None => none += 1,
        }
        times.push(took);
        std::thread::sleep(Duration::from_millis(50));
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    format!(
        "{:>4} {:>4} {:>4} {:>10} {:>10} {:>10}",
        ok,
        other,
        none,
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*times.last().unwrap())
    )
}

#[test]
#[ignore = "a measurement, about two minutes"]
fn attack_latency() {
    let binary = std::env::var_os("LOCKSTEP_SERVER_BIN").map(Into::into);
    let scenarios: [(&str, Option<Attack>, Vec<u8>); 6] = [
        ("no attack", None, vec![2]),
        ("300 idle sockets, one address", Some(Attack::Idle), vec![2]),
        (
            "300 slow headers, one address",
            Some(Attack::SlowHeaders),
            vec![2],
        ),
        (
            "300 slow bodies, one address",
            Some(Attack::SlowBody),
            vec![2],
        ),
        (
            "300 idle sockets, 30 addresses",
            Some(Attack::Idle),
            (10..40).collect(),
        ),
        (
            "300 slow bodies, 30 addresses",
            Some(Attack::SlowBody),
            (10..40).collect(),
        ),
    ];
    println!("binary: {binary:?}; ulimit -n 256; an honest GET / every 50 ms for 10 s");
    println!(
        "{:<32} {:>4} {:>4} {:>4} {:>10} {:>10} {:>10}  recovered",
        "attack", "200", "else", "none", "p50", "p99", "max"
    );
    for (name, kind, hosts) in scenarios {
        let launch = Launch {
            open_files: Some(256),
            binary: binary.clone(),
        };
        let server = Server::start_with("ladder_enabled = false\n", launch);
        let port = port(&server);
        let stop = Arc::new(AtomicBool::new(false));
        let attacker = kind.map(|kind| {
            let stop = stop.clone();
            std::thread::spawn(move || attack(port, kind, 300, hosts, stop))
        });
        std::thread::sleep(Duration::from_secs(2));
        let during = measure(port, Duration::from_secs(10));
        stop.store(true, Ordering::Relaxed);
        if let Some(attacker) = attacker {
            attacker.join().unwrap();
        }
        let stopped = Instant::now();
        let recovered = (0..100)
            .find(|_| honest_get(port, Duration::from_secs(5)).0 == Some(200))
            .map_or("no".to_string(), |_| format!("{:.1?}", stopped.elapsed()));
        let emfile = server.log().matches("Too many open files").count();
        println!("{name:<32} {during}  {recovered} (EMFILE lines in the log: {emfile})");
    }
}
