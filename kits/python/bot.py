# bot.py: the Python starter kit's bot. Harvest, gather, strike.
#
# Every new unit gets a job for life:
# - harvester: every other new unit, until the harvest spots near home are
#   taken. It walks to its spot (a floor cell next to an energy source) and
#   harvests every tick. Eight of them turn the core's 1 energy a tick into
#   9: a new unit almost every tick instead of one every ten.
# - soldier: walks a few steps out from the core and waits there. When
#   WAVE_SIZE soldiers are waiting, they all march on the nearest enemy core
#   together (one by one they would just die) and hit it.
# Every unit first hits an enemy core next to it, else the weakest enemy
# unit next to it. Enemy units close to home pull the soldiers onto them.
#
# Fuel: your script is interpreted (pocketpy), and every step costs fuel. One
# turn of a simple loop costs about 1,000 fuel, so a tick's 20 M buys some
# 20,000 of them, and a breadth-first search costs some 9,500 fuel a cell:
# 5 M on the 24x24 duel map, 33 M on the 64x64 arena. So the big searches
# (distance fields) run in init() or a slice per tick, never whole in a
# tick, and a tick only looks at each unit's four neighbours. Per-cell data
# lives in flat lists indexed by cell number, never in objects per cell.
#
# No randomness and no clock: the same match always gives the same orders.

import gc

# ---- Tuning knobs ----------------------------------------------------------

MAX_HARVESTERS = 8    # more income than a unit a tick would be wasted
SPOT_REACH = 20       # harvest spots farther from home are not worth the walk
WAVE_SIZE = 6         # soldiers that wait for each other before marching
RALLY_STEPS = 3       # waiting soldiers stand at least this far out from the core
THREAT_STEPS = 6      # enemy units this close to home are intruders
GUARD_STEPS = 8       # marching soldiers this close to home turn back for intruders
LATE_MARGIN = 40      # march anyway when the match ends this soon after arriving
FIELD_SLICE = 150     # cells per tick when a distance field is built over several ticks
HOME_IN_INIT = 5000   # cells of the home field built in init (the rest, a slice per tick)
GC_EVERY = 8          # ticks between two garbage collections (see tick())

DIRECTIONS = ("North", "East", "South", "West")
FAR = 0x3FFFFFFF      # the distance of a floor cell no search reached
WALL = FAR + 1        # the "distance" of a wall, a source or a core

# ---- What we know about the match (set once, in init) ----------------------

me = 0              # our player id
rules = None        # MatchInfo.rules: unit_cost, max_units, ...
max_ticks = 0
W = 0               # cells in a row of our grid: the map's width + 2 (a wall all round)
STEP = ()           # STEP[dir]: what to add to a cell to go one step in direction dir
floor = []          # True where a unit may stand (floor), False elsewhere
unvisited = []      # FAR on floor, WALL elsewhere: a new field's start
zeros = []          # all 0: copied to reset the per-tick lists (copy() is native, cheap)
core_cell = 0       # our core
home = None         # Field: steps from the floor around our core
targets = []        # enemy cores, nearest first (Target)
core_next_to = []   # the direction of the enemy core next to a cell, or -1
spots = []          # harvest spots (Spot), nearest first
keep_clear = []     # 1 on the spots and the paths to them: nobody waits there
cut_cache = []      # is_cut's answers so far: 0 not asked yet, 1 cut, 2 not cut
roster = {}         # unit id -> Member: its job for life

# ---- This tick (set at the start of every tick) ----------------------------

units = []          # obs.units (each gets a .cell)
occupant = []       # 1 + index into units of whoever stands on a cell, or 0
enemies_near = []   # how many enemy units stand next to a cell
taken = []          # 1 where a unit stands (and stays) or one of our moves goes
collided = {}       # unit id -> the direction ("North"...) its move collided in last tick
actions = []        # the orders we return


class Target:
    """An enemy core: its owner, its cell, our steps to it and its field."""
    __slots__ = ("owner", "cell", "steps", "field")

    def __init__(self, owner, cell):
        self.owner = owner
        self.cell = cell
        self.steps = FAR
        self.field = None


class Spot:
    """A harvest spot: the floor cell, the direction of its source, its steps from home."""
    __slots__ = ("cell", "dir", "steps", "field")

    def __init__(self, cell, dir, steps):
        self.cell = cell
        self.dir = dir
        self.steps = steps
        self.field = None


