//! The OpenAPI document (`GET /api/openapi.json`, `src/api/openapi.rs`)
//! against docs/api.md: both list the same routes, every 4xx and 5xx the
//! document names has the one error shape, and every JSON example of
//! docs/api.md is valid against the document's schema for its route and
//! status: the ```json blocks (an answer of the route whose section they
//! are in, or an error) and the console sessions' curl requests (`-d`
//! bodies) and answers (printed whole, with `-w 'HTTP %{http_code}'`,
//! `-i`, or `| jq .`).
//!
//! The schemas are checked by a small validator of the JSON Schema that
//! utoipa emits (`$ref`, `allOf`, `oneOf`, `anyOf`, `type` (with `null`),
//! `properties`, `required`, `additionalProperties`, `items`, `enum`,
//! `minimum`, `maximum`, `minLength`, `maxLength`, `minItems`, `maxItems`;
//! not `pattern` nor `format`), stricter than JSON Schema in one way: an
//! example may not have a field that its object schema does not list, so a
//! field documented but no longer sent (or renamed) fails. A drift fails
//! naming the route, the status and the field. (Not the `jsonschema`
//! crate: even without its default features it brings some 35 crates (two
//! regex engines, big-number fractions, strum's macros) to the server's
//! tests, and it would not refuse those extra fields without rewriting
//! every schema of the document.)

#[path = "../support/mod.rs"]
mod support;

mod curl;
mod schema;

use curl::Curl;
use schema::validate;
use serde_json::Value;
use std::collections::BTreeSet;
use support::Server;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

#[test]
fn the_document_and_docs_api_md_agree() {
    let server = Server::start("ladder_enabled = false\n");
    let response = server.get("/api/openapi.json");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "GET /api/openapi.json's content type"
    );
    let doc = response.json();
    assert_eq!(doc["openapi"], "3.1.0", "the document's OpenAPI version");
    let markdown = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md"))
        .expect("reading docs/api.md");

    let mut problems = Vec::new();
    same_routes(&doc, &markdown, &mut problems);
    errors_have_one_shape(&doc, &mut problems);
    let checked = examples_are_valid(&doc, &markdown, &mut problems);
    assert!(
        problems.is_empty(),
        "the OpenAPI document (GET /api/openapi.json) and docs/api.md disagree:\n- {}",
        problems.join("\n- ")
    );
    // Far fewer would mean the parsing below stopped seeing them.
    assert!(
        checked >= 25,
        "only {checked} JSON examples of docs/api.md were checked"
    );
    eprintln!("checked {checked} JSON examples of docs/api.md against the document");
}

/// `METHOD /api/path` with each `{param}` as `{}`.
fn route(method: &str, path: &str) -> String {
    let mut normalized = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                normalized.push_str("{}");
            }
            '}' => in_param = false,
            _ if !in_param => normalized.push(c),
            _ => {}
        }
    }
    format!("{} {normalized}", method.to_ascii_uppercase())
}

/// The routes docs/api.md documents: every `` `METHOD /api/...` `` of its
/// `###` headings (a query string dropped).
fn documented_routes(markdown: &str) -> BTreeSet<String> {
    let mut routes = BTreeSet::new();
    for line in markdown.lines().filter(|l| l.starts_with("### ")) {
        routes.extend(heading_routes(line));
    }
    routes
}

fn heading_routes(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 0 {
            continue;
        }
        let Some((method, path)) = part.split_once(' ') else {
            continue;
        };
        if METHODS.contains(&method.to_ascii_lowercase().as_str()) && path.starts_with("/api/") {
            let path = path.split('?').next().unwrap_or(path);
            found.push(route(method, path));
        }
    }
    found
}

fn same_routes(doc: &Value, markdown: &str, problems: &mut Vec<String>) {
    let documented = documented_routes(markdown);
    let mut served = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("the document's paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                served.insert(route(method, path));
            }
        }
    }
    for missing in documented.difference(&served) {
        problems.push(format!(
            "{missing} is documented in docs/api.md but not in the OpenAPI document \
             (add #[utoipa::path] to its handler and list it in src/api/openapi.rs)"
        ));
    }
    for missing in served.difference(&documented) {
        problems.push(format!(
            "{missing} is in the OpenAPI document but docs/api.md has no `### ` heading for it"
        ));
    }
}

/// Every 4xx and 5xx answer the document names is `ErrorBody`.
fn errors_have_one_shape(doc: &Value, problems: &mut Vec<String>) {
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(responses) = item[method]["responses"].as_object() else {
                continue;
            };
            for (status, response) in responses {
                if !status.starts_with('4') && !status.starts_with('5') {
                    continue;
                }
                let schema = &response["content"]["application/json"]["schema"];
                if schema["$ref"] != "#/components/schemas/ErrorBody" {
                    problems.push(format!(
                        "{} answers {status} with {schema} in the document, not the one error \
                         shape (ErrorBody)",
                        route(method, path)
                    ));
                }
            }
        }
    }
}

