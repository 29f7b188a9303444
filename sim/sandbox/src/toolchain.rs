//! Which toolchain made a refused module, and that toolchain's fix. The
//! validator's problems say what is wrong in wasm terms (a missing export, a
//! `_start`, too much code); an author needs it in their own: the clang flag,
//! the asc option, the zig flags, the Go build line. This module recognises
//! the producer from the `producers` custom section when there is one, or
//! from patterns of imports and exports when it was stripped, and adds one
//! line of advice for the problems found.

use super::validate::{Problem, ProblemKind};
use wasmtime::wasmparser::{KnownCustom, Payload, TypeRef};

/// A toolchain whose fixes we know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Toolchain {
    Rust,
    C,
    Zig,
    AssemblyScript,
    Go,
    TinyGo,
}

impl Toolchain {
    pub fn name(self) -> &'static str {
        match self {
            Toolchain::Rust => "Rust",
            Toolchain::C => "C or C++ (clang)",
            Toolchain::Zig => "Zig",
            Toolchain::AssemblyScript => "AssemblyScript",
            Toolchain::Go => "Go",
            Toolchain::TinyGo => "TinyGo",
        }
    }
}

/// What the validator saw of a module that can tell its producer.
#[derive(Default)]
pub(crate) struct Evidence {
    /// The `producers` section's values: `language` and `processed-by` names.
    producers: Vec<String>,
    imports: Vec<(String, String)>,
    exports: Vec<String>,
    /// Functions with a body: none means the linker dropped them all.
    bodies: u32,
}