class Member:
    """One of our units: its job ("harvester" or "soldier") and its state."""
    __slots__ = ("job", "spot", "marching", "seen")

    def __init__(self, job, spot, seen):
        self.job = job
        self.spot = spot        # index into spots (harvesters), -1 for soldiers
        self.marching = False
        self.seen = seen        # the last tick it was alive


# Cells are numbered on a grid one cell larger than the map on every side,
# so that every map cell has four neighbours (the border is wall): the map's
# (x, y) is cell (y + 1) * W + x + 1, and the cell one step in direction
# `dir` is cell + STEP[dir], with no bounds to check.
def cell_of(pos):
    return (pos.y + 1) * W + pos.x + 1


def floor_around(cell):
    """The floor cells next to `cell` (a core, a source, ...)."""
    return [cell + step for step in STEP if floor[cell + step]]


def direction_to(frm, to):
    """The direction from `frm` to the next cell `to` (any kind of cell), or -1."""
    delta = to - frm
    for dir in range(4):
        if STEP[dir] == delta:
            return dir
    return -1


class Field:
    """A breadth-first distance field over floor.

    steps[cell] is the number of steps from `cell` to the nearest goal (the
    goals are floor cells), FAR if none is reachable, WALL on walls, sources
    and cores. Units find their way by stepping to a neighbour with fewer
    steps. On big maps a whole field costs more than a tick's budget, so a
    field can be built in slices: build(limit) processes at most `limit`
    cells and can be called again next tick. `max_steps` stops the search
    early for fields that are only needed near their goals.
    """

    def __init__(self, goals, max_steps=None):
        # (pocketpy: a default value must be a literal, so None, not FAR)
        self.steps = unvisited.copy()  # native copy: ~25 fuel a cell, a loop costs 100 times more
        self.queue = []                # cells in the order they were reached
        self.head = 0                  # queue[head:] are reached but not expanded yet
        self.max_steps = FAR if max_steps is None else max_steps
        for goal in goals:
            if self.steps[goal] == FAR:
                self.steps[goal] = 0
                self.queue.append(goal)

    @property
    def done(self):
        return self.head == len(self.queue)

    def build(self, limit=None):
        # This loop is where the fuel goes: every cell of the map passes
        # through it once, at some 9,500 fuel a cell. Locals (cheaper than
        # globals and self.x), the four neighbours written out, walls told
        # apart by their steps (WALL, never FAR), and `for cell in batch`
        # (cheaper than a while loop and an index) keep it at that. A batch
        # is the part of the queue not expanded yet; cells found while it
        # runs go to the next batch, so the order stays breadth first.
        steps = self.steps
        queue = self.queue
        w = W
        far = FAR
        max_steps = self.max_steps
        if limit is None:
            limit = FAR
        while limit > 0 and self.head < len(queue):
            batch = queue[self.head:self.head + limit]
            self.head += len(batch)
            limit -= len(batch)
            for cell in batch:
                reached = steps[cell] + 1
                if reached > max_steps:
                    # Breadth first: every cell left is as far or farther.
                    self.forget_queue()
                    return self
                if steps[cell - w] == far:
                    steps[cell - w] = reached
                    queue.append(cell - w)
                if steps[cell + 1] == far:
                    steps[cell + 1] = reached
                    queue.append(cell + 1)
                if steps[cell + w] == far:
                    steps[cell + w] = reached
                    queue.append(cell + w)
                if steps[cell - 1] == far:
                    steps[cell - 1] = reached
                    queue.append(cell - 1)
        if self.head == len(queue):
            self.forget_queue()
        return self

    def forget_queue(self):
        # A finished field needs no queue: dropping it saves memory, and fuel
        # at every garbage collection (which reads every item of every list).
        self.queue = []
        self.head = 0


def is_cut(cell):
    """Whether a unit standing still on `cell` would wall off the cells around it.

    Its floor neighbours are not all joined to each other round the corners
    of its 3x3 square. Harvesters and waiting soldiers avoid such cells.
    Waiting soldiers ask every tick, so the answers are kept in cut_cache.
    """
    if cut_cache[cell] != 0:
        return cut_cache[cell] == 1
    sides = 0
    links = 0
    for dir in range(4):
        side = cell + STEP[dir]
        if not floor[side]:
            continue
        sides += 1
        turn = STEP[(dir + 1) % 4]
        if floor[cell + turn] and floor[side + turn]:
            links += 1
    groups = 1 if links == 4 else sides - links
    cut_cache[cell] = 1 if groups > 1 else 2
    return groups > 1


# ---- init: the map, once ---------------------------------------------------

