// Codec and strategy checks, run by `./build.sh --test` (tests/run.mjs loads
// this module in Node and calls `run`). The byte strings are the worked
// examples of docs/abi.md, section 7.

import { Bot } from "../assembly/bot";
import { log } from "../assembly/log";
import {
  ATTACK,
  decodeMatchInfo,
  decodeObservation,
  EAST,
  encodeOrders,
  HARVEST,
  MOVE,
  MOVE_COLLIDED,
  Observation,
  Orders,
  Reader,
  SOUTH,
  SPAWN,
  Writer,
} from "../assembly/wire";

let failures = 0;

function check(ok: bool, what: string): void {
  if (!ok) {
    failures++;
    log("FAIL: " + what);
  }
}

/** Copies bytes into linear memory and returns a reader over them. */
function readerOf(bytes: u8[]): Reader {
  const buf = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) buf[i] = bytes[i];
  return new Reader(buf.dataStart, buf.length);
}

const MATCH_INFO: u8[] = [
  0x01, 0x00, 0x02, 0xac, 0x02, 0x05, 0x03, 0x03, 0x05, 0x23, 0x23, 0x23, 0x23, 0x23, 0x05, 0x23,
  0x41, 0x2a, 0x42, 0x23, 0x05, 0x23, 0x23, 0x23, 0x23, 0x23, 0x01, 0x02, 0x01, 0x02, 0x00, 0x01,
  0x01, 0x01, 0x03, 0x01, 0xc8, 0x01, 0x0a, 0x02, 0x0a, 0x1e, 0x01, 0x01, 0x19, 0x31, 0x32, 0xf4,
  0x03, 0x80, 0x84, 0xaf, 0x5f, 0x80, 0xda, 0xc4, 0x09, 0x40, 0x80, 0x80, 0x04, 0x10, 0x80, 0x02,
  0x80, 0x80, 0x80, 0x20,
];

const OBSERVATION: u8[] = [
  0x07, 0x19, 0x02, 0x03, 0x00, 0x02, 0x01, 0x0a, 0x09, 0x01, 0x03, 0x01, 0x04, 0x01, 0x00, 0x01,
  0x01, 0xc8, 0x01, 0x01, 0x01, 0x01, 0x03, 0x01, 0x05, 0x00,
];

function testMatchInfo(): void {
  const r = readerOf(MATCH_INFO);
  const m = decodeMatchInfo(r);
  check(m !== null, "MatchInfo decodes: " + (r.error === null ? "" : r.error!));
  if (m === null) return;
  check(m.abiVersion == 1 && m.you == 0 && m.players == 2 && m.seed == 300, "MatchInfo header");
  check(m.width == 5 && m.height == 3 && m.rows.length == 3, "MatchInfo size");
  check(m.rows[1] == "#A*B#", "MatchInfo row 1");
  check(m.sources.length == 1 && m.sources[0].x == 2 && m.sources[0].y == 1, "MatchInfo sources");
  check(m.cores.length == 2 && m.cores[1].owner == 1 && m.cores[1].pos.x == 3, "MatchInfo cores");
  const u = m.rules;
  check(u.coreHp == 200 && u.unitHp == 10 && u.unitDamage == 2 && u.unitCost == 10, "Rules 1-4");
  check(u.startEnergy == 30 && u.coreIncome == 1 && u.harvestAmount == 1, "Rules 5-7");
  check(u.unitVision2 == 25 && u.coreVision2 == 49 && u.maxUnits == 50, "Rules 8-10");
  const l = m.limits;
  check(l.maxTicks == 500 && l.initFuel == 200000000 && l.tickFuel == 20000000, "Limits 1-3");
  check(l.maxActions == 64 && l.maxOutputBytes == 65536 && l.maxLogLines == 16, "Limits 4-6");
  check(l.maxLogLineBytes == 256 && l.maxMemoryBytes == 67108864, "Limits 7-8");
}

function testObservation(): void {
  const o = new Observation();
  const r = readerOf(OBSERVATION);
  check(decodeObservation(r, o), "Observation decodes: " + (r.error === null ? "" : r.error!));
  check(o.tick == 7 && o.energy == 25, "Observation tick and energy");
  check(o.units.length == 2, "two units");
  if (o.units.length == 2) {
    const a = o.units[0], b = o.units[1];
    check(a.id == 3 && a.owner == 0 && a.pos.x == 2 && a.pos.y == 1 && a.hp == 10, "unit 3");
    check(b.id == 9 && b.owner == 1 && b.pos.x == 3 && b.pos.y == 1 && b.hp == 4, "unit 9");
  }
  check(o.cores.length == 1 && o.cores[0].hp == 200 && o.cores[0].pos.x == 1, "core");
  check(o.rejected.length == 1, "one rejection");
  if (o.rejected.length == 1) {
    const j = o.rejected[0];
    check(j.index == 1 && j.action.kind == MOVE && j.action.unit == 3, "rejected order");
    check(j.action.dir == EAST && j.reason == MOVE_COLLIDED, "rejected dir and reason");
  }
  check(o.eliminated.length == 0, "nobody eliminated");
  // Decoding again into the same Observation reuses its objects.
  const first = o.units[0];
  check(decodeObservation(readerOf(OBSERVATION), o) && o.units[0] == first, "objects reused");
}

