//! The postcard codec (encoding 0): docs/abi.md, section 5.2.
//!
//! One generic reader and one generic writer, driven at compile time by the
//! types in wire.zig: a struct is its fields in order, an integer wider than
//! a byte is a LEB128 varint, a slice is a varint count then its items, an
//! enum or union a varint variant index (then the union's payload). The
//! compiler unrolls this into straight-line code per type, as a hand-written
//! decoder would be.

const std = @import("std");
const wire = @import("wire.zig");

/// The low byte of lockstep_abi().
pub const encoding: i32 = 0;

pub const Error = error{
    /// The message ended inside a value.
    Truncated,
    /// Bytes left after the value.
    TrailingBytes,
    /// A number too big for its type, or an unknown variant index.
    OutOfRange,
    /// The arena is too small for the lists in the message.
    OutOfMemory,
};

const Reader = struct {
    bytes: []const u8,
    at: usize = 0,

    fn byte(r: *Reader) Error!u8 {
        if (r.at >= r.bytes.len) return error.Truncated;
        r.at += 1;
        return r.bytes[r.at - 1];
    }

    fn varint(r: *Reader, comptime T: type) Error!T {
        var value: u64 = 0;
        var shift: u7 = 0;
        while (shift < 64) : (shift += 7) {
            const b = try r.byte();
            const group: u64 = b & 0x7f;
            // The tenth byte may only hold the top bit of a u64.
            if (shift == 63 and group > 1) return error.OutOfRange;
            value |= group << @intCast(shift);
            if (b & 0x80 == 0) {
                if (value > std.math.maxInt(T)) return error.OutOfRange;
                return @intCast(value);
            }
        }
        return error.OutOfRange;
    }
};

/// Decodes one whole message of type T; lists are allocated from `arena`
/// (strings too: nothing points into `bytes` afterwards).
pub fn decode(comptime T: type, bytes: []const u8, arena: std.mem.Allocator) Error!T {
    var r = Reader{ .bytes = bytes };
    const value = try read(T, &r, arena);
    if (r.at != bytes.len) return error.TrailingBytes;
    return value;
}

fn read(comptime T: type, r: *Reader, arena: std.mem.Allocator) Error!T {
    switch (@typeInfo(T)) {
        .int => |int| return if (int.bits == 8) r.byte() else r.varint(T),
        .@"enum" => |info| {
            const index = try r.varint(u32);
            if (index >= info.field_names.len) return error.OutOfRange;
            return @fromBackingInt(@intCast(index));
        },
        .@"struct" => |info| {
            var value: T = undefined;
            inline for (info.field_names, info.field_types) |name, Field| @field(value, name) = try read(Field, r, arena);
            return value;
        },
        .@"union" => |info| {
            const index = try r.varint(u32);
            inline for (info.field_names, info.field_types, 0..) |name, Field, i| {
                if (index == i) return @unionInit(T, name, try read(Field, r, arena));
            }
            return error.OutOfRange;
        },
        .pointer => |ptr| {
            const len = try r.varint(u32);
            // Every item takes at least one byte: a count past the end is a lie.
            if (len > r.bytes.len - r.at) return error.Truncated;
            const items = try arena.alloc(ptr.child, len);
            for (items) |*item| item.* = try read(ptr.child, r, arena);
            return items;
        },
        else => @compileError("postcard.zig cannot read " ++ @typeName(T)),
    }
}

const Writer = struct {
    out: []u8,
    at: usize = 0,

    fn byte(w: *Writer, b: u8) Error!void {
        if (w.at >= w.out.len) return error.OutOfMemory;
        w.out[w.at] = b;
        w.at += 1;
    }

    fn varint(w: *Writer, v: u64) Error!void {
        var rest = v;
        while (rest >= 0x80) : (rest >>= 7) try w.byte(@as(u8, @truncate(rest)) | 0x80);
        try w.byte(@truncate(rest));
    }
};

/// Encodes `value` into `out`; returns the bytes written (OutOfMemory if
/// `out` is too small).
pub fn encode(comptime T: type, value: T, out: []u8) Error![]u8 {
    var w = Writer{ .out = out };
    try write(T, value, &w);
    return out[0..w.at];
}

fn write(comptime T: type, value: T, w: *Writer) Error!void {
    switch (@typeInfo(T)) {
        .int => |int| if (int.bits == 8) try w.byte(value) else try w.varint(value),
        .@"enum" => try w.varint(@backingInt(value)),
        .@"struct" => |info| inline for (info.field_names, info.field_types) |name, Field| try write(Field, @field(value, name), w),
        .@"union" => |info| {
            const index = @backingInt(value);
            inline for (info.field_names, info.field_types, 0..) |name, Field, i| {
                if (index == i) {
                    try w.varint(i);
                    try write(Field, @field(value, name), w);
                }
            }
        },
        .pointer => |ptr| {
            try w.varint(value.len);
            for (value) |item| try write(ptr.child, item, w);
        },
        else => @compileError("postcard.zig cannot write " ++ @typeName(T)),
    }
}
