//! # Harvest, gather, strike: the Zig kit's bot
//!
//! Every new unit gets a role for life:
//! - harvester (every other unit at first, up to the number of safe spots
//!   next to an energy source near home): walks to its own spot and harvests
//!   every tick, which soon pays for a unit every tick or two where a bot
//!   that never harvests gets one every ten;
//! - soldier: gathers a few steps out from the core, towards the enemy. When
//!   `wave_size` soldiers are waiting, they all march on the nearest live
//!   enemy core down a weighted distance field (our own units are soft
//!   obstacles, so the wave spreads round the core instead of queueing in one
//!   corridor) and hit it. Late in the match, or at the unit cap, they go anyway.
//! Everyone hits an enemy core or the weakest enemy unit next to it first.
//! Enemy units close to the core pull the waiting soldiers (and marching
//! ones still near home) onto them, down a BFS field from the intruders.
//!
//! Settled units (harvesting, waiting) never stand on a cut cell or on the
//! path to a harvest spot, so they cannot wall their own base in.
//!
//! No randomness and no clock: the same match gives the same orders.

const wire = @import("wire.zig");
const map = @import("map.zig");
const log = @import("log.zig");
const Plan = @import("plan.zig").Plan;
const Grid = map.Grid;
const far = map.far;
const none = map.none;

/// At most this many harvesters (more income than one unit a tick is waste).
const max_harvesters = 8;
/// Harvest spots farther than this from the core are not worth the walk.
const spot_reach = 20;
/// Soldiers that wait for each other before marching.
const wave_size = 6;
/// Waiting soldiers stand at least this many steps out from the core.
const rally_steps = 3;
/// Enemy units this close to the core (in steps) are intruders.
const threat_steps = 6;
/// Marching soldiers still this close to home turn back for intruders.
const guard_steps = 8;
/// A wave leaves anyway when the tick limit is this close, beyond the march.
const late_margin = 40;
/// March costs of a cell with one of our units / an enemy unit on it.
const own_penalty = 3;
const enemy_penalty = 4;

const max_units = 4096;

const Role = enum(u8) { harvester, soldier };

const Member = struct {
    id: wire.UnitId,
    role: Role,
    /// Harvesters: index into `spots`.
    spot: u8 = 0,
    marching: bool = false,
};

const Target = struct { owner: wire.PlayerId, cell: u32, steps: u32 };
const Spot = struct { cell: u32, dir: u2 };

var rules: wire.Rules = undefined;
var limits: wire.Limits = undefined;
var g: Grid = .{};
var plan: Plan = .{};
var me: wire.PlayerId = 0;
var core_cell: u32 = none;
/// Cells that hold an energy source.
var source: [map.max_cells]bool = undefined;

var home: [map.max_cells]u32 = undefined; // steps from the floor round our core
var enemy_home: [map.max_cells]u32 = undefined; // steps from the floor round any enemy core
var march: [map.max_cells]u32 = undefined; // this tick: weighted steps to the target core
var door: [map.max_cells]u32 = undefined; // this tick: steps to the nearest intruder
var penalty: [map.max_cells]u8 = undefined;
var keep_clear: [map.max_cells]bool = undefined; // spots and the paths to them

var spots: [max_harvesters]Spot = undefined;
var spot_count: usize = 0;
var harvester_cap: usize = 0;
var spot_field: [max_harvesters][map.max_cells]u32 = undefined;

var targets: [8]Target = undefined;
var target_count: usize = 0;

var roster: [max_units]Member = undefined;
var next_roster: [max_units]Member = undefined;
var fresh: [max_units]bool = undefined;
var roster_count: usize = 0;
/// Our units this tick, as indices into obs.units, nearest the target first.
var order: [max_units]u32 = undefined;
var intruders: [max_units]u32 = undefined;

fn minHomeAround(cell: u32) u32 {
    var around: [4]u32 = undefined;
    var best: u32 = far;
    for (g.floorAround(cell, &around)) |c| best = @min(best, home[c]);
    return best;
}

/// The best `max_harvesters` floor cells next to a source: reachable, nearer
/// to us than to any enemy, not a cut cell, not on the spawn ring; nearest first.
fn chooseSpots() void {
    spot_count = 0;
    for (0..g.cells) |c| {
        const cell: u32 = @intCast(c);
        if (!g.walk[c] or g.cut[c] or home[c] == 0 or home[c] > spot_reach) continue;
        if (home[c] >= enemy_home[c]) continue;
        const dir = for (0..4) |d| {
            const n = g.step(cell, @intCast(d));
            if (n != none and source[n]) break @as(u2, @intCast(d));
        } else continue;
        // Insertion into the sorted short list.
        var at = @min(spot_count, max_harvesters);
        while (at > 0 and home[spots[at - 1].cell] > home[c]) at -= 1;
        if (at >= max_harvesters) continue;
        var k = @min(spot_count, max_harvesters - 1);
        while (k > at) : (k -= 1) spots[k] = spots[k - 1];
        spots[at] = .{ .cell = cell, .dir = dir };
        if (spot_count < max_harvesters) spot_count += 1;
    }
    for (spots[0..spot_count], 0..) |s, i| {
        map.bfsField(&g, &.{s.cell}, &spot_field[i]);
        // Mark the spot and a shortest path from home to it.
        var c = s.cell;
        keep_clear[c] = true;
        walk: while (home[c] > 0) {
            for (0..4) |d| {
                const n = g.step(c, @intCast(d));
                if (g.walkable(n) and home[n] + 1 == home[c]) {
                    c = n;
                    keep_clear[c] = true;
                    continue :walk;
                }
            }
            break;
        }
    }
    var worth: usize = if (rules.harvest_amount == 0) 0 else rules.unit_cost / rules.harvest_amount;
    if (rules.harvest_amount != 0) worth = @max(worth, 2);
    harvester_cap = @min(spot_count, worth);
}

