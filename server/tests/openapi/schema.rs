//! The small validator of the JSON Schema subset utoipa emits (see the
//! crate's header for what it checks and why not the `jsonschema` crate).

use super::*;

pub fn validate(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    closed: bool,
    found: &mut Vec<String>,
) {
    validate_here(doc, schema, value, at, closed, closed, found);
}

/// [`validate`], with `here`: whether this object (not those inside it)
/// is closed; false for the parts of an `allOf`, which the whole checks.
fn validate_here(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    closed: bool,
    here: bool,
    found: &mut Vec<String>,
) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or(reference);
        let target = &doc["components"]["schemas"][name];
        if target.is_null() {
            found.push(format!(
                "{at}: the schema {reference} is not in the document"
            ));
        } else {
            validate_here(doc, target, value, at, closed, here, found);
        }
        return;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            validate_here(doc, part, value, at, closed, false, found);
        }
        if here && let Some(object) = value.as_object() {
            let mut known = BTreeSet::new();
            let open = listed_fields(doc, schema, &mut known);
            for key in object.keys().filter(|k| !open && !known.contains(*k)) {
                found.push(format!(
                    "{at}.{key}: a field the schema does not have (it has {})",
                    known.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    for (keyword, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(options) = schema[keyword].as_array() {
            let fitting = options
                .iter()
                .filter(|option| {
                    let mut inner = Vec::new();
                    validate(doc, option, value, at, closed, &mut inner);
                    inner.is_empty()
                })
                .count();
            if fitting == 0 || (exactly_one && fitting > 1) {
                found.push(format!(
                    "{at}: {value} fits {fitting} of the {} schemas of its {keyword}",
                    options.len()
                ));
            }
        }
    }
    if let Some(types) = types_of(schema)
        && !types.iter().any(|t| has_type(value, t))
    {
        found.push(format!(
            "{at}: {} is not of type {}",
            short(value),
            types.join(" or ")
        ));
        return;
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        found.push(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = schema["minimum"].as_f64()
            && n < min
        {
            found.push(format!("{at}: {n} is below the minimum {min}"));
        }
        if let Some(max) = schema["maximum"].as_f64()
            && n > max
        {
            found.push(format!("{at}: {n} is above the maximum {max}"));
        }
    }
    let (length, unit) = match value {
        Value::String(text) => (
            Some(text.chars().count() as u64),
            ("minLength", "maxLength"),
        ),
        Value::Array(array) => (Some(array.len() as u64), ("minItems", "maxItems")),
        _ => (None, ("", "")),
    };
    if let Some(length) = length {
        if let Some(min) = schema[unit.0].as_u64()
            && length < min
        {
            found.push(format!(
                "{at}: length {length} is below the {} {min}",
                unit.0
            ));
        }
        if let Some(max) = schema[unit.1].as_u64()
            && length > max
        {
            found.push(format!(
                "{at}: length {length} is above the {} {max}",
                unit.1
            ));
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            validate(doc, items, item, &format!("{at}[{i}]"), closed, found);
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                found.push(format!("{at}.{name}: a required field is missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (key, field) in object {
            let path = format!("{at}.{key}");
            match properties.and_then(|p| p.get(key)) {
                Some(property) => validate(doc, property, field, &path, closed, found),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        found.push(format!("{path}: a field the schema does not allow"))
                    }
                    Some(extra @ Value::Object(_)) => {
                        validate(doc, extra, field, &path, closed, found)
                    }
                    _ if here && properties.is_some() && schema.get("allOf").is_none() => found
                        .push(format!(
                            "{path}: a field the schema does not have (it has {})",
                            properties
                                .map(|p| p.keys().cloned().collect::<Vec<_>>().join(", "))
                                .unwrap_or_default()
                        )),
                    _ => {}
                },
            }
        }
    }
}

/// The fields an `allOf` (through `$ref`s) lists; true when one part
/// allows others.
fn listed_fields(doc: &Value, schema: &Value, known: &mut BTreeSet<String>) -> bool {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return listed_fields(doc, &doc["components"]["schemas"][name], known);
    }
    let mut open = schema
        .get("additionalProperties")
        .is_some_and(|a| a != false);
    if let Some(properties) = schema["properties"].as_object() {
        known.extend(properties.keys().cloned());
    } else if schema.get("allOf").is_none() {
        open = true;
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        open |= listed_fields(doc, part, known);
    }
    open
}

fn types_of(schema: &Value) -> Option<Vec<String>> {
    match &schema["type"] {
        Value::String(t) => Some(vec![t.clone()]),
        Value::Array(ts) => Some(
            ts.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
        ),
        _ => None,
    }
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

pub fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[test]
fn the_validator_names_the_field_that_drifted() {
    let doc = serde_json::json!({
        "components": {"schemas": {
            "Bot": {"type": "object", "required": ["id", "name"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"},
                "module": {"type": ["string", "null"]}}},
            "Ranked": {"allOf": [{"$ref": "#/components/schemas/Bot"},
                {"type": "object", "required": ["rank"], "properties": {"rank": {"type": "integer", "minimum": 1}}}]}
        }}
    });
    let check = |name: &str, value: Value| {
        let mut found = Vec::new();
        validate(&doc, &component(name), &value, "$", true, &mut found);
        found
    };
    assert!(
        check(
            "Bot",
            serde_json::json!({"id": 1, "name": "a", "module": null})
        )
        .is_empty()
    );
    assert_eq!(
        check("Bot", serde_json::json!({"id": "1", "name": "a"})),
        ["$.id: \"1\" is not of type integer"]
    );
    assert_eq!(
        check("Bot", serde_json::json!({"id": 1})),
        ["$.name: a required field is missing"]
    );
    assert_eq!(
        check(
            "Bot",
            serde_json::json!({"id": 1, "name": "a", "owner": "x"})
        ),
        ["$.owner: a field the schema does not have (it has id, module, name)"]
    );
    assert!(
        check(
            "Ranked",
            serde_json::json!({"id": 1, "name": "a", "rank": 1})
        )
        .is_empty()
    );
    assert_eq!(
        check(
            "Ranked",
            serde_json::json!({"id": 1, "name": "a", "rank": 0, "x": 2})
        ),
        [
            "$.rank: 0 is below the minimum 1",
            "$.x: a field the schema does not have (it has id, module, name, rank)"
        ]
    );
}
