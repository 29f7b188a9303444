//! [`Json`]: a JSON value inside records that are also written as postcard.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A JSON value (a game's settings, a game's score) that travels inside
/// engine records. Written as itself in human-readable formats (JSON, TOML)
/// and as its compact JSON text in postcard (replays), which cannot carry
/// a self-describing value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Json(pub serde_json::Value);

impl Json {
    /// `key` of the object (a `Null` becomes an empty object first; any
    /// other non-object is replaced by one).
    pub fn set(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        if !self.0.is_object() {
            self.0 = serde_json::Value::Object(serde_json::Map::new());
        }
        if let serde_json::Value::Object(map) = &mut self.0 {
            map.insert(key.to_string(), value.into());
        }
    }

    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }

    /// `key` as a whole number, if it is one.
    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(serde_json::Value::as_u64)
    }
}

impl From<serde_json::Value> for Json {
    fn from(value: serde_json::Value) -> Json {
        Json(value)
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            self.0.serialize(serializer)
        } else {
            serializer.serialize_str(&self.0.to_string())
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        if deserializer.is_human_readable() {
            serde_json::Value::deserialize(deserializer).map(Json)
        } else {
            let text = String::deserialize(deserializer)?;
            serde_json::from_str(&text)
                .map(Json)
                .map_err(serde::de::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_through_postcard_and_json() {
        for value in [
            json!(null),
            json!({"max_ticks": 5, "rules": {"a": [1, 2]}}),
            json!("x"),
        ] {
            let original = Json(value);
            let bytes = postcard::to_allocvec(&original).unwrap();
            assert_eq!(postcard::from_bytes::<Json>(&bytes).unwrap(), original);
            let text = serde_json::to_string(&original).unwrap();
            assert_eq!(serde_json::from_str::<Json>(&text).unwrap(), original);
        }
    }

    #[test]
    fn set_makes_an_object() {
        let mut settings = Json::default();
        settings.set("max_ticks", 7);
        assert_eq!(settings.0, json!({"max_ticks": 7}));
        assert_eq!(settings.get_u64("max_ticks"), Some(7));
    }
}
