//! The deterministic stack limit: every module is rewritten at load, before
//! it is compiled, so that call depth is counted in units that do not depend
//! on the machine, and too deep a call traps at the same call, with the same
//! fuel, on x86_64 and aarch64 alike.
//!
//! The native stack limit (`max_wasm_stack`) depends on the frames Cranelift
//! lays out for each CPU, so a bot that recursed until it hit it stopped at
//! different depths on different machines, and its replay did not verify
//! across them. Substrate and Near count instead (wasm-instrument's
//! `stack_limiter`, Near's finite-wasm); this is the same idea:
//!
//! - Each defined function has a static **frame cost**: its parameters, its
//!   locals, the highest its operand stack can get (wasmparser's validator
//!   tracks that exactly) and [`FRAME_UNITS`] for the call itself.
//! - A new mutable global, exported as [`DEPTH_EXPORT`], holds the units in
//!   use. Every function body starts with a **prologue** that traps if its
//!   cost would take the depth past the limit, and else adds it; the body is
//!   wrapped in a block, so every way out (falling off the end, `return`,
//!   a branch to the function's own label) passes an **epilogue** that takes
//!   the cost back. Tail calls take it back before they jump.
//! - Counting in the callee covers every way in: direct and indirect calls,
//!   exports called by the host, the start function and `_initialize`.
//! - On overflow the prologue calls a new function whose body is only
//!   `unreachable`, the module's last ([`Instrumented::overflow_function`]):
//!   a trap there is the host's `stack_overflow`, not the bot's own
//!   `unreachable`. The host sets the depth to 0 before each call it starts
//!   (a trap, running out of fuel or the watchdog leave it where it was).
//!
//! The added instructions are ordinary wasm and pay fuel like any other (ten
//! instructions on entry, four on the way out, `return` becomes a `br`):
//! part of the cost model in `docs/fuel.md`. Function indices, local indices
//! and labels are unchanged, so the name section and every offset-free
//! reference stay valid: the new global and the new function come last, and
//! the new types (the overflow function's, and block types for functions
//! with several results) after the module's own.

use super::ModuleHash;
use super::features::ALLOWED_FEATURES;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, ExportKind, ExportSection, Function, FunctionSection,
    GlobalSection, GlobalType, Instruction, RawSection, SectionId, TypeSection,
};
use wasmtime::wasmparser::{
    FuncType, FunctionBody, Operator, Parser, Payload, TypeRef, ValType, ValidPayload, Validator,
};

/// The export through which the host reads and resets the depth.
pub const DEPTH_EXPORT: &str = "lockstep:stack-depth";

/// Units every frame costs beyond its values: the return address, the saved
/// frame pointer and the callee's bookkeeping, which every native frame has
/// however few values it holds.
pub const FRAME_UNITS: u32 = 4;

/// A module rewritten to count its stack, and what the count found.
pub struct Instrumented {
    pub bytes: Vec<u8>,
    /// The frame cost of each function the module defines, in its order, in
    /// units.
    pub frame_costs: Vec<u32>,
    /// The index of the function that traps on overflow.
    pub overflow_function: u32,
}

/// Rewrites `bytes` (already validated) so that no call chain exceeds
/// `limit` units. Fails only on what the validator lets through but this
/// rewrite cannot take (an export already named [`DEPTH_EXPORT`]).
pub fn instrument(bytes: &[u8], limit: u32) -> Result<Instrumented, String> {
    let facts = Facts::read(bytes)?;
    let bytes = rewrite(bytes, &facts, limit)?;
    Ok(Instrumented {
        bytes,
        frame_costs: facts.frame_costs.clone(),
        overflow_function: facts.overflow_function(),
    })
}

/// The name of a module instrumented for `limit` units: what the disk cache
/// keys its compiled code by. Changes with [`INSTRUMENTATION_VERSION`].
pub fn instrumented_hash(original: ModuleHash, limit: u32) -> ModuleHash {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"lockstep stack limit ");
    hasher.update(&INSTRUMENTATION_VERSION.to_le_bytes());
    hasher.update(&limit.to_le_bytes());
    hasher.update(&original.0);
    ModuleHash(*hasher.finalize().as_bytes())
}

/// Bump with any change to what [`instrument`] writes.
const INSTRUMENTATION_VERSION: u32 = 1;

