//! The worked examples of docs/abi.md, section 7, through both codecs.
//! Run with `./build.sh --test` (it runs `zig test` on this file).

const std = @import("std");
const wire = @import("wire.zig");
const postcard = @import("postcard.zig");
const json = @import("json.zig");
const testing = std.testing;

const observation_postcard = [_]u8{ 0x07, 0x19, 0x02, 0x03, 0x00, 0x02, 0x01, 0x0a, 0x09, 0x01, 0x03, 0x01, 0x04, 0x01, 0x00, 0x01, 0x01, 0xc8, 0x01, 0x01, 0x01, 0x01, 0x03, 0x01, 0x05, 0x00 };
const observation_json =
    \\{"tick":7,"energy":25,"units":[{"id":3,"owner":0,"pos":{"x":2,"y":1},"hp":10},{"id":9,"owner":1,"pos":{"x":3,"y":1},"hp":4}],"cores":[{"owner":0,"pos":{"x":1,"y":1},"hp":200}],"rejected":[{"index":1,"action":{"Move":{"unit":3,"dir":"East"}},"reason":"MoveCollided"}],"eliminated":[]}
;
const match_info_postcard = [_]u8{ 0x01, 0x00, 0x02, 0xac, 0x02, 0x05, 0x03, 0x03, 0x05, 0x23, 0x23, 0x23, 0x23, 0x23, 0x05, 0x23, 0x41, 0x2a, 0x42, 0x23, 0x05, 0x23, 0x23, 0x23, 0x23, 0x23, 0x01, 0x02, 0x01, 0x02, 0x00, 0x01, 0x01, 0x01, 0x03, 0x01, 0xc8, 0x01, 0x0a, 0x02, 0x0a, 0x1e, 0x01, 0x01, 0x19, 0x31, 0x32, 0xf4, 0x03, 0x80, 0x84, 0xaf, 0x5f, 0x80, 0xda, 0xc4, 0x09, 0x40, 0x80, 0x80, 0x04, 0x10, 0x80, 0x02, 0x80, 0x80, 0x80, 0x20 };
const match_info_json =
    \\{"abi_version":1,"you":0,"players":2,"seed":300,"width":5,"height":3,"rows":["#####","#A*B#","#####"],"sources":[{"x":2,"y":1}],"cores":[{"owner":0,"pos":{"x":1,"y":1}},{"owner":1,"pos":{"x":3,"y":1}}],"rules":{"core_hp":200,"unit_hp":10,"unit_damage":2,"unit_cost":10,"start_energy":30,"core_income":1,"harvest_amount":1,"unit_vision2":25,"core_vision2":49,"max_units":50},"limits":{"max_ticks":500,"init_fuel":200000000,"tick_fuel":20000000,"max_actions":64,"max_output_bytes":65536,"max_log_lines":16,"max_log_line_bytes":256,"max_memory_bytes":67108864}}
;
const answer = [_]wire.Action{
    .{ .Attack = .{ .unit = 3, .dir = .East } },
    .{ .Spawn = .{ .dir = .South } },
};
const answer_postcard = [_]u8{ 0x02, 0x02, 0x03, 0x01, 0x00, 0x02 };
const answer_json =
    \\[{"Attack":{"unit":3,"dir":"East"}},{"Spawn":{"dir":"South"}}]
;

fn checkObservation(o: wire.Observation) !void {
    try testing.expectEqual(@as(u32, 7), o.tick);
    try testing.expectEqual(@as(u32, 25), o.energy);
    try testing.expectEqualSlices(wire.UnitView, &.{
        .{ .id = 3, .owner = 0, .pos = .{ .x = 2, .y = 1 }, .hp = 10 },
        .{ .id = 9, .owner = 1, .pos = .{ .x = 3, .y = 1 }, .hp = 4 },
    }, o.units);
    try testing.expectEqualSlices(wire.CoreView, &.{.{ .owner = 0, .pos = .{ .x = 1, .y = 1 }, .hp = 200 }}, o.cores);
    try testing.expectEqual(@as(usize, 1), o.rejected.len);
    try testing.expectEqual(@as(u32, 1), o.rejected[0].index);
    try testing.expectEqual(wire.Action{ .Move = .{ .unit = 3, .dir = .East } }, o.rejected[0].action);
    try testing.expectEqual(wire.RejectReason.MoveCollided, o.rejected[0].reason);
    try testing.expectEqual(@as(usize, 0), o.eliminated.len);
}

