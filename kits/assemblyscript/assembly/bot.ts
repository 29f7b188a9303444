// Prospector: harvest, hold, then strike in waves.
//
// Every unit gets a role for life when it is first seen:
// - harvester (the first units, one per source-side cell near the core, at
//   most MAX_HARVESTERS): walks to its own cell next to an energy source and
//   harvests every tick. Each one adds an energy per tick to the core's one,
//   so the core soon spawns every other tick instead of every tenth.
// - soldier: waits on a rally cell a few steps out, on the side facing the
//   enemy, and goes for any enemy unit that comes near the core. When
//   WAVE_SIZE soldiers are waiting they all march, together, to the nearest
//   enemy core and hit it. Late in the match, or at the unit cap, whoever
//   waits marches, so the core is hit before the tick limit.
// Everyone first hits an adjacent enemy core, else the weakest adjacent enemy.
//
// Paths: plain BFS fields for the static goals (home, each harvest cell, the
// rally cells), computed once; for marching, a weighted field from the target
// core every tick (Dial's algorithm): a cell with one of our marching units
// costs a little more, an enemy more, a settled unit of ours (harvesting or
// waiting) most, so the wave flows round the crowd and spreads over every
// side of the core. Units act nearest-to-goal first, so a column follows its
// leader in the same tick, and no two of ours are sent into one cell.

import { Grid, INF } from "./grid";
import { log } from "./log";
import { Plan } from "./plan";
import { MatchInfo, Observation, Orders } from "./wire";

const MAX_HARVESTERS = 4;
/** Source-side cells farther than this from the core are not worth the walk. */
const HARVEST_REACH = 16;
/** Soldiers gathered before a wave marches. */
const WAVE_SIZE = 6;
/** Enemy units this many steps from the core (or closer) are intruders. */
const THREAT_STEPS = 6;
/** Units this close to home answer intruders. */
const GUARD_STEPS = 10;
/** Rally cells lie this many steps from the core. */
const RALLY_MIN = 2;
const RALLY_MAX = 4;
const RALLY_CELLS = 12;
/** Waiting soldiers leave anyway when the tick limit is this close, beyond the march. */
const LATE_MARGIN = 40;
/** Extra march cost of a cell holding one of our marching units, an enemy, a settled unit of ours. */
const MARCH_PENALTY: u8 = 2;
const ENEMY_PENALTY: u8 = 4;
const SETTLED_PENALTY: u8 = 8;

const HARVESTER: u8 = 0;
const WAITING: u8 = 1;
const MARCHING: u8 = 2;

/** Inserts `v` at `at`, shifting the rest up (AssemblyScript arrays have no insert). */
function insertAt<T>(list: Array<T>, at: i32, v: T): void {
  list.push(v);
  for (let i = list.length - 1; i > at; i--) list[i] = list[i - 1];
  list[at] = v;
}

export class Bot {
  me: u8;
  grid: Grid;
  plan: Plan;
  core: i32 = -1;
  unitCost: u32;
  maxUnits: i32;
  maxTicks: u32;
  /** splitmix64 state, seeded from MatchInfo.seed: the only randomness. */
  rng: u64;

  /** Steps from the floor around our core. */
  home: StaticArray<i32>;
  /** Enemy cores, nearest first by walking distance from ours. */
  targetOwner: Array<u8> = [];
  targetCell: Array<i32> = [];
  targetDist: Array<i32> = [];
  /** Index into the target lists of the core we go for; -1 before the first tick. */
  current: i32 = -1;
  /** BFS from the rally cells, which face the current target. */
  rallyField: StaticArray<i32>;

  /** Harvest cells (floor next to a source), nearest first, with the source's side and a BFS field each. */
  spotCell: Array<i32> = [];
  spotDir: Array<u8> = [];
  spotField: Array<StaticArray<i32>> = [];
  spotHeld: Array<bool> = [];

  /** Roles of our living units, sorted by id; rebuilt each tick, so the dead drop out. */
  roleId: Array<u32> = [];
  roleKind: Array<u8> = [];
  roleSpot: Array<i32> = [];
  private oldId: Array<u32> = [];
  private oldKind: Array<u8> = [];
  private oldSpot: Array<i32> = [];

  // This tick.
  penalty: StaticArray<u8>;
  marchField: StaticArray<i32>;
  defField: StaticArray<i32>;
  defending: bool = false;
  /** Our units this tick, in the order they act: index into obs.units, role slot, sort key. */
  private actUnit: Array<i32> = [];
  private actRole: Array<i32> = [];
  private actKey: Array<i32> = [];
  private goals: StaticArray<i32>;

