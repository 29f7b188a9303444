//! What a module declares, section by section, as the validator reads it:
//! the counts held to the limits, the memory and table sizes, the imports
//! and exports held to ABI v1.

use super::SandboxConfig;
use super::module::{export_problems, import_problem};
use super::validate::{
    ExportSummary, MemoryPages, ModuleSummary, Problem, ProblemKind, Problems, count, mib,
};
use wasmtime::wasmparser::{
    CompositeInnerType, DataKind, DataSectionReader, ExternalKind, FuncType, FunctionBody,
    MemoryType, Operator, Payload, TableType, TypeRef,
};

const PAGE: u64 = 1 << 16;

/// The parts of a module the checks need, filled in as sections arrive.
pub(crate) struct Shape<'c> {
    config: &'c SandboxConfig,
    /// By type index; `None` for a type that is not a function type.
    types: Vec<Option<FuncType>>,
    /// The type index of every function, imported ones first.
    functions: Vec<u32>,
    imported_functions: u32,
    imported_globals: u32,
    bodies_seen: u32,
    memories: Vec<MemoryType>,
    tables: u32,
    exports: Vec<(String, ExternalKind, u32)>,
    /// Past the place of the export section: a missing export is missing.
    past_exports: bool,
    code_bytes: u32,
    /// Block-local pairs so far, and the function with the most.
    pairs: u64,
    worst: Option<BlockLocals>,
}

/// One function's share of the block-local pairs.
#[derive(Clone, Copy)]
pub(crate) struct BlockLocals {
    index: u32,
    locals: u64,
    blocks: u64,
}

impl BlockLocals {
    fn pairs(&self) -> u64 {
        self.locals.saturating_mul(self.blocks.saturating_add(1))
    }
}

