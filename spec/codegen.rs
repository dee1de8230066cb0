//! How `spec/zoho-crm-access.yaml` becomes Rust.
//!
//! Shared by `build.rs` (which writes the result to `OUT_DIR`) and `cargo xtask codegen` (which
//! runs the generator on the spec alone, so a spec error shows up as a readable message instead
//! of a build-script panic).
//!
//! The spec describes the API exactly. Some of its truths are beyond what progenitor 0.15 can
//! generate, or would come out as awkward Rust, so this module adapts a *copy* of the document
//! before handing it over; the spec itself is never weakened:
//!
//! 1. **Open enums.** Every named string enum (`x-extensible-enum: true`) becomes a Rust enum with
//!    one variant per known value plus `Unknown(String)`, generated here from the spec and given
//!    to progenitor as a replacement type. A response carrying a value added by Zoho after this
//!    crate was built still decodes. Inline enums are refused: they would bypass this.
//! 2. **204 beside a body.** progenitor allows one success body type per operation. Where an
//!    operation answers either 200/201 with a body or 204 with none, the 204 is dropped from the
//!    copy; the hand-written layer turns progenitor's "unexpected 204" into an empty result.
//! 3. **String constraints stay out of the Rust types.** `pattern` and `minLength` on strings
//!    (ids are `^[0-9]{1,19}$`, names and modules are non-empty) would make typify wrap each id
//!    in a validating newtype. They are dropped from the copy, so ids, names and modules stay
//!    plain `String`s; the hand-written layer checks them before sending.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

/// Where the open enums are emitted; the replacement paths handed to progenitor point here.
pub const ENUM_MODULE_PATH: &str = "crate::generated::enums";

/// What one generation run produced.
pub struct Generated {
    /// progenitor's client and types, formatted.
    pub client: String,
    /// The open enums, formatted.
    pub enums: String,
    /// Number of operations in the spec.
    pub operations: usize,
    /// Number of component schemas in the spec.
    pub schemas: usize,
    /// Operation ids whose 204 response was dropped for progenitor (see module docs).
    pub no_content_ops: Vec<String>,
    /// Table from (operation, status) and operation request bodies to generated type names, as
    /// Rust `match` functions (included by `src/wire.rs`).
    pub wire_table: String,
}

/// One open enum: its schema name and its known values.
struct OpenEnum {
    name: String,
    description: Option<String>,
    values: Vec<String>,
}

/// Parses the spec text (YAML) and generates the client.
pub fn generate(spec_text: &str) -> Result<Generated, String> {
    let mut doc: Value =
        serde_yaml::from_str(spec_text).map_err(|e| format!("spec is not valid YAML: {e}"))?;
    // Refuse anything openapiv3 would not accept, with its own message.
    serde_json::from_value::<openapiv3::OpenAPI>(doc.clone())
        .map_err(|e| format!("spec is not a valid OpenAPI 3.0 document: {e}"))?;

    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or("spec has no components.schemas")?;
    let schema_count = schemas.len();

    let mut open_enums = Vec::new();
    for (name, schema) in schemas {
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            if schema.get("type").and_then(Value::as_str) != Some("string") {
                return Err(format!("schema {name}: only string enums are supported"));
            }
            let values = values
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("schema {name}: enum value {v} is not a string"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            open_enums.push(OpenEnum {
                name: name.clone(),
                description: schema
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                values,
            });
        }
    }
    check_no_inline_enums(&doc, &open_enums)?;

    let wire_table = render_wire_table(&doc)?;
    drop_string_constraints(&mut doc);
    let mut operations = 0;
    let mut no_content_ops = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if !is_method(method) {
                    continue;
                }
                operations += 1;
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                    continue;
                };
                let other_success = responses.keys().any(|k| k.starts_with('2') && k != "204");
                if other_success && responses.remove("204").is_some() {
                    let id = op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    no_content_ops.push(id);
                }
            }
        }
    }

    let spec: openapiv3::OpenAPI = serde_json::from_value(doc)
        .map_err(|e| format!("adapted spec is not valid OpenAPI: {e}"))?;

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(
            "crate::hooks::Hooks"
                .parse()
                .map_err(|e| format!("inner type: {e:?}"))?,
        )
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    // Zoho's timestamps carry the org's UTC offset; keep it instead of normalising to UTC.
    settings.with_conversion(
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            format: Some("date-time".to_owned()),
            ..Default::default()
        },
        "::chrono::DateTime<::chrono::FixedOffset>",
        [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
    );
    for e in &open_enums {
        settings.with_replacement(
            &e.name,
            format!("{ENUM_MODULE_PATH}::{}", e.name),
            [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
        );
    }

    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .map_err(|e| format!("progenitor refused the spec: {e}"))?;
    let client = format_tokens(&tokens.to_string())?;
    let enums = format_tokens(&render_enums(&open_enums)?)?;

    Ok(Generated {
        client,
        enums,
        operations,
        schemas: schema_count,
        no_content_ops,
        wire_table,
    })
}