/// What the rewrite needs to know before it writes the first section.
#[derive(Default)]
struct Facts {
    types: Vec<FuncType>,
    imported_functions: u32,
    imported_globals: u32,
    defined_globals: u32,
    /// The type of each defined function.
    function_types: Vec<u32>,
    /// The frame cost of each defined function, in units.
    frame_costs: Vec<u32>,
    /// Types appended to the type section, as (parameters, results): the
    /// overflow function's `[] -> []` if the module has none, and the block
    /// types of functions with several results.
    extra_types: Vec<(Vec<ValType>, Vec<ValType>)>,
    /// The type index of `[] -> []`.
    empty_type: u32,
}

impl Facts {
    fn read(bytes: &[u8]) -> Result<Facts, String> {
        let mut facts = Facts::default();
        let mut validator = Validator::new_with_features(ALLOWED_FEATURES);
        let fail = |e: wasmtime::wasmparser::BinaryReaderError| e.to_string();
        for payload in Parser::new(0).parse_all(bytes) {
            let payload = payload.map_err(fail)?;
            match &payload {
                Payload::TypeSection(reader) => {
                    for ty in reader.clone().into_iter_err_on_gc_types() {
                        facts.types.push(ty.map_err(fail)?);
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.clone().into_imports() {
                        match import.map_err(fail)?.ty {
                            TypeRef::Func(_) => facts.imported_functions += 1,
                            TypeRef::Global(_) => facts.imported_globals += 1,
                            _ => {}
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader.clone() {
                        facts.function_types.push(ty.map_err(fail)?);
                    }
                }
                Payload::GlobalSection(reader) => facts.defined_globals = reader.count(),
                Payload::ExportSection(reader) => {
                    for export in reader.clone() {
                        if export.map_err(fail)?.name == DEPTH_EXPORT {
                            return Err(format!(
                                "the export name `{DEPTH_EXPORT}` is the sandbox's own; \
                                 rename that export"
                            ));
                        }
                    }
                }
                _ => {}
            }
            match validator.payload(&payload).map_err(fail)? {
                ValidPayload::Func(func, body) => {
                    let cost = frame_cost(func.into_validator(Default::default()), &body)?;
                    facts.frame_costs.push(cost);
                }
                ValidPayload::End(_) => break,
                _ => {}
            }
        }
        if facts.function_types.is_empty() {
            return Err("the module defines no functions of its own".into());
        }
        let extra_type = |facts: &mut Facts, params: &[ValType], results: &[ValType]| {
            facts.type_index(params, results).unwrap_or_else(|| {
                facts.extra_types.push((params.to_vec(), results.to_vec()));
                (facts.types.len() + facts.extra_types.len() - 1) as u32
            })
        };
        facts.empty_type = extra_type(&mut facts, &[], &[]);
        for i in 0..facts.function_types.len() {
            let results = facts.types[facts.function_types[i] as usize]
                .results()
                .to_vec();
            if results.len() > 1 {
                extra_type(&mut facts, &[], &results);
            }
        }
        Ok(facts)
    }

    /// The block type that wraps a body of function type `ty`: no
    /// parameters (they are locals), the function's results.
    fn body_block(&self, ty: u32) -> BlockType {
        let results = self.types[ty as usize].results();
        match results {
            [] => BlockType::Empty,
            [one] => BlockType::Result(RoundtripReencoder.val_type(*one).expect("a core type")),
            many => BlockType::FunctionType(
                self.type_index(&[], many)
                    .expect("every multi-result list was collected"),
            ),
        }
    }

    /// The index of the function type `params -> results`: the module's
    /// own if it has one, else one appended.
    fn type_index(&self, params: &[ValType], results: &[ValType]) -> Option<u32> {
        let existing = self
            .types
            .iter()
            .position(|t| t.params() == params && t.results() == results);
        let appended = || {
            self.extra_types
                .iter()
                .position(|(p, r)| p == params && r == results)
                .map(|i| self.types.len() + i)
        };
        existing.or_else(appended).map(|i| i as u32)
    }

    fn overflow_function(&self) -> u32 {
        self.imported_functions + self.function_types.len() as u32
    }

    fn depth_global(&self) -> u32 {
        self.imported_globals + self.defined_globals
    }
}

/// Parameters, locals, the operand stack's high-water mark and the call.
fn frame_cost<T: wasmtime::wasmparser::WasmModuleResources>(
    mut func: wasmtime::wasmparser::FuncValidator<T>,
    body: &FunctionBody<'_>,
) -> Result<u32, String> {
    let fail = |e: wasmtime::wasmparser::BinaryReaderError| e.to_string();
    let mut reader = body.get_binary_reader();
    func.read_locals(&mut reader).map_err(fail)?;
    let locals = func.len_locals();
    let mut highest = 0;
    let mut ops = body.get_operators_reader().map_err(fail)?;
    while !ops.eof() {
        let offset = ops.original_position();
        let op = ops.read().map_err(fail)?;
        func.op(offset, &op).map_err(fail)?;
        highest = highest.max(func.operand_stack_height());
    }
    Ok(FRAME_UNITS.saturating_add(locals).saturating_add(highest))
}

/// Writes the module again: every section as it was, but for the type
/// section (block types appended), the global section (the depth appended),
/// the exports (the depth exported) and the code (each body instrumented).
fn rewrite(bytes: &[u8], facts: &Facts, limit: u32) -> Result<Vec<u8>, String> {
    let fail = |e: wasmtime::wasmparser::BinaryReaderError| e.to_string();
    let reencode = |e: wasm_encoder::reencode::Error| e.to_string();
    let mut module = wasm_encoder::Module::new();
    let mut wrote_globals = false;
    let mut wrote_exports = false;
    let mut code: Option<CodeSection> = None;
    let mut body_index = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(fail)?;
        if let Some((id, _)) = payload.as_section()
            && id != 0
        {
            // A module without globals or exports gets them just before the
            // first section that comes after them.
            let order = section_order(id);
            if !wrote_globals && order > section_order(SectionId::Global as u8) {
                module.section(&depth_global_section(GlobalSection::new()));
                wrote_globals = true;
            }
            if !wrote_exports && order > section_order(SectionId::Export as u8) {
                module.section(&depth_export_section(ExportSection::new(), facts));
                wrote_exports = true;
            }
        }
        match payload {
            Payload::TypeSection(reader) => {
                let mut types = TypeSection::new();
                RoundtripReencoder
                    .parse_type_section(&mut types, reader)
                    .map_err(reencode)?;
                let core = |types: &[ValType]| -> Vec<wasm_encoder::ValType> {
                    types
                        .iter()
                        .map(|t| RoundtripReencoder.val_type(*t).expect("a core type"))
                        .collect()
                };
                for (params, results) in &facts.extra_types {
                    types.ty().function(core(params), core(results));
                }
                module.section(&types);
            }
            Payload::GlobalSection(reader) => {
                let mut globals = GlobalSection::new();
                RoundtripReencoder
                    .parse_global_section(&mut globals, reader)
                    .map_err(reencode)?;
                module.section(&depth_global_section(globals));
                wrote_globals = true;
            }
            Payload::ExportSection(reader) => {
                let mut exports = ExportSection::new();
                RoundtripReencoder
                    .parse_export_section(&mut exports, reader)
                    .map_err(reencode)?;
                module.section(&depth_export_section(exports, facts));
                wrote_exports = true;
            }
            Payload::FunctionSection(reader) => {
                let mut functions = FunctionSection::new();
                RoundtripReencoder
                    .parse_function_section(&mut functions, reader)
                    .map_err(reencode)?;
                functions.function(facts.empty_type);
                module.section(&functions);
            }
            Payload::CodeSectionStart { .. } => code = Some(CodeSection::new()),
            Payload::CodeSectionEntry(body) => {
                let ty = facts.function_types[body_index];
                let cost = facts.frame_costs[body_index];
                let section = code
                    .as_mut()
                    .expect("entries follow the code section's start");
                section.function(&instrument_body(bytes, &body, facts, ty, cost, limit)?);
                body_index += 1;
                if body_index == facts.function_types.len() {
                    let mut code = code.take().expect("just used");
                    let mut overflow = Function::new([]);
                    overflow.instruction(&Instruction::Unreachable);
                    overflow.instruction(&Instruction::End);
                    code.function(&overflow);
                    module.section(&code);
                }
            }
            Payload::End(_) => break,
            other => {
                if let Some((id, range)) = other.as_section() {
                    module.section(&RawSection {
                        id,
                        data: &bytes[range],
                    });
                }
            }
        }
    }
    Ok(module.finish())
}

fn depth_global_section(mut globals: GlobalSection) -> GlobalSection {
    let ty = GlobalType {
        val_type: wasm_encoder::ValType::I32,
        mutable: true,
        shared: false,
    };
    globals.global(ty, &ConstExpr::i32_const(0));
    globals
}

fn depth_export_section(mut exports: ExportSection, facts: &Facts) -> ExportSection {
    exports.export(DEPTH_EXPORT, ExportKind::Global, facts.depth_global());
    exports
}

/// Where a section goes in a module (custom sections: anywhere, 0).
fn section_order(id: u8) -> u8 {
    const ORDER: [SectionId; 13] = [
        SectionId::Type,
        SectionId::Import,
        SectionId::Function,
        SectionId::Table,
        SectionId::Memory,
        SectionId::Tag,
        SectionId::Global,
        SectionId::Export,
        SectionId::Start,
        SectionId::Element,
        SectionId::DataCount,
        SectionId::Code,
        SectionId::Data,
    ];
    ORDER
        .iter()
        .position(|s| *s as u8 == id)
        .map_or(0, |i| i as u8 + 1)
}

/// One body: prologue, the original instructions (copied byte for byte but
/// for `return` and tail calls) inside a block, epilogue.
fn instrument_body(
    bytes: &[u8],
    body: &FunctionBody<'_>,
    facts: &Facts,
    ty: u32,
    cost: u32,
    limit: u32,
) -> Result<Function, String> {
    let fail = |e: wasmtime::wasmparser::BinaryReaderError| e.to_string();
    let depth = facts.depth_global();
    let mut locals = Vec::new();
    for pair in body.get_locals_reader().map_err(fail)? {
        let (count, ty) = pair.map_err(fail)?;
        let ty = RoundtripReencoder.val_type(ty).map_err(|e| e.to_string())?;
        locals.push((count, ty));
    }
    let mut f = Function::new(locals);
    prologue(&mut f, facts, cost, limit);
    f.instruction(&Instruction::Block(facts.body_block(ty)));
    // Blocks open inside the wrapping block: `return` becomes a branch out
    // of all of them.
    let mut open: u32 = 0;
    let mut ops = body.get_operators_reader().map_err(fail)?;
    while !ops.eof() {
        let start = ops.original_position();
        let op = ops.read().map_err(fail)?;
        let end = ops.original_position();
        let original = &bytes[start..end];
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                open += 1;
                f.raw(original.iter().copied());
            }
            Operator::End if open == 0 => {
                f.raw(original.iter().copied());
                epilogue(&mut f, depth, cost);
                f.instruction(&Instruction::End);
            }
            Operator::End => {
                open -= 1;
                f.raw(original.iter().copied());
            }
            Operator::Return => {
                f.instruction(&Instruction::Br(open));
            }
            Operator::ReturnCall { .. } | Operator::ReturnCallIndirect { .. } => {
                epilogue(&mut f, depth, cost);
                f.raw(original.iter().copied());
            }
            _ => {
                f.raw(original.iter().copied());
            }
        }
    }
    Ok(f)
}

