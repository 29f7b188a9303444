//! A bot module in WAT with one part replaced: the hostile corpus's building
//! block, shared by `tests/hostile_corpus.rs` and `benches/wall_per_fuel.rs`.

/// A bot module in WAT that follows ABI v1 except where a part is replaced.
/// By default it returns one byte, `00`: an empty postcard order list.
pub struct Bot {
    pub imports: &'static str,
    pub memory: &'static str,
    pub extra: &'static str,
    pub alloc: &'static str,
    pub init: &'static str,
    pub tick: &'static str,
}

pub const BASE: Bot = Bot {
    imports: "",
    memory: r#"(memory (export "memory") 2)"#,
    extra: "",
    alloc: "i32.const 1024",
    init: "i32.const 0",
    tick: "i64.const 1", // ptr 0, len 1: the zero byte at address 0
};

impl Bot {
    pub fn wasm(&self) -> Vec<u8> {
        let Bot {
            imports,
            memory,
            extra,
            alloc,
            init,
            tick,
        } = self;
        wat::parse_str(format!(
            r#"(module
                {imports}
                {memory}
                (data (i32.const 0) "\00")
                {extra}
                (func (export "lockstep_abi") (result i32) i32.const 256)
                (func (export "lockstep_alloc") (param $len i32) (result i32) {alloc})
                (func (export "lockstep_init") (param $ptr i32) (param $len i32) (result i32) {init})
                (func (export "lockstep_tick") (param $ptr i32) (param $len i32) (result i64) {tick}))"#
        ))
        .unwrap_or_else(|e| panic!("corpus WAT does not parse: {e}"))
    }
}
