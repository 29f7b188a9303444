// bot.js: the JavaScript starter kit's bot. Harvest, gather, strike.
//
// Every new unit gets a job for life:
// - harvester: every other new unit, until the harvest spots near home are
//   taken. It walks to its spot (a floor cell next to an energy source) and
//   harvests every tick. Eight of them turn the core's 1 energy a tick into
//   9: a new unit almost every tick instead of one every ten.
// - soldier: walks a few steps out from the core and waits there. When
//   WAVE_SIZE soldiers are waiting, they all march on the nearest enemy core
//   together (one by one they would just die) and hit it.
// Every unit first hits an enemy core next to it, else the weakest enemy
// unit next to it. Enemy units close to home pull the soldiers onto them.
//
// Fuel: your script is interpreted, and every step costs fuel. One turn of a
// simple loop costs about 1,000 fuel, so a tick's 20 M buys some 20,000 of
// them, and a breadth-first search costs some 13,000 fuel a cell: 7 M on the
// 24x24 duel map, 45 M on the 64x64 arena. So the big searches (distance
// fields) run in init() or a slice per tick, never whole in a tick, and a
// tick only looks at each unit's four neighbours. Where native code can do
// the per-cell work (fill, slice, a regular expression), init lets it.
//
// No randomness and no clock: the same match always gives the same orders.

// ---- Tuning knobs ----------------------------------------------------------

const MAX_HARVESTERS = 8;  // more income than a unit a tick would be wasted
const SPOT_REACH = 20;     // harvest spots farther from home are not worth the walk
const WAVE_SIZE = 6;       // soldiers that wait for each other before marching
const RALLY_STEPS = 3;     // waiting soldiers stand at least this far out from the core
const THREAT_STEPS = 6;    // enemy units this close to home are intruders
const GUARD_STEPS = 8;     // marching soldiers this close to home turn back for intruders
const LATE_MARGIN = 40;    // march anyway when the match ends this soon after arriving
const FIELD_SLICE = 150;   // cells per tick when a distance field is built over several ticks
const HOME_IN_INIT = 8000; // cells of the home field built in init (the rest, a slice per tick)

const DIRECTIONS = ["North", "East", "South", "West"];
const FAR = 0x3fffffff;    // the distance of a floor cell no search reached
const WALL = FAR + 1;      // the "distance" of a wall, a source or a core

// ---- What we know about the match (set once, in init) ----------------------

let me;             // our player id
let rules;          // MatchInfo.rules: unit_cost, max_units, ...
let maxTicks;
let width, height;   // the map's size
let W;              // cells in a row of our grid: the map's width + 2 (a wall all round)
let STEP;           // Int32Array: STEP[dir] = what to add to a cell to go one step in dir
let floor;          // Uint8Array: 1 where a unit may stand (floor), 0 elsewhere
let unvisited;      // Int32Array: FAR on floor, WALL elsewhere (a new field's start)
let coreCell;       // our core
let home;           // Field: steps from the floor around our core
let targets = [];   // enemy cores, nearest first: { owner, cell, steps, field }
let coreNextTo;     // Int8Array: the direction of the enemy core next to a cell, or -1
let spots = [];     // harvest spots: { cell, dir, field }
let keepClear;      // Uint8Array: spots and the paths to them; nobody waits there
let cutCache;       // Int8Array: isCut's answers so far
const roster = new Map(); // unit id -> { job: "harvester" | "soldier", spot, marching }

// ---- This tick (set at the start of every tick) ----------------------------

let units;          // obs.units
let occupant;       // Int32Array: 1 + index into units of whoever stands on a cell, or 0
let enemiesNear;    // Uint8Array: how many enemy units stand next to a cell
let taken;          // Uint8Array: 1 where a unit stands (and stays) or one of our moves goes
let collided;       // Map: unit id -> the direction its move collided in last tick
let actions;        // the orders we return

// Cells are numbered on a grid one cell larger than the map on every side,
// so that every map cell has four neighbours (the border is wall): the map's
// (x, y) is cell (y + 1) * W + x + 1, and the cell one step in direction
// `dir` is cell + STEP[dir], with no bounds to check.
const cellOf = (pos) => (pos.y + 1) * W + pos.x + 1;

// The floor cells next to `cell` (a core, a source, ...).
function floorAround(cell) {
  const around = [];
  for (let dir = 0; dir < 4; dir++) {
    const next = cell + STEP[dir];
    if (floor[next] === 1) around.push(next);
  }
  return around;
}