/// Removes `pattern` and `minLength` from every string schema of the copy (see the module docs).
/// Examples are data, not schemas, and are left alone.
fn drop_string_constraints(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("string") {
                map.remove("pattern");
                map.remove("minLength");
            }
            for (k, child) in map.iter_mut() {
                if k != "example" && k != "examples" {
                    drop_string_constraints(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_string_constraints),
        _ => {}
    }
}

/// Follows a local `$ref` (`#/components/...`) to the object it names.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> Result<&'a Value, String> {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r
                .strip_prefix('#')
                .ok_or_else(|| format!("only local $refs are supported: {r}"))?;
            doc.pointer(pointer)
                .ok_or_else(|| format!("dangling $ref {r}"))
        }
        None => Ok(v),
    }
}

/// The component schema name a JSON media type points at, if any.
fn json_schema_name(content: Option<&Value>) -> Option<String> {
    let r = content?
        .get("application/json")?
        .get("schema")?
        .get("$ref")?
        .as_str()?;
    r.strip_prefix("#/components/schemas/").map(str::to_owned)
}

fn render_wire_table(doc: &Value) -> Result<String, String> {
    let mut responses = Vec::new();
    let mut requests = Vec::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("spec has no paths")?;
    for item in paths.values() {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            if !is_method(method) {
                continue;
            }
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or("an operation has no operationId")?;
            if let Some(body) = op.get("requestBody") {
                let body = resolve(doc, body)?;
                if let Some(name) = json_schema_name(body.get("content")) {
                    requests.push(format!(
                        "{id:?} => Some(roundtrip::<types::{name}>({name:?}, body)),"
                    ));
                }
            }
            if let Some(map) = op.get("responses").and_then(Value::as_object) {
                for (status, response) in map {
                    let response = resolve(doc, response)?;
                    let Ok(code) = status.parse::<u16>() else {
                        continue;
                    };
                    if let Some(name) = json_schema_name(response.get("content")) {
                        responses.push(format!(
                            "({id:?}, {code}) => Some(roundtrip::<types::{name}>({name:?}, body)),"
                        ));
                    }
                }
            }
        }
    }
    Ok(format!(
        "/// Decodes a response body of `operation_id` answering `status` into the generated type the\n\
         /// spec names for it, and encodes it back. `None` when the spec names no body for that pair.\n\
         pub fn decode_response(operation_id: &str, status: u16, body: &[u8]) -> Option<Result<RoundTrip, DecodeFailure>> {{\n\
         match (operation_id, status) {{ {} _ => None }} }}\n\
         /// Decodes a request body of `operation_id` into its generated type and encodes it back.\n\
         /// `None` when the operation takes no JSON body.\n\
         pub fn decode_request(operation_id: &str, body: &[u8]) -> Option<Result<RoundTrip, DecodeFailure>> {{\n\
         match operation_id {{ {} _ => None }} }}\n",
        responses.join("\n"),
        requests.join("\n")
    ))
}

fn is_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "patch" | "head" | "options" | "trace"
    )
}

fn format_tokens(code: &str) -> Result<String, String> {
    let file = syn::parse_file(code).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// Every `enum` must sit at the top of a named component schema, else it would become a strict
/// progenitor enum that fails on values Zoho adds later.
fn check_no_inline_enums(doc: &Value, open: &[OpenEnum]) -> Result<(), String> {
    fn walk(v: &Value, path: &str, allowed: &[String], bad: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if map.contains_key("enum") && !allowed.iter().any(|a| a == path) {
                    bad.push(path.to_owned());
                }
                for (k, child) in map {
                    // Examples are data, not schemas.
                    if k == "example" || k == "examples" {
                        continue;
                    }
                    walk(child, &format!("{path}/{k}"), allowed, bad);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{path}/{i}"), allowed, bad);
                }
            }
            _ => {}
        }
    }
    let allowed: Vec<String> = open
        .iter()
        .map(|e| format!("/components/schemas/{}", e.name))
        .collect();
    let mut bad = Vec::new();
    walk(doc, "", &allowed, &mut bad);
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "inline enums found (move each into a named component schema so it stays open): {}",
            bad.join(", ")
        ))
    }
}