function testMalformed(): void {
  const o = new Observation();
  const trailing = OBSERVATION.slice(0);
  trailing.push(0);
  let r = readerOf(trailing);
  check(!decodeObservation(r, o) && r.error == "trailing bytes", "trailing byte refused");
  r = readerOf(OBSERVATION.slice(0, 20));
  check(!decodeObservation(r, o) && r.error !== null, "truncated message refused");
  r = readerOf([0x80, 0x80, 0x04]); // 65,536 does not fit a u16
  r.u16();
  check(r.error == "varint out of range", "u16 overflow refused");
  r = readerOf([0x07, 0x19, 0x7f]); // 127 units in a 3-byte message
  check(!decodeObservation(r, o), "impossible list length refused");
}

function testOrders(): void {
  const orders = new Orders();
  orders.attack(3, EAST);
  orders.spawn(SOUTH);
  const w = new Writer();
  encodeOrders(orders, w);
  const want: u8[] = [0x02, 0x02, 0x03, 0x01, 0x00, 0x02];
  let same = w.len == want.length;
  for (let i = 0; same && i < want.length; i++) same = load<u8>(w.ptr() + i) == want[i];
  check(same, "Vec<Action> example encodes to 02 02 03 01 00 02");
  orders.clear();
  orders.move(300, EAST);
  encodeOrders(orders, w);
  check(w.len == 5 && load<u8>(w.ptr() + 2) == 0xac && load<u8>(w.ptr() + 3) == 0x02, "unit 300 as ac 02");
  orders.clear();
  encodeOrders(orders, w);
  check(w.len == 1 && load<u8>(w.ptr()) == 0, "no orders: 00");
}

/** A corridor map: the bot spawns towards the enemy, walks, and hits the core. */
function testStrategy(): void {
  // 9x3, a closed corridor: core A at (1,1), a source in the top wall at
  // (3,0), core B at (7,1).
  const info = decodeMatchInfo(readerOf(MATCH_INFO))!;
  info.width = 9;
  info.rows = ["###*#####", "#A.....B#", "#########"];
  info.sources[0].x = 3;
  info.sources[0].y = 0;
  info.cores[1].pos.x = 7;
  const bot = new Bot(info);
  check(bot.spotCell.length == 1 && bot.spotCell[0] == 9 + 3, "one harvest cell, under the source");
  const o = new Observation();
  o.energy = 30;
  const orders = new Orders();
  const core = o.coreSlot(0);
  core.owner = 0;
  core.pos.x = 1;
  core.pos.y = 1;
  core.hp = 200;
  o.cores.push(core);
  bot.tick(o, orders);
  check(orders.count == 1 && orders.get(0).kind == SPAWN && orders.get(0).dir == EAST, "spawns east");
  // Unit 1 (a harvester: the first unit) at (2,1): walks east to (3,1).
  const u = o.unitSlot(0);
  u.id = 1;
  u.owner = 0;
  u.pos.x = 2;
  u.pos.y = 1;
  u.hp = 10;
  o.units.push(u);
  o.tick = 1;
  o.energy = 0;
  orders.clear();
  bot.tick(o, orders);
  check(orders.count == 1 && orders.get(0).kind == MOVE && orders.get(0).dir == EAST, "harvester walks east");
  u.pos.x = 3;
  orders.clear();
  bot.tick(o, orders);
  check(orders.count == 1 && orders.get(0).kind == HARVEST && orders.get(0).dir == 0, "harvests north");
  // Next to the enemy core: attack it, whatever the role.
  u.pos.x = 6;
  const enemy = o.coreSlot(1);
  enemy.owner = 1;
  enemy.pos.x = 7;
  enemy.pos.y = 1;
  enemy.hp = 200;
  o.cores.push(enemy);
  orders.clear();
  bot.tick(o, orders);
  check(orders.count == 1 && orders.get(0).kind == ATTACK && orders.get(0).dir == EAST, "hits the core");
}

export function run(): i32 {
  testMatchInfo();
  testObservation();
  testMalformed();
  testOrders();
  testStrategy();
  log(failures == 0 ? "codec and strategy: all checks passed" : failures.toString() + " check(s) failed");
  return failures;
}
