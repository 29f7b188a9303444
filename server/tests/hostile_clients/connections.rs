//! 2. Connections: idle, slowloris, slow bodies and one address opening many.

use super::*;

/// How one attacking connection ended.
#[derive(Debug)]
struct Ended {
    /// What the server sent (empty: nothing).
    bytes: Vec<u8>,
    /// From its opening to its close (or to the attack's end).
    lived: Duration,
    /// Closed by the server (else still open at the attack's end).
    closed: bool,
}

impl Ended {
    fn status(&self) -> Option<u16> {
        let text = String::from_utf8_lossy(&self.bytes);
        text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
    }
}

/// Keeps `sockets` connections open from `hosts` (round robin) for
/// `length`, each sending `opening` and then `piece` every second, and
/// opening another as soon as the server closes one (at most 20 new ones
/// every 20 ms); then 500 ms more without opening any. How each ended.
fn flood(
    port: u16,
    hosts: &[u8],
    sockets: usize,
    opening: &[u8],
    piece: &[u8],
    length: Duration,
) -> Vec<Ended> {
    struct Open {
        stream: TcpStream,
        opened: Instant,
        dripped: Instant,
        bytes: Vec<u8>,
    }
    let end = Instant::now() + length;
    // After `length`, nothing new is opened for a moment, so that the
    // server answers the last ones: those still open then are held.
    let grace = end + Duration::from_millis(500);
    let mut open: Vec<Option<Open>> = (0..sockets).map(|_| None).collect();
    let mut ended = Vec::new();
    while Instant::now() < grace {
        let mut connects = 0;
        let opening_more = Instant::now() < end;
        for (i, slot) in open.iter_mut().enumerate() {
            let Some(conn) = slot else {
                if opening_more && connects < 20 {
                    connects += 1;
                    let host = hosts[i % hosts.len()];
                    if let Ok(mut stream) = connect(port, host, Duration::from_secs(1)) {
                        let _ = stream.set_nonblocking(true);
                        let _ = stream.write(opening);
                        let now = Instant::now();
                        *slot = Some(Open {
                            stream,
                            opened: now,
                            dripped: now,
                            bytes: Vec::new(),
                        });
                    }
                }
                continue;
            };
            let mut buf = [0; 4096];
            let closed = loop {
                match conn.stream.read(&mut buf) {
                    Ok(0) => break true,
                    Ok(n) => conn.bytes.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break false,
                    Err(_) => break true,
                }
            };
            let mut closed = closed;
            if !closed && !piece.is_empty() && conn.dripped.elapsed() >= Duration::from_secs(1) {
                conn.dripped = Instant::now();
                closed = matches!(conn.stream.write(piece),
                    Err(e) if e.kind() != ErrorKind::WouldBlock);
            }
            if closed {
                let conn = slot.take().unwrap();
                ended.push(Ended {
                    bytes: conn.bytes,
                    lived: conn.opened.elapsed(),
                    closed: true,
                });
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    ended.extend(open.into_iter().flatten().map(|conn| Ended {
        bytes: conn.bytes,
        lived: conn.opened.elapsed(),
        closed: false,
    }));
    ended
}

/// The shortest and longest of `ended`'s lives, in seconds.
fn lives(ended: &[&Ended]) -> (f64, f64) {
    let secs = ended.iter().map(|e| e.lived.as_secs_f64());
    let min = secs.clone().fold(f64::INFINITY, f64::min);
    (min, secs.fold(0.0, f64::max))
}

#[test]
#[ignore = "release only, through scripts/hostile-clients"]
fn a2_connections() {
    // Short timeouts, so that each attack sees several rounds in 6 s; the
    // connection caps at their defaults (1024, 32 per address).
    let config =
        format!("header_timeout_secs = 2\nrequest_timeout_secs = 3\n{LADDER_DEFAULT_PACE}");
    let server = Server::start(&config);
    let port = port(&server);
    let length = Duration::from_secs(6);
    let five = |first: u8| (first..first + 5).collect::<Vec<u8>>();

    // Sockets that send nothing: closed at the header timeout, unanswered.
    let honest = Honest::start(&server);
    let ended = flood(port, &five(10), 100, b"", b"", length);
    let stats = honest.finish();
    let closed: Vec<&Ended> = ended.iter().filter(|e| e.closed).collect();
    assert!(closed.len() >= 100, "{} closed", closed.len());
    assert!(ended.iter().all(|e| e.bytes.is_empty()), "an answer");
    let (min, max) = lives(&closed);
    assert!(min > 1.5 && max < 4.0, "closed after {min}..{max} s");
    report(
        "2a. 100 sockets that send nothing, 5 addresses, 6 s",
        &shown(&config),
        &format!(
            "{} closed unanswered after {min:.1}-{max:.1} s (header_timeout_secs)",
            closed.len()
        ),
        &stats,
    );

    // A header line a second (slowloris): the same.
    let honest = Honest::start(&server);
    let ended = flood(
        port,
        &five(20),
        100,
        b"GET / HTTP/1.1\r\nHost: attack\r\n",
        b"X-Slow: 1\r\n",
        length,
    );
    let stats = honest.finish();
    let closed: Vec<&Ended> = ended.iter().filter(|e| e.closed).collect();
    assert!(closed.len() >= 100, "{} closed", closed.len());
    assert!(ended.iter().all(|e| e.bytes.is_empty()), "an answer");
    let (min, max) = lives(&closed);
    assert!(min > 1.5 && max < 4.0, "closed after {min}..{max} s");
    report(
        "2b. 100 slowloris sockets (a header line a second), 5 addresses, 6 s",
        &shown(&config),
        &format!(
            "{} closed unanswered after {min:.1}-{max:.1} s (header_timeout_secs)",
            closed.len()
        ),
        &stats,
    );

    // A body of a byte a second: 408 at the request's deadline.
    let honest = Honest::start(&server);
    let ended = flood(
        port,
        &five(30),
        100,
        b"POST /api/players HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\n\
          Content-Length: 1000\r\n\r\n{",
        b" ",
        length,
    );
    let stats = honest.finish();
    let closed: Vec<&Ended> = ended.iter().filter(|e| e.closed).collect();
    assert!(closed.len() >= 100, "{} closed", closed.len());
    for e in &closed {
        let text = String::from_utf8_lossy(&e.bytes);
        assert!(
            e.status() == Some(408) && text.contains("did not arrive within 3 s"),
            "{e:?}: {text}"
        );
    }
    let (min, max) = lives(&closed);
    assert!(min > 2.5 && max < 5.0, "answered after {min}..{max} s");
    report(
        "2c. 100 bodies of a byte a second, 5 addresses, 6 s",
        &shown(&config),
        &format!(
            "{} x 408 timeout after {min:.1}-{max:.1} s (request_timeout_secs), closed",
            closed.len()
        ),
        &stats,
    );

    // 300 sockets from one address: 32 held (until the header timeout),
    // the rest 503 at once; each one closed is opened again.
    let honest = Honest::start(&server);
    // (5 s: the third round is still held when it ends.)
    let ended = flood(port, &[2], 300, b"", b"", Duration::from_secs(5));
    let stats = honest.finish();
    let refused: Vec<&Ended> = ended.iter().filter(|e| e.status() == Some(503)).collect();
    let held: Vec<&Ended> = ended.iter().filter(|e| e.bytes.is_empty()).collect();
    assert_eq!(refused.len() + held.len(), ended.len(), "503 or nothing");
    for e in &refused {
        let text = String::from_utf8_lossy(&e.bytes);
        assert!(
            text.contains("too many connections from your address: at most 32")
                && e.lived < Duration::from_secs(1),
            "{e:?}: {text}"
        );
    }
    let still_open = held.iter().filter(|e| !e.closed).count();
    assert!(
        (1..=32).contains(&still_open),
        "{still_open} open at once from one address"
    );
    let (held_min, held_max) = lives(
        &held
            .iter()
            .filter(|e| e.closed)
            .copied()
            .collect::<Vec<_>>(),
    );
    assert!(held_min > 1.5 && held_max < 4.0, "{held_min}..{held_max}");
    assert!(refused.len() >= 268, "{} refused", refused.len());
    report(
        "2d. 300 sockets from one address, reopened as closed, 5 s",
        &shown(&config),
        &format!(
            "{} x 503 \"too many connections from your address: at most 32\" at once; {} held \
             ({still_open} open at the end), closed unanswered after {held_min:.1}-{held_max:.1} s",
            refused.len(),
            held.len()
        ),
        &stats,
    );
}