/// A fenced block of docs/api.md, with where it stands.
struct Block {
    info: String,
    text: String,
    /// The first route of the `###` heading it is under, if any.
    route: Option<(String, String)>,
    /// The `##` heading it is under.
    section: String,
    line: usize,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let (mut section, mut route) = (String::new(), None);
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        if let Some(block) = open.as_mut() {
            if line.starts_with("```") {
                found.extend(open.take());
            } else {
                block.text.push_str(line);
                block.text.push('\n');
            }
            continue;
        }
        if let Some(info) = line.strip_prefix("```") {
            open = Some(Block {
                info: info.trim().to_string(),
                text: String::new(),
                route: route.clone(),
                section: section.clone(),
                line: i + 2,
            });
        } else if let Some(title) = line.strip_prefix("## ") {
            section = title.trim().to_string();
            route = None;
        } else if line.starts_with("### ") {
            route = line.split('`').skip(1).step_by(2).find_map(|part| {
                let (method, path) = part.split_once(' ')?;
                let method = method.to_ascii_lowercase();
                (METHODS.contains(&method.as_str()) && path.starts_with("/api/"))
                    .then(|| (method, path.split('?').next().unwrap_or(path).to_string()))
            });
        }
    }
    found
}

/// Checks every JSON example; returns how many were checked.
fn examples_are_valid(doc: &Value, markdown: &str, problems: &mut Vec<String>) -> usize {
    let mut checked = 0;
    for block in blocks(markdown) {
        let at = format!("docs/api.md:{}", block.line);
        match block.info.as_str() {
            "json" => {
                let example: Value = match serde_json::from_str(&block.text) {
                    Ok(v) => v,
                    Err(e) => {
                        problems.push(format!("{at}: a ```json block that is not JSON: {e}"));
                        continue;
                    }
                };
                checked += 1;
                json_block(doc, &block, &example, &at, problems);
            }
            "console" => checked += console_block(doc, &block, problems),
            _ => {}
        }
    }
    checked
}

/// A ```json block: an error (any section: `ErrorBody`, with a status its
/// route documents), an answer of its heading's route (its first 2xx), or
/// the `Bot` of the "Bots" section's introduction.
fn json_block(doc: &Value, block: &Block, example: &Value, at: &str, problems: &mut Vec<String>) {
    let error = example.get("error").is_some();
    let (what, schema) = match (&block.route, error) {
        (_, true) => {
            if let Some((method, path)) = &block.route {
                let status = example["error"]["status"].to_string();
                if response_schema(doc, method, path, &status).is_none() {
                    problems.push(format!(
                        "{at}: an error example with status {status}, which {} does not document",
                        route(method, path)
                    ));
                }
            }
            ("ErrorBody".to_string(), component("ErrorBody"))
        }
        (Some((method, path)), false) => {
            let Some((status, schema)) = success(doc, method, path) else {
                problems.push(format!(
                    "{at}: {} has no JSON answer in the document",
                    route(method, path)
                ));
                return;
            };
            (format!("{} {status}", route(method, path)), schema)
        }
        (None, false) if block.section == "Bots" => ("Bot".to_string(), component("Bot")),
        (None, false) => {
            problems.push(format!(
                "{at}: a JSON example in section '{}' that names no route",
                block.section
            ));
            return;
        }
    };
    let mut found = Vec::new();
    validate(doc, &schema, example, "$", true, &mut found);
    for problem in found {
        problems.push(format!("{at} ({what}): {problem}"));
    }
}

fn component(name: &str) -> Value {
    serde_json::json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// A route's first 2xx answer with a JSON schema.
fn success(doc: &Value, method: &str, path: &str) -> Option<(String, Value)> {
    let responses = operation(doc, method, path)?["responses"].as_object()?;
    responses
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .find_map(|(status, r)| {
            let schema = r["content"]["application/json"]["schema"].clone();
            (!schema.is_null()).then(|| (status.clone(), schema))
        })
}

/// The operation of `method` on `path`: a template of the document, or a
/// concrete path (`/api/bots/6`) matched against the templates.
fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> Option<&'a Value> {
    let (template, _) = template_of(doc, path)?;
    let op = &doc["paths"][template.as_str()][method];
    (!op.is_null()).then_some(op)
}

/// The document's path template matching `path` (`{x}` matches any one
/// segment, a literal segment wins over a parameter).
fn template_of(doc: &Value, path: &str) -> Option<(String, usize)> {
    let wanted: Vec<&str> = path.split('/').collect();
    let mut best: Option<(String, usize)> = None;
    for template in doc["paths"].as_object()?.keys() {
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != wanted.len() {
            continue;
        }
        let mut literal = 0;
        let fits = parts.iter().zip(&wanted).all(|(t, w)| {
            if t.starts_with('{') || w.starts_with('{') {
                true
            } else {
                literal += 1;
                t == w
            }
        });
        if fits && best.as_ref().is_none_or(|(_, l)| literal > *l) {
            best = Some((template.clone(), literal));
        }
    }
    best
}

fn response_schema(doc: &Value, method: &str, path: &str, status: &str) -> Option<Value> {
    let response = &operation(doc, method, path)?["responses"][status];
    if response.is_null() {
        return None;
    }
    Some(response["content"]["application/json"]["schema"].clone())
}

/// The curl commands of a ```console block: their `-d` bodies against the
/// route's request schema, their answers (when printed whole) against its
/// schema for the status shown. Returns how many JSON bodies were checked.
fn console_block(doc: &Value, block: &Block, problems: &mut Vec<String>) -> usize {
    let mut checked = 0;
    let lines: Vec<&str> = block.text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let Some(command) = lines[i].strip_prefix("$ ") else {
            i += 1;
            continue;
        };
        let start = i;
        i += 1;
        let mut output = Vec::new();
        while i < lines.len() && !lines[i].starts_with("$ ") {
            output.push(lines[i]);
            i += 1;
        }
        let at = format!("docs/api.md:{}", block.line + start);
        if let Some(curl) = Curl::parse(command) {
            checked += curl.check(doc, &output, &at, problems);
        }
    }
    checked
}