  constructor(info: MatchInfo) {
    const g = new Grid(info);
    const cells = g.cells;
    this.me = info.you;
    this.grid = g;
    this.plan = new Plan(info.you, g);
    this.unitCost = info.rules.unitCost;
    this.maxUnits = i32(info.rules.maxUnits);
    this.maxTicks = info.limits.maxTicks;
    this.rng = info.seed;
    this.home = new StaticArray<i32>(cells);
    this.rallyField = new StaticArray<i32>(cells);
    this.penalty = new StaticArray<u8>(cells);
    this.marchField = new StaticArray<i32>(cells);
    this.defField = new StaticArray<i32>(cells);
    this.goals = new StaticArray<i32>(cells);
    for (let k = 0; k < info.cores.length; k++) {
      const c = info.cores[k];
      if (c.owner == info.you) this.core = g.idx(c.pos.x, c.pos.y);
    }
    if (this.core < 0) {
      this.home.fill(INF); // no core of ours on the map: the bot stays idle
    } else {
      g.bfsAround(this.core, this.home);
      this.findTargets(info);
      this.findSpots(info);
    }
    if (this.targetCell.length > 0) {
      log(
        "prospector: player " + this.me.toString() + " goes for the core of player " +
          this.targetOwner[0].toString() + ", " + this.targetDist[0].toString() +
          " steps away; " + this.spotCell.length.toString() + " harvest cells",
      );
    }
  }

  /** Orders for this tick, into `orders`. */
  tick(obs: Observation, orders: Orders): void {
    const plan = this.plan;
    plan.begin(obs, orders);
    if (this.core < 0) return;
    this.syncRoles(obs);
    this.pickTarget(obs);
    this.decideWave(obs);
    this.findIntruders(obs);
    this.computeMarchField(obs);
    this.sortActors(obs);
    for (let n = 0; n < this.actUnit.length; n++) this.act(obs, this.actUnit[n], this.actRole[n]);
    this.spawn(obs);
  }

  // ---- Setup (once) ----------------------------------------------------------

  private findTargets(info: MatchInfo): void {
    const g = this.grid;
    for (let k = 0; k < info.cores.length; k++) {
      const c = info.cores[k];
      if (c.owner == this.me) continue;
      const cell = g.idx(c.pos.x, c.pos.y);
      let dist = INF;
      for (let d = 0; d < 4; d++) {
        const f = g.floorNear[cell * 4 + d];
        if (f >= 0 && this.home[f] < dist) dist = this.home[f];
      }
      // Sorted by (distance, owner); cores arrive by owner already.
      let at = this.targetCell.length;
      while (at > 0 && this.targetDist[at - 1] > dist) at--;
      insertAt<u8>(this.targetOwner, at, c.owner);
      insertAt<i32>(this.targetCell, at, cell);
      insertAt<i32>(this.targetDist, at, dist);
    }
  }

  private findSpots(info: MatchInfo): void {
    const g = this.grid;
    // Every floor cell next to a source, at most HARVEST_REACH steps out but
    // not next to the core (those cells are where units are spawned).
    const cells: Array<i32> = [];
    const dirs: Array<u8> = [];
    for (let s = 0; s < info.sources.length; s++) {
      const src = g.idx(info.sources[s].x, info.sources[s].y);
      for (let d = 0; d < 4; d++) {
        const f = g.floorNear[src * 4 + d];
        if (f < 0 || this.home[f] == 0 || this.home[f] > HARVEST_REACH) continue;
        if (cells.includes(f)) continue; // next to two sources: still one harvester
        let at = cells.length;
        while (at > 0 && (this.home[cells[at - 1]] > this.home[f] ||
          (this.home[cells[at - 1]] == this.home[f] && cells[at - 1] > f))) at--;
        insertAt<i32>(cells, at, f);
        insertAt<u8>(dirs, at, u8((d + 2) % 4)); // from the spot back to the source
      }
    }
    for (let k = 0; k < cells.length && k < MAX_HARVESTERS; k++) {
      const field = new StaticArray<i32>(g.cells);
      this.goals[0] = cells[k];
      g.bfs(this.goals, 1, field);
      this.spotCell.push(cells[k]);
      this.spotDir.push(dirs[k]);
      this.spotField.push(field);
      this.spotHeld.push(false);
    }
  }

  /** Rally cells: RALLY_MIN..RALLY_MAX steps out, nearest to the target first. */
  private placeRally(target: i32): void {
    const g = this.grid;
    const toTarget = this.marchField; // scratch: rebuilt before any march
    g.bfsAround(target, toTarget);
    let count = 0;
    for (let i = 0; i < g.cells; i++) {
      const h = this.home[i];
      if (h < RALLY_MIN || h > RALLY_MAX || toTarget[i] == INF || this.spotCell.includes(i)) continue;
      // Keep the RALLY_CELLS best in `goals`, sorted by distance to the target.
      let at = count;
      while (at > 0 && toTarget[this.goals[at - 1]] > toTarget[i]) at--;
      if (at >= RALLY_CELLS) continue;
      if (count < RALLY_CELLS) count++;
      for (let j = count - 1; j > at; j--) this.goals[j] = this.goals[j - 1];
      this.goals[at] = i;
    }
    g.bfs(this.goals, count, this.rallyField);
  }

