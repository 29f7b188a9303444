//! The static map as a walkability grid, and the distance fields the bot
//! steers by. Cells are numbered y * width + x. Everything works on fixed
//! arrays: the largest map is 128x128, and a bot needs no allocator for it.

const wire = @import("wire.zig");

pub const max_side = 128;
pub const max_cells = max_side * max_side;
/// Distance of a cell no search reached.
pub const far: u32 = 0xffff_ffff;
/// No cell: off the map.
pub const none: u32 = 0xffff_ffff;
/// No floor neighbour, in `Grid.floor_next`.
pub const no_next: u16 = 0xffff;

/// Direction order on the wire: north, east, south, west.
const dx = [4]i32{ 0, 1, 0, -1 };
const dy = [4]i32{ -1, 0, 1, 0 };

pub const Grid = struct {
    width: u32 = 0,
    height: u32 = 0,
    cells: u32 = 0,
    /// Floor: the only cells a unit may stand on.
    walk: [max_cells]bool = undefined,
    /// floor_next[c][d]: the floor neighbour of cell c in direction d, or
    /// `no_next`. Precomputed so that the searches, which run every tick, do
    /// no coordinate arithmetic: this halves their fuel.
    floor_next: [max_cells][4]u16 = undefined,
    /// Floor cells whose blocking cuts their own neighbours apart, seen from
    /// the 3x3 square around them. A unit that settles on one may wall off a
    /// corridor, so settled units (harvesters, waiting soldiers) avoid them.
    cut: [max_cells]bool = undefined,

    /// Fails if the map is bigger than max_side or its rows do not match.
    pub fn init(g: *Grid, info: *const wire.MatchInfo) error{BadMap}!void {
        if (info.width > max_side or info.height > max_side or info.rows.len != info.height)
            return error.BadMap;
        g.width = info.width;
        g.height = info.height;
        g.cells = g.width * g.height;
        for (info.rows, 0..) |row, y| {
            if (row.len != g.width) return error.BadMap;
            for (row, 0..) |c, x| g.walk[y * g.width + x] = c == '.';
        }
        for (0..g.cells) |c| {
            g.cut[c] = g.walk[c] and g.localCut(@intCast(c));
            for (0..4) |d| {
                const n = g.step(@intCast(c), @intCast(d));
                g.floor_next[c][d] = if (g.walkable(n)) @intCast(n) else no_next;
            }
        }
    }

    pub fn cellOf(g: *const Grid, p: wire.Pos) u32 {
        return if (p.x < g.width and p.y < g.height) @as(u32, p.y) * g.width + p.x else none;
    }

    /// The neighbour of `cell` in direction `dir`, or `none`.
    pub fn step(g: *const Grid, cell: u32, dir: u2) u32 {
        if (cell == none) return none;
        const x = @as(i32, @intCast(cell % g.width)) + dx[dir];
        const y = @as(i32, @intCast(cell / g.width)) + dy[dir];
        if (x < 0 or y < 0 or x >= g.width or y >= g.height) return none;
        return @as(u32, @intCast(y)) * g.width + @as(u32, @intCast(x));
    }

    pub fn walkable(g: *const Grid, cell: u32) bool {
        return cell != none and g.walk[cell];
    }

    /// The direction from `from` to the neighbouring cell `to`.
    pub fn directionTo(g: *const Grid, from: u32, to: u32) ?u2 {
        if (to == none) return null;
        for (0..4) |d| if (g.step(from, @intCast(d)) == to) return @intCast(d);
        return null;
    }

    /// The walkable neighbours of `cell` (a core, a source...).
    pub fn floorAround(g: *const Grid, cell: u32, out: *[4]u32) []u32 {
        var n: usize = 0;
        for (0..4) |d| {
            const next = g.step(cell, @intCast(d));
            if (g.walkable(next)) {
                out[n] = next;
                n += 1;
            }
        }
        return out[0..n];
    }

    /// Orthogonal floor neighbours N, E, S, W form a ring; two ring
    /// neighbours are joined round the corner when the diagonal between them
    /// is floor too. More than one group left = a cut.
    fn localCut(g: *const Grid, cell: u32) bool {
        var side: [4]bool = undefined;
        var count: u32 = 0;
        var links: u32 = 0;
        for (0..4) |d| {
            side[d] = g.walkable(g.step(cell, @intCast(d)));
            count += @intFromBool(side[d]);
        }
        for (0..4) |d| {
            const e = (d + 1) & 3;
            if (side[d] and side[e] and g.walkable(g.step(g.step(cell, @intCast(d)), @intCast(e)))) links += 1;
        }
        const groups = if (links == 4) 1 else count - links;
        return groups > 1;
    }
};

