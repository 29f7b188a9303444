//! The console sessions' curl commands, read as the shell would, and
//! their printed answers checked against the document.

use super::*;

/// What a documented curl command asks and how it prints the answer.
pub struct Curl {
    method: String,
    /// The path under `$S`, without its query.
    path: String,
    data: Option<String>,
    /// `-w '...HTTP %{http_code}'`: the last line is the status.
    status_line: bool,
    /// `-i`: the head, a blank line, the body.
    head: bool,
    /// The answer goes to a file (`-o`) or is printed in part (`jq FILTER`,
    /// `grep`): not checked.
    partial: bool,
}

impl Curl {
    pub fn parse(command: &str) -> Option<Curl> {
        let words = shell_words(command);
        let start = words.iter().position(|w| w == "curl")?;
        let mut curl = Curl {
            method: String::new(),
            path: String::new(),
            data: None,
            status_line: false,
            head: false,
            partial: false,
        };
        let (mut method, mut sends) = (None, false);
        let mut k = start + 1;
        while k < words.len() {
            let word = &words[k];
            let next = words.get(k + 1).cloned().unwrap_or_default();
            match word.as_str() {
                "|" => {
                    let filter = &words[k + 1..];
                    let whole = match filter.first().map(String::as_str) {
                        Some("tee") => {
                            filter.get(2).map(String::as_str) == Some("|")
                                && filter.get(3).map(String::as_str) == Some("jq")
                                && filter.get(4).map(String::as_str) == Some(".")
                        }
                        Some("jq") => filter.get(1).map(String::as_str) == Some("."),
                        _ => false,
                    };
                    curl.partial |= !whole;
                    break;
                }
                "&&" | ";" => break,
                "-X" => {
                    method = Some(next.to_ascii_lowercase());
                    k += 1;
                }
                "-d" | "--data-binary" | "-F" | "-T" => {
                    sends = true;
                    if word == "-d" {
                        curl.data = Some(next);
                    }
                    k += 1;
                }
                "-H" | "-D" => k += 1,
                "-o" => {
                    curl.partial = true;
                    k += 1;
                }
                "-w" => {
                    curl.status_line = next.contains("HTTP %{http_code}");
                    k += 1;
                }
                "-i" => curl.head = true,
                _ if word.starts_with('#') => break,
                _ if word.starts_with("$S/") => {
                    let path = &word[2..];
                    curl.path = path.split('?').next().unwrap_or(path).to_string();
                }
                _ => {}
            }
            k += 1;
        }
        curl.method = method.unwrap_or_else(|| if sends { "post" } else { "get" }.to_string());
        curl.path.starts_with("/api/").then_some(curl)
    }

    pub fn check(
        &self,
        doc: &Value,
        output: &[&str],
        at: &str,
        problems: &mut Vec<String>,
    ) -> usize {
        let name = format!("{} {}", self.method.to_ascii_uppercase(), self.path);
        let Some(op) = operation(doc, &self.method, &self.path) else {
            // An unknown endpoint: its 404 is the one error shape.
            if let (true, Some((last, rest))) = (self.status_line, output.split_last())
                && last.trim() == "HTTP 404"
                && let Ok(answer) = serde_json::from_str::<Value>(&rest.join("\n"))
            {
                let mut found = Vec::new();
                validate(doc, &component("ErrorBody"), &answer, "$", true, &mut found);
                for problem in found {
                    problems.push(format!("{at} ({name} 404): {problem}"));
                }
                return 1;
            }
            problems.push(format!(
                "{at}: `{name}` matches no route of the OpenAPI document"
            ));
            return 0;
        };
        let mut checked = 0;
        if let Some(data) = &self.data {
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            match serde_json::from_str::<Value>(data) {
                Err(e) => problems.push(format!("{at}: `{name}`'s -d body is not JSON: {e}")),
                Ok(_) if schema.is_null() => problems.push(format!(
                    "{at}: `{name}` is sent a JSON body, but the document has none for it"
                )),
                Ok(body) => {
                    checked += 1;
                    let mut found = Vec::new();
                    validate(doc, schema, &body, "$", true, &mut found);
                    for problem in found {
                        problems.push(format!("{at} ({name}, request body): {problem}"));
                    }
                }
            }
        }
        if self.partial {
            return checked;
        }
        let (status, body) = if self.status_line {
            let Some((last, rest)) = output.split_last() else {
                return checked;
            };
            let status = last.trim().strip_prefix("HTTP ").unwrap_or("?").to_string();
            (status, rest.join("\n"))
        } else if self.head {
            let status = output
                .first()
                .and_then(|l| l.split_whitespace().nth(1))
                .unwrap_or("?")
                .to_string();
            let blank = output.iter().position(|l| l.trim().is_empty());
            let body = blank
                .map(|b| output[b + 1..].join("\n"))
                .unwrap_or_default();
            (status, body)
        } else {
            match success(doc, &self.method, &self.path) {
                Some((status, _)) => (status, output.join("\n")),
                None => return checked,
            }
        };
        let Some(schema) = response_schema(doc, &self.method, &self.path, &status) else {
            problems.push(format!(
                "{at}: `{name}` answers {status} in docs/api.md, a status the document does not \
                 list for it"
            ));
            return checked;
        };
        if body.trim().is_empty() || schema.is_null() {
            return checked;
        }
        match serde_json::from_str::<Value>(&body) {
            Err(e) => problems.push(format!(
                "{at}: `{name}`'s {status} answer in docs/api.md is not JSON ({e}): {body}"
            )),
            Ok(answer) => {
                checked += 1;
                let mut found = Vec::new();
                validate(doc, &schema, &answer, "$", true, &mut found);
                for problem in found {
                    problems.push(format!("{at} ({name} {status}): {problem}"));
                }
            }
        }
        checked
    }
}

/// A command line split as a shell would (quotes removed; `|`, `&&`, `;`
/// and `#...` kept as words).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                let w = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    w.push(q);
                }
            }
            ' ' | '\t' => words.extend(word.take()),
            '|' | ';' => {
                words.extend(word.take());
                words.push(c.to_string());
            }
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// Validates `value` against `schema` (a schema of `doc`), adding each
/// problem, named by its JSON path, to `found`. `closed`: an object may
/// have no field its schema does not list (unless it allows others).

#[test]
fn curl_lines_are_read_as_the_shell_would() {
    let curl = Curl::parse(
        "curl -s -X POST $S/api/players -H 'Content-Type: application/json' -d '{\"name\": \"a b\"}' | tee a.json | jq .",
    )
    .unwrap();
    assert_eq!(
        (curl.method.as_str(), curl.path.as_str()),
        ("post", "/api/players")
    );
    assert_eq!(curl.data.as_deref(), Some("{\"name\": \"a b\"}"));
    assert!(!curl.partial);
    let curl =
        Curl::parse("curl -s \"$S/api/matches?bot=5&limit=2\" | jq -c '.matches[]'").unwrap();
    assert_eq!(
        (curl.method.as_str(), curl.path.as_str()),
        ("get", "/api/matches")
    );
    assert!(curl.partial);
    assert!(Curl::parse("curl -s -X POST $S/upload -F token=x").is_none());
}