/// Traps if `cost` more units would pass `limit`, else adds them.
fn prologue(f: &mut Function, facts: &Facts, cost: u32, limit: u32) {
    let depth = facts.depth_global();
    let overflow = Instruction::Call(facts.overflow_function());
    let Some(room) = limit.checked_sub(cost) else {
        // This function alone is deeper than the limit: every call traps.
        f.instruction(&overflow);
        return;
    };
    f.instruction(&Instruction::GlobalGet(depth));
    f.instruction(&Instruction::I32Const(room as i32));
    f.instruction(&Instruction::I32GtU);
    f.instruction(&Instruction::If(BlockType::Empty));
    f.instruction(&overflow);
    f.instruction(&Instruction::End);
    f.instruction(&Instruction::GlobalGet(depth));
    f.instruction(&Instruction::I32Const(cost as i32));
    f.instruction(&Instruction::I32Add);
    f.instruction(&Instruction::GlobalSet(depth));
}

fn epilogue(f: &mut Function, depth: u32, cost: u32) {
    f.instruction(&Instruction::GlobalGet(depth));
    f.instruction(&Instruction::I32Const(cost as i32));
    f.instruction(&Instruction::I32Sub);
    f.instruction(&Instruction::GlobalSet(depth));
}

/// Whether `error` is a trap in the overflow function: the limit tripped.
pub(crate) fn tripped(error: &wasmtime::Error, overflow_function: u32) -> bool {
    let unreachable = matches!(
        error.downcast_ref::<wasmtime::Trap>(),
        Some(wasmtime::Trap::UnreachableCodeReached)
    );
    unreachable
        && error
            .downcast_ref::<wasmtime::WasmBacktrace>()
            .and_then(|trace| trace.frames().first())
            .is_some_and(|frame| frame.func_index() == overflow_function)
}

#[cfg(test)]
#[path = "stack_limit_tests.rs"]
mod tests;
