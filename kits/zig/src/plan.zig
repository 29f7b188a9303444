//! This tick's orders under construction, with who stands where, so that no
//! two of our units are sent into one cell, nobody walks into a unit that
//! stays, and the core never spawns onto a cell that will still be taken.

const wire = @import("wire.zig");
const map = @import("map.zig");
const Grid = map.Grid;
const none = map.none;

pub const max_actions = 1024;

pub const Plan = struct {
    g: *const Grid = undefined,
    obs: *const wire.Observation = undefined,
    me: wire.PlayerId = 0,
    /// 1 + index into obs.units of the unit standing on a cell; 0 = nobody.
    who: [map.max_cells]u16 = undefined,
    /// An enemy unit stands here.
    enemy: [map.max_cells]bool = undefined,
    /// One of our moves (or the spawn) targets this cell.
    taken: [map.max_cells]bool = undefined,
    /// Our unit here was ordered away, to a cell no enemy can contest, so
    /// the cell will be free after the moves.
    leaving: [map.max_cells]bool = undefined,
    actions: [max_actions]wire.Action = undefined,
    count: usize = 0,
    cap: usize = 0,

    /// Starts a tick: forgets the last one and notes where every visible unit is.
    pub fn begin(p: *Plan, g: *const Grid, obs: *const wire.Observation, me: wire.PlayerId, cap: usize) void {
        p.g = g;
        p.obs = obs;
        p.me = me;
        p.count = 0;
        p.cap = @min(cap, max_actions);
        @memset(p.who[0..g.cells], 0);
        @memset(p.enemy[0..g.cells], false);
        @memset(p.taken[0..g.cells], false);
        @memset(p.leaving[0..g.cells], false);
        for (obs.units, 0..) |u, k| {
            const c = g.cellOf(u.pos);
            if (c == none) continue;
            p.who[c] = @intCast(k + 1);
            p.enemy[c] = u.owner != me;
        }
    }

    pub fn orders(p: *const Plan) []const wire.Action {
        return p.actions[0..p.count];
    }

    /// Whether one of our units may be sent into `cell`: floor, no other
    /// order heading there, and empty or being left by one of ours.
    pub fn canEnter(p: *const Plan, cell: u32) bool {
        return p.g.walkable(cell) and !p.taken[cell] and (p.who[cell] == 0 or p.leaving[cell]);
    }

    /// Like canEnter, but only cells that are empty right now.
    pub fn isFree(p: *const Plan, cell: u32) bool {
        return p.g.walkable(cell) and !p.taken[cell] and p.who[cell] == 0;
    }

    /// Whether an enemy unit stands next to `cell` (other than on `except`).
    pub fn enemyNextTo(p: *const Plan, cell: u32, except: u32) bool {
        for (0..4) |d| {
            const n = p.g.step(cell, @intCast(d));
            if (n != none and n != except and p.enemy[n]) return true;
        }
        return false;
    }

    /// The direction of the weakest enemy unit next to `cell` (ties: lowest id).
    pub fn weakestEnemyDir(p: *const Plan, cell: u32) ?u2 {
        var best: ?u2 = null;
        var weakest: ?wire.UnitView = null;
        for (0..4) |d| {
            const n = p.g.step(cell, @intCast(d));
            if (n == none or !p.enemy[n]) continue;
            const u = p.obs.units[p.who[n] - 1];
            if (weakest == null or u.hp < weakest.?.hp or (u.hp == weakest.?.hp and u.id < weakest.?.id)) {
                weakest = u;
                best = @intCast(d);
            }
        }
        return best;
    }

    /// The direction of a live enemy core next to `cell`.
    pub fn enemyCoreDir(p: *const Plan, cell: u32) ?u2 {
        for (p.obs.cores) |c| {
            if (c.owner == p.me or c.hp == 0) continue;
            if (p.g.directionTo(cell, p.g.cellOf(c.pos))) |d| return d;
        }
        return null;
    }

    /// Whether last tick `unit`'s move in `dir` collided and an enemy still
    /// stands next to that cell: moving again would just collide again, so
    /// the caller attacks the cell instead and hits whoever steps in.
    pub fn lostContest(p: *const Plan, unit: wire.UnitId, cell: u32, dir: u2) bool {
        for (p.obs.rejected) |r| {
            if (r.reason != .MoveCollided) continue;
            switch (r.action) {
                .Move => |m| if (m.unit == unit and @backingInt(m.dir) == dir)
                    return p.enemyNextTo(p.g.step(cell, dir), cell),
                else => {},
            }
        }
        return false;
    }

    fn push(p: *Plan, action: wire.Action) void {
        if (p.count >= p.cap) return; // past max_actions: the host would refuse it
        p.actions[p.count] = action;
        p.count += 1;
    }

    pub fn move(p: *Plan, unit: wire.UnitId, from: u32, dir: u2) void {
        const to = p.g.step(from, dir);
        if (to == none) return;
        p.taken[to] = true;
        // An enemy next to `to` may want it too; then both stay, and so would
        // whoever follows us: only a move nobody contests frees our cell.
        p.leaving[from] = !p.enemyNextTo(to, from);
        p.push(.{ .Move = .{ .unit = unit, .dir = @fromBackingInt(@intCast(dir)) } });
    }

    pub fn attack(p: *Plan, unit: wire.UnitId, dir: u2) void {
        p.push(.{ .Attack = .{ .unit = unit, .dir = @fromBackingInt(@intCast(dir)) } });
    }

    pub fn harvest(p: *Plan, unit: wire.UnitId, dir: u2) void {
        p.push(.{ .Harvest = .{ .unit = unit, .dir = @fromBackingInt(@intCast(dir)) } });
    }

    /// Attacks the cell in `dir` and keeps our other units out of it.
    pub fn ambush(p: *Plan, unit: wire.UnitId, from: u32, dir: u2) void {
        const to = p.g.step(from, dir);
        if (to != none) p.taken[to] = true;
        p.attack(unit, dir);
    }

    pub fn spawn(p: *Plan, core: u32, dir: u2) void {
        const to = p.g.step(core, dir);
        if (to == none) return;
        p.taken[to] = true;
        p.push(.{ .Spawn = .{ .dir = @fromBackingInt(@intCast(dir)) } });
    }
};
