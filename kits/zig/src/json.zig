//! The JSON codec (encoding 1): docs/abi.md, section 5.1, on Zig's std.json.
//!
//! std.json already speaks serde's default shapes: structs as objects by
//! field name, enums as their names, a tagged union as an object with one
//! key (`{"Move":{"unit":3,"dir":"East"}}`). So this file is short; what it
//! costs is size and fuel (README.md has the numbers), which is why the kit
//! builds postcard unless asked (`build.sh --json`).

const std = @import("std");

/// The low byte of lockstep_abi().
pub const encoding: i32 = 1;

pub const Error = std.json.ParseError(std.json.Scanner) || error{OutputTooSmall};

/// Decodes one whole message of type T; lists are allocated from `arena`.
/// Strings without escapes point into `bytes`: copy what must outlive it.
pub fn decode(comptime T: type, bytes: []const u8, arena: std.mem.Allocator) Error!T {
    return std.json.parseFromSliceLeaky(T, arena, bytes, .{ .ignore_unknown_fields = true });
}

/// Encodes `value` into `out`; returns the bytes written.
pub fn encode(comptime T: type, value: T, out: []u8) Error![]u8 {
    var w: std.Io.Writer = .fixed(out);
    std.json.Stringify.value(value, .{}, &w) catch return error.OutputTooSmall;
    return w.buffered();
}
