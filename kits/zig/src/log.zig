//! Logging through the ABI's one import, `lockstep.log`: one call, one line.

const std = @import("std");

extern "lockstep" fn log(ptr: [*]const u8, len: usize) void;

/// One log line, formatted like std.fmt. The host keeps 256 bytes of a line
/// (`max_log_line_bytes`), so longer text is cut here. Each line costs 1,000
/// fuel on top of the formatting: log sparingly.
pub fn print(comptime format: []const u8, args: anytype) void {
    var buf: [256]u8 = undefined;
    const text = std.fmt.bufPrint(&buf, format, args) catch &buf;
    log(text.ptr, text.len);
}
