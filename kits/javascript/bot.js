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
// them, and a breadth-first search over the 24x24 duel map costs about 5 M.
// So the big searches (distance fields) run once, in init(), and a tick only
// looks at each unit's four neighbours.
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

const DIRECTIONS = ["North", "East", "South", "West"];
const FAR = 0x3fffffff;    // the distance of a cell no search reached

// ---- What we know about the match (set once, in init) ----------------------

let me;             // our player id
let rules;          // MatchInfo.rules: unit_cost, max_units, ...
let maxTicks;
let width, height;
let neighbours;     // Int32Array: neighbours[cell * 4 + dir] = the floor cell there, or -1
let coreCell;       // our core
let home;           // Field: steps from the floor around our core
let targets = [];   // enemy cores, nearest first: { owner, cell, steps, field }
let coreNextTo;     // Int8Array: the direction of the enemy core next to a cell, or -1
let spots = [];     // harvest spots: { cell, dir, field }
let keepClear;      // Uint8Array: spots and the paths to them; nobody waits there
const roster = new Map(); // unit id -> { job: "harvester" | "soldier", spot, marching }

// ---- This tick (set at the start of every tick) ----------------------------

let units;          // obs.units
let occupant;       // Int32Array: 1 + index into units of whoever stands on a cell, or 0
let enemiesNear;    // Uint8Array: how many enemy units stand next to a cell
let taken;          // Uint8Array: 1 where a unit stands (and stays) or one of our moves goes
let collided;       // Map: unit id -> the direction its move collided in last tick
let actions;        // the orders we return

// Cells are numbered y * width + x; a Pos {x, y} becomes one number.
const cellOf = (pos) => pos.y * width + pos.x;

// The floor cells next to `cell` (a core, a source, ...).
function floorAround(cell) {
  const around = [];
  for (let dir = 0; dir < 4; dir++) {
    const next = neighbours[cell * 4 + dir];
    if (next >= 0) around.push(next);
  }
  return around;
}

// The direction from `from` to the next cell `to` (any kind of cell), or -1.
function directionTo(from, to) {
  const dx = (to % width) - (from % width);
  const dy = Math.floor(to / width) - Math.floor(from / width);
  if (dx === 0 && dy === -1) return 0;
  if (dx === 1 && dy === 0) return 1;
  if (dx === 0 && dy === 1) return 2;
  if (dx === -1 && dy === 0) return 3;
  return -1;
}

// A breadth-first distance field over floor: steps[cell] is the number of
// steps from `cell` to the nearest goal (FAR if none is reachable). Units
// find their way by stepping to a neighbour with fewer steps. On big maps a
// whole field costs more than a tick's budget, so a field can be built in
// slices: build(limit) processes at most `limit` cells and can be called
// again next tick. `maxSteps` stops the search early for fields that are
// only needed near their goals.
class Field {
  constructor(goals, maxSteps = FAR) {
    this.steps = new Int32Array(width * height).fill(FAR);
    this.queue = new Int32Array(width * height);
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

  build(limit = Infinity) {
    // Local copies: reading a local is cheaper than reading `this.x`.
    const { steps, queue, maxSteps } = this;
    let { head, tail } = this;
    for (let count = 0; count < limit && head < tail; count++) {
      const cell = queue[head++];
      const next = steps[cell] + 1;
      if (next > maxSteps) continue;
      for (let i = cell * 4, end = i + 4; i < end; i++) {
        const n = neighbours[i];
        if (n >= 0 && steps[n] === FAR) {
          steps[n] = next;
          queue[tail++] = n;
        }
      }
    }
    this.head = head;
    this.tail = tail;
    return this;
  }
}

// Whether a unit standing still on `cell` would wall off the cells around it:
// its floor neighbours are not all joined to each other round the corners
// of its 3x3 square. Harvesters and waiting soldiers avoid such cells.
function isCut(cell) {
  let sides = 0;
  let links = 0;
  for (let dir = 0; dir < 4; dir++) {
    const side = neighbours[cell * 4 + dir];
    if (side < 0) continue;
    sides++;
    const turn = (dir + 1) % 4;
    if (neighbours[cell * 4 + turn] >= 0 && neighbours[side * 4 + turn] >= 0) links++;
  }
  const groups = links === 4 ? 1 : sides - links;
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
  const cells = width * height;

  // Which cells are floor, then each cell's floor neighbours.
  const floor = new Uint8Array(cells);
  info.rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) if (row[x] === ".") floor[y * width + x] = 1;
  });
  neighbours = new Int32Array(cells * 4).fill(-1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const cell = y * width + x;
      const i = cell * 4;
      if (y > 0 && floor[cell - width]) neighbours[i] = cell - width;
      if (x + 1 < width && floor[cell + 1]) neighbours[i + 1] = cell + 1;
      if (y + 1 < height && floor[cell + width]) neighbours[i + 2] = cell + width;
      if (x > 0 && floor[cell - 1]) neighbours[i + 3] = cell - 1;
    }
  }
  occupant = new Int32Array(cells);
  enemiesNear = new Uint8Array(cells);
  taken = new Uint8Array(cells);

  coreCell = cellOf(info.cores.find((core) => core.owner === me).pos);
  home = new Field(floorAround(coreCell)).build();

  // Enemy cores, nearest first. Their fields are built a slice per tick
  // (buildNextField): on a 64x64 map one field costs 50 M fuel, so building
  // even two here would not fit init's budget.
  const stepsFromHome = (cell) => Math.min(FAR, ...floorAround(cell).map((n) => home.steps[n]));
  targets = info.cores
    .filter((core) => core.owner !== me)
    .map((core) => ({ owner: core.owner, cell: cellOf(core.pos), steps: stepsFromHome(cellOf(core.pos)) }))
    .sort((a, b) => a.steps - b.steps || a.owner - b.owner);
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
    Math.abs((t.cell % width) - (cell % width)) + Math.abs(Math.floor(t.cell / width) - Math.floor(cell / width))));
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

  keepClear = new Uint8Array(width * height);
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
  const mine = [];
  for (const u of units) {
    if (u.owner !== me) continue;
    u.cell = cellOf(u.pos);
    u.toTarget = march ? march[u.cell] : 0;
    mine.push(u);
  }
  mine.sort((a, b) => a.toTarget - b.toTarget);
  for (const unit of mine) act(obs, unit, roster.get(unit.id), march, door);

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
  units.forEach((u, index) => {
    const cell = cellOf(u.pos);
    occupant[cell] = index + 1;
    taken[cell] = 1;
    if (u.owner === me) return;
    for (let dir = 0; dir < 4; dir++) {
      const next = neighbours[cell * 4 + dir];
      if (next >= 0) enemiesNear[next]++;
    }
  });
  collided = new Map();
  for (const { action, reason } of obs.rejected) {
    if (reason === "MoveCollided" && action.Move) collided.set(action.Move.unit, action.Move.dir);
  }
  actions = [];
}