def init(info):
    global me, rules, max_ticks, W, STEP, floor, unvisited, zeros, core_cell
    global home, targets, core_next_to, cut_cache, occupant, enemies_near, taken
    me = info.you
    rules = info.rules
    max_ticks = info.limits.max_ticks
    roster.clear()  # a fresh start (the tests call init more than once)
    W = info.width + 2
    STEP = (-W, 1, W, -1)

    # The map as one string whose character i is cell i (a wall all round),
    # then one list comprehension per list: ~1,800 fuel a cell each, about
    # 8 M on the 64x64 arena. Never index a long string in a loop: pocketpy's
    # str[i] walks the string from its start (60,000 fuel on that map).
    wall = "#" * W
    grid = wall + "".join(["#" + row + "#" for row in info.rows]) + wall
    floor = [ch == "." for ch in grid]
    unvisited = [FAR if ch == "." else WALL for ch in grid]
    zeros = [0] * len(grid)
    cut_cache = zeros.copy()
    occupant = zeros.copy()
    enemies_near = zeros.copy()
    taken = zeros.copy()

    for core in info.cores:
        if core.owner == me:
            core_cell = cell_of(core.pos)
    # Steps from home: the whole map, unless it is huge (a field costs some
    # 9,500 fuel a cell, and init gets 200 M); the rest then comes a slice
    # per tick. The harvest spots are near home, so they are known already.
    home = Field(floor_around(core_cell)).build(HOME_IN_INIT)

    # Enemy cores, nearest first. Their fields are built a slice per tick
    # (build_next_field): on a 64x64 map one field costs 33 M fuel, and an
    # 8-player map has seven of them.
    targets = [Target(core.owner, cell_of(core.pos)) for core in info.cores if core.owner != me]
    sort_targets()
    core_next_to = [-1] * len(grid)
    for target in targets:
        target.field = Field(floor_around(target.cell))
        for cell in floor_around(target.cell):
            core_next_to[cell] = direction_to(cell, target.cell)

    choose_spots(info)
    nearest = targets[0].steps if targets else None
    print(f"py-kit: player {me}, {len(spots)} harvest spots, {len(targets)} enemy cores, "
          + f"the nearest {nearest} steps away")  # pocketpy: no implicit "a" "b" joining


