//! Map parsing, bundled maps, fitting to a player count, and the generator.

use lockstep_game::{Map, MapError};
use lockstep_sdk::Pos;

fn err(text: &str) -> String {
    Map::parse("foo", text).unwrap_err().to_string()
}

const OK: &str = "A.......\n........\n........\n........\n........\n........\n........\n.......B\n";

#[test]
fn a_good_map_parses() {
    let map = Map::parse("ok", OK).unwrap();
    assert_eq!((map.width, map.height), (8, 8));
    assert_eq!(map.cores, vec![Pos::new(0, 0), Pos::new(7, 7)]);
    assert!(map.sources.is_empty());
    assert_eq!(map.rows.len(), 8);
}

#[test]
fn comments_crlf_and_trailing_blank_lines_are_fine() {
    let text = format!("; a comment\n;another\n{}\n\n", OK.replace('\n', "  \r\n"));
    let map = Map::parse("ok", &text).unwrap();
    assert_eq!(map, Map::parse("ok", OK).unwrap());
}

#[test]
fn parse_errors_say_line_column_and_what() {
    let text = "; comment\n........\n...x....\n";
    assert_eq!(
        err(text),
        "map 'foo' line 3, column 4: unexpected character 'x' (allowed: # . * A-H)"
    );
    let text = "A.......\n......\n";
    assert_eq!(
        err(text),
        "map 'foo' line 2: row is 6 cells wide, but the first row is 8"
    );
    let text = "A......\n.......\n......B\n";
    assert_eq!(
        err(text),
        "map 'foo' is 7x3: width and height must be 8..=128"
    );
    let wide = format!("A{}B\n", ".".repeat(127));
    assert_eq!(
        err(&wide.repeat(8)),
        "map 'foo' line 2, column 1: second core 'A' (the first is at line 1, column 1)"
    );
    let text = OK.replace('B', "C");
    assert_eq!(
        err(&text),
        "map 'foo' has core 'C' but no core 'B': core letters must run from A without gaps"
    );
    let text = OK.replace('B', ".");
    assert_eq!(
        err(&text),
        "map 'foo' has 1 core(s); a map needs at least 2"
    );
    let text = OK.replace("........\n.......B", ".......#\n......#B");
    assert_eq!(
        err(&text),
        "map 'foo': core B cannot be reached from core A over floor"
    );
    assert_eq!(err("; only a comment\n"), "map 'foo' has no rows");
    let text = OK.replacen("........", ".....\u{e9}..", 1);
    assert_eq!(
        err(&text),
        "map 'foo' line 2, column 6: unexpected character '\u{e9}' (allowed: # . * A-H)"
    );
    let text = OK.replacen("........\n", "\n", 1);
    assert_eq!(
        err(&text),
        "map 'foo' line 2: row is 0 cells wide, but the first row is 8"
    );
}

/// The cell class: wall, floor, source, or core (whichever letter).
fn class(map: &Map, p: Pos) -> u8 {
    match map.cell(p) {
        b'A'..=b'H' => b'C',
        c => c,
    }
}

fn symmetric_under(map: &Map, f: impl Fn(Pos) -> Pos) -> bool {
    (0..map.height).all(|y| {
        (0..map.width).all(|x| {
            let p = Pos::new(x, y);
            class(map, p) == class(map, f(p))
        })
    })
}

fn rot180(map: &Map) -> impl Fn(Pos) -> Pos {
    let (w, h) = (map.width - 1, map.height - 1);
    move |p| Pos::new(w - p.x, h - p.y)
}

fn rot90(map: &Map) -> impl Fn(Pos) -> Pos {
    let w = map.width - 1;
    move |p| Pos::new(w - p.y, p.x)
}

fn free_neighbours(map: &Map, p: Pos) -> usize {
    lockstep_sdk::Direction::ALL
        .into_iter()
        .filter_map(|d| p.step(d, map.width, map.height))
        .filter(|&n| map.is_floor(n))
        .count()
}

