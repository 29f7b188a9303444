//! The Lockstep ABI v1 wire types (docs/abi.md, section 6) as Zig types.
//!
//! Field order is part of the ABI: postcard writes fields in declaration
//! order with no names, and postcard.zig walks these declarations at compile
//! time, so the order here must be exactly the order of docs/abi.md. The
//! field and variant names are the JSON names, which std.json uses as is.

pub const PlayerId = u8;
pub const UnitId = u32;

/// `x` grows east, `y` grows south; (0, 0) is the top-left corner.
pub const Pos = struct { x: u16, y: u16 };

/// Variant order is the index on the wire: North = 0 .. West = 3.
pub const Direction = enum(u8) { North, East, South, West };

pub const CoreInfo = struct { owner: PlayerId, pos: Pos };

pub const Rules = struct {
    core_hp: u16,
    unit_hp: u16,
    unit_damage: u16,
    unit_cost: u32,
    start_energy: u32,
    core_income: u32,
    harvest_amount: u32,
    unit_vision2: u32,
    core_vision2: u32,
    max_units: u16,
};

pub const Limits = struct {
    max_ticks: u32,
    init_fuel: u64,
    tick_fuel: u64,
    max_actions: u32,
    max_output_bytes: u32,
    max_log_lines: u32,
    max_log_line_bytes: u32,
    max_memory_bytes: u64,
};

/// Host -> bot, once, to `lockstep_init`.
pub const MatchInfo = struct {
    abi_version: u8,
    you: PlayerId,
    players: u8,
    seed: u64,
    width: u16,
    height: u16,
    /// `height` strings of `width` bytes: `#` wall, `.` floor, `*` source, `A`..`H` a core.
    rows: []const []const u8,
    sources: []const Pos,
    cores: []const CoreInfo,
    rules: Rules,
    limits: Limits,
};

pub const UnitView = struct { id: UnitId, owner: PlayerId, pos: Pos, hp: u16 };
pub const CoreView = struct { owner: PlayerId, pos: Pos, hp: u16 };

/// The fields of the unit orders.
pub const UnitOrder = struct { unit: UnitId, dir: Direction };

/// Variant order is the index on the wire: Spawn = 0 .. Harvest = 3.
pub const Action = union(enum) {
    Spawn: struct { dir: Direction },
    Move: UnitOrder,
    Attack: UnitOrder,
    Harvest: UnitOrder,
};

pub const RejectReason = enum(u8) {
    NoSuchUnit,
    NotYourUnit,
    AlreadyOrdered,
    TooManyActions,
    Blocked,
    MoveCollided,
    NoEnemy,
    NoSource,
    NotEnoughEnergy,
    UnitCap,
    SpawnBlocked,
};

pub const Rejection = struct { index: u32, action: Action, reason: RejectReason };

/// Host -> bot, every tick, to `lockstep_tick`.
pub const Observation = struct {
    tick: u32,
    energy: u32,
    units: []const UnitView,
    cores: []const CoreView,
    rejected: []const Rejection,
    eliminated: []const PlayerId,
};