// The direction from `from` to the next cell `to` (any kind of cell), or -1.
const directionTo = (from, to) => STEP.indexOf(to - from);

// A breadth-first distance field over floor: steps[cell] is the number of
// steps from `cell` to the nearest goal (the goals are floor cells), FAR if
// none is reachable, WALL on walls, sources and cores. Units find their way
// by stepping to a neighbour with fewer steps. On big maps a whole field
// costs a good part of a tick's budget, so a field can be built in slices:
// build(limit) processes at most `limit` cells and can be called again next
// tick. `maxSteps` stops the search early for fields that are only needed
// near their goals.
class Field {
  constructor(goals, maxSteps = FAR) {
    this.steps = unvisited.slice(); // a native copy: far cheaper than a loop
    this.queue = new Int32Array(floor.length);
    this.head = 0;
    this.tail = 0;
    this.maxSteps = maxSteps;
    for (const goal of goals) {
      if (this.steps[goal] === FAR) {
        this.steps[goal] = 0;
        this.queue[this.tail++] = goal;
      }
    }
  }

  get done() {
    return this.head === this.tail;
  }

  build(limit = FAR) {
    // This loop is where the fuel goes: every cell of the map passes through
    // it once, at some 13,000 fuel a cell. Local copies (cheaper than
    // `this.x`), the four neighbours written out, and walls told apart by
    // their steps (WALL, never FAR) keep it at that.
    const { steps, queue, maxSteps } = this;
    const w = W;
    let { head, tail } = this;
    for (let count = 0; count < limit && head < tail; count++) {
      const cell = queue[head++];
      const next = steps[cell] + 1;
      if (next > maxSteps) {
        head = tail; // breadth first: every cell left is as far or farther
        break;
      }
      let n = cell - w;
      if (steps[n] === FAR) { steps[n] = next; queue[tail++] = n; }
      n = cell + 1;
      if (steps[n] === FAR) { steps[n] = next; queue[tail++] = n; }
      n = cell + w;
      if (steps[n] === FAR) { steps[n] = next; queue[tail++] = n; }
      n = cell - 1;
      if (steps[n] === FAR) { steps[n] = next; queue[tail++] = n; }
    }
    this.head = head;
    this.tail = tail;
    return this;
  }
}

// Whether a unit standing still on `cell` would wall off the cells around it:
// its floor neighbours are not all joined to each other round the corners
// of its 3x3 square. Harvesters and waiting soldiers avoid such cells.
// Waiting soldiers ask every tick, so the answers are kept (cutCache: 0 not
// asked yet, 1 cut, 2 not cut).
function isCut(cell) {
  if (cutCache[cell] !== 0) return cutCache[cell] === 1;
  let sides = 0;
  let links = 0;
  for (let dir = 0; dir < 4; dir++) {
    const side = cell + STEP[dir];
    if (floor[side] === 0) continue;
    sides++;
    const turn = STEP[(dir + 1) % 4];
    if (floor[cell + turn] === 1 && floor[side + turn] === 1) links++;
  }
  const groups = links === 4 ? 1 : sides - links;
  cutCache[cell] = groups > 1 ? 1 : 2;
  return groups > 1;
}

// ---- init: the map, once ---------------------------------------------------

