//! The bot's root file, JSON build (`build.sh --json`).

pub const codec = @import("json.zig");

comptime {
    _ = @import("exports.zig");
}
