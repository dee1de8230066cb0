//! The open enum every named string enum of the spec becomes (see `spec/codegen.rs`, point 1).
//!
//! This is real Rust for a placeholder enum with two values, so rustfmt and clippy check it
//! (it is compiled as a module of `tests/codegen_templates.rs`). The generator parses it and
//! specializes the syntax tree for each enum schema:
//!
//! - the identifier `Placeholder` and the string `"Placeholder"` become the schema's name,
//!   wherever they occur;
//! - the enum's first doc attribute and the string `"Placeholder description."` become the
//!   schema's description;
//! - the variants before `Unknown`, the elements of `KNOWN` and the arms naming a value in
//!   each `match` of the impls become one per value of the schema.
//!
//! Everything else is copied as written here. Only the items are used; this module doc and
//! anything under `#[cfg(test)]` are not.

/// Placeholder description.
#[doc = "\n\nOpen enumeration: a value this version does not know decodes to `Unknown` and encodes back unchanged. Values are equal (and hash and order) by their wire string, so `Unknown` holding a known value equals that value's variant."]
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Placeholder {
    /// `first`
    First,
    /// `second_value`
    SecondValue,
    /// A value this version of the crate does not know, kept verbatim.
    Unknown(String),
}

impl Placeholder {
    /// Every value this version knows, as sent on the wire.
    pub const KNOWN: &'static [&'static str] = &["first", "second_value"];

    /// The value as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::First => "first",
            Self::SecondValue => "second_value",
            Self::Unknown(other) => other.as_str(),
        }
    }

    /// Whether this is one of the values in [`Self::KNOWN`].
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Unknown(_))
    }
}

// Equality, hashing and order go by the wire value, so `Unknown("read")` (built by hand) and
// `Read` are the same value.
impl PartialEq for Placeholder {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Placeholder {}

impl ::std::hash::Hash for Placeholder {
    fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Placeholder {
    fn partial_cmp(&self, other: &Self) -> Option<::std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Placeholder {
    fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl From<&str> for Placeholder {
    fn from(value: &str) -> Self {
        match value {
            "first" => Self::First,
            "second_value" => Self::SecondValue,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl From<String> for Placeholder {
    fn from(value: String) -> Self {
        Self::from(value.as_str())
    }
}

impl ::std::str::FromStr for Placeholder {
    type Err = ::std::convert::Infallible;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(value))
    }
}

impl ::std::fmt::Display for Placeholder {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ::serde::Serialize for Placeholder {
    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> ::serde::Deserialize<'de> for Placeholder {
    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value =
            <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
        Ok(Self::from(value.as_ref()))
    }
}

impl ::schemars::JsonSchema for Placeholder {
    fn schema_name() -> String {
        "Placeholder".to_owned()
    }
    fn json_schema(_: &mut ::schemars::r#gen::SchemaGenerator) -> ::schemars::schema::Schema {
        ::schemars::schema::SchemaObject {
            instance_type: Some(::schemars::schema::InstanceType::String.into()),
            metadata: Some(Box::new(::schemars::schema::Metadata {
                description: Some("Placeholder description.".to_owned()),
                examples: Self::KNOWN
                    .iter()
                    .map(|v| ::serde_json::Value::from(*v))
                    .collect(),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}