function init(info) {
  me = info.you;
  rules = info.rules;
  maxTicks = info.limits.max_ticks;
  roster.clear(); // a fresh start (tests call init more than once)
  width = info.width;
  height = info.height;
  W = width + 2;
  STEP = Int32Array.of(-W, 1, W, -1);
  const cells = W * (height + 2);

  // Which cells are floor. A loop over every cell would cost some 8,000
  // fuel a cell (35 M on a 64x64 map); instead, the map becomes one string
  // whose character i is cell i (a wall all round), a regular expression
  // finds each run of floor in it, and fill() marks the run: the work per
  // cell is done by native code, at a few hundred fuel a cell.
  const wall = "#".repeat(W);
  const grid = wall + info.rows.map((row) => `#${row}#`).join("") + wall;
  floor = new Uint8Array(cells);
  unvisited = new Int32Array(cells).fill(WALL);
  const floorRun = /\.+/g;
  for (let run = floorRun.exec(grid); run !== null; run = floorRun.exec(grid)) {
    const end = run.index + run[0].length;
    floor.fill(1, run.index, end);
    unvisited.fill(FAR, run.index, end);
  }
  cutCache = new Int8Array(cells);
  occupant = new Int32Array(cells);
  enemiesNear = new Uint8Array(cells);
  taken = new Uint8Array(cells);

  coreCell = cellOf(info.cores.find((core) => core.owner === me).pos);
  // Steps from home: the whole map, unless it is huge (a field costs some
  // 13,000 fuel a cell, and init gets 200 M); the rest then comes a slice
  // per tick. The harvest spots are near home, so they are known already.
  home = new Field(floorAround(coreCell)).build(HOME_IN_INIT);

  // Enemy cores, nearest first. Their fields are built a slice per tick
  // (buildNextField): on a 64x64 map one field costs 45 M fuel, and an
  // 8-player map has seven of them.
  targets = info.cores
    .filter((core) => core.owner !== me)
    .map((core) => ({ owner: core.owner, cell: cellOf(core.pos) }));
  sortTargets();
  coreNextTo = new Int8Array(cells).fill(-1);
  for (const target of targets) {
    target.field = new Field(floorAround(target.cell));
    for (const cell of floorAround(target.cell)) coreNextTo[cell] = directionTo(cell, target.cell);
  }

  chooseSpots(info);
  console.log(`js-kit: player ${me}, ${spots.length} harvest spots, ` +
    `${targets.length} enemy cores, the nearest ${targets[0]?.steps} steps away`);
}

// Harvest spots: floor next to a source, not on the ring round our core
// (spawns go there), not a cut cell, nearer to us than to any enemy core,
// nearest first. A harvester walks to its spot down the spot's own (short)
// field.
function chooseSpots(info) {
  // Steps to an enemy core are at least its Manhattan distance.
  const enemyReach = (cell) => Math.min(...targets.map((t) =>
    Math.abs((t.cell % W) - (cell % W)) + Math.abs(Math.floor(t.cell / W) - Math.floor(cell / W))));
  const candidates = [];
  for (const source of info.sources) {
    const sourceCell = cellOf(source);
    for (const cell of floorAround(sourceCell)) {
      const steps = home.steps[cell];
      if (steps === 0 || steps > SPOT_REACH || isCut(cell) || steps >= enemyReach(cell)) continue;
      if (candidates.some((spot) => spot.cell === cell)) continue;
      candidates.push({ cell, dir: directionTo(cell, sourceCell), steps });
    }
  }
  candidates.sort((a, b) => a.steps - b.steps || a.cell - b.cell);
  // Each harvester pays for itself after unit_cost / harvest_amount ticks.
  const worth = Math.max(2, Math.floor(rules.unit_cost / Math.max(1, rules.harvest_amount)));
  spots = candidates.slice(0, Math.min(MAX_HARVESTERS, worth));

  keepClear = new Uint8Array(floor.length);
  for (const spot of spots) {
    spot.field = new Field([spot.cell], spot.steps + 4).build();
    // Keep the spot and one shortest way from home to it clear.
    let cell = spot.cell;
    keepClear[cell] = 1;
    while (home.steps[cell] > 0) {
      cell = floorAround(cell).find((n) => home.steps[n] === home.steps[cell] - 1);
      keepClear[cell] = 1;
    }
  }
}

// ---- tick: every turn ------------------------------------------------------

function tick(obs) {
  startPlan(obs);
  const target = targets.find((t) => !obs.eliminated.includes(t.owner));
  buildNextField(obs);
  const waiting = updateRoster(obs);

  // Intruders: enemy units a few steps from our core. A short field from
  // them leads the defenders in.
  const intruders = [];
  for (const u of units) {
    const cell = cellOf(u.pos);
    if (u.owner !== me && home.steps[cell] <= THREAT_STEPS) intruders.push(cell);
  }
  const door = intruders.length > 0 ? new Field(intruders, GUARD_STEPS + 2).build() : null;

  const march = target && target.field.done ? target.field.steps : null;
  updateWave(obs, target, waiting);

  // Our units nearest the target first, so that a column follows its leader
  // in the same tick (the leader's cell is free once it is ordered away).
  // Each unit becomes one number, steps * 65536 + its index in `units`: a
  // typed array of numbers sorts natively, far cheaper than sort() calling
  // a comparison function hundreds of times.
  const mine = [];
  for (let index = 0; index < units.length; index++) {
    const u = units[index];
    if (u.owner !== me) continue;
    u.cell = cellOf(u.pos);
    mine.push((march ? Math.min(march[u.cell], 0xffff) : 0) * 65536 + index);
  }
  for (const key of Float64Array.from(mine).sort()) {
    const unit = units[key % 65536];
    act(obs, unit, roster.get(unit.id), march, door);
  }

  spawn(obs, march);
  return actions;
}