impl<'c> Shape<'c> {
    pub(crate) fn new(config: &'c SandboxConfig) -> Shape<'c> {
        Shape {
            config,
            types: Vec::new(),
            functions: Vec::new(),
            imported_functions: 0,
            imported_globals: 0,
            bodies_seen: 0,
            memories: Vec::new(),
            tables: 0,
            exports: Vec::new(),
            past_exports: false,
            code_bytes: 0,
            pairs: 0,
            worst: None,
        }
    }

    /// Count limits, read from section headers before the validator walks
    /// the section, so a module past a limit is told so in our words.
    pub(crate) fn before(&mut self, payload: &Payload<'_>, problems: &mut Problems) {
        let limits = &self.config.validation;
        let (field, found, max, what) = match payload {
            Payload::TypeSection(r) => ("max_types", r.count(), limits.max_types, "types"),
            Payload::FunctionSection(r) => (
                "max_functions",
                r.count().saturating_add(self.imported_functions),
                limits.max_functions,
                "functions (imported and defined)",
            ),
            Payload::GlobalSection(r) => (
                "max_globals",
                r.count().saturating_add(self.imported_globals),
                limits.max_globals,
                "globals",
            ),
            Payload::ExportSection(r) => ("max_exports", r.count(), limits.max_exports, "exports"),
            Payload::ElementSection(r) => (
                "max_element_segments",
                r.count(),
                limits.max_element_segments,
                "element segments",
            ),
            Payload::DataSection(r) => (
                "max_data_segments",
                r.count(),
                limits.max_data_segments,
                "data segments",
            ),
            Payload::CodeSectionStart { size, range, .. } => {
                self.code_bytes = *size;
                if *size > limits.max_code_bytes {
                    problems.push(Problem::limit(
                        "max_code_bytes",
                        format!(
                            "the module has {} bytes of code; the limit is {} ({}) (code section at byte {:#x}); \
                             build with optimisations for size (Rust: `opt-level = \"s\"`, `lto = true`) \
                             or drop dependencies",
                            count((*size).into()),
                            count(limits.max_code_bytes.into()),
                            mib(u64::from(limits.max_code_bytes)),
                            range.start
                        ),
                    ));
                }
                return;
            }
            _ => return,
        };
        if found > max {
            problems.push(Problem::limit(
                field,
                format!(
                    "the module has {} {what}; the limit is {}",
                    count(found.into()),
                    count(max.into())
                ),
            ));
        }
    }

    /// Entry-level checks, once the validator has accepted the section.
    pub(crate) fn after(&mut self, payload: &Payload<'_>, problems: &mut Problems) {
        match payload {
            Payload::TypeSection(r) => {
                for group in r.clone().into_iter().flatten() {
                    for ty in group.into_types() {
                        self.types.push(match ty.composite_type.inner {
                            CompositeInnerType::Func(f) => Some(f),
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(r) => {
                for (offset, import) in r.clone().into_imports_with_offsets().flatten() {
                    let at = || format!(" (at byte {offset:#x})");
                    if let Some(problem) = import_problem(&import, |i| self.func_type(i)) {
                        problems.push(Problem::new(ProblemKind::Abi, problem));
                    }
                    match import.ty {
                        TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                            self.functions.push(ty);
                            self.imported_functions += 1;
                        }
                        TypeRef::Memory(memory) => self.memory(memory, &at(), problems),
                        TypeRef::Table(table) => self.table(table, &at(), problems),
                        TypeRef::Global(_) => self.imported_globals += 1,
                        TypeRef::Tag(_) => {}
                    }
                }
            }
            Payload::FunctionSection(r) => self.functions.extend(r.clone().into_iter().flatten()),
            Payload::TableSection(r) => {
                for (offset, table) in r.clone().into_iter_with_offsets().flatten() {
                    self.table(table.ty, &format!(" (at byte {offset:#x})"), problems);
                }
            }
            Payload::MemorySection(r) => {
                for (offset, memory) in r.clone().into_iter_with_offsets().flatten() {
                    self.memory(memory, &format!(" (at byte {offset:#x})"), problems);
                }
            }
            Payload::ExportSection(r) => {
                self.past_exports = true;
                for export in r.clone().into_iter().flatten() {
                    self.exports
                        .push((export.name.to_string(), export.kind, export.index));
                }
            }
            Payload::DataSection(r) => {
                self.past_exports = true;
                self.data_segments(r, problems);
            }
            Payload::StartSection { .. }
            | Payload::ElementSection(_)
            | Payload::DataCountSection { .. }
            | Payload::CodeSectionStart { .. }
            | Payload::End(_) => self.past_exports = true,
            _ => {}
        }
    }

    /// Checks one function body's size and locals; `None` if it is past a
    /// limit (and so not worth validating).
    pub(crate) fn function_body(
        &mut self,
        body: &FunctionBody<'_>,
        problems: &mut Problems,
    ) -> Option<BlockLocals> {
        let limits = &self.config.validation;
        let index = self.imported_functions.saturating_add(self.bodies_seen);
        self.bodies_seen = self.bodies_seen.saturating_add(1);
        let at = body.range().start;
        let size = body.range().len();
        if size > limits.max_function_body_bytes as usize {
            problems.push(Problem::limit(
                "max_function_body_bytes",
                format!(
                    "function {index}'s body is {} bytes; the limit is {} ({}) (at byte {at:#x}); split it into smaller functions",
                    count(size as u64),
                    count(limits.max_function_body_bytes.into()),
                    mib(u64::from(limits.max_function_body_bytes))
                ),
            ));
            return None;
        }
        let params = self
            .functions
            .get(index as usize)
            .and_then(|&ty| self.func_type(ty))
            .map_or(0, |ty| ty.params().len() as u64);
        let mut function = BlockLocals {
            index,
            locals: params,
            blocks: 0,
        };
        // Malformed locals: the validator says how.
        let Ok(mut reader) = body.get_locals_reader() else {
            return Some(function);
        };
        for _ in 0..reader.get_count() {
            match reader.read() {
                Ok((n, _)) => function.locals = function.locals.saturating_add(u64::from(n)),
                Err(_) => return Some(function),
            }
        }
        let locals = function.locals;
        if locals > u64::from(limits.max_locals_per_function) {
            problems.push(Problem::limit(
                "max_locals_per_function",
                format!(
                    "function {index} has {} locals (parameters included); the limit is {} (at byte {at:#x})",
                    count(locals),
                    count(limits.max_locals_per_function.into())
                ),
            ));
            return None;
        }
        Some(function)
    }

    /// Counts a valid function's blocks and branches, for the block-local
    /// pairs the compiler may have to work through; refuses a function with
    /// more than `max_function_block_local_pairs`.
    pub(crate) fn count_blocks(
        &mut self,
        mut function: BlockLocals,
        body: &FunctionBody<'_>,
        problems: &mut Problems,
    ) {
        let max_depth = self.config.validation.max_control_depth;
        let (mut depth, mut deepest) = (0u32, 0u32);
        if let Ok(mut ops) = body.get_operators_reader() {
            while !ops.eof() {
                let op = ops.read();
                match op {
                    Ok(
                        Operator::Block { .. }
                        | Operator::Loop { .. }
                        | Operator::If { .. }
                        | Operator::TryTable { .. },
                    ) => {
                        depth += 1;
                        deepest = deepest.max(depth);
                    }
                    Ok(Operator::End) => depth = depth.saturating_sub(1),
                    _ => {}
                }
                match op {
                    // Each target of a `br_table` is an edge into a block
                    // where every local may need a value: counted as a branch.
                    Ok(Operator::BrTable { targets }) => {
                        function.blocks =
                            function.blocks.saturating_add(u64::from(targets.len()) + 1);
                    }
                    Ok(
                        Operator::Block { .. }
                        | Operator::Loop { .. }
                        | Operator::If { .. }
                        | Operator::Else
                        | Operator::TryTable { .. }
                        | Operator::Br { .. }
                        | Operator::BrIf { .. },
                    ) => function.blocks += 1,
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        }
        if deepest > max_depth {
            problems.push(Problem::limit(
                "max_control_depth",
                format!(
                    "function {} nests blocks, loops and ifs {} deep; the limit is {} (at byte \
                     {:#x}); split it into smaller functions, as deeply nested control flow is \
                     slow to compile",
                    function.index,
                    count(deepest.into()),
                    count(max_depth.into()),
                    body.range().start
                ),
            ));
        }
        let max = self.config.validation.max_function_block_local_pairs;
        if function.pairs() > max {
            problems.push(Problem::limit(
                "max_function_block_local_pairs",
                format!(
                    "function {} has {} block-local pairs ({} locals x (1 + {} blocks and \
                     branches)); the limit for one function is {} (at byte {:#x}); use fewer \
                     locals (build with optimisations) or split it, as deep control flow over \
                     many locals is slow to compile",
                    function.index,
                    count(function.pairs()),
                    count(function.locals),
                    count(function.blocks),
                    count(max),
                    body.range().start
                ),
            ));
        }
        self.pairs = self.pairs.saturating_add(function.pairs());
        if self.worst.is_none_or(|w| function.pairs() > w.pairs()) {
            self.worst = Some(function);
        }
    }

    /// The module-wide block-local pairs, and the ABI's export rules once
    /// the export section's place is passed.
    pub(crate) fn finish(&self, problems: &mut Problems) {
        let max = self.config.validation.max_block_local_pairs;
        if let Some(worst) = self.worst.filter(|_| self.pairs > max) {
            problems.push(Problem::limit(
                "max_block_local_pairs",
                format!(
                    "the module has {} block-local pairs (each function's locals times one plus its \
                     blocks and branches, summed); the limit is {}; the most are in function {}: \
                     {} locals x {} blocks and branches; use fewer locals (build with optimisations) \
                     or split large functions, as deep control flow over many locals is slow to compile",
                    count(self.pairs),
                    count(max),
                    worst.index,
                    count(worst.locals),
                    count(worst.blocks)
                ),
            ));
        }
        if !self.past_exports {
            return;
        }
        let problems_found = export_problems(
            &self.exports,
            |f| {
                self.functions
                    .get(f as usize)
                    .and_then(|&ty| self.func_type(ty))
            },
            |m| self.memories.get(m as usize),
        );
        for problem in problems_found {
            problems.push(Problem::new(ProblemKind::Abi, problem));
        }
    }

    pub(crate) fn summary(&self) -> ModuleSummary {
        let memory = self
            .memories
            .first()
            .map_or(MemoryPages::default(), |m| MemoryPages {
                initial: m.initial,
                maximum: m.maximum,
            });
        ModuleSummary {
            code_bytes: self.code_bytes,
            functions: u32::try_from(self.functions.len()).unwrap_or(u32::MAX),
            block_local_pairs: self.pairs,
            memory,
            exports: self
                .exports
                .iter()
                .map(|(name, kind, _)| ExportSummary {
                    name: name.clone(),
                    kind: kind_name(*kind),
                })
                .collect(),
        }
    }

    /// Every active data segment must be at a constant offset (`i32.const`)
    /// and fit in the memory's initial size. One that does not could never
    /// be instantiated (the spec makes that a trap), and wasmtime's compiler
    /// takes time and memory growing with the square of their number
    /// (5,000 of them: 0.7 s and 200 MB; 100,000: more than 24 GB).
    fn data_segments(&self, reader: &DataSectionReader<'_>, problems: &mut Problems) {
        let initial = self
            .memories
            .first()
            .map_or(0, |m| m.initial.saturating_mul(PAGE));
        let mut refused = 0u64;
        let mut first = None;
        for (index, segment) in reader.clone().into_iter().enumerate() {
            let Ok(segment) = segment else { return };
            let DataKind::Active { offset_expr, .. } = segment.kind else {
                continue;
            };
            let mut ops = offset_expr.get_operators_reader();
            let offset = match (ops.read(), ops.read()) {
                (Ok(Operator::I32Const { value }), Ok(Operator::End)) => Some(value as u32),
                _ => None,
            };
            let fits = offset
                .is_some_and(|offset| u64::from(offset) + segment.data.len() as u64 <= initial);
            if !fits {
                refused += 1;
                first.get_or_insert((index, offset, segment.data.len(), segment.range.start));
            }
        }
        if let Some((index, offset, len, at)) = first {
            let more = match refused - 1 {
                0 => String::new(),
                n => format!(", and {} more data segments do not fit either", count(n)),
            };
            let what = match offset {
                Some(offset) => format!(
                    "covers bytes {} to {}, past the memory's initial {} bytes",
                    count(offset.into()),
                    count(u64::from(offset) + len as u64),
                    count(initial)
                ),
                None => "has an offset that is not a constant (`i32.const`)".to_string(),
            };
            problems.push(Problem::new(
                ProblemKind::Limit,
                format!(
                    "data segment {index} {what} (at byte {at:#x}){more}; every data segment \
                     must lie within the initial memory at a constant offset (a module whose \
                     data does not fit could never start)"
                ),
            ));
        }
    }

    fn func_type(&self, type_index: u32) -> Option<&FuncType> {
        self.types.get(type_index as usize)?.as_ref()
    }

    /// Initial memory past the limit cannot be given; a maximum past it is
    /// fine, `memory.grow` just fails there.
    fn memory(&mut self, memory: MemoryType, at: &str, problems: &mut Problems) {
        let limit = self.config.memory_limit as u64;
        let limit_pages = limit / PAGE;
        if memory.initial > limit_pages {
            problems.push(Problem::limit(
                "memory_limit",
                format!(
                    "the memory starts at {} pages ({}); the limit is {} pages ({}){at}; \
                     lower the initial memory (Rust: a smaller stack, `-C link-arg=-zstack-size=...`, \
                     or less static data)",
                    count(memory.initial),
                    mib(memory.initial.saturating_mul(PAGE)),
                    count(limit_pages),
                    mib(limit)
                ),
            ));
        }
        self.memories.push(memory);
    }

    fn table(&mut self, table: TableType, at: &str, problems: &mut Problems) {
        self.tables += 1;
        if self.tables == 2 {
            problems.push(Problem::new(
                ProblemKind::Limit,
                format!("the module has more than one table{at}; a bot may have at most one"),
            ));
        }
        let limit = self.config.table_limit as u64;
        if table.initial > limit {
            problems.push(Problem::limit(
                "table_limit",
                format!(
                    "a table starts with {} elements; the limit is {}{at}",
                    count(table.initial),
                    count(limit)
                ),
            ));
        }
    }
}

fn kind_name(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => "func",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}
