// The ABI v1 wire types (docs/abi.md, section 6) and their postcard codec.
//
// Postcard, not JSON: a message is a few dozen bytes of varints, decoding is a
// loop of byte loads, and it needs no library. AssemblyScript has no JSON in
// its standard library, and a hand-written JSON reader would be larger and
// cost several times the fuel per tick.
//
// Decoding never allocates per tick: `decodeObservation` refills the same
// Observation (its arrays keep their objects and only change length), and
// `Orders` reuses its Action objects. A bot that allocates nothing itself
// therefore creates no garbage at all.

// ---- Enums: the variant index is the postcard tag --------------------------

export const NORTH: u8 = 0; // towards y = 0
export const EAST: u8 = 1;
export const SOUTH: u8 = 2;
export const WEST: u8 = 3;

export const SPAWN: u8 = 0;
export const MOVE: u8 = 1;
export const ATTACK: u8 = 2;
export const HARVEST: u8 = 3;

export const NO_SUCH_UNIT: u8 = 0;
export const NOT_YOUR_UNIT: u8 = 1;
export const ALREADY_ORDERED: u8 = 2;
export const TOO_MANY_ACTIONS: u8 = 3;
export const BLOCKED: u8 = 4;
export const MOVE_COLLIDED: u8 = 5;
export const NO_ENEMY: u8 = 6;
export const NO_SOURCE: u8 = 7;
export const NOT_ENOUGH_ENERGY: u8 = 8;
export const UNIT_CAP: u8 = 9;
export const SPAWN_BLOCKED: u8 = 10;

// ---- MatchInfo (host -> bot, once) -----------------------------------------

export class Pos {
  x: u16 = 0;
  y: u16 = 0;
}

export class CoreInfo {
  owner: u8 = 0;
  pos: Pos = new Pos();
}

export class Rules {
  coreHp: u16 = 0;
  unitHp: u16 = 0;
  unitDamage: u16 = 0;
  unitCost: u32 = 0;
  startEnergy: u32 = 0;
  coreIncome: u32 = 0;
  harvestAmount: u32 = 0;
  unitVision2: u32 = 0;
  coreVision2: u32 = 0;
  maxUnits: u16 = 0;
}

export class Limits {
  maxTicks: u32 = 0;
  initFuel: u64 = 0;
  tickFuel: u64 = 0;
  maxActions: u32 = 0;
  maxOutputBytes: u32 = 0;
  maxLogLines: u32 = 0;
  maxLogLineBytes: u32 = 0;
  maxMemoryBytes: u64 = 0;
}

export class MatchInfo {
  abiVersion: u8 = 0;
  you: u8 = 0;
  players: u8 = 0;
  seed: u64 = 0;
  width: u16 = 0;
  height: u16 = 0;
  /** `height` rows of `width` bytes: `#` wall, `.` floor, `*` source, `A`.. cores. */
  rows: Array<string> = [];
  sources: Array<Pos> = [];
  cores: Array<CoreInfo> = [];
  rules: Rules = new Rules();
  limits: Limits = new Limits();
}

// ---- Observation (host -> bot, every tick) ---------------------------------

export class UnitView {
  id: u32 = 0;
  owner: u8 = 0;
  pos: Pos = new Pos();
  hp: u16 = 0;
}

export class CoreView {
  owner: u8 = 0;
  pos: Pos = new Pos();
  hp: u16 = 0;
}

export class Action {
  kind: u8 = SPAWN; // SPAWN, MOVE, ATTACK or HARVEST
  unit: u32 = 0; // unused by SPAWN
  dir: u8 = NORTH;
}

export class Rejection {
  index: u32 = 0;
  action: Action = new Action();
  reason: u8 = 0;
}

export class Observation {
  tick: u32 = 0;
  energy: u32 = 0;
  units: Array<UnitView> = []; // yours and the enemies you see, by id
  cores: Array<CoreView> = []; // yours and the enemy cores you see, by owner
  rejected: Array<Rejection> = []; // last tick's orders that failed
  eliminated: Array<u8> = []; // players out of the match, sorted

  // Element pools: a decoded list reuses the objects of earlier ticks.
  private unitPool: Array<UnitView> = [];
  private corePool: Array<CoreView> = [];
  private rejectionPool: Array<Rejection> = [];

