// The static map as a grid of cells, and the distance fields the bot walks down.
//
// Cells are numbered `y * width + x`. Every search reuses buffers allocated
// once in the constructor, so a tick allocates nothing.

import { MatchInfo } from "./wire";

/** Distance of a cell no search reached. */
export const INF: i32 = 0x3fffffff;

/** The largest extra cost `weighted` accepts for entering a cell. */
export const MAX_PENALTY: i32 = 15;

export class Grid {
  width: i32;
  height: i32;
  cells: i32;
  /** Floor: the only cells a unit may stand on. */
  floor: StaticArray<bool>;
  /** `near[i * 4 + d]`: the cell in direction d (N, E, S, W) of cell i, or -1 off the map. */
  near: StaticArray<i32>;
  /** Like `near`, but -1 unless that cell is floor: precomputed so searches do no coordinate math. */
  floorNear: StaticArray<i32>;

  private queue: StaticArray<i32>;
  // Dial's bucket queue as linked lists in flat arrays (no per-bucket arrays
  // to grow): entry e holds cell `entryCell[e]`, next entry `entryNext[e]`.
  private bucketHead: StaticArray<i32> = new StaticArray<i32>(MAX_PENALTY + 2);
  private entryCell: StaticArray<i32>;
  private entryNext: StaticArray<i32>;

  constructor(info: MatchInfo) {
    // AssemblyScript wants every field set before `this` is read, so the
    // tables are built in locals first.
    const w = i32(info.width);
    const h = i32(info.height);
    const cells = w * h;
    const floor = new StaticArray<bool>(cells);
    for (let y = 0; y < h; y++) {
      const row = info.rows[y];
      for (let x = 0; x < w && x < row.length; x++) {
        floor[y * w + x] = row.charCodeAt(x) == 0x2e; // '.'
      }
    }
    const near = new StaticArray<i32>(cells * 4);
    const floorNear = new StaticArray<i32>(cells * 4);
    for (let i = 0; i < cells; i++) {
      const x = i % w;
      const y = i / w;
      near[i * 4 + 0] = y > 0 ? i - w : -1;
      near[i * 4 + 1] = x + 1 < w ? i + 1 : -1;
      near[i * 4 + 2] = y + 1 < h ? i + w : -1;
      near[i * 4 + 3] = x > 0 ? i - 1 : -1;
      for (let d = 0; d < 4; d++) {
        const n = near[i * 4 + d];
        floorNear[i * 4 + d] = n >= 0 && floor[n] ? n : -1;
      }
    }
    this.width = w;
    this.height = h;
    this.cells = cells;
    this.floor = floor;
    this.near = near;
    this.floorNear = floorNear;
    this.queue = new StaticArray<i32>(cells);
    // Each cell enters the bucket queue at most once per improvement, and an
    // improvement comes from one of its 4 neighbours (or the first seeding).
    this.entryCell = new StaticArray<i32>(cells * 5 + 4);
    this.entryNext = new StaticArray<i32>(cells * 5 + 4);
  }

  idx(x: i32, y: i32): i32 {
    return y * this.width + x;
  }

  /** The direction from cell `a` to the orthogonally adjacent cell `b`, or -1. */
  dirTo(a: i32, b: i32): i32 {
    for (let d = 0; d < 4; d++) if (this.near[a * 4 + d] == b) return d;
    return -1;
  }

  // The searches below read their arrays with unchecked(): every index comes
  // from this grid's own tables (a cell number, or -1 tested first), and a
  // bounds check costs a compare and a branch on each access. It halves the
  // fuel of a search. Everywhere else, plain (checked) indexing.

  /**
   * Plain BFS over floor from `goals[0..count]` (floor cells):
   * `field[i]` = steps from the nearest goal, INF where unreachable.
   */
  bfs(goals: StaticArray<i32>, count: i32, field: StaticArray<i32>): void {
    assert(field.length == this.cells && count <= goals.length);
    field.fill(INF);
    const queue = this.queue;
    const floorNear = this.floorNear;
    let head = 0;
    let tail = 0;
    for (let k = 0; k < count; k++) {
      const g = unchecked(goals[k]);
      if (g >= 0 && this.floor[g] && field[g] == INF) {
        field[g] = 0;
        unchecked((queue[tail++] = g));
      }
    }
    while (head < tail) {
      const i = unchecked(queue[head++]);
      const next = unchecked(field[i]) + 1;
      for (let d = 0; d < 4; d++) {
        const j = unchecked(floorNear[i * 4 + d]);
        if (j >= 0 && unchecked(field[j]) == INF) {
          unchecked((field[j] = next));
          unchecked((queue[tail++] = j));
        }
      }
    }
  }

  /** BFS from the floor cells around `target` (a core or a source). */
  bfsAround(target: i32, field: StaticArray<i32>): void {
    const goals = new StaticArray<i32>(4); // init-time only
    for (let d = 0; d < 4; d++) goals[d] = this.floorNear[target * 4 + d];
    this.bfs(goals, 4, field);
  }

  /**
   * Weighted distance from the floor around `target`: entering cell i costs
   * 1 + penalty[i] (penalty <= MAX_PENALTY). Dial's algorithm: costs in flight
   * span at most MAX_PENALTY + 1, so a ring of MAX_PENALTY + 2 buckets never
   * wraps onto the one being drained. O(cells), no heap, no allocation.
   */
  weighted(target: i32, penalty: StaticArray<u8>, field: StaticArray<i32>): void {
    assert(field.length == this.cells && penalty.length == this.cells);
    const ring = MAX_PENALTY + 2;
    const heads = this.bucketHead;
    const cellOf = this.entryCell;
    const nextOf = this.entryNext;
    const floorNear = this.floorNear;
    field.fill(INF);
    heads.fill(-1);
    let entries = 0;
    let pending = 0;
    for (let d = 0; d < 4; d++) {
      const i = floorNear[target * 4 + d];
      if (i < 0) continue;
      const c = i32(penalty[i]);
      if (c < field[i]) {
        field[i] = c;
        cellOf[entries] = i;
        nextOf[entries] = heads[c % ring];
        heads[c % ring] = entries++;
        pending++;
      }
    }
    for (let cur = 0; pending > 0; cur++) {
      const slot = cur % ring;
      let e = unchecked(heads[slot]);
      unchecked((heads[slot] = -1)); // new entries always land in later buckets
      while (e >= 0) {
        pending--;
        const i = unchecked(cellOf[e]);
        e = unchecked(nextOf[e]);
        if (unchecked(field[i]) != cur) continue; // stale: reached more cheaply since
        for (let d = 0; d < 4; d++) {
          const j = unchecked(floorNear[i * 4 + d]);
          if (j < 0) continue;
          const c = cur + 1 + i32(unchecked(penalty[j]));
          if (c < unchecked(field[j])) {
            unchecked((field[j] = c));
            const b = c % ring;
            unchecked((cellOf[entries] = j));
            unchecked((nextOf[entries] = unchecked(heads[b])));
            unchecked((heads[b] = entries++));
            pending++;
          }
        }
      }
    }
  }
}