fn checkMatchInfo(m: wire.MatchInfo) !void {
    try testing.expectEqual(@as(u64, 300), m.seed);
    try testing.expectEqual(@as(u8, 2), m.players);
    try testing.expectEqual(@as(u16, 5), m.width);
    try testing.expectEqual(@as(usize, 3), m.rows.len);
    try testing.expectEqualStrings("#A*B#", m.rows[1]);
    try testing.expectEqualSlices(wire.Pos, &.{.{ .x = 2, .y = 1 }}, m.sources);
    try testing.expectEqual(wire.CoreInfo{ .owner = 1, .pos = .{ .x = 3, .y = 1 } }, m.cores[1]);
    try testing.expectEqual(wire.Rules{ .core_hp = 200, .unit_hp = 10, .unit_damage = 2, .unit_cost = 10, .start_energy = 30, .core_income = 1, .harvest_amount = 1, .unit_vision2 = 25, .core_vision2 = 49, .max_units = 50 }, m.rules);
    try testing.expectEqual(wire.Limits{ .max_ticks = 500, .init_fuel = 200_000_000, .tick_fuel = 20_000_000, .max_actions = 64, .max_output_bytes = 65536, .max_log_lines = 16, .max_log_line_bytes = 256, .max_memory_bytes = 67_108_864 }, m.limits);
}

test "postcard: the worked Observation" {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    try checkObservation(try postcard.decode(wire.Observation, &observation_postcard, arena.allocator()));
}

test "postcard: the worked MatchInfo" {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    try checkMatchInfo(try postcard.decode(wire.MatchInfo, &match_info_postcard, arena.allocator()));
}

test "postcard: the worked answer" {
    var out: [64]u8 = undefined;
    try testing.expectEqualSlices(u8, &answer_postcard, try postcard.encode([]const wire.Action, &answer, &out));
    try testing.expectError(error.OutOfMemory, postcard.encode([]const wire.Action, &answer, out[0..3]));
}

test "postcard: broken messages are refused" {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    const a = arena.allocator();
    for (0..observation_postcard.len) |n|
        try testing.expect(std.meta.isError(postcard.decode(wire.Observation, observation_postcard[0..n], a)));
    try testing.expectError(error.TrailingBytes, postcard.decode(wire.Observation, &(observation_postcard ++ [_]u8{0}), a));
    var bad_reason = observation_postcard;
    bad_reason[24] = 11; // RejectReason has 11 variants: 0..10
    try testing.expectError(error.OutOfRange, postcard.decode(wire.Observation, &bad_reason, a));
    // A width of 65,536 does not fit its u16.
    const wide = match_info_postcard[0..5] ++ [_]u8{ 0x80, 0x80, 0x04 } ++ match_info_postcard[6..];
    try testing.expectError(error.OutOfRange, postcard.decode(wire.MatchInfo, wide, a));
}

test "both: eliminated players are a list of numbers" {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    const a = arena.allocator();
    // PlayerId is a u8, so `eliminated` is a []const u8: JSON must still read an array.
    const j = try json.decode(wire.Observation,
        \\{"tick":1,"energy":0,"units":[],"cores":[],"rejected":[],"eliminated":[1,3]}
    , a);
    try testing.expectEqualSlices(u8, &.{ 1, 3 }, j.eliminated);
    const p = try postcard.decode(wire.Observation, &.{ 1, 0, 0, 0, 0, 2, 1, 3 }, a);
    try testing.expectEqualSlices(u8, &.{ 1, 3 }, p.eliminated);
}

test "json: the worked Observation, MatchInfo and answer" {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    try checkObservation(try json.decode(wire.Observation, observation_json, arena.allocator()));
    try checkMatchInfo(try json.decode(wire.MatchInfo, match_info_json, arena.allocator()));
    var out: [128]u8 = undefined;
    try testing.expectEqualStrings(answer_json, try json.encode([]const wire.Action, &answer, &out));
}