/// `read_write_delete` -> `ReadWriteDelete`, `AND` -> `And`, `Record_Owner_Based` -> `RecordOwnerBased`,
/// `CurrentUser` -> `CurrentUser` (a word in mixed case keeps its inner capitals).
fn variant_name(value: &str) -> String {
    let mut out = String::new();
    for part in value.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mixed = part.chars().any(|c| c.is_ascii_lowercase())
            && part.chars().skip(1).any(|c| c.is_ascii_uppercase());
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            if mixed {
                out.extend(chars);
            } else {
                out.extend(chars.map(|c| c.to_ascii_lowercase()));
            }
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

fn doc_attr(text: &str) -> String {
    format!("#[doc = {:?}]", text)
}

fn render_enums(enums: &[OpenEnum]) -> Result<String, String> {
    let mut out = String::new();
    for e in enums {
        let mut seen = BTreeMap::new();
        let variants: Vec<(String, &str)> = e
            .values
            .iter()
            .map(|v| (variant_name(v), v.as_str()))
            .collect();
        for (variant, value) in &variants {
            if variant == "Unknown" {
                return Err(format!(
                    "schema {}: value {value:?} clashes with Unknown",
                    e.name
                ));
            }
            if let Some(other) = seen.insert(variant.clone(), *value) {
                return Err(format!(
                    "schema {}: values {other:?} and {value:?} map to the same variant {variant}",
                    e.name
                ));
            }
        }
        let name = &e.name;
        let description = e.description.as_deref().unwrap_or("").trim();
        let _ = writeln!(out, "{}", doc_attr(description));
        let _ = writeln!(
            out,
            "{}",
            doc_attr("\n\nOpen enumeration: a value this version does not know decodes to `Unknown` and encodes back unchanged.")
        );
        let _ = writeln!(
            out,
            "#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)] #[non_exhaustive] pub enum {name} {{"
        );
        for (variant, value) in &variants {
            let _ = writeln!(out, "{} {variant},", doc_attr(&format!("`{value}`")));
        }
        let _ = writeln!(
            out,
            "{} Unknown(String), }}",
            doc_attr("A value this version of the crate does not know, kept verbatim.")
        );
        let known: Vec<String> = e.values.iter().map(|v| format!("{v:?}")).collect();
        let as_str_arms: Vec<String> = variants
            .iter()
            .map(|(var, val)| format!("Self::{var} => {val:?},"))
            .collect();
        let from_arms: Vec<String> = variants
            .iter()
            .map(|(var, val)| format!("{val:?} => Self::{var},"))
            .collect();
        let _ = write!(
            out,
            r#"
impl {name} {{
    /// Every value this version knows, as sent on the wire.
    pub const KNOWN: &'static [&'static str] = &[{known}];
    /// The value as sent on the wire.
    pub fn as_str(&self) -> &str {{
        match self {{ {as_str_arms} Self::Unknown(other) => other.as_str(), }}
    }}
    /// Whether this is one of the values in [`Self::KNOWN`].
    pub fn is_known(&self) -> bool {{ !matches!(self, Self::Unknown(_)) }}
}}
impl From<&str> for {name} {{
    fn from(value: &str) -> Self {{
        match value {{ {from_arms} other => Self::Unknown(other.to_owned()), }}
    }}
}}
impl From<String> for {name} {{
    fn from(value: String) -> Self {{ Self::from(value.as_str()) }}
}}
impl ::std::str::FromStr for {name} {{
    type Err = ::std::convert::Infallible;
    fn from_str(value: &str) -> Result<Self, Self::Err> {{ Ok(Self::from(value)) }}
}}
impl ::std::fmt::Display for {name} {{
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {{ f.write_str(self.as_str()) }}
}}
impl ::serde::Serialize for {name} {{
    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{
        serializer.serialize_str(self.as_str())
    }}
}}
impl<'de> ::serde::Deserialize<'de> for {name} {{
    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{
        let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
        Ok(Self::from(value.as_ref()))
    }}
}}
impl ::schemars::JsonSchema for {name} {{
    fn schema_name() -> String {{ {name:?}.to_owned() }}
    fn json_schema(_: &mut ::schemars::r#gen::SchemaGenerator) -> ::schemars::schema::Schema {{
        ::schemars::schema::SchemaObject {{
            instance_type: Some(::schemars::schema::InstanceType::String.into()),
            metadata: Some(Box::new(::schemars::schema::Metadata {{
                description: Some({description:?}.to_owned()),
                examples: Self::KNOWN.iter().map(|v| ::serde_json::Value::from(*v)).collect(),
                ..Default::default()
            }})),
            ..Default::default()
        }}
        .into()
    }}
}}
"#,
            known = known.join(", "),
            as_str_arms = as_str_arms.join(" "),
            from_arms = from_arms.join(" "),
        );
    }
    Ok(out)
}