  unitSlot(i: i32): UnitView {
    if (i == this.unitPool.length) this.unitPool.push(new UnitView());
    return this.unitPool[i];
  }
  coreSlot(i: i32): CoreView {
    if (i == this.corePool.length) this.corePool.push(new CoreView());
    return this.corePool[i];
  }
  rejectionSlot(i: i32): Rejection {
    if (i == this.rejectionPool.length) this.rejectionPool.push(new Rejection());
    return this.rejectionPool[i];
  }
}

// ---- Orders (bot -> host, every tick): a Vec<Action> -------------------------

/** This tick's orders. The Action objects are reused from tick to tick. */
export class Orders {
  private pool: Array<Action> = [];
  count: i32 = 0;

  clear(): void {
    this.count = 0;
  }
  get(i: i32): Action {
    return this.pool[i];
  }
  push(kind: u8, unit: u32, dir: u8): void {
    if (this.count == this.pool.length) this.pool.push(new Action());
    const a = this.pool[this.count++];
    a.kind = kind;
    a.unit = unit;
    a.dir = dir;
  }
  spawn(dir: u8): void {
    this.push(SPAWN, 0, dir);
  }
  move(unit: u32, dir: u8): void {
    this.push(MOVE, unit, dir);
  }
  attack(unit: u32, dir: u8): void {
    this.push(ATTACK, unit, dir);
  }
  harvest(unit: u32, dir: u8): void {
    this.push(HARVEST, unit, dir);
  }
}

// ---- Postcard reader -------------------------------------------------------

/** Reads postcard from linear memory. The first error sticks in `error`. */
export class Reader {
  pos: usize;
  end: usize;
  error: string | null = null;

  constructor(ptr: usize, len: usize) {
    this.pos = ptr;
    this.end = ptr + len;
  }

  /** Points the reader at a new message (so a tick needs no new Reader). */
  reset(ptr: usize, len: usize): void {
    this.pos = ptr;
    this.end = ptr + len;
    this.error = null;
  }

  fail(what: string): void {
    if (this.error === null) this.error = what;
  }

  byte(): u8 {
    if (this.pos >= this.end) {
      this.fail("truncated message");
      return 0;
    }
    return load<u8>(this.pos++);
  }

  /** Unsigned LEB128, refused above `max` (a value too big for its type). */
  varint(max: u64): u64 {
    let value: u64 = 0;
    for (let shift: u64 = 0; shift < 70; shift += 7) {
      const b = this.byte();
      if (this.error !== null) return 0;
      if (shift == 63 && (b & 0x7e) != 0) break; // would overflow 64 bits
      value |= u64(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (value > max) break;
        return value;
      }
    }
    this.fail("varint out of range");
    return 0;
  }

  u16(): u16 {
    return u16(this.varint(0xffff));
  }
  u32(): u32 {
    return u32(this.varint(0xffffffff));
  }
  u64(): u64 {
    return this.varint(0xffffffffffffffff);
  }
  /** A list length, checked against the bytes left (each element is >= 1 byte). */
  len(): i32 {
    const n = this.varint(0x7fffffff);
    if (n > u64(this.end - this.pos)) {
      this.fail("list longer than the message");
      return 0;
    }
    return i32(n);
  }
  string(): string {
    const n = this.len();
    if (this.error !== null) return "";
    const s = String.UTF8.decodeUnsafe(this.pos, n);
    this.pos += n;
    return s;
  }
  tag(variants: u8): u8 {
    const t = this.varint(255);
    if (t >= u64(variants)) this.fail("unknown enum variant");
    return u8(t);
  }
  pos2(into: Pos): void {
    into.x = this.u16();
    into.y = this.u16();
  }
  action(into: Action): void {
    into.kind = this.tag(4);
    into.unit = into.kind == SPAWN ? 0 : this.u32();
    into.dir = this.tag(4);
  }
  /** Trailing bytes make a message undecodable (docs/abi.md, section 5). */
  finish(): void {
    if (this.pos != this.end) this.fail("trailing bytes");
  }
}

// ---- Decoders ----------------------------------------------------------------