// Builds a slice of the next field we may need: the nearest enemy core
// still alive whose field is not built yet.
function buildNextField(obs) {
  const next = targets.find((t) => !t.field.done && !obs.eliminated.includes(t.owner));
  if (next) next.field.build(FIELD_SLICE);
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
  const late = obs.tick + target.steps + LATE_MARGIN >= maxTicks;
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
  const core = cell + [-width, 1, width, -1][dir];
  return targets.find((t) => t.cell === core).owner;
}

// The direction of the weakest enemy unit next to `cell`, or -1.
function weakestEnemyNextTo(cell) {
  let best = -1;
  let weakest = null;
  for (let dir = 0; dir < 4; dir++) {
    const enemy = enemyOn(neighbours[cell * 4 + dir]);
    if (enemy && (!weakest || enemy.hp < weakest.hp)) {
      best = dir;
      weakest = enemy;
    }
  }
  return best;
}

// The enemy unit standing on `cell`, or null.
function enemyOn(cell) {
  if (cell < 0 || occupant[cell] === 0) return null;
  const u = units[occupant[cell] - 1];
  return u.owner === me ? null : u;
}

// Whether one of our units may be sent into `cell` this tick.
const canEnter = (cell) => cell >= 0 && taken[cell] === 0;

// Moves `unit` one step down `field` to a neighbour it may enter. When the
// way down is blocked, it steps sideways now and then (to flow round the
// unit in front).
function stepDown(obs, unit, field) {
  const cell = unit.cell;
  const here = field[cell];
  let best = -1;
  let bestSteps = here;
  let blocked = false; // a cell nearer the goal exists but is taken
  for (let dir = 0; dir < 4; dir++) {
    const next = neighbours[cell * 4 + dir];
    if (next < 0) continue;
    if (!canEnter(next)) {
      blocked ||= field[next] < here;
    } else if (field[next] < bestSteps) {
      best = dir;
      bestSteps = field[next];
    }
  }
  // Blocked: every other tick, try a neighbour just as near the goal.
  if (best < 0 && blocked && (obs.tick + unit.id) % 2 === 0) {
    for (let dir = 0; dir < 4 && best < 0; dir++) {
      const next = neighbours[cell * 4 + dir];
      if (next >= 0 && canEnter(next) && field[next] === here) best = dir;
    }
  }
  if (best < 0) return;

  const to = neighbours[cell * 4 + best];
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
    const cell = neighbours[coreCell * 4 + dir];
    if (!canEnter(cell)) continue;
    const score = (enemiesNear[cell] > 0 ? 1e6 : 0) + (march ? march[cell] : 0);
    if (score < bestScore) {
      best = dir;
      bestScore = score;
    }
  }
  if (best >= 0) {
    taken[neighbours[coreCell * 4 + best]] = 1;
    actions.push({ Spawn: { dir: DIRECTIONS[best] } });
  }
}

// Adds a unit order: Move, Attack or Harvest.
function order(kind, unit, dir) {
  actions.push({ [kind]: { unit, dir: DIRECTIONS[dir] } });
}