  // ---- Each tick ---------------------------------------------------------------

  /** Carries each unit's role over from last tick (both lists are sorted by id); new units get one. */
  private syncRoles(obs: Observation): void {
    const oldId = this.roleId, oldKind = this.roleKind, oldSpot = this.roleSpot;
    this.roleId = this.oldId;
    this.roleKind = this.oldKind;
    this.roleSpot = this.oldSpot;
    this.oldId = oldId;
    this.oldKind = oldKind;
    this.oldSpot = oldSpot;
    this.roleId.length = 0;
    this.roleKind.length = 0;
    this.roleSpot.length = 0;
    this.spotHeld.fill(false);
    let k = 0;
    for (let n = 0; n < obs.units.length; n++) {
      const u = obs.units[n];
      if (u.owner != this.me) continue;
      while (k < oldId.length && oldId[k] < u.id) k++;
      let kind = WAITING;
      let spot = -1;
      if (k < oldId.length && oldId[k] == u.id) {
        kind = oldKind[k];
        spot = oldSpot[k];
      }
      this.roleId.push(u.id);
      this.roleKind.push(kind);
      this.roleSpot.push(spot);
      if (spot >= 0) this.spotHeld[spot] = true;
    }
    // Units seen for the first time: they were not in last tick's list.
    k = 0;
    for (let r = 0; r < this.roleId.length; r++) {
      const id = this.roleId[r];
      while (k < oldId.length && oldId[k] < id) k++;
      if (k < oldId.length && oldId[k] == id) continue;
      const spot = this.freeSpot();
      if (spot >= 0) {
        this.roleKind[r] = HARVESTER;
        this.roleSpot[r] = spot;
        this.spotHeld[spot] = true;
      }
    }
  }

  private freeSpot(): i32 {
    for (let s = 0; s < this.spotHeld.length; s++) if (!this.spotHeld[s]) return s;
    return -1;
  }

  /** The nearest enemy core still in the match; the rally cells face it. */
  private pickTarget(obs: Observation): void {
    let t = this.current < 0 ? 0 : this.current;
    while (t < this.targetOwner.length && obs.eliminated.includes(this.targetOwner[t])) t++;
    if (t >= this.targetOwner.length) t = -1;
    if (t != this.current && t >= 0) this.placeRally(this.targetCell[t]);
    this.current = t;
  }

  /** Sends the waiting soldiers when there are enough, when time runs short, or at the unit cap. */
  private decideWave(obs: Observation): void {
    if (this.current < 0) return;
    let waiting = 0;
    for (let r = 0; r < this.roleKind.length; r++) if (this.roleKind[r] == WAITING) waiting++;
    const late = i64(obs.tick) + i64(this.targetDist[this.current]) + LATE_MARGIN >= i64(this.maxTicks);
    const full = this.roleId.length >= this.maxUnits - 1;
    if (waiting >= WAVE_SIZE || (waiting > 0 && (late || full))) {
      for (let r = 0; r < this.roleKind.length; r++) {
        if (this.roleKind[r] == WAITING) this.roleKind[r] = MARCHING;
      }
    }
  }

  /** Enemy units near our core: a BFS field from them for the guards to walk down. */
  private findIntruders(obs: Observation): void {
    const g = this.grid;
    let count = 0;
    for (let n = 0; n < obs.units.length; n++) {
      const u = obs.units[n];
      if (u.owner == this.me) continue;
      const c = g.idx(u.pos.x, u.pos.y);
      if (c < g.cells && this.home[c] <= THREAT_STEPS) this.goals[count++] = c;
    }
    this.defending = count > 0;
    if (this.defending) g.bfs(this.goals, count, this.defField);
  }

  private computeMarchField(obs: Observation): void {
    let marching = false;
    for (let r = 0; r < this.roleKind.length; r++) marching = marching || this.roleKind[r] == MARCHING;
    if (!marching || this.current < 0) return;
    const g = this.grid;
    this.penalty.fill(0);
    let r = 0;
    for (let n = 0; n < obs.units.length; n++) {
      const u = obs.units[n];
      const c = g.idx(u.pos.x, u.pos.y);
      let cost = ENEMY_PENALTY;
      if (u.owner == this.me) cost = this.roleKind[r++] == MARCHING ? MARCH_PENALTY : SETTLED_PENALTY;
      if (c < g.cells) this.penalty[c] = cost;
    }
    g.weighted(this.targetCell[this.current], this.penalty, this.marchField);
  }

