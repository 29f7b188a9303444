//! The four exports of ABI v1 (docs/abi.md, section 1). They only move
//! bytes: decode the message, call the bot, encode its orders. The codec is
//! the root file's choice (main.zig: postcard, main_json.zig: JSON).

const std = @import("std");
const wire = @import("wire.zig");
const bot = @import("bot.zig");
const log = @import("log.zig");
const codec = @import("root").codec;

/// Messages are far smaller: a 128x128 MatchInfo is about 17 KiB in
/// postcard, 40 KiB in JSON.
var input: [1 << 20]u8 = undefined;
var output: [65536]u8 = undefined;
/// The lists of the MatchInfo (kept all match) and of each Observation
/// (forgotten every tick) are carved out of these.
var info_memory: [1 << 20]u8 = undefined;
var tick_memory: [1 << 20]u8 = undefined;
var info_arena = std.heap.FixedBufferAllocator.init(&info_memory);
var tick_arena = std.heap.FixedBufferAllocator.init(&tick_memory);
var match_info: wire.MatchInfo = undefined;
/// lockstep_init decoded its MatchInfo and the bot accepted it.
var ready = false;

export fn lockstep_abi() i32 {
    return 1 << 8 | codec.encoding; // ABI v1, this build's encoding
}

/// One buffer for every message; the host copies each one in before the
/// call that reads it. Too big a message gets an out-of-bounds pointer,
/// which the host reports as `bad_alloc` instead of overwriting our memory.
export fn lockstep_alloc(len: u32) i32 {
    return if (len <= input.len) @intCast(@intFromPtr(&input)) else -1;
}

fn message(ptr: u32, len: u32) []const u8 {
    return @as([*]const u8, @ptrFromInt(ptr))[0..len];
}

export fn lockstep_init(ptr: u32, len: u32) i32 {
    ready = false;
    info_arena.reset();
    match_info = codec.decode(wire.MatchInfo, message(ptr, len), info_arena.allocator()) catch |err| {
        log.print("cannot decode MatchInfo: {s}", .{@errorName(err)});
        return 1;
    };
    if (!bot.init(&match_info)) return 2;
    ready = true;
    return 0;
}

export fn lockstep_tick(ptr: u32, len: u32) i64 {
    var orders: []const wire.Action = &.{};
    if (ready) {
        tick_arena.reset();
        if (codec.decode(wire.Observation, message(ptr, len), tick_arena.allocator())) |obs| {
            orders = bot.tick(&obs);
        } else |err| {
            log.print("cannot decode Observation: {s}", .{@errorName(err)});
        }
    }
    const cap = if (ready) @min(match_info.limits.max_output_bytes, output.len) else output.len;
    // Too many orders for the output limit: drop from the end until they fit.
    while (true) {
        if (codec.encode([]const wire.Action, orders, output[0..cap])) |bytes| {
            return @bitCast(@as(u64, @intFromPtr(bytes.ptr)) << 32 | bytes.len);
        } else |_| {
            if (orders.len == 0) return 0;
            orders = orders[0 .. orders.len - 1];
        }
    }
}