// Forgets last tick's plan; notes where every visible unit stands, which
// cells enemies could hit or step into, and which of our moves collided.
function startPlan(obs) {
  units = obs.units;
  occupant.fill(0);
  enemiesNear.fill(0);
  taken.fill(0);
  for (let index = 0; index < units.length; index++) {
    const u = units[index];
    const cell = cellOf(u.pos);
    occupant[cell] = index + 1;
    taken[cell] = 1;
    if (u.owner === me) continue;
    for (let dir = 0; dir < 4; dir++) enemiesNear[cell + STEP[dir]]++;
  }
  collided = new Map();
  for (const { action, reason } of obs.rejected) {
    if (reason === "MoveCollided" && action.Move) collided.set(action.Move.unit, action.Move.dir);
  }
  actions = [];
}

// Builds a slice of the next field we may need: the nearest enemy core
// still alive whose field is not built yet.
function buildNextField(obs) {
  if (!home.done) {
    if (home.build(FIELD_SLICE).done) sortTargets();
    return;
  }
  const next = targets.find((t) => !t.field.done && !obs.eliminated.includes(t.owner));
  if (next) next.field.build(FIELD_SLICE);
}

// Notes how many steps each enemy core is from home (FAR while the home
// field does not reach it yet), and puts the nearest first.
function sortTargets() {
  for (const target of targets) {
    target.steps = Math.min(FAR, ...floorAround(target.cell).map((n) => home.steps[n]));
  }
  targets.sort((a, b) => a.steps - b.steps || a.owner - b.owner);
}

// Carries the jobs of units still alive over, and gives new units theirs.
// Returns how many soldiers wait for the next wave.
function updateRoster(obs) {
  const newcomers = [];
  for (const u of units) {
    if (u.owner !== me) continue;
    const member = roster.get(u.id);
    if (member) member.seen = obs.tick;
    else newcomers.push(u.id);
  }
  let harvesters = 0;
  let soldiers = 0;
  let waiting = 0;
  const taken = [];
  for (const [id, member] of roster) {
    if (member.seen !== obs.tick) {
      roster.delete(id); // dead
    } else if (member.job === "harvester") {
      harvesters++;
      taken[member.spot] = true;
    } else {
      soldiers++;
      if (!member.marching) waiting++;
    }
  }
  for (const id of newcomers) {
    // Every other new unit harvests, until the spots are taken.
    const spot = spots.findIndex((_, index) => !taken[index]);
    if (spot >= 0 && harvesters <= soldiers + 1) {
      roster.set(id, { job: "harvester", spot, marching: false, seen: obs.tick });
      taken[spot] = true;
      harvesters++;
    } else {
      roster.set(id, { job: "soldier", spot: -1, marching: false, seen: obs.tick });
      soldiers++;
      waiting++;
    }
  }
  return waiting;
}

// Sends every waiting soldier when the wave is full, when the match is
// about to end, or when we are at the unit cap.
function updateWave(obs, target, waiting) {
  if (!target || waiting === 0) return;
  const late = target.steps < FAR && obs.tick + target.steps + LATE_MARGIN >= maxTicks;
  const full = roster.size + 1 >= rules.max_units;
  if (waiting < WAVE_SIZE && !late && !full) return;
  for (const member of roster.values()) member.marching = member.job === "soldier";
  if (!late && !full) console.log(`tick ${obs.tick}: a wave of ${waiting} marches`);
}