  /** The field a unit walks down this tick, by its role. */
  private fieldOf(kind: u8, spot: i32, cell: i32): StaticArray<i32> {
    if (kind == HARVESTER) return this.spotField[spot];
    if (this.defending && this.home[cell] <= GUARD_STEPS && (kind == WAITING || this.home[cell] <= THREAT_STEPS)) {
      return this.defField;
    }
    if (kind == MARCHING && this.current >= 0) return this.marchField;
    return this.rallyField;
  }

  /** Our units, nearest to their goal first, so a column follows its leader in one tick. */
  private sortActors(obs: Observation): void {
    this.actUnit.length = 0;
    this.actRole.length = 0;
    this.actKey.length = 0;
    const g = this.grid;
    let r = 0;
    for (let n = 0; n < obs.units.length; n++) {
      const u = obs.units[n];
      if (u.owner != this.me) continue;
      const role = r++;
      const c = g.idx(u.pos.x, u.pos.y);
      if (c >= g.cells || !g.floor[c]) continue;
      const key = this.fieldOf(this.roleKind[role], this.roleSpot[role], c)[c];
      let at = this.actKey.length; // insertion sort: stable, so ties stay in id order
      while (at > 0 && this.actKey[at - 1] > key) at--;
      insertAt<i32>(this.actUnit, at, n);
      insertAt<i32>(this.actRole, at, role);
      insertAt<i32>(this.actKey, at, key);
    }
  }

  private act(obs: Observation, n: i32, role: i32): void {
    const plan = this.plan;
    const u = obs.units[n];
    const c = this.grid.idx(u.pos.x, u.pos.y);
    let dir = plan.enemyCoreNextTo(c);
    if (dir < 0) dir = plan.weakestEnemyNextTo(c);
    if (dir >= 0) {
      plan.orders.attack(u.id, u8(dir));
      return;
    }
    const kind = this.roleKind[role];
    const spot = this.roleSpot[role];
    if (kind == HARVESTER && c == this.spotCell[spot]) {
      plan.orders.harvest(u.id, this.spotDir[spot]);
      return;
    }
    const field = this.fieldOf(kind, spot, c);
    const weighted = field == this.marchField;
    dir = this.downhill(field, c, weighted);
    if (dir < 0) return;
    // Lost this very contest last tick? Half the time, hold and hit the cell
    // instead (at random, so two such bots cannot lock each other up).
    if (plan.contested(u.id, c, dir) && (this.nextRandom() & 1) == 0) {
      plan.orderAmbush(u.id, c, dir);
    } else {
      plan.orderMove(u.id, c, dir);
    }
  }

  /**
   * The best step down `field` from cell c into a cell we may enter, or -1.
   * On the weighted march field our own units' penalties do not count where
   * they are leaving (their cell is free this tick) nor on our own cell.
   */
  private downhill(field: StaticArray<i32>, c: i32, weighted: bool): i32 {
    const here = field[c];
    if (here == INF) return -1;
    let best = weighted ? here - i32(this.penalty[c]) : here;
    let dir = -1;
    for (let d = 0; d < 4; d++) {
      const n = this.grid.floorNear[c * 4 + d];
      if (n < 0 || !this.plan.canEnter(n)) continue;
      let v = field[n];
      if (weighted && this.plan.who[n] != 0) v -= i32(this.penalty[n]);
      if (v < best) {
        best = v;
        dir = d;
      }
    }
    return dir;
  }

  private spawn(obs: Observation): void {
    if (obs.energy < this.unitCost || this.roleId.length >= this.maxUnits) return;
    const g = this.grid;
    const plan = this.plan;
    // Towards the harvest cell it will take, else towards the rally cells.
    const spot = this.freeSpot();
    const field = spot >= 0 ? this.spotField[spot] : this.rallyField;
    // Prefer a cell that is empty and no enemy can step into; else any empty
    // one; else one our own unit is leaving this tick.
    let bestDir = -1;
    let bestKey: i64 = i64.MAX_VALUE;
    for (let d = 0; d < 4; d++) {
      const n = g.floorNear[this.core * 4 + d];
      if (n < 0 || !plan.canEnter(n)) continue;
      const tier: i64 = plan.isFree(n) ? (plan.enemyNextTo(n, -1) ? 1 : 0) : 2;
      const key = (tier << 32) + i64(field[n]);
      if (key < bestKey) {
        bestKey = key;
        bestDir = d;
      }
    }
    if (bestDir >= 0) plan.orderSpawn(this.core, bestDir);
  }

  /** splitmix64. */
  private nextRandom(): u64 {
    this.rng += 0x9e3779b97f4a7c15;
    let z = this.rng;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
}