/// Enemy cores, nearest first by walking distance from ours.
fn chooseTargets(match: *const wire.MatchInfo) void {
    target_count = 0;
    var goals: [4 * 8]u32 = undefined;
    var goal_count: usize = 0;
    for (match.cores) |c| {
        const cell = g.cellOf(c.pos);
        if (c.owner == me or cell == none or target_count == targets.len) continue;
        var around: [4]u32 = undefined;
        for (g.floorAround(cell, &around)) |n| {
            goals[goal_count] = n;
            goal_count += 1;
        }
        const t = Target{ .owner = c.owner, .cell = cell, .steps = minHomeAround(cell) };
        var at = target_count;
        target_count += 1;
        while (at > 0 and targets[at - 1].steps > t.steps) : (at -= 1) targets[at] = targets[at - 1];
        targets[at] = t;
    }
    map.bfsField(&g, goals[0..goal_count], &enemy_home);
}

/// Once per match. `match` is only read here: what the bot keeps, it copies.
pub fn init(match: *const wire.MatchInfo) bool {
    rules = match.rules;
    limits = match.limits;
    me = match.you;
    g.init(match) catch {
        log.print("map too big or rows do not match width x height", .{});
        return false;
    };
    @memset(source[0..g.cells], false);
    for (match.sources) |s| {
        const c = g.cellOf(s);
        if (c != none) source[c] = true;
    }
    core_cell = none;
    for (match.cores) |c| {
        if (c.owner == me) core_cell = g.cellOf(c.pos);
    }
    if (core_cell == none) {
        log.print("no core of mine (player {d}) in MatchInfo", .{me});
        return false;
    }
    var ring: [4]u32 = undefined;
    map.bfsField(&g, g.floorAround(core_cell, &ring), &home);
    @memset(keep_clear[0..g.cells], false);
    chooseTargets(match);
    chooseSpots();
    roster_count = 0;
    if (target_count > 0)
        log.print("zig-kit: player {d}, {d} harvesters planned, target: core {c}, {d} steps away", .{ me, harvester_cap, 'A' + targets[0].owner, targets[0].steps });
    return true;
}

fn isEliminated(obs: *const wire.Observation, player: wire.PlayerId) bool {
    for (obs.eliminated) |e| if (e == player) return true;
    return false;
}

/// Carries the roles of units still alive over, and gives new units theirs.
fn updateRoster(obs: *const wire.Observation) void {
    var old: usize = 0;
    var count: usize = 0;
    var harvesters: usize = 0;
    var soldiers: usize = 0;
    var claimed: [max_harvesters]bool = @splat(false);
    for (obs.units) |u| {
        if (u.owner != me or count == max_units) continue;
        while (old < roster_count and roster[old].id < u.id) old += 1;
        fresh[count] = !(old < roster_count and roster[old].id == u.id);
        const m = if (fresh[count]) Member{ .id = u.id, .role = .soldier } else roster[old];
        if (!fresh[count]) switch (m.role) {
            .harvester => {
                claimed[m.spot] = true;
                harvesters += 1;
            },
            .soldier => soldiers += 1,
        };
        next_roster[count] = m;
        count += 1;
    }
    // New units: every other one harvests until the spots are taken.
    for (next_roster[0..count], fresh[0..count]) |*m, is_new| {
        if (!is_new) continue;
        var s: usize = 0;
        while (s < harvester_cap and claimed[s]) s += 1;
        if (s < harvester_cap and harvesters <= soldiers + 1) {
            m.role = .harvester;
            m.spot = @intCast(s);
            claimed[s] = true;
            harvesters += 1;
        } else {
            soldiers += 1;
        }
    }
    @memcpy(roster[0..count], next_roster[0..count]);
    roster_count = count;
}

/// Sends every waiting soldier when the wave is full, the match nearly over,
/// or the unit cap reached.
fn updateWave(obs: *const wire.Observation, target: ?*const Target) void {
    const t = target orelse return;
    var waiting: u32 = 0;
    for (roster[0..roster_count]) |m| waiting += @intFromBool(m.role == .soldier and !m.marching);
    if (waiting == 0) return;
    const late = obs.tick + t.steps + late_margin >= limits.max_ticks;
    const full = roster_count + 1 >= rules.max_units;
    if (waiting < wave_size and !late and !full) return;
    for (roster[0..roster_count]) |*m| {
        if (m.role == .soldier) m.marching = true;
    }
    if (!late and !full) log.print("tick {d}: a wave of {d} marches", .{ obs.tick, waiting });
}