var queue: [max_cells]u16 = undefined;

/// Plain multi-source BFS over floor: field[c] = steps from the nearest of
/// the walkable `goals` (`far` where unreachable).
pub fn bfsField(g: *const Grid, goals: []const u32, field: []u32) void {
    @memset(field[0..g.cells], far);
    var head: usize = 0;
    var tail: usize = 0;
    for (goals) |c| {
        if (g.walkable(c) and field[c] == far) {
            field[c] = 0;
            queue[tail] = @intCast(c);
            tail += 1;
        }
    }
    while (head < tail) : (head += 1) {
        const c: u32 = queue[head];
        const next_cost = field[c] + 1;
        for (g.floor_next[c]) |n| {
            if (n != no_next and field[n] == far) {
                field[n] = next_cost;
                queue[tail] = @intCast(n);
                tail += 1;
            }
        }
    }
}

/// Highest penalty weightedField accepts.
pub const max_penalty = 8;
/// Dial's buckets: every queued cost lies in cur .. cur + max_penalty + 1,
/// so a ring one longer than that never wraps onto the bucket being drained.
/// Each bucket is a stack of entries in one pool. A cell is pushed again
/// when its cost drops, which happens at most once per neighbour: the pool
/// never needs more than 4 entries a cell. Entries whose cost is no longer
/// the cell's are stale and skipped.
const ring = max_penalty + 2;
const Entry = struct {
    cell: u32,
    /// The next entry down this bucket's stack, or `none`.
    below: u32,
};
var bucket_top: [ring]u32 = undefined;
var pool: [4 * max_cells + 4]Entry = undefined;

/// Weighted distance from the floor around `target`: entering cell c costs
/// 1 + penalty[c] (at most max_penalty), the start cells cost their penalty.
/// Dial's algorithm on fixed arrays: no heap, no allocator.
pub fn weightedField(g: *const Grid, target: u32, penalty: []const u8, field: []u32) void {
    @memset(field[0..g.cells], far);
    @memset(&bucket_top, none);
    var used: u32 = 0;
    var pending: u32 = 0;
    var starts: [4]u32 = undefined;
    for (g.floorAround(target, &starts)) |c| {
        const cost: u32 = penalty[c];
        if (cost >= field[c]) continue;
        field[c] = cost;
        pool[used] = .{ .cell = c, .below = bucket_top[cost % ring] };
        bucket_top[cost % ring] = used;
        used += 1;
        pending += 1;
    }
    var cur: u32 = 0;
    while (pending > 0) : (cur += 1) {
        const slot = cur % ring;
        while (bucket_top[slot] != none) {
            const e = pool[bucket_top[slot]];
            bucket_top[slot] = e.below;
            pending -= 1;
            if (field[e.cell] != cur) continue; // stale: reached more cheaply since
            for (g.floor_next[e.cell]) |n| {
                if (n == no_next) continue;
                const cost = cur + 1 + penalty[n];
                if (cost >= field[n]) continue;
                field[n] = cost;
                pool[used] = .{ .cell = n, .below = bucket_top[cost % ring] };
                bucket_top[cost % ring] = used;
                used += 1;
                pending += 1;
            }
        }
    }
}
