//! Formats 2 and 3 read from the same recorded match: the golden format-3
//! file, and a format-2 file made from it (its header gives the native
//! stack's size where format 3 gives `stack_units`).

use super::*;
use crate::replay::ReplayReader;

fn format_3_file() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/golden/format-3.replay"
    );
    std::fs::read(path).unwrap()
}

/// The frames after the preamble: kind and postcard payload.
fn frames(bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    // A frame: kind (u8), length (u32 LE), payload, 8 checksum bytes.
    let mut frames = Vec::new();
    let mut at = super::super::frame::PREAMBLE_BYTES as usize;
    while at < bytes.len() {
        let kind = bytes[at];
        let len = u32::from_le_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
        frames.push((kind, bytes[at + 5..at + 5 + len].to_vec()));
        at += 5 + len + 8;
    }
    frames
}

fn frame(out: &mut Vec<u8>, kind: u8, payload: &[u8]) {
    let len = payload.len() as u32;
    let mut hasher = blake3::Hasher::new();
    hasher.update(&[kind]);
    hasher.update(&len.to_le_bytes());
    hasher.update(payload);
    out.push(kind);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&hasher.finalize().as_bytes()[..8]);
}

/// The format-3 file rewritten as format 2: same match, a 512 KiB stack in
/// the header, the summary's replay hash and every checksum recomputed.
fn format_2_file() -> Vec<u8> {
    let v3 = format_3_file();
    let mut frames = frames(&v3);
    let header: HeaderV3<SandboxLimits> = postcard::from_bytes(&frames[0].1).unwrap();
    let limits = &header.sandbox;
    let old = HeaderV3 {
        engine_version: "0.1.0".into(),
        wasmtime_version: header.wasmtime_version.clone(),
        rules_version: header.rules_version,
        abi_version: header.abi_version,
        config: header.config,
        sandbox: LimitsV2 {
            memory_limit: limits.memory_limit,
            table_limit: limits.table_limit,
            _max_wasm_stack: 512 << 10,
            max_output_bytes: limits.max_output_bytes,
            max_log_lines: limits.max_log_lines,
            max_log_line_bytes: limits.max_log_line_bytes,
        },
        map: header.map,
        players: header.players,
    };
    frames[0].1 = postcard::to_stdvec(&old).unwrap();
    let mut v2 = Vec::from(&v3[..16]);
    v2.extend_from_slice(&2u16.to_le_bytes());
    let (summary, rest) = frames.split_last().unwrap();
    for (kind, payload) in rest {
        frame(&mut v2, *kind, payload);
    }
    let mut summary_record: SummaryV3 = postcard::from_bytes(&summary.1).unwrap();
    summary_record.replay_hash = *blake3::hash(&v2).as_bytes();
    frame(
        &mut v2,
        summary.0,
        &postcard::to_stdvec(&summary_record).unwrap(),
    );
    v2
}

fn read_whole(bytes: &[u8]) -> (ReplayHeader, Vec<TickRecord>, Summary) {
    let mut reader = ReplayReader::new(bytes).unwrap();
    let header = reader.header().clone();
    let mut ticks = Vec::new();
    while let Some(tick) = reader.next_tick().unwrap() {
        ticks.push(tick);
    }
    let (_, summary) = reader.finish().unwrap();
    (header, ticks, summary)
}

#[test]
fn a_format_3_file_upgrades_to_the_reference_games_records() {
    let (header, ticks, summary) = read_whole(&format_3_file());
    assert_eq!(header.config.game, GAME);
    assert_eq!(header.map.name, "duel");
    assert_eq!(
        header.map.data.lines().count(),
        header.map.data.matches('\n').count() + 1
    );
    assert!(header.sandbox.stack_units > 0);
    assert_eq!(ticks.len() as u32, summary.ticks);
    // Orders became the postcard of the list, as the game's canonical bytes.
    let moved = ticks
        .iter()
        .flat_map(|t| &t.bots)
        .find(|b| b.actions.len() > 1)
        .unwrap();
    let orders: Vec<ActionV3> = postcard::from_bytes(&moved.actions).unwrap();
    assert!(!orders.is_empty());
    let score = summary.scores[0].get("core_hp");
    assert!(score.is_some(), "{:?}", summary.scores[0]);
}

#[test]
fn a_format_2_file_still_reads() {
    let v2 = format_2_file();
    let reader = ReplayReader::new(&v2[..]).unwrap();
    assert_eq!(reader.format_version(), 2);
    let (header, ticks, summary) = read_whole(&v2);
    let (header3, ticks3, summary3) = read_whole(&format_3_file());
    assert_eq!(header.engine_version, "0.1.0");
    assert_eq!(header.sandbox.stack_units, 0, "format 2 had no stack units");
    assert_eq!(header.map, header3.map);
    assert_eq!(header.players, header3.players);
    assert_eq!(header.config.settings, header3.config.settings);
    assert_eq!(ticks, ticks3);
    assert_eq!(summary.final_hash, summary3.final_hash);
    assert_eq!(summary.scores, summary3.scores);
}
