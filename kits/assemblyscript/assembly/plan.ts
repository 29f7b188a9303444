// This tick's orders under construction, with who stands where, so that no
// two of our units are sent into one cell, nobody walks into a unit that
// stays, and the core never spawns onto a cell that will still be occupied.

import { Grid } from "./grid";
import { MOVE, MOVE_COLLIDED, Observation, Orders } from "./wire";

export class Plan {
  me: u8;
  grid: Grid;
  obs: Observation = new Observation(); // replaced by `begin`
  orders: Orders = new Orders();
  /** 1 + index into obs.units of the unit on each cell; 0 = nobody. */
  who: StaticArray<i32>;
  enemyAt: StaticArray<bool>;
  /** One of our moves or the spawn targets this cell. */
  taken: StaticArray<bool>;
  /** Our unit here moves away this tick, to a cell no enemy can contest. */
  leaving: StaticArray<bool>;
  /** Last tick's moves that collided (from obs.rejected): unit and direction. */
  private bumpedUnit: Array<u32> = [];
  private bumpedDir: Array<u8> = [];

  constructor(me: u8, grid: Grid) {
    this.me = me;
    this.grid = grid;
    this.who = new StaticArray<i32>(grid.cells);
    this.enemyAt = new StaticArray<bool>(grid.cells);
    this.taken = new StaticArray<bool>(grid.cells);
    this.leaving = new StaticArray<bool>(grid.cells);
  }

  /** Starts a tick: forgets the last one and records where every visible unit is. */
  begin(obs: Observation, orders: Orders): void {
    this.obs = obs;
    this.orders = orders;
    this.who.fill(0);
    this.enemyAt.fill(false);
    this.taken.fill(false);
    this.leaving.fill(false);
    this.bumpedUnit.length = 0;
    this.bumpedDir.length = 0;
    for (let k = 0; k < obs.rejected.length; k++) {
      const r = obs.rejected[k];
      if (r.action.kind == MOVE && r.reason == MOVE_COLLIDED) {
        this.bumpedUnit.push(r.action.unit);
        this.bumpedDir.push(r.action.dir);
      }
    }
    for (let k = 0; k < obs.units.length; k++) {
      const u = obs.units[k];
      if (i32(u.pos.x) >= this.grid.width || i32(u.pos.y) >= this.grid.height) continue;
      const c = this.grid.idx(u.pos.x, u.pos.y);
      this.who[c] = k + 1;
      this.enemyAt[c] = u.owner != this.me;
    }
  }

  /** Whether one of our units may be sent into cell c: floor, not claimed, empty or being left. */
  canEnter(c: i32): bool {
    return c >= 0 && this.grid.floor[c] && !this.taken[c] && (this.who[c] == 0 || this.leaving[c]);
  }

  /** Like canEnter, but only for cells that are empty right now. */
  isFree(c: i32): bool {
    return c >= 0 && this.grid.floor[c] && !this.taken[c] && this.who[c] == 0;
  }

  /** Whether an enemy unit stands next to cell c, other than on cell `except`. */
  enemyNextTo(c: i32, except: i32): bool {
    for (let d = 0; d < 4; d++) {
      const n = this.grid.near[c * 4 + d];
      if (n >= 0 && n != except && this.enemyAt[n]) return true;
    }
    return false;
  }

  orderMove(unit: u32, from: i32, dir: i32): void {
    const to = this.grid.near[from * 4 + dir];
    this.taken[to] = true;
    // An enemy next to `to` may want it too; then both stay, and so would
    // anyone following us: only a safe move frees our cell for the next one.
    this.leaving[from] = !this.enemyNextTo(to, from);
    this.orders.move(unit, u8(dir));
  }

  /** Attacks the cell in `dir` (whoever steps in gets hit) and keeps our own out of it. */
  orderAmbush(unit: u32, from: i32, dir: i32): void {
    this.taken[this.grid.near[from * 4 + dir]] = true;
    this.orders.attack(unit, u8(dir));
  }

  orderSpawn(core: i32, dir: i32): void {
    this.taken[this.grid.near[core * 4 + dir]] = true;
    this.orders.spawn(u8(dir));
  }

  /**
   * Whether moving `unit` from `from` in `dir` is a contest it lost last tick:
   * the same move collided and an enemy stands next to the cell, ready to
   * step in again. Moving again would just collide again.
   */
  contested(unit: u32, from: i32, dir: i32): bool {
    for (let k = 0; k < this.bumpedUnit.length; k++) {
      if (this.bumpedUnit[k] == unit && i32(this.bumpedDir[k]) == dir) {
        return this.enemyNextTo(this.grid.near[from * 4 + dir], from);
      }
    }
    return false;
  }

  /** The direction of the weakest enemy unit next to cell c (ties: lowest id), or -1. */
  weakestEnemyNextTo(c: i32): i32 {
    let best = -1;
    let bestHp: i32 = 0x7fffffff;
    let bestId: u32 = 0xffffffff;
    for (let d = 0; d < 4; d++) {
      const n = this.grid.near[c * 4 + d];
      if (n < 0 || !this.enemyAt[n]) continue;
      const u = this.obs.units[this.who[n] - 1];
      if (i32(u.hp) < bestHp || (i32(u.hp) == bestHp && u.id < bestId)) {
        best = d;
        bestHp = i32(u.hp);
        bestId = u.id;
      }
    }
    return best;
  }

  /** The direction of a visible live enemy core next to cell c (lowest owner first), or -1. */
  enemyCoreNextTo(c: i32): i32 {
    for (let k = 0; k < this.obs.cores.length; k++) {
      const core = this.obs.cores[k];
      if (core.owner == this.me || core.hp == 0) continue;
      const d = this.grid.dirTo(c, this.grid.idx(core.pos.x, core.pos.y));
      if (d >= 0) return d;
    }
    return -1;
  }
}