impl Evidence {
    /// Notes what `payload` says of the module's producer.
    pub(crate) fn observe(&mut self, payload: &Payload<'_>) {
        match payload {
            Payload::CustomSection(reader) => {
                if let KnownCustom::Producers(fields) = reader.as_known() {
                    for field in fields.into_iter().flatten() {
                        let values = field.values.into_iter().flatten();
                        self.producers.extend(values.map(|v| v.name.to_string()));
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports().flatten() {
                    if matches!(import.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                        self.imports
                            .push((import.module.to_string(), import.name.to_string()));
                    }
                }
            }
            Payload::CodeSectionStart { count, .. } => self.bodies = *count,
            Payload::ExportSection(reader) => {
                let names = reader.clone().into_iter().flatten();
                self.exports.extend(names.map(|e| e.name.to_string()));
            }
            _ => {}
        }
    }

    /// A producer's name is one of `names`, or has one as a word
    /// (clang calls itself "Debian clang", Go "Go cmd/compile").
    fn produced_by(&self, names: &[&str]) -> bool {
        self.producers.iter().any(|p| {
            names.iter().any(|n| {
                p.eq_ignore_ascii_case(n) || p.split_whitespace().any(|w| w.eq_ignore_ascii_case(n))
            })
        })
    }

    fn imports_from(&self, module: &str) -> bool {
        self.imports.iter().any(|(m, _)| m == module)
    }

    fn exports(&self, name: &str) -> bool {
        self.exports.iter().any(|e| e == name)
    }

    /// The producer, and how we know.
    pub(crate) fn recognise(&self) -> Option<(Toolchain, String)> {
        let producers = || format!("its producers section names {}", self.producers.join(", "));
        let rules: [(Toolchain, bool, &str); 11] = [
            (Toolchain::TinyGo, self.produced_by(&["TinyGo"]), ""),
            (
                Toolchain::Go,
                self.produced_by(&["Go", "Go cmd/compile"]),
                "",
            ),
            (Toolchain::Rust, self.produced_by(&["Rust", "rustc"]), ""),
            (Toolchain::Zig, self.produced_by(&["Zig"]), ""),
            (
                Toolchain::C,
                self.produced_by(&["C", "C89", "C99", "C11", "C17", "C++", "clang"]),
                "",
            ),
            (
                Toolchain::AssemblyScript,
                self.produced_by(&["AssemblyScript", "asc"]),
                "",
            ),
            // Stripped modules: what each toolchain leaves behind anyway.
            (
                Toolchain::Go,
                self.imports_from("gojs"),
                "it imports `gojs` (GOOS=js)",
            ),
            (
                Toolchain::Rust,
                self.imports_from("__wbindgen_placeholder__"),
                "it imports wasm-bindgen's `__wbindgen_placeholder__`",
            ),
            (
                Toolchain::C,
                self.imports.iter().any(|(m, n)| {
                    m == "env" && ["memset", "memcpy", "memmove", "memcmp"].contains(&n.as_str())
                }),
                "it imports a C library function from `env`",
            ),
            (
                Toolchain::AssemblyScript,
                self.imports.iter().any(|(m, n)| m == "env" && n == "abort")
                    || self.exports("__new")
                    || self.exports("__rtti_base"),
                "it imports `env.abort` or exports AssemblyScript's runtime",
            ),
            (
                Toolchain::Rust,
                self.exports("__data_end") && self.exports("__heap_base"),
                "it exports `__data_end` and `__heap_base`",
            ),
        ];
        rules
            .into_iter()
            .find(|(_, matched, _)| *matched)
            .map(|(toolchain, _, why)| {
                let why = if why.is_empty() {
                    producers()
                } else {
                    why.to_string()
                };
                (toolchain, why)
            })
    }
}

/// What kind of mistake a set of problems shows, for the advice.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mistake {
    /// A WASI command (`_start`) instead of a reactor.
    Command,
    /// Required exports are missing.
    MissingExports,
    /// Too much code or too large a module.
    TooLarge,
    /// An import from `env` that is not AssemblyScript's helpers.
    UndefinedFunction,
    /// JavaScript glue: `gojs` or wasm-bindgen.
    JavaScript,
}

fn mistakes(problems: &[Problem]) -> Vec<Mistake> {
    let mut found = Vec::new();
    for p in problems {
        let m = &p.message;
        let mistake = if m.contains("export `_start`") {
            Mistake::Command
        } else if m.starts_with("missing export") {
            Mistake::MissingExports
        } else if matches!(p.limit, Some("max_code_bytes" | "max_module_bytes")) {
            Mistake::TooLarge
        } else if m.starts_with("import `gojs.") || m.starts_with("import `__wbindgen") {
            Mistake::JavaScript
        } else if m.starts_with("import `env.") && m.contains("is not allowed") {
            Mistake::UndefinedFunction
        } else {
            continue;
        };
        if !found.contains(&mistake) {
            found.push(mistake);
        }
    }
    found
}

/// The toolchain's own fix for one kind of mistake.
fn fix(toolchain: Toolchain, mistake: Mistake) -> &'static str {
    use Mistake::*;
    use Toolchain::*;
    match (toolchain, mistake) {
        (Rust, Command) => {
            "build the bot as a library: `[lib] crate-type = [\"cdylib\"]`, not a `src/main.rs` binary"
        }
        (Rust, MissingExports) => "add `lockstep_sdk::export_bot!(YourBot);` and build a `cdylib`",
        (Rust, TooLarge) => {
            "build with the starter kit's profile (`opt-level = \"s\"`, `lto = true`, `codegen-units = 1`, `panic = \"abort\"`, `strip = true`; `lockstep new NAME --lang rust`)"
        }
        (Rust, UndefinedFunction) => {
            "a dependency links C code or expects a JavaScript host; drop it or build it for wasm32-wasip1"
        }
        (Rust, JavaScript) => "drop wasm-bindgen: a bot is a plain module, not a JavaScript one",
        (C, Command) => {
            "build a reactor: `-mexec-model=reactor` with wasi-libc, or `-nostdlib -Wl,--no-entry` without a libc"
        }
        (C, MissingExports) => {
            "mark each function `__attribute__((export_name(\"lockstep_tick\")))` (and so on)"
        }
        (C, TooLarge) => "build with `-O2` or `-Oz`, `-Wl,--strip-all` and `-Wl,--gc-sections`",
        (C, UndefinedFunction) => {
            "build with `-mbulk-memory` (for memset/memcpy), link wasi-libc (`--target=wasm32-wasi`) for the rest, and never `-Wl,--allow-undefined`"
        }
        (Zig, Command) => {
            "build with `-fno-entry` (`zig build-exe -target wasm32-freestanding -fno-entry -rdynamic`)"
        }
        (Zig, MissingExports) => {
            "declare each `export fn lockstep_tick(...)` and build with `-rdynamic`"
        }
        (Zig, TooLarge) => "build with `-O ReleaseSmall` and `-fstrip`",
        (Zig, UndefinedFunction) => "an `extern fn` has no definition; define it or drop it",
        (AssemblyScript, MissingExports) => {
            "export each function from the entry file: `export function lockstep_tick(ptr: i32, len: i32): i64`; `memory` is exported unless you pass `--importMemory`"
        }
        (AssemblyScript, UndefinedFunction) => {
            "a `declare`d function is imported from `env`; define it, and keep the runtime's own imports to `abort`, `trace` and `seed`"
        }
        (AssemblyScript, TooLarge) => {
            "build with `-O3 --converge` and `--runtime stub` if the bot never frees memory"
        }
        (Go | TinyGo, Command) => {
            "build a reactor: `GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o bot.wasm` (TinyGo: `tinygo build -target=wasip1 -buildmode=c-shared`)"
        }
        (Go | TinyGo, MissingExports) => {
            "put `//go:wasmexport lockstep_tick` (and so on) above each function (Go 1.24 or later)"
        }
        (Go | TinyGo, JavaScript) => {
            "GOOS=js is for browsers: build with `GOOS=wasip1 GOARCH=wasm -buildmode=c-shared`"
        }
        (Go | TinyGo, TooLarge) => {
            "leave out `fmt` and `encoding/json` (the Go kit's postcard codec is far smaller) and build with `-ldflags=\"-s -w\"`; an admin can raise `[upload]` limits"
        }
        _ => "",
    }
}