// One unit's order: fight, then do its job.
function act(obs, unit, member, march, door) {
  const cell = unit.cell;

  // An enemy core next to us (a target still in the match), else the
  // weakest enemy unit next to us.
  const coreDir = coreNextTo[cell];
  if (coreDir >= 0 && !obs.eliminated.includes(ownerOfCore(cell, coreDir))) {
    order("Attack", unit.id, coreDir);
    return;
  }
  if (enemiesNear[cell] > 0) {
    order("Attack", unit.id, weakestEnemyNextTo(cell));
    return;
  }

  if (member.job === "harvester") {
    const spot = spots[member.spot];
    if (cell === spot.cell) order("Harvest", unit.id, spot.dir);
    else if (spot.field.steps[cell] < FAR) stepDown(obs, unit, spot.field.steps);
    else stepDown(obs, unit, home.steps); // pushed off the way: go home first
    return;
  }

  if (door && door.steps[cell] < FAR && (!member.marching || home.steps[cell] <= GUARD_STEPS)) {
    stepDown(obs, unit, door.steps);
    return;
  }
  if (!march) return;
  // A waiting soldier stays once it is far enough out, off the harvesters' way.
  if (!member.marching && home.steps[cell] >= RALLY_STEPS && !keepClear[cell] && !isCut(cell)) return;
  stepDown(obs, unit, march);
}

// The owner of the core next to `cell` in direction `dir`.
function ownerOfCore(cell, dir) {
  const core = cell + STEP[dir];
  return targets.find((t) => t.cell === core).owner;
}

// The direction of the weakest enemy unit next to `cell`, or -1.
function weakestEnemyNextTo(cell) {
  let best = -1;
  let weakest = null;
  for (let dir = 0; dir < 4; dir++) {
    const enemy = enemyOn(cell + STEP[dir]);
    if (enemy && (!weakest || enemy.hp < weakest.hp)) {
      best = dir;
      weakest = enemy;
    }
  }
  return best;
}

// The enemy unit standing on `cell`, or null.
function enemyOn(cell) {
  if (occupant[cell] === 0) return null;
  const u = units[occupant[cell] - 1];
  return u.owner === me ? null : u;
}

// Whether one of our units may be sent into `cell` this tick.
const canEnter = (cell) => floor[cell] === 1 && taken[cell] === 0;

// Moves `unit` one step down `field` to a neighbour it may enter. When the
// way down is blocked, it steps sideways now and then (to flow round the
// unit in front).
function stepDown(obs, unit, field) {
  const cell = unit.cell;
  const here = field[cell];
  let best = -1;
  let bestSteps = here;
  let blocked = false; // a cell nearer the goal exists but is taken
  // A wall's steps are WALL, more than any floor cell's: no need to ask
  // whether a neighbour is floor before comparing its steps.
  for (let dir = 0; dir < 4; dir++) {
    const next = cell + STEP[dir];
    const steps = field[next];
    if (steps >= here) continue;
    if (taken[next] === 1) blocked = true;
    else if (steps < bestSteps) {
      best = dir;
      bestSteps = steps;
    }
  }
  // Blocked: every other tick, try a neighbour just as near the goal.
  if (best < 0 && blocked && (obs.tick + unit.id) % 2 === 0) {
    for (let dir = 0; dir < 4 && best < 0; dir++) {
      const next = cell + STEP[dir];
      if (field[next] === here && taken[next] === 0) best = dir;
    }
  }
  if (best < 0) return;

  const to = cell + STEP[best];
  taken[to] = 1;
  if (enemiesNear[to] > 0) {
    // An enemy may step into `to` too; then neither moves. If that already
    // happened last tick, hit the cell instead: whoever steps in gets hurt.
    if (collided.get(unit.id) === DIRECTIONS[best]) order("Attack", unit.id, best);
    else order("Move", unit.id, best);
    return;
  }
  taken[cell] = 0; // uncontested: whoever follows us may take our cell
  order("Move", unit.id, best);
}

// A new unit whenever we can afford one, on the free cell round the core
// that is nearest the target, preferring cells no enemy can step into.
function spawn(obs, march) {
  if (obs.energy < rules.unit_cost || roster.size >= rules.max_units) return;
  let best = -1;
  let bestScore = Infinity;
  for (let dir = 0; dir < 4; dir++) {
    const cell = coreCell + STEP[dir];
    if (!canEnter(cell)) continue;
    const score = (enemiesNear[cell] > 0 ? 1e6 : 0) + (march ? march[cell] : 0);
    if (score < bestScore) {
      best = dir;
      bestScore = score;
    }
  }
  if (best >= 0) {
    taken[coreCell + STEP[best]] = 1;
    actions.push({ Spawn: { dir: DIRECTIONS[best] } });
  }
}

// Adds a unit order: Move, Attack or Harvest.
function order(kind, unit, dir) {
  actions.push({ [kind]: { unit, dir: DIRECTIONS[dir] } });
}
