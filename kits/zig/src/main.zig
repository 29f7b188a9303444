//! The bot's root file, postcard build (the default). exports.zig finds the
//! codec here, as `@import("root").codec`.

pub const codec = @import("postcard.zig");

comptime {
    _ = @import("exports.zig");
}