/** Decodes a MatchInfo; returns null and sets `error` on a malformed message. */
export function decodeMatchInfo(r: Reader): MatchInfo | null {
  const m = new MatchInfo();
  m.abiVersion = r.byte();
  m.you = r.byte();
  m.players = r.byte();
  m.seed = r.u64();
  m.width = r.u16();
  m.height = r.u16();
  for (let i = 0, n = r.len(); i < n && r.error === null; i++) m.rows.push(r.string());
  for (let i = 0, n = r.len(); i < n && r.error === null; i++) {
    const p = new Pos();
    r.pos2(p);
    m.sources.push(p);
  }
  for (let i = 0, n = r.len(); i < n && r.error === null; i++) {
    const c = new CoreInfo();
    c.owner = r.byte();
    r.pos2(c.pos);
    m.cores.push(c);
  }
  const u = m.rules;
  u.coreHp = r.u16();
  u.unitHp = r.u16();
  u.unitDamage = r.u16();
  u.unitCost = r.u32();
  u.startEnergy = r.u32();
  u.coreIncome = r.u32();
  u.harvestAmount = r.u32();
  u.unitVision2 = r.u32();
  u.coreVision2 = r.u32();
  u.maxUnits = r.u16();
  const l = m.limits;
  l.maxTicks = r.u32();
  l.initFuel = r.u64();
  l.tickFuel = r.u64();
  l.maxActions = r.u32();
  l.maxOutputBytes = r.u32();
  l.maxLogLines = r.u32();
  l.maxLogLineBytes = r.u32();
  l.maxMemoryBytes = r.u64();
  r.finish();
  return r.error === null ? m : null;
}

/** Refills `o` from an Observation message; false (and `r.error`) if malformed. */
export function decodeObservation(r: Reader, o: Observation): bool {
  o.tick = r.u32();
  o.energy = r.u32();
  let n = r.len();
  o.units.length = 0;
  for (let i = 0; i < n && r.error === null; i++) {
    const u = o.unitSlot(i);
    u.id = r.u32();
    u.owner = r.byte();
    r.pos2(u.pos);
    u.hp = r.u16();
    o.units.push(u);
  }
  n = r.len();
  o.cores.length = 0;
  for (let i = 0; i < n && r.error === null; i++) {
    const c = o.coreSlot(i);
    c.owner = r.byte();
    r.pos2(c.pos);
    c.hp = r.u16();
    o.cores.push(c);
  }
  n = r.len();
  o.rejected.length = 0;
  for (let i = 0; i < n && r.error === null; i++) {
    const j = o.rejectionSlot(i);
    j.index = r.u32();
    r.action(j.action);
    j.reason = r.tag(11);
    o.rejected.push(j);
  }
  n = r.len();
  o.eliminated.length = 0;
  for (let i = 0; i < n && r.error === null; i++) o.eliminated.push(r.byte());
  r.finish();
  return r.error === null;
}

// ---- Encoder -----------------------------------------------------------------

/** A growable output buffer in linear memory; `ptr()` stays valid until it grows. */
export class Writer {
  private buf: ArrayBuffer = new ArrayBuffer(256);
  len: i32 = 0;

  ptr(): usize {
    return changetype<usize>(this.buf);
  }
  byte(b: u8): void {
    if (this.len == this.buf.byteLength) {
      const bigger = new ArrayBuffer(this.len * 2);
      memory.copy(changetype<usize>(bigger), changetype<usize>(this.buf), this.len);
      this.buf = bigger;
    }
    store<u8>(changetype<usize>(this.buf) + this.len++, b);
  }
  varint(v: u64): void {
    while (v >= 0x80) {
      this.byte(u8(v & 0x7f) | 0x80);
      v >>= 7;
    }
    this.byte(u8(v));
  }
}

/** Encodes `orders` as a postcard Vec<Action> into `w` (which is cleared first). */
export function encodeOrders(orders: Orders, w: Writer): void {
  w.len = 0;
  w.varint(orders.count);
  for (let i = 0; i < orders.count; i++) {
    const a = orders.get(i);
    w.varint(a.kind);
    if (a.kind != SPAWN) w.varint(a.unit);
    w.varint(a.dir);
  }
}