/// One line of advice for `problems` in the recognised toolchain's terms,
/// if there is anything toolchain-specific to say.
pub(crate) fn advice(evidence: &Evidence, problems: &[Problem]) -> Option<Problem> {
    if problems.iter().any(|p| p.kind == ProblemKind::Invalid) {
        return None;
    }
    let missing = mistakes(problems).contains(&Mistake::MissingExports);
    if evidence.bodies == 0 && missing && evidence.recognise().is_none() {
        // What Zig without `-rdynamic` makes, and any linker that was told
        // of no export: every function dropped as unused.
        return Some(Problem::new(
            ProblemKind::Advice,
            "the module has no code at all: the linker dropped every function as unused \
             because none was exported. Zig: declare `export fn lockstep_tick(...)` and build \
             with `-rdynamic -fno-entry`; C: mark each `__attribute__((export_name(\"lockstep_tick\")))`; \
             Rust: `lockstep_sdk::export_bot!(YourBot);` in a `cdylib`; docs/languages.md has whole build lines"
                .to_string(),
        ));
    }
    let (toolchain, why) = evidence.recognise()?;
    let fixes: Vec<&str> = mistakes(problems)
        .into_iter()
        .map(|m| fix(toolchain, m))
        .filter(|f| !f.is_empty())
        .collect();
    if fixes.is_empty() {
        return None;
    }
    let mut text = format!(
        "this looks like {} output ({why}): {}",
        toolchain.name(),
        fixes.join("; ")
    );
    text.push_str("; docs/languages.md has whole build lines");
    Some(Problem::new(ProblemKind::Advice, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(producers: &[&str], imports: &[(&str, &str)], exports: &[&str]) -> Evidence {
        Evidence {
            producers: producers.iter().map(|s| s.to_string()).collect(),
            imports: imports
                .iter()
                .map(|(m, n)| (m.to_string(), n.to_string()))
                .collect(),
            exports: exports.iter().map(|s| s.to_string()).collect(),
            bodies: 1,
        }
    }

    #[test]
    fn producers_win_over_patterns() {
        let go = evidence(&["Go", "Go cmd/compile"], &[("env", "abort")], &[]);
        assert_eq!(go.recognise().unwrap().0, Toolchain::Go);
        let c = evidence(&["Debian clang"], &[], &["__data_end", "__heap_base"]);
        assert_eq!(c.recognise().unwrap().0, Toolchain::C);
        assert!(evidence(&["Google"], &[], &[]).recognise().is_none());
    }

    #[test]
    fn stripped_modules_are_recognised_by_their_patterns() {
        let rust = evidence(&[], &[], &["memory", "__data_end", "__heap_base"]);
        assert_eq!(rust.recognise().unwrap().0, Toolchain::Rust);
        let asc = evidence(&[], &[("env", "abort")], &[]);
        assert_eq!(asc.recognise().unwrap().0, Toolchain::AssemblyScript);
        let c = evidence(&[], &[("env", "memset")], &[]);
        assert_eq!(c.recognise().unwrap().0, Toolchain::C);
        assert!(evidence(&[], &[], &["memory"]).recognise().is_none());
    }

    #[test]
    fn advice_names_the_fix_for_each_kind_of_mistake_once() {
        let problems = [
            Problem::new(ProblemKind::Abi, "missing export `lockstep_tick`".into()),
            Problem::new(ProblemKind::Abi, "missing export `lockstep_init`".into()),
            Problem::new(
                ProblemKind::Abi,
                "export `_start`: this is a WASI command".into(),
            ),
        ];
        let go = evidence(&["Go"], &[], &["_start"]);
        let advice = advice(&go, &problems).unwrap().message;
        assert!(advice.starts_with("this looks like Go output"), "{advice}");
        assert!(advice.contains("-buildmode=c-shared"), "{advice}");
        assert_eq!(advice.matches("//go:wasmexport").count(), 1, "{advice}");
    }

    #[test]
    fn a_module_whose_code_was_all_dropped_is_told_why() {
        let problems = [Problem::new(
            ProblemKind::Abi,
            "missing export `lockstep_tick`".into(),
        )];
        let mut empty = evidence(&[], &[], &["memory"]);
        empty.bodies = 0;
        let advice = advice(&empty, &problems).unwrap().message;
        assert!(advice.contains("-rdynamic"), "{advice}");
        assert!(
            advice.starts_with("the module has no code at all"),
            "{advice}"
        );
    }
}