/// One step down `field` to a cell we may enter, if that gets strictly
/// closer than `here`.
fn downhill(field: *const [map.max_cells]u32, cell: u32, here: u32) ?u2 {
    var best: ?u2 = null;
    var best_value = here;
    for (0..4) |d| {
        const n = g.step(cell, @intCast(d));
        if (!plan.canEnter(n)) continue;
        var v = field[n];
        if (field == &march and plan.who[n] != 0 and v >= own_penalty) v -= own_penalty; // ours, leaving
        if (v < best_value) {
            best_value = v;
            best = @intCast(d);
        }
    }
    return best;
}

fn go(unit: wire.UnitId, cell: u32, dir: ?u2) void {
    const d = dir orelse return;
    if (plan.lostContest(unit, cell, d)) plan.ambush(unit, cell, d) else plan.move(unit, cell, d);
}

fn act(u: wire.UnitView, m: Member, defend: bool) void {
    const cell = g.cellOf(u.pos);
    if (plan.enemyCoreDir(cell) orelse plan.weakestEnemyDir(cell)) |dir| return plan.attack(u.id, dir);

    switch (m.role) {
        .harvester => {
            const s = spots[m.spot];
            const field = &spot_field[m.spot];
            if (cell == s.cell) plan.harvest(u.id, s.dir) else go(u.id, cell, downhill(field, cell, field[cell]));
        },
        .soldier => {
            if (defend and (!m.marching or home[cell] <= guard_steps))
                return go(u.id, cell, downhill(&door, cell, door[cell]));
            if (!m.marching and home[cell] >= rally_steps and !g.cut[cell] and !keep_clear[cell])
                return; // in place: wait for the wave
            // Our own cell carries our own penalty; a step must beat the true cost.
            const here = march[cell];
            if (here == far) return;
            go(u.id, cell, downhill(&march, cell, if (here >= own_penalty) here - own_penalty else 0));
        },
    }
}

fn spawn(obs: *const wire.Observation) void {
    if (obs.energy < rules.unit_cost or roster_count >= rules.max_units) return;
    var best: ?u2 = null;
    var best_score: u32 = far;
    for (0..4) |d| {
        const n = g.step(core_cell, @intCast(d));
        if (!plan.canEnter(n)) continue;
        // Prefer empty cells no enemy can step into, then the way to the target.
        var score: u32 = if (march[n] == far) 0xffff else march[n] & 0xffff;
        if (!plan.isFree(n)) score += 1 << 17;
        if (plan.enemyNextTo(n, none)) score += 1 << 16;
        if (score < best_score) {
            best_score = score;
            best = @intCast(d);
        }
    }
    if (best) |d| plan.spawn(core_cell, d);
}

fn marchKey(obs: *const wire.Observation, k: u32) u32 {
    return march[g.cellOf(obs.units[k].pos)];
}

/// Every tick: this tick's orders.
pub fn tick(obs: *const wire.Observation) []const wire.Action {
    plan.begin(&g, obs, me, limits.max_actions);

    var target: ?*const Target = null;
    for (targets[0..target_count]) |*t| {
        if (!isEliminated(obs, t.owner)) {
            target = t;
            break;
        }
    }

    @memset(penalty[0..g.cells], 0);
    for (obs.units) |u| {
        const c = g.cellOf(u.pos);
        if (c != none) penalty[c] = if (u.owner == me) own_penalty else enemy_penalty;
    }
    if (target) |t| map.weightedField(&g, t.cell, &penalty, &march) else @memset(march[0..g.cells], far);

    // Intruders: enemy units a few steps from our core.
    var intruder_count: usize = 0;
    for (obs.units) |u| {
        const c = g.cellOf(u.pos);
        if (u.owner != me and c != none and home[c] <= threat_steps and intruder_count < max_units) {
            intruders[intruder_count] = c;
            intruder_count += 1;
        }
    }
    if (intruder_count > 0) map.bfsField(&g, intruders[0..intruder_count], &door);

    updateRoster(obs);
    updateWave(obs, target);

    // Our units nearest the target first, so a column follows its leader in
    // the same tick (the leader's cell is free once it is ordered away).
    var n: usize = 0;
    for (obs.units, 0..) |u, k| {
        if (u.owner != me or n == max_units) continue;
        const key = marchKey(obs, @intCast(k));
        var at = n;
        n += 1;
        while (at > 0 and marchKey(obs, order[at - 1]) > key) : (at -= 1) order[at] = order[at - 1];
        order[at] = @intCast(k);
    }
    for (order[0..n]) |k| {
        const u = obs.units[k];
        // The roster is sorted by id: binary search.
        var lo: usize = 0;
        var hi: usize = roster_count;
        while (lo < hi) {
            const mid = (lo + hi) / 2;
            if (roster[mid].id < u.id) lo = mid + 1 else hi = mid;
        }
        act(u, roster[lo], intruder_count > 0);
    }
    spawn(obs);
    return plan.orders();
}