#[test]
fn bundled_maps_load_are_connected_and_symmetric() {
    assert_eq!(Map::bundled_names(), ["duel", "crossroads", "arena"]);
    let expected = [("duel", 24, 2), ("crossroads", 40, 4), ("arena", 64, 8)];
    for (name, side, cores) in expected {
        let map = Map::bundled(name).unwrap_or_else(|| panic!("{name} loads"));
        assert_eq!((map.width, map.height), (side, side), "{name}");
        assert_eq!(map.cores.len(), cores, "{name}");
        map.check_connected().unwrap();
        assert!(
            symmetric_under(&map, rot180(&map)),
            "{name} point symmetric"
        );
        if cores > 2 {
            assert!(symmetric_under(&map, rot90(&map)), "{name} 4-fold");
            let w = map.width - 1;
            assert!(
                symmetric_under(&map, |p| Pos::new(w - p.x, p.y)),
                "{name} mirrored"
            );
        }
        assert!(
            map.sources.len() >= 3 * cores,
            "{name} has sources by every core"
        );
        for &c in &map.cores {
            assert!(free_neighbours(&map, c) >= 2, "{name} core at {c:?}");
            let near = map.sources.iter().filter(|s| s.manhattan(c) <= 8).count();
            assert!(near >= 3, "{name}: sources near core at {c:?}");
        }
        let mut sorted = map.sources.clone();
        sorted.sort_by_key(|p| (p.y, p.x));
        assert_eq!(sorted, map.sources);
    }
    assert!(Map::bundled("nope").is_none());
}

#[test]
fn with_players_keeps_the_first_cores() {
    let cross = Map::bundled("crossroads").unwrap();
    let two = cross.with_players(2).unwrap();
    assert_eq!(two.cores, cross.cores[..2]);
    for &gone in &cross.cores[2..] {
        assert!(two.is_floor(gone));
    }
    two.check_connected().unwrap();
    let duel = Map::bundled("duel").unwrap();
    assert_eq!(
        duel.with_players(3).unwrap_err().to_string(),
        "map 'duel' has 2 cores but 3 players were asked for"
    );
    assert_eq!(
        duel.with_players(1).unwrap_err(),
        MapError::Players { players: 1 }
    );
    assert_eq!(
        Map::bundled("arena")
            .unwrap()
            .with_players(8)
            .unwrap()
            .cores
            .len(),
        8
    );
}

#[test]
fn resolve_takes_names_paths_and_random_specs() {
    assert_eq!(Map::resolve("duel", 2, 0).unwrap().name, "duel");
    assert_eq!(Map::resolve("arena", 3, 0).unwrap().cores.len(), 3);
    let random = Map::resolve("random:32x20", 2, 7).unwrap();
    assert_eq!((random.width, random.height), (32, 20));
    assert_eq!(random, Map::generate(32, 20, 2, 7).unwrap());
    assert_eq!(
        Map::resolve("random:2x900", 2, 0).unwrap_err().to_string(),
        "random map size 2x900 out of range: width and height must be 8..=128"
    );
    assert!(matches!(
        Map::resolve("random:big", 2, 0),
        Err(MapError::RandomSpec { .. })
    ));
    let path = std::env::temp_dir().join(format!("lockstep-map-{}.txt", std::process::id()));
    std::fs::write(&path, OK).unwrap();
    let from_file = Map::resolve(path.to_str().unwrap(), 2, 0).unwrap();
    assert_eq!(from_file.cores.len(), 2);
    std::fs::remove_file(&path).unwrap();
    let missing = Map::resolve("no/such/map.txt", 2, 0)
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("no bundled map named 'no/such/map.txt'"),
        "{missing}"
    );
    assert!(missing.contains("duel, crossroads, arena"), "{missing}");
}