def enemy_reach(cell):
    """A lower bound of the steps from `cell` to the nearest enemy core (Manhattan)."""
    x, y = cell % W, cell // W
    reach = FAR
    for target in targets:
        d = abs(target.cell % W - x) + abs(target.cell // W - y)
        if d < reach:
            reach = d
    return reach


def choose_spots(info):
    """Harvest spots: floor next to a source, nearest first.

    Not on the ring round our core (spawns go there), not a cut cell, nearer
    to us than to any enemy core. A harvester walks to its spot down the
    spot's own (short) field.
    """
    global spots, keep_clear
    candidates = []
    for source in info.sources:
        source_cell = cell_of(source)
        for cell in floor_around(source_cell):
            steps = home.steps[cell]
            if steps == 0 or steps > SPOT_REACH or is_cut(cell) or steps >= enemy_reach(cell):
                continue
            if cell in [spot.cell for spot in candidates]:
                continue
            candidates.append(Spot(cell, direction_to(cell, source_cell), steps))
    candidates.sort(key=lambda spot: (spot.steps, spot.cell))
    # Each harvester pays for itself after unit_cost / harvest_amount ticks.
    worth = max(2, rules.unit_cost // max(1, rules.harvest_amount))
    spots = candidates[:min(MAX_HARVESTERS, worth)]

    keep_clear = zeros.copy()
    for spot in spots:
        spot.field = Field([spot.cell], spot.steps + 4).build()
        # Keep the spot and one shortest way from home to it clear.
        cell = spot.cell
        keep_clear[cell] = 1
        while home.steps[cell] > 0:
            for n in floor_around(cell):
                if home.steps[n] == home.steps[cell] - 1:
                    cell = n
                    break
            keep_clear[cell] = 1


# ---- tick: every turn ------------------------------------------------------

# pocketpy collects garbage when enough objects were made since the last
# time, and it raises that threshold as it goes (up to 160,000 objects):
# late in a match one collection then costs 10 to 20 M fuel, in one tick,
# enough to run the tick out of fuel. Collecting ourselves, a few ticks'
# garbage at a time, costs 1.5 to 2.5 M every GC_EVERY ticks instead.
gc.disable()


def tick(obs):
    if obs.tick % GC_EVERY == 0:
        gc.collect()
    start_plan(obs)
    target = None
    for t in targets:
        if t.owner not in obs.eliminated:
            target = t
            break
    build_next_field(obs)
    waiting = update_roster(obs)

    # Intruders: enemy units a few steps from our core. A short field from
    # them leads the defenders in.
    intruders = [u.cell for u in units if u.owner != me and home.steps[u.cell] <= THREAT_STEPS]
    door = Field(intruders, GUARD_STEPS + 2).build() if intruders else None

    march = target.field.steps if target is not None and target.field.done else None
    update_wave(obs, target, waiting)

    # Our units nearest the target first, so that a column follows its leader
    # in the same tick (the leader's cell is free once it is ordered away).
    # Each unit becomes one number, steps * 65536 + its index in `units`: a
    # list of ints sorts natively, far cheaper than sort(key=...) calling a
    # Python function for every unit.
    mine = []
    for index in range(len(units)):
        u = units[index]
        if u.owner != me:
            continue
        steps = march[u.cell] if march is not None else 0
        mine.append((steps if steps < 0xFFFF else 0xFFFF) * 65536 + index)
    mine.sort()
    for key in mine:
        unit = units[key % 65536]
        act(obs, unit, roster[unit.id], march, door)

    spawn(obs, march)
    return actions


def start_plan(obs):
    """Forgets last tick's plan; notes where every visible unit stands, which
    cells enemies could hit or step into, and which of our moves collided."""
    global units, occupant, enemies_near, taken, collided, actions
    units = obs.units
    occupant = zeros.copy()
    enemies_near = zeros.copy()
    taken = zeros.copy()
    for index in range(len(units)):
        u = units[index]
        cell = cell_of(u.pos)
        u.cell = cell  # observation objects take new attributes: saves cell_of later
        occupant[cell] = index + 1
        taken[cell] = 1
        if u.owner != me:
            for step in STEP:
                enemies_near[cell + step] += 1
    collided = {}
    for rejected in obs.rejected:
        if rejected.reason == "MoveCollided" and "Move" in rejected.action:
            move = rejected.action.Move
            collided[move.unit] = move.dir
    actions = []


def build_next_field(obs):
    """Builds a slice of the next field we may need: the home field while it
    is not whole, else the nearest enemy core still alive whose field is not
    built yet."""
    if not home.done:
        if home.build(FIELD_SLICE).done:
            sort_targets()
        return
    for target in targets:
        if not target.field.done and target.owner not in obs.eliminated:
            target.field.build(FIELD_SLICE)
            return


def sort_targets():
    """Notes how many steps each enemy core is from home (FAR while the home
    field does not reach it yet), and puts the nearest first."""
    for target in targets:
        target.steps = FAR
        for cell in floor_around(target.cell):
            if home.steps[cell] < target.steps:
                target.steps = home.steps[cell]
    targets.sort(key=lambda target: (target.steps, target.owner))


def update_roster(obs):
    """Carries the jobs of units still alive over, and gives new units theirs.
    Returns how many soldiers wait for the next wave."""
    newcomers = []
    for u in units:
        if u.owner != me:
            continue
        member = roster.get(u.id)
        if member is not None:
            member.seen = obs.tick
        else:
            newcomers.append(u.id)
    harvesters = 0
    soldiers = 0
    waiting = 0
    spot_taken = [False] * len(spots)
    for uid in list(roster):
        member = roster[uid]
        if member.seen != obs.tick:
            del roster[uid]  # dead
        elif member.job == "harvester":
            harvesters += 1
            spot_taken[member.spot] = True
        else:
            soldiers += 1
            if not member.marching:
                waiting += 1
    for uid in newcomers:
        # Every other new unit harvests, until the spots are taken.
        spot = spot_taken.index(False) if False in spot_taken else -1
        if spot >= 0 and harvesters <= soldiers + 1:
            roster[uid] = Member("harvester", spot, obs.tick)
            spot_taken[spot] = True
            harvesters += 1
        else:
            roster[uid] = Member("soldier", -1, obs.tick)
            soldiers += 1
            waiting += 1
    return waiting


def update_wave(obs, target, waiting):
    """Sends every waiting soldier when the wave is full, when the match is
    about to end, or when we are at the unit cap."""
    if target is None or waiting == 0:
        return
    late = target.steps < FAR and obs.tick + target.steps + LATE_MARGIN >= max_ticks
    full = len(roster) + 1 >= rules.max_units
    if waiting < WAVE_SIZE and not late and not full:
        return
    for member in roster.values():
        member.marching = member.job == "soldier"
    if not late and not full:
        print(f"tick {obs.tick}: a wave of {waiting} marches")


def act(obs, unit, member, march, door):
    """One unit's order: fight, then do its job."""
    cell = unit.cell

    # An enemy core next to us (a target still in the match), else the
    # weakest enemy unit next to us.
    core_dir = core_next_to[cell]
    if core_dir >= 0 and owner_of_core(cell, core_dir) not in obs.eliminated:
        order("Attack", unit.id, core_dir)
        return
    if enemies_near[cell] > 0:
        order("Attack", unit.id, weakest_enemy_next_to(cell))
        return

    if member.job == "harvester":
        spot = spots[member.spot]
        if cell == spot.cell:
            order("Harvest", unit.id, spot.dir)
        elif spot.field.steps[cell] < FAR:
            step_down(obs, unit, spot.field.steps)
        else:
            step_down(obs, unit, home.steps)  # pushed off the way: go home first
        return

    if door is not None and door.steps[cell] < FAR and (
            not member.marching or home.steps[cell] <= GUARD_STEPS):
        step_down(obs, unit, door.steps)
        return
    if march is None:
        return
    # A waiting soldier stays once it is far enough out, off the harvesters' way.
    if (not member.marching and home.steps[cell] >= RALLY_STEPS
            and not keep_clear[cell] and not is_cut(cell)):
        return
    step_down(obs, unit, march)


def owner_of_core(cell, dir):
    """The owner of the core next to `cell` in direction `dir`."""
    core = cell + STEP[dir]
    for target in targets:
        if target.cell == core:
            return target.owner
    return -1


def weakest_enemy_next_to(cell):
    """The direction of the weakest enemy unit next to `cell`, or -1."""
    best = -1
    weakest = None
    for dir in range(4):
        enemy = enemy_on(cell + STEP[dir])
        if enemy is not None and (weakest is None or enemy.hp < weakest.hp):
            best = dir
            weakest = enemy
    return best


def enemy_on(cell):
    """The enemy unit standing on `cell`, or None."""
    if occupant[cell] == 0:
        return None
    u = units[occupant[cell] - 1]
    return None if u.owner == me else u


def can_enter(cell):
    """Whether one of our units may be sent into `cell` this tick."""
    return floor[cell] and taken[cell] == 0


def step_down(obs, unit, field):
    """Moves `unit` one step down `field` to a neighbour it may enter.

    When the way down is blocked, it steps sideways now and then (to flow
    round the unit in front).
    """
    cell = unit.cell
    here = field[cell]
    best = -1
    best_steps = here
    blocked = False  # a cell nearer the goal exists but is taken
    # A wall's steps are WALL, more than any floor cell's: no need to ask
    # whether a neighbour is floor before comparing its steps.
    for dir in range(4):
        side = cell + STEP[dir]
        steps = field[side]
        if steps >= here:
            continue
        if taken[side] == 1:
            blocked = True
        elif steps < best_steps:
            best = dir
            best_steps = steps
    # Blocked: every other tick, try a neighbour just as near the goal.
    if best < 0 and blocked and (obs.tick + unit.id) % 2 == 0:
        for dir in range(4):
            side = cell + STEP[dir]
            if field[side] == here and taken[side] == 0:
                best = dir
                break
    if best < 0:
        return

    to = cell + STEP[best]
    taken[to] = 1
    if enemies_near[to] > 0:
        # An enemy may step into `to` too; then neither moves. If that already
        # happened last tick, hit the cell instead: whoever steps in gets hurt.
        if collided.get(unit.id) == DIRECTIONS[best]:
            order("Attack", unit.id, best)
        else:
            order("Move", unit.id, best)
        return
    taken[cell] = 0  # uncontested: whoever follows us may take our cell
    order("Move", unit.id, best)


def spawn(obs, march):
    """A new unit whenever we can afford one, on the free cell round the core
    that is nearest the target, preferring cells no enemy can step into."""
    if obs.energy < rules.unit_cost or len(roster) >= rules.max_units:
        return
    best = -1
    best_score = WALL * 2
    for dir in range(4):
        cell = core_cell + STEP[dir]
        if not can_enter(cell):
            continue
        score = (FAR if enemies_near[cell] > 0 else 0) + (march[cell] if march is not None else 0)
        if score < best_score:
            best = dir
            best_score = score
    if best >= 0:
        taken[core_cell + STEP[best]] = 1
        actions.append({"Spawn": {"dir": DIRECTIONS[best]}})


def order(kind, unit, dir):
    """Adds a unit order: Move, Attack or Harvest."""
    actions.append({kind: {"unit": unit, "dir": DIRECTIONS[dir]}})