/// Floor cells not reachable from core A's neighbours.
fn sealed_floor(map: &Map) -> usize {
    let (w, h) = (map.width, map.height);
    let mut seen = vec![false; w as usize * h as usize];
    let mut stack: Vec<Pos> = Vec::new();
    let push = |p: Pos, seen: &mut Vec<bool>, stack: &mut Vec<Pos>| {
        let i = p.y as usize * w as usize + p.x as usize;
        if map.is_floor(p) && !seen[i] {
            seen[i] = true;
            stack.push(p);
        }
    };
    for d in lockstep_sdk::Direction::ALL {
        if let Some(n) = map.cores[0].step(d, w, h) {
            push(n, &mut seen, &mut stack);
        }
    }
    while let Some(p) = stack.pop() {
        for d in lockstep_sdk::Direction::ALL {
            if let Some(n) = p.step(d, w, h) {
                push(n, &mut seen, &mut stack);
            }
        }
    }
    (0..h)
        .flat_map(|y| (0..w).map(move |x| Pos::new(x, y)))
        .filter(|&p| map.is_floor(p) && !seen[p.y as usize * w as usize + p.x as usize])
        .count()
}

fn check_generated(map: &Map, players: usize) {
    assert_eq!(map.cores.len(), players);
    map.check_connected()
        .unwrap_or_else(|e| panic!("{}: {e}", map.name));
    assert_eq!(sealed_floor(map), 0, "no sealed pockets of floor");
    for &c in &map.cores {
        assert!(free_neighbours(map, c) >= 2);
    }
    // (With 3 players D's core cell is floor, so only 2 and 4 are exactly symmetric.)
    if players != 3 {
        assert!(symmetric_under(map, rot180(map)));
    }
    if players == 4 {
        assert!(symmetric_under(map, rot90(map)));
        let r = rot90(map);
        for i in 0..3 {
            assert_eq!(
                r(map.cores[i]),
                map.cores[i + 1],
                "cores go round clockwise"
            );
        }
    }
    if players == 2 {
        assert_eq!(rot180(map)(map.cores[0]), map.cores[1]);
    }
}

#[test]
fn generated_maps_are_symmetric_connected_and_seeded() {
    for seed in 0..120u64 {
        for &(w, h) in &[(8u16, 8u16), (24, 24), (40, 17), (64, 64)] {
            let map = Map::generate(w, h, 2, seed).unwrap();
            assert_eq!((map.width, map.height), (w, h));
            check_generated(&map, 2);
            assert_eq!(
                map,
                Map::generate(w, h, 2, seed).unwrap(),
                "same seed, same map"
            );
        }
        for side in [8u16, 31, 48] {
            let map = Map::generate(side, side, 4, seed).unwrap();
            check_generated(&map, 4);
            let three = Map::generate(side, side, 3, seed).unwrap();
            check_generated(&three, 3);
            assert_eq!(three, map.with_players(3).unwrap());
        }
    }
}

#[test]
fn generated_maps_differ_by_seed_and_have_walls_and_sources() {
    let maps: Vec<Map> = (0..50)
        .map(|s| Map::generate(40, 40, 2, s).unwrap())
        .collect();
    let mut distinct = maps.iter().map(|m| m.rows.clone()).collect::<Vec<_>>();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 50);
    for m in &maps {
        let walls = m
            .rows
            .iter()
            .flat_map(|r| r.bytes())
            .filter(|&b| b == b'#')
            .count();
        let share = walls as f64 / (40.0 * 40.0);
        assert!((0.10..=0.30).contains(&share), "wall share {share}");
        assert!(m.sources.len() >= 6, "sources {}", m.sources.len());
    }
    let big = Map::generate(128, 128, 4, 1).unwrap();
    check_generated(&big, 4);
}

#[test]
fn generator_arguments_are_checked() {
    assert_eq!(
        Map::generate(7, 30, 2, 0).unwrap_err().to_string(),
        "random map size 7x30 out of range: width and height must be 8..=128"
    );
    assert_eq!(
        Map::generate(30, 20, 4, 0).unwrap_err().to_string(),
        "random maps for 4 players must be square (4-fold symmetry), got 30x20"
    );
    assert_eq!(
        Map::generate(30, 30, 5, 0).unwrap_err().to_string(),
        "random maps support 2 to 4 players, got 5"
    );
    assert!(Map::generate(129, 30, 2, 0).is_err());
}
