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
//!
//! progenitor's output is then post-processed as a syntax tree (never as text, never by hand):
//!
//! 4. **Semver-safe types.** Every type in `types` gets `#[non_exhaustive]`, so a field or
//!    variant Zoho adds later is not a breaking change for users. Since such structs cannot be
//!    built with a struct literal outside the crate, every object type gets a constructor taking
//!    its required fields (`new`) and one `with_<field>` setter per optional field.
//! 5. **Field docs.** A property whose schema is a `$ref` carries no description of its own, so
//!    the field gets the referenced schema's description.
//! 6. **No `api-version` header.** progenitor 0.15 adds `api-version: <info.version>` to every
//!    request, with no setting to turn it off; Zoho does not use it. The statement that adds
//!    it is removed from every request builder, so no request carries it (and the transport
//!    does not have to remove it on every call).
//! 7. **Unions told apart by their keys.** A `oneOf` of objects becomes a `#[serde(untagged)]`
//!    enum, and serde decodes such an enum by first copying the whole value into a buffer of
//!    its own and then trying each variant on the copy; a nested one (a criteria group holds
//!    criteria) copies its part again at every level, and a failure inside it is reported as
//!    "did not match any variant" at the union, not where it is. Where the variants are objects
//!    with no key in common, each with a required key, none refusing or collecting unknown
//!    keys (`Criteria`: `comparator`, `field`, `type`, `value` against `group`,
//!    `group_operator`), the enum's `Deserialize` is generated here instead. It reads the
//!    object once, every key into a field of its own (keys no variant has are skipped, as each
//!    variant would skip them), then picks the first variant, in the spec's order, whose
//!    required keys are all there, as serde's untagged enums would. The one difference: a key
//!    of another variant than the one picked must still hold a valid value for its own variant
//!    (serde would have ignored it); a bad value is reported at its path. Serializing and the
//!    JSON Schema are unchanged.
//! 8. **Error bodies kept small.** Every call's outcome is progenitor's `Result` of the
//!    success value or an error that holds the error body by value, so the error body's size
//!    is the size of every outcome, moved at each layer of every call, successful or not. Zoho's
//!    flat error (`ActionResult`, with twenty optional `details`) made the outcome of a
//!    record-locking read 608 bytes. Each variant of a union the spec gives as a 4xx/5xx
//!    response body is therefore boxed (`ActionResult(Box<ActionResult>)`, as clippy's
//!    `large_enum_variant` advises), with its `From` impls to match: that outcome is now 136
//!    bytes, and an error pays one allocation. Decoding and encoding are unchanged.
//!
//! Generated Rust is written as Rust, not as text:
//!
//! 9. **Templates.** Code that is the same for every schema lives in `spec/templates/` as
//!    real Rust for a placeholder (`open_enum.rs`: an open enum `Placeholder` with two values),
//!    compiled, formatted, linted and tested as a module of `tests/codegen_templates.rs`. It
//!    is read here with `include_str!` (so `build.rs` and `cargo xtask codegen` get the same
//!    file), parsed, and specialized on the syntax tree: the name, the description, the
//!    variants, `KNOWN` and the arms naming a value are replaced; a template whose shape no
//!    longer matches is refused. Code that differs per schema or operation is built with
//!    `quote!` and parsed, never with `format!`.
//!
//! And one table of facts, so no operationId is spelled in hand-written Rust:
//!
//! 10. **The operations table** (`operations.rs`, public as `operations`): an enum `Operation`
//!     with one variant per operation in the spec's order (PascalCase of the operationId,
//!     documented with its summary) and, per operation, the operationId, its summary and
//!     the words errors lead with (`doing`: the summary's verb in its `-ing` form, `List data
//!     sharing rules` -> `listing data sharing rules`; a summary whose first word is not a
//!     verb `doing` knows is refused), method, path, the
//!     OAuth scopes of its security requirements (one set per requirement: the scopes of a
//!     set are needed together, the sets are alternatives), `x-zoho-repeatable` (refused unless a
//!     boolean), whether it lists a 204, the `maximum` of its `per_page` and the `maxItems`
//!     of its request body's top-level array. Its `Family` comes from its first tag through
//!     [`FAMILIES`]; an unknown first tag is refused. progenitor's method name for each
//!     operation (what the client passes in `OperationInfo`) is derived with progenitor's
//!     own word splitting and compared with the names the generated client really passes;
//!     a difference is refused.

use std::collections::BTreeMap;

use serde_json::Value;

/// Where the open enums are emitted; the replacement paths handed to progenitor point here.
pub const ENUM_MODULE_PATH: &str = "crate::generated::enums";

/// What one generation run produced. `build.rs` writes the files; the counts are what
/// `cargo xtask codegen` reports (hence unread in the build script).
#[allow(dead_code)]
pub struct Generated {
    /// progenitor's client (and its request builders), formatted. Refers to the types as
    /// `types::...`.
    pub client: String,
    /// The `types` module (typify's types, post-processed), formatted.
    pub types: String,
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
    /// Number of (operation, status) and request pairs in the wire table.
    pub wire_pairs: usize,
    /// `NO_CONTENT_OPERATIONS`, `SPEC_OPERATIONS` and `SPEC_SCHEMAS` (included by
    /// `src/generated.rs`), formatted.
    pub no_content: String,
    /// The operations table: `Operation` and `Family` (included by `src/operations.rs`),
    /// formatted.
    pub operations_table: String,
    /// Number of operations in the table.
    pub table_operations: usize,
    /// Number of operations marked `x-zoho-repeatable: true`.
    pub repeatable_operations: usize,
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
        serde_norway::from_str(spec_text).map_err(|e| format!("spec is not valid YAML: {e}"))?;
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

    // The same text read with its keys in order, for the operations table's order.
    let ordered: serde_norway::Value =
        serde_norway::from_str(spec_text).map_err(|e| format!("spec is not valid YAML: {e}"))?;
    let facts = operation_facts(&ordered, &doc)?;
    let operations_table = render_operations(&facts, &doc)?;

    let (wire_table, wire_pairs) = render_wire_table(&doc)?;
    // The unadapted document, for the descriptions the post-processing copies onto fields.
    let doc_for_docs = doc.clone();
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
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    // The table maps progenitor's method names back to operations: they must be the names
    // the client passes.
    let mut passed = Vec::new();
    generated_operation_names(&file.items, &mut passed);
    passed.sort();
    let mut mapped: Vec<String> = facts.iter().map(|f| snake_case(&f.id)).collect();
    mapped.sort();
    if passed != mapped {
        return Err(format!(
            "progenitor's client passes the operation names {passed:?}, the operations table \
             derives {mapped:?}: progenitor changed how it names methods"
        ));
    }
    post_process(&mut file, &doc_for_docs)?;
    let dropped = drop_api_version_header(&mut file.items);
    if dropped != operations {
        return Err(format!(
            "expected one `api-version` header statement per operation ({operations}) in \
             progenitor's output, found {dropped}: progenitor changed how it adds the header"
        ));
    }
    // The types go to a module of their own, so the data model does not sit in the module
    // of the client that needs the hand-written transport (no import cycle).
    let at = file
        .items
        .iter()
        .position(|item| matches!(item, syn::Item::Mod(m) if m.ident == "types"))
        .ok_or("generated code has no `types` module")?;
    let types_module = file.items.remove(at);
    let types = prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: vec![types_module],
    });
    let client = prettyplease::unparse(&file);
    let enums = render_enums(&open_enums)?;

    let no_content = render_no_content(&no_content_ops, operations, schema_count)?;

    Ok(Generated {
        client,
        types,
        enums,
        operations,
        schemas: schema_count,
        no_content_ops,
        wire_table,
        wire_pairs,
        no_content,
        operations_table,
        table_operations: facts.len(),
        repeatable_operations: facts.iter().filter(|f| f.repeatable).count(),
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

/// The wire table (`wire_table.rs`) and how many pairs it has.
fn render_wire_table(doc: &Value) -> Result<(String, usize), String> {
    use quote::{format_ident, quote};
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
                    let ty = format_ident!("{name}");
                    requests.push(quote! {
                        #id => Some(roundtrip::<types::#ty>(#name, body)),
                    });
                }
            }
            if let Some(map) = op.get("responses").and_then(Value::as_object) {
                for (status, response) in map {
                    let response = resolve(doc, response)?;
                    let Ok(code) = status.parse::<u16>() else {
                        continue;
                    };
                    if let Some(name) = json_schema_name(response.get("content")) {
                        let ty = format_ident!("{name}");
                        responses.push(quote! {
                            (#id, #code) => Some(roundtrip::<types::#ty>(#name, body)),
                        });
                    }
                }
            }
        }
    }
    let pairs = responses.len() + requests.len();
    let file = quote! {
        /// Decodes a response body of `operation_id` answering `status` into the generated
        /// type the spec names for it, and encodes it back. `None` when the spec names no body
        /// for that pair.
        pub fn decode_response(
            operation_id: &str,
            status: u16,
            body: &[u8],
        ) -> Option<Result<RoundTrip, DecodeFailure>> {
            match (operation_id, status) {
                #(#responses)*
                _ => None,
            }
        }
        /// Decodes a request body of `operation_id` into its generated type and encodes it
        /// back. `None` when the operation takes no JSON body.
        pub fn decode_request(
            operation_id: &str,
            body: &[u8],
        ) -> Option<Result<RoundTrip, DecodeFailure>> {
            match operation_id {
                #(#requests)*
                _ => None,
            }
        }
    };
    let file: syn::File =
        syn::parse2(file).map_err(|e| format!("the wire table does not parse: {e}"))?;
    Ok((prettyplease::unparse(&file), pairs))
}

/// `no_content.rs`: the operations whose 204 was bridged, and the spec's counts.
fn render_no_content(ops: &[String], operations: usize, schemas: usize) -> Result<String, String> {
    let file = quote::quote! {
        /// Operations that answer 204 No Content when there is nothing to return.
        pub const NO_CONTENT_OPERATIONS: &[&str] = &[#(#ops),*];
        /// Number of operations in the spec.
        pub const SPEC_OPERATIONS: usize = #operations;
        /// Number of component schemas in the spec.
        pub const SPEC_SCHEMAS: usize = #schemas;
    };
    let file: syn::File =
        syn::parse2(file).map_err(|e| format!("no_content.rs does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

fn is_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "patch" | "head" | "options" | "trace"
    )
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

/// The open-enum template (module docs, point 9): real Rust for an enum `Placeholder` with two
/// values, specialized for each enum schema by [`render_enums`].
const OPEN_ENUM_TEMPLATE: &str = include_str!("templates/open_enum.rs");

/// The template's own names, replaced in every copy.
const TEMPLATE_NAME: &str = "Placeholder";
const TEMPLATE_DESCRIPTION: &str = "Placeholder description.";

/// Replaces, in `tokens`, every identifier `from` by `to` and every string literal whose value
/// is a key of `literals` by its value; counts the literals replaced. Macro arguments
/// (`stringify!(Placeholder)`) are token trees too, so they are covered.
fn substitute(
    tokens: proc_macro2::TokenStream,
    from: &str,
    to: &proc_macro2::Ident,
    literals: &BTreeMap<String, String>,
    replaced: &mut usize,
) -> proc_macro2::TokenStream {
    use proc_macro2::{Group, TokenTree};
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(g) => {
                let inner = substitute(g.stream(), from, to, literals, replaced);
                let mut group = Group::new(g.delimiter(), inner);
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            TokenTree::Ident(i) if i == from => TokenTree::Ident(to.clone()),
            TokenTree::Literal(l) => {
                let value = syn::parse2::<syn::LitStr>(TokenTree::Literal(l.clone()).into())
                    .ok()
                    .map(|lit| lit.value());
                match value.and_then(|v| literals.get(&v)) {
                    Some(new) => {
                        *replaced += 1;
                        TokenTree::Literal(proc_macro2::Literal::string(new))
                    }
                    None => TokenTree::Literal(l),
                }
            }
            other => other,
        })
        .collect()
}

/// Parses `tokens` back into the item they came from.
fn reparse<T: syn::parse::Parse>(
    tokens: proc_macro2::TokenStream,
    what: &str,
) -> Result<T, String> {
    syn::parse2(tokens).map_err(|e| format!("{what} does not parse after specializing: {e}"))
}

/// The template, parsed: its items (without the module doc and `#[cfg(test)]` items) and its
/// values, as (variant, wire string) in the order of `KNOWN`.
struct OpenEnumTemplate {
    items: Vec<syn::Item>,
    values: Vec<(syn::Ident, String)>,
}

fn open_enum_template() -> Result<OpenEnumTemplate, String> {
    let file = syn::parse_file(OPEN_ENUM_TEMPLATE)
        .map_err(|e| format!("spec/templates/open_enum.rs does not parse: {e}"))?;
    let is_test = |attrs: &[syn::Attribute]| {
        attrs.iter().any(|a| {
            a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test")
        })
    };
    let items: Vec<syn::Item> = file
        .items
        .into_iter()
        .filter(|item| match item {
            syn::Item::Mod(m) => !is_test(&m.attrs),
            syn::Item::Fn(f) => !is_test(&f.attrs),
            _ => true,
        })
        .collect();
    let template_error = |what: &str| format!("spec/templates/open_enum.rs: {what}");
    let variants: Vec<syn::Ident> = items
        .iter()
        .find_map(|item| match item {
            syn::Item::Enum(e) if e.ident == TEMPLATE_NAME => Some(
                e.variants
                    .iter()
                    .filter(|v| v.ident != "Unknown")
                    .map(|v| v.ident.clone())
                    .collect(),
            ),
            _ => None,
        })
        .ok_or_else(|| template_error("no `enum Placeholder`"))?;
    let known: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(i) => Some(i.items.iter()),
            _ => None,
        })
        .flatten()
        .find_map(|item| match item {
            syn::ImplItem::Const(c) if c.ident == "KNOWN" => Some(&c.expr),
            _ => None,
        })
        .and_then(|expr| match expr {
            syn::Expr::Reference(r) => match &*r.expr {
                syn::Expr::Array(a) => a
                    .elems
                    .iter()
                    .map(|e| match e {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) => Some(s.value()),
                        _ => None,
                    })
                    .collect(),
                _ => None,
            },
            _ => None,
        })
        .ok_or_else(|| template_error("no `KNOWN: &[..]` of string literals"))?;
    if variants.len() != known.len() || variants.is_empty() {
        return Err(template_error(
            "the variants before `Unknown` and `KNOWN` must list the same values",
        ));
    }
    Ok(OpenEnumTemplate {
        items,
        values: variants.into_iter().zip(known).collect(),
    })
}

/// Whether a `match` arm names one of the template's values: `Self::First` or `"first"`.
fn names_template_value(arm: &syn::Arm, values: &[(syn::Ident, String)]) -> bool {
    match &arm.pat {
        syn::Pat::Path(p) => {
            p.path.segments.len() == 2
                && p.path.segments[0].ident == "Self"
                && values.iter().any(|(v, _)| p.path.segments[1].ident == *v)
        }
        syn::Pat::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => values.iter().any(|(_, w)| s.value() == *w),
        _ => false,
    }
}

/// One open enum from the template (module docs, points 1 and 9).
fn render_enum(
    template: &OpenEnumTemplate,
    e: &OpenEnum,
    variants: &[(String, &str)],
) -> Result<Vec<syn::Item>, String> {
    use quote::{format_ident, ToTokens};
    let name = format_ident!("{}", e.name);
    let description = e.description.as_deref().unwrap_or("").trim();
    let literals = BTreeMap::from([
        (TEMPLATE_DESCRIPTION.to_owned(), description.to_owned()),
        (TEMPLATE_NAME.to_owned(), e.name.clone()),
    ]);
    let idents: Vec<syn::Ident> = variants.iter().map(|(v, _)| format_ident!("{v}")).collect();
    let values: Vec<&str> = variants.iter().map(|(_, w)| *w).collect();
    let (model_variant, model_value) = &template.values[0];
    let mut described = 0;
    let mut enums = 0;
    let mut known = 0;
    let mut matches = 0;
    let mut items = Vec::new();
    for item in &template.items {
        let tokens = substitute(
            item.to_token_stream(),
            TEMPLATE_NAME,
            &name,
            &literals,
            &mut described,
        );
        let mut item: syn::Item = reparse(tokens, "the open-enum template")?;
        match &mut item {
            syn::Item::Enum(en) if en.ident == name => {
                enums += 1;
                let first_doc = en
                    .attrs
                    .iter_mut()
                    .find(|a| a.path().is_ident("doc"))
                    .ok_or("the template's enum has no doc attribute")?;
                *first_doc = syn::parse_quote!(#[doc = #description]);
                let unknown: Vec<syn::Variant> = en
                    .variants
                    .iter()
                    .filter(|v| v.ident == "Unknown")
                    .cloned()
                    .collect();
                let mut all: Vec<syn::Variant> = idents
                    .iter()
                    .zip(&values)
                    .map(|(ident, value)| {
                        let doc = format!("`{value}`");
                        syn::parse_quote!(#[doc = #doc] #ident)
                    })
                    .collect();
                all.extend(unknown);
                en.variants = all.into_iter().collect();
            }
            syn::Item::Impl(imp) => {
                for it in imp.items.iter_mut() {
                    match it {
                        syn::ImplItem::Const(c) if c.ident == "KNOWN" => {
                            known += 1;
                            c.expr = syn::parse_quote!(&[#(#values),*]);
                        }
                        syn::ImplItem::Fn(f) => {
                            for stmt in f.block.stmts.iter_mut() {
                                let syn::Stmt::Expr(syn::Expr::Match(m), _) = stmt else {
                                    continue;
                                };
                                let Some(at) = m
                                    .arms
                                    .iter()
                                    .position(|a| names_template_value(a, &template.values))
                                else {
                                    continue;
                                };
                                matches += 1;
                                let model = m.arms[at].to_token_stream();
                                let mut arms = Vec::new();
                                for (ident, value) in idents.iter().zip(&values) {
                                    let literal = BTreeMap::from([(
                                        model_value.clone(),
                                        (*value).to_owned(),
                                    )]);
                                    let tokens = substitute(
                                        model.clone(),
                                        &model_variant.to_string(),
                                        ident,
                                        &literal,
                                        &mut 0,
                                    );
                                    arms.push(reparse::<syn::Arm>(tokens, "a match arm")?);
                                }
                                m.arms
                                    .retain(|a| !names_template_value(a, &template.values));
                                m.arms.splice(at..at, arms);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        items.push(item);
    }
    if (enums, known, matches, described) != (1, 1, 2, 2) {
        return Err(format!(
            "spec/templates/open_enum.rs changed shape: expected one enum, one KNOWN, two \
             matches over the values and two strings (name, description) to specialize, \
             found {enums}, {known}, {matches}, {described}"
        ));
    }
    Ok(items)
}

fn render_enums(enums: &[OpenEnum]) -> Result<String, String> {
    let template = open_enum_template()?;
    let mut items = Vec::new();
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
        if variants.is_empty() {
            return Err(format!("schema {}: an enum without values", e.name));
        }
        items.extend(render_enum(&template, e, &variants)?);
    }
    Ok(prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: Vec::new(),
        items,
    }))
}

/// The documentation of the generated `types` module.
const TYPES_DOC: &str = r#"Request and response bodies, generated from the spec's component schemas.

Every struct and enum here is `#[non_exhaustive]`: Zoho adds fields over time, and a field
added to the spec must not break code that uses these types. So outside this crate a struct
cannot be written as a literal. Build one with `new`, which takes the required fields, and a
`with_<field>` setter per optional field; the fields stay public for reading and changing.

```
use zoho_crm_access::{enums, types};

let config = types::RecordLockingConfigurationInput::new(enums::LockType::Manual)
    .with_locked_for(enums::LockedFor::AllProfiles)
    .with_excluded_fields([types::FieldRef::new().with_api_name("Description")]);
assert_eq!(
    serde_json::to_value(&config).unwrap(),
    serde_json::json!({
        "lock_type": "manual",
        "locked_for": "all_profiles",
        "excluded_fields": [{"api_name": "Description"}]
    })
);
```

A struct literal does not compile:

```compile_fail,E0639
let module = zoho_crm_access::types::ModuleInput { id: "1".into(), api_name: None };
```

The hand-written layer adds constructors where the spec's rules say more than its required
fields (such as [`SharingRuleInput::criteria_based`] and [`SharedTo::group`]). Each type also
has typify's fallible `builder()`, which the raw client's `body_map` methods use."#;

/// The post-processing of progenitor's output (see the module docs, points 3 and 4).
fn post_process(file: &mut syn::File, doc: &Value) -> Result<(), String> {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or("spec has no components.schemas")?;
    let module = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => Some(m),
            _ => None,
        })
        .ok_or("generated code has no `types` module")?;
    module.attrs.retain(|a| !a.path().is_ident("doc"));
    module
        .attrs
        .insert(0, syn::parse_quote!(#[doc = #TYPES_DOC]));
    let types = &mut module
        .content
        .as_mut()
        .ok_or("the `types` module has no body")?
        .1;
    let mut constructors = Vec::new();
    for item in types.iter_mut() {
        match item {
            syn::Item::Struct(s) if is_pub(&s.vis) => {
                s.attrs.push(syn::parse_quote!(#[non_exhaustive]));
                if let syn::Fields::Named(fields) = &mut s.fields {
                    let schema = schemas.get(&s.ident.to_string());
                    for field in fields.named.iter_mut() {
                        document_field(field, schema, doc)?;
                    }
                    constructors.push(render_constructors(&s.ident, fields)?);
                }
            }
            syn::Item::Enum(e) if is_pub(&e.vis) => {
                e.attrs.push(syn::parse_quote!(#[non_exhaustive]));
            }
            _ => {}
        }
    }
    types.extend(constructors);
    box_error_unions(types, &error_body_schemas(doc)?)?;
    keyed_unions(types)?;
    Ok(())
}

/// The component schemas the spec names as a 4xx or 5xx response body.
fn error_body_schemas(doc: &Value) -> Result<std::collections::BTreeSet<String>, String> {
    let mut names = std::collections::BTreeSet::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("spec has no paths")?;
    for item in paths.values().filter_map(Value::as_object) {
        for (method, op) in item {
            if !is_method(method) {
                continue;
            }
            let Some(map) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (status, response) in map {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                let response = resolve(doc, response)?;
                if let Some(name) = json_schema_name(response.get("content")) {
                    names.insert(name);
                }
            }
        }
    }
    Ok(names)
}

/// Boxes the one field of every variant of the enums named in `unions` (the error bodies) and
/// makes their `From` impls box too (module docs, point 8; a `From` impl missed here would
/// not compile). Returns how many variants were boxed.
fn box_error_unions(
    items: &mut [syn::Item],
    unions: &std::collections::BTreeSet<String>,
) -> Result<usize, String> {
    // (enum, the variant's former type) -> variant.
    let mut boxed: BTreeMap<(String, String), syn::Ident> = BTreeMap::new();
    for item in items.iter_mut() {
        let syn::Item::Enum(e) = item else { continue };
        if !unions.contains(&e.ident.to_string()) {
            continue;
        }
        for v in e.variants.iter_mut() {
            let syn::Fields::Unnamed(u) = &mut v.fields else {
                continue;
            };
            if u.unnamed.len() != 1 {
                continue;
            }
            let Some(field) = u.unnamed.first_mut() else {
                continue;
            };
            let ty = field.ty.clone();
            let key = (e.ident.to_string(), type_key(&ty));
            field.ty = syn::parse_quote!(::std::boxed::Box<#ty>);
            boxed.insert(key, v.ident.clone());
        }
    }
    for item in items.iter_mut() {
        let syn::Item::Impl(i) = item else { continue };
        let Some((_, trait_path, _)) = &i.trait_ else {
            continue;
        };
        let Some(last) = trait_path.segments.last() else {
            continue;
        };
        if last.ident != "From" {
            continue;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            continue;
        };
        let Some(syn::GenericArgument::Type(from)) = args.args.first() else {
            continue;
        };
        let key = (type_key(&i.self_ty), type_key(from));
        let Some(variant) = boxed.get(&key) else {
            continue;
        };
        let [syn::ImplItem::Fn(f)] = &mut i.items[..] else {
            return Err(format!("From<{}> for {}: not one fn", key.1, key.0));
        };
        let Some(syn::FnArg::Typed(arg)) = f.sig.inputs.first() else {
            return Err(format!("From<{}> for {}: no argument", key.1, key.0));
        };
        let pat = &arg.pat;
        f.block = syn::parse_quote!({ Self::#variant(::std::boxed::Box::new(#pat)) });
    }
    Ok(boxed.len())
}

/// A type as text, for matching a `From<T>` impl to the variant holding `T`.
fn type_key(ty: &syn::Type) -> String {
    quote::ToTokens::to_token_stream(ty).to_string()
}

/// One field of a union's variant, as the key-deciding decoder reads it.
struct UnionField {
    ident: syn::Ident,
    ty: syn::Type,
    wire: String,
    kind: FieldKind,
}

/// How a variant's field behaves when its key is absent.
enum FieldKind {
    /// `Option<T>`: absent is `None`.
    Optional,
    /// `#[serde(default)]` or `#[serde(default = "path")]`: absent is the default.
    Defaulted(Option<syn::ExprPath>),
    /// Anything else: absent means not this variant.
    Required,
}

/// The fields of a struct the key-deciding decoder can read in its place: named fields whose
/// only serde attributes are `rename`, `default` and `skip_serializing_if`, at least one of
/// them required, and no `deny_unknown_fields` on the struct. `None` for any other struct.
fn union_fields(s: &syn::ItemStruct) -> Option<Vec<UnionField>> {
    let known = |attrs: &[syn::Attribute]| {
        attrs
            .iter()
            .filter(|a| a.path().is_ident("serde"))
            .all(|a| {
                a.parse_nested_meta(|meta| {
                    let ok = ["rename", "default", "skip_serializing_if"]
                        .iter()
                        .any(|w| meta.path.is_ident(w));
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    }
                    if ok {
                        Ok(())
                    } else {
                        Err(meta.error("not supported here"))
                    }
                })
                .is_ok()
            })
    };
    let syn::Fields::Named(named) = &s.fields else {
        return None;
    };
    if has_serde_word(&s.attrs, "deny_unknown_fields") || !known(&s.attrs) {
        return None;
    }
    let mut fields = Vec::new();
    for f in &named.named {
        if !known(&f.attrs) {
            return None;
        }
        let kind = if generic_inner(&f.ty, "Option").is_some() {
            FieldKind::Optional
        } else if let Some(path) = serde_default(f).ok()? {
            FieldKind::Defaulted(path)
        } else {
            FieldKind::Required
        };
        fields.push(UnionField {
            ident: f.ident.clone()?,
            ty: f.ty.clone(),
            wire: wire_name(f),
            kind,
        });
    }
    fields
        .iter()
        .any(|f| matches!(f.kind, FieldKind::Required))
        .then_some(fields)
}

/// Gives every untagged enum whose variants are objects told apart by their keys a
/// `Deserialize` that reads the object once instead of buffering it (module docs, point 7);
/// the others keep serde's. Returns how many were rewritten.
fn keyed_unions(items: &mut Vec<syn::Item>) -> Result<usize, String> {
    let structs: BTreeMap<String, Vec<UnionField>> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some((s.ident.to_string(), union_fields(s)?)),
            _ => None,
        })
        .collect();
    let mut impls = Vec::new();
    for item in items.iter_mut() {
        let syn::Item::Enum(e) = item else { continue };
        if !has_serde_word(&e.attrs, "untagged") {
            continue;
        }
        // (variant, the struct it holds, that struct's fields), or not a union of such objects.
        let Some(variants) = e
            .variants
            .iter()
            .map(|v| {
                let syn::Fields::Unnamed(u) = &v.fields else {
                    return None;
                };
                let [field] = u.unnamed.iter().collect::<Vec<_>>()[..] else {
                    return None;
                };
                // A boxed variant (point 8) is built in its box.
                let (ty, boxed) = match generic_inner(&field.ty, "Box") {
                    Some(inner) => (inner, true),
                    None => (&field.ty, false),
                };
                let syn::Type::Path(p) = ty else {
                    return None;
                };
                let ident = p.path.get_ident()?;
                let fields = structs.get(&ident.to_string())?;
                Some(KeyedVariant {
                    variant: v.ident.clone(),
                    ty: ident.clone(),
                    boxed,
                    fields,
                })
            })
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let mut seen = std::collections::BTreeSet::new();
        if !variants
            .iter()
            .flat_map(|v| v.fields.iter())
            .all(|f| seen.insert(f.wire.as_str()))
        {
            continue;
        }
        remove_derive(&mut e.attrs, "Deserialize")?;
        impls.push(render_keyed_deserialize(&e.ident, &variants)?);
    }
    let count = impls.len();
    if count > 0 {
        items.push(keyed_union_support()?);
        items.extend(impls);
    }
    Ok(count)
}

/// A field's `#[serde(default)]`: `None` without one, `Some(None)` for the type's default,
/// `Some(Some(path))` for `default = "path"`.
fn serde_default(field: &syn::Field) -> Result<Option<Option<syn::ExprPath>>, String> {
    let mut found = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                found = Some(if meta.input.peek(syn::Token![=]) {
                    Some(meta.value()?.parse::<syn::LitStr>()?.parse()?)
                } else {
                    None
                });
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        })
        .map_err(|e| format!("serde `default` does not parse: {e}"))?;
    }
    Ok(found)
}

/// Whether a `#[serde(..)]` attribute among `attrs` has the bare word `word`.
fn has_serde_word(attrs: &[syn::Attribute], word: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .any(|a| {
            let mut found = false;
            let _ = a.parse_nested_meta(|meta| {
                found |= meta.path.is_ident(word);
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
            found
        })
}

/// Drops the derive whose path ends in `name` from the `#[derive(..)]` attributes.
fn remove_derive(attrs: &mut [syn::Attribute], name: &str) -> Result<(), String> {
    use syn::punctuated::Punctuated;
    let mut removed = false;
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let paths = attr
            .parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            .map_err(|e| format!("a derive attribute does not parse: {e}"))?;
        let before = paths.len();
        let kept: Vec<&syn::Path> = paths
            .iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != name))
            .collect();
        removed |= kept.len() != before;
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
    if removed {
        Ok(())
    } else {
        Err(format!("no derive of {name} to replace"))
    }
}

/// One variant of a union told apart by its keys.
struct KeyedVariant<'a> {
    variant: syn::Ident,
    /// The struct it holds.
    ty: syn::Ident,
    /// Held in a `Box` (point 8).
    boxed: bool,
    fields: &'a Vec<UnionField>,
}

/// The key-deciding `Deserialize` of one union (module docs, point 7).
fn render_keyed_deserialize(
    name: &syn::Ident,
    variants: &[KeyedVariant<'_>],
) -> Result<syn::Item, String> {
    use quote::{format_ident, quote};
    let slot = |i: usize, f: &UnionField| {
        format_ident!("v{i}_{}", f.ident.to_string().trim_start_matches("r#"))
    };
    let mut slots = Vec::new();
    let mut present = Vec::new();
    let mut missing = Vec::new();
    let mut attempts = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        let (variant, ty, fields) = (&v.variant, &v.ty, v.fields);
        let mut names = Vec::new();
        let mut required = Vec::new();
        let mut inits = Vec::new();
        for f in fields.iter() {
            let (s, field, wire, fty) = (slot(i, f), &f.ident, &f.wire, &f.ty);
            match &f.kind {
                FieldKind::Optional => {
                    slots.push(quote! {
                        #[serde(rename = #wire, default)]
                        #s: #fty
                    });
                    inits.push(quote!(#field: keys.#s));
                }
                FieldKind::Defaulted(path) => {
                    slots.push(quote! {
                        #[serde(rename = #wire, default, deserialize_with = "keyed_union::present")]
                        #s: ::std::option::Option<#fty>
                    });
                    let default = match path {
                        Some(p) => quote!(#p),
                        None => quote!(::std::default::Default::default),
                    };
                    inits.push(quote!(#field: keys.#s.unwrap_or_else(#default)));
                }
                FieldKind::Required => {
                    slots.push(quote! {
                        #[serde(rename = #wire, default, deserialize_with = "keyed_union::present")]
                        #s: ::std::option::Option<#fty>
                    });
                    names.push(field.clone());
                    required.push((s.clone(), wire.clone()));
                    inits.push(quote!(#field));
                }
            }
        }
        let all: Vec<_> = fields.iter().map(|f| slot(i, f)).collect();
        present.push(quote!(false #(|| keys.#all.is_some())*));
        let checks = required
            .iter()
            .map(|(s, wire)| quote!(if keys.#s.is_none() { ::std::option::Option::Some(#wire) }));
        missing.push(quote!(#(#checks else)* { ::std::option::Option::None }));
        let taken = required.iter().map(|(s, _)| quote!(keys.#s));
        let value = quote!(#ty { #(#inits),* });
        let value = if v.boxed {
            quote!(::std::boxed::Box::new(#value))
        } else {
            value
        };
        attempts.push(quote! {
            if let (#(::std::option::Option::Some(#names),)*) = (#(#taken,)*) {
                return ::std::result::Result::Ok(#name::#variant(#value));
            }
        });
    }
    let count = variants.len();
    // Not the enum's name: the slots' types may name the enum (a group holds criteria).
    let keys_name = format_ident!("Keys");
    let expecting = format!(
        "a {name} object ({})",
        variants
            .iter()
            .map(|v| v.ty.to_string())
            .collect::<Vec<_>>()
            .join(" or ")
    );
    let no_match = format!("data did not match any variant of untagged enum {name}");
    let item = quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;
                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> ::std::result::Result<#name, A::Error> {
                        /// Every key of every variant, each in a field of its own.
                        #[derive(::serde::Deserialize)]
                        struct #keys_name {
                            #(#slots,)*
                        }
                        let keys = <#keys_name as ::serde::Deserialize>::deserialize(
                            ::serde::de::value::MapAccessDeserializer::new(map),
                        )?;
                        // Which variants have a key here, and the first required key each lacks.
                        let present: [bool; #count] = [#(#present),*];
                        let missing: [::std::option::Option<&'static str>; #count] = [#(#missing),*];
                        #(#attempts)*
                        for (present, missing) in present.into_iter().zip(missing) {
                            if let (true, ::std::option::Option::Some(key)) = (present, missing) {
                                return ::std::result::Result::Err(
                                    <A::Error as ::serde::de::Error>::missing_field(key),
                                );
                            }
                        }
                        ::std::result::Result::Err(
                            <A::Error as ::serde::de::Error>::custom(#no_match),
                        )
                    }
                }
                deserializer.deserialize_map(Visitor)
            }
        }
    };
    syn::parse2(item).map_err(|e| format!("Deserialize of {name} does not parse: {e}"))
}

/// What the key-deciding decoders share, emitted once into `types` (module docs, point 7).
fn keyed_union_support() -> Result<syn::Item, String> {
    let item = quote::quote! {
        /// Decoding of unions told apart by their keys (generated by `spec/codegen.rs`).
        mod keyed_union {
            /// Decodes a key's value that is there (`null` included, when the type takes it),
            /// so that `None` means only "the key is absent".
            pub(super) fn present<'de, D, T>(
                deserializer: D,
            ) -> ::std::result::Result<::std::option::Option<T>, D::Error>
            where
                D: ::serde::Deserializer<'de>,
                T: ::serde::Deserialize<'de>,
            {
                T::deserialize(deserializer).map(::std::option::Option::Some)
            }
        }
    };
    syn::parse2(item).map_err(|e| format!("the keyed-union support does not parse: {e}"))
}

/// Removes progenitor's `header_map.append(HeaderName::from_static("api-version"), ..)` from
/// every function body under `items` (see the module docs, point 6); returns how many.
fn drop_api_version_header(items: &mut [syn::Item]) -> usize {
    /// `header_map.append(<path ending in HeaderName::from_static>("api-version"), ..)`.
    fn is_api_version(stmt: &syn::Stmt) -> bool {
        let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
            return false;
        };
        let Some(syn::Expr::Call(name)) = call.args.first() else {
            return false;
        };
        let syn::Expr::Path(function) = &*name.func else {
            return false;
        };
        let segments: Vec<String> = function
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        call.method == "append"
            && matches!(&*call.receiver, syn::Expr::Path(p) if p.path.is_ident("header_map"))
            && segments.ends_with(&["HeaderName".to_owned(), "from_static".to_owned()])
            && matches!(
                name.args.first(),
                Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }))
                    if name.args.len() == 1 && s.value() == "api-version"
            )
    }
    /// Replaces `<receiver>.headers(header_map)` in a method chain by `<receiver>`.
    fn strip_headers_call(expr: &mut syn::Expr) -> bool {
        match expr {
            syn::Expr::MethodCall(call)
                if call.method == "headers"
                    && call.args.len() == 1
                    && matches!(&call.args[0], syn::Expr::Path(p) if p.path.is_ident("header_map")) =>
            {
                *expr = (*call.receiver).clone();
                true
            }
            syn::Expr::MethodCall(call) => strip_headers_call(&mut call.receiver),
            syn::Expr::Try(t) => strip_headers_call(&mut t.expr),
            _ => false,
        }
    }
    fn mentions_header_map(stmt: &syn::Stmt) -> bool {
        use quote::ToTokens;
        stmt.to_token_stream().to_string().contains("header_map")
    }
    fn is_header_map_binding(stmt: &syn::Stmt) -> bool {
        matches!(stmt, syn::Stmt::Local(l) if matches!(&l.pat, syn::Pat::Ident(p) if p.ident == "header_map"))
    }
    fn in_block(block: &mut syn::Block) -> usize {
        let before = block.stmts.len();
        block.stmts.retain(|s| !is_api_version(s));
        let dropped = before - block.stmts.len();
        // With no header left to add, the map itself goes: no allocation, no merge per call.
        let others = block
            .stmts
            .iter()
            .filter(|s| !is_header_map_binding(s) && mentions_header_map(s))
            .count();
        if dropped > 0 && others == 1 {
            let mut stripped = false;
            for stmt in block.stmts.iter_mut() {
                if let syn::Stmt::Local(local) = stmt {
                    if let Some(init) = local.init.as_mut() {
                        stripped |= strip_headers_call(&mut init.expr);
                    }
                }
            }
            if stripped {
                block.stmts.retain(|s| !is_header_map_binding(s));
            }
        }
        dropped
    }
    let mut dropped = 0;
    for item in items.iter_mut() {
        match item {
            syn::Item::Mod(m) => {
                if let Some((_, content)) = m.content.as_mut() {
                    dropped += drop_api_version_header(content);
                }
            }
            syn::Item::Impl(i) => {
                for it in i.items.iter_mut() {
                    if let syn::ImplItem::Fn(f) = it {
                        dropped += in_block(&mut f.block);
                    }
                }
            }
            syn::Item::Fn(f) => dropped += in_block(&mut f.block),
            _ => {}
        }
    }
    dropped
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// The name of a field on the wire: its `rename`, else its Rust name.
fn wire_name(field: &syn::Field) -> String {
    let mut rename = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                rename = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    rename.unwrap_or_else(|| rust_name(field))
}

/// The field's name without a raw-identifier prefix.
fn rust_name(field: &syn::Field) -> String {
    field
        .ident
        .as_ref()
        .map(|i| i.to_string().trim_start_matches("r#").to_owned())
        .unwrap_or_default()
}

fn has_doc(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

/// A field without a description whose schema is a `$ref` gets the referenced schema's.
fn document_field(
    field: &mut syn::Field,
    schema: Option<&Value>,
    doc: &Value,
) -> Result<(), String> {
    if has_doc(&field.attrs) {
        return Ok(());
    }
    let Some(property) = schema.and_then(|s| s.get("properties")?.get(wire_name(field))) else {
        return Ok(());
    };
    let target = match property.get("$ref") {
        Some(_) => resolve(doc, property)?,
        None => return Ok(()),
    };
    if let Some(text) = target.get("description").and_then(Value::as_str) {
        let text = text.trim();
        field.attrs.insert(0, syn::parse_quote!(#[doc = #text]));
    }
    Ok(())
}

/// The single type argument of `Option<T>` or `Vec<T>` (by the last path segment's name).
fn generic_inner<'a>(ty: &'a syn::Type, wrapper: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

fn last_ident_is(ty: &syn::Type, names: &[&str]) -> bool {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.arguments.is_empty() && names.iter().any(|n| s.ident == n)),
        _ => false,
    }
}

/// An open enum (see [`ENUM_MODULE_PATH`]): taken as is, so a typo cannot turn into an
/// `Unknown` value silently.
fn is_open_enum(ty: &syn::Type) -> bool {
    let text = quote::ToTokens::to_token_stream(ty)
        .to_string()
        .replace(' ', "");
    text.starts_with(&format!("{ENUM_MODULE_PATH}::"))
}

/// How a constructor or setter takes a value of type `ty`: the parameter type, and the
/// expression turning parameter `v` into the field's value.
fn parameter(ty: &syn::Type) -> (proc_macro2::TokenStream, proc_macro2::TokenStream) {
    use quote::quote;
    if last_ident_is(ty, &["String"]) {
        return (
            quote!(impl ::std::convert::Into<::std::string::String>),
            quote!(v.into()),
        );
    }
    if let Some(item) = generic_inner(ty, "Vec") {
        if is_open_enum(item) || is_plain(item) {
            return (
                quote!(impl ::std::iter::IntoIterator<Item = #item>),
                quote!(v.into_iter().collect()),
            );
        }
        return (
            quote!(impl ::std::iter::IntoIterator<Item = impl ::std::convert::Into<#item>>),
            quote!(v.into_iter().map(::std::convert::Into::into).collect()),
        );
    }
    if is_open_enum(ty) || is_plain(ty) {
        return (quote!(#ty), quote!(v));
    }
    (quote!(impl ::std::convert::Into<#ty>), quote!(v.into()))
}

/// Scalars and fixed-size arrays: taken as they are.
fn is_plain(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Array(_))
        || last_ident_is(
            ty,
            &[
                "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64",
            ],
        )
}

/// `new` (the required fields) and one `with_<field>` setter per optional field.
fn render_constructors(name: &syn::Ident, fields: &syn::FieldsNamed) -> Result<syn::Item, String> {
    use quote::{format_ident, quote};
    let mut params = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    let mut required = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().ok_or("a named field without a name")?;
        let wire = wire_name(field);
        let default = serde_default(field).map_err(|e| format!("{name}.{wire}: {e}"))?;
        let docs: Vec<&syn::Attribute> = field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .collect();
        let setter = format_ident!("with_{}", rust_name(field).trim_end_matches('_'));
        if let Some(inner) = generic_inner(&field.ty, "Option") {
            let (param, convert) = parameter(inner);
            let head = format!("Sets `{wire}`.");
            setters.push(quote! {
                #[doc = #head]
                #[doc = ""]
                #(#docs)*
                #[must_use]
                pub fn #setter(mut self, v: #param) -> Self {
                    self.#ident = ::std::option::Option::Some(#convert);
                    self
                }
            });
            inits.push(quote!(#ident: ::std::option::Option::None));
        } else if let Some(default) = default {
            let (param, convert) = parameter(&field.ty);
            let head = format!("Sets `{wire}`.");
            setters.push(quote! {
                #[doc = #head]
                #[doc = ""]
                #(#docs)*
                #[must_use]
                pub fn #setter(mut self, v: #param) -> Self {
                    self.#ident = #convert;
                    self
                }
            });
            let init = match default {
                Some(path) => quote!(#path()),
                None => quote!(::std::default::Default::default()),
            };
            inits.push(quote!(#ident: #init));
        } else {
            let (param, convert) = parameter(&field.ty);
            params.push(quote!(#ident: #param));
            inits.push(quote!(#ident: { let v = #ident; #convert }));
            required.push(format!("`{wire}`"));
        }
    }
    let new_doc = if required.is_empty() {
        format!("A `{name}` with every field unset; set them with the `with_*` methods.")
    } else {
        format!(
            "A `{name}` from its required fields ({}); the optional fields start unset (see \
             the `with_*` methods).",
            required.join(", ")
        )
    };
    let item = quote! {
        impl #name {
            #[doc = #new_doc]
            #[allow(clippy::too_many_arguments, clippy::new_without_default)]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
            #(#setters)*
        }
    };
    syn::parse2(item).map_err(|e| format!("constructors of {name} do not parse: {e}"))
}

/// The spec's tags that name an operation family, and the `Family` variant each becomes
/// (module docs, point 10). An operation's first tag decides its family; a first tag not
/// listed here is refused, so a new family is a decision made here, not an accident.
const FAMILIES: &[(&str, &str)] = &[
    ("Record Locking Configurations", "RecordLocking"),
    ("Data Sharing Rules", "SharingRules"),
    ("Organization Permissions", "OrgPermissions"),
    ("Directory", "Directory"),
    ("Record Locks", "RecordLocks"),
];

/// The vendor extension marking an operation safe to send again (see the spec's
/// `info.description`).
const REPEATABLE: &str = "x-zoho-repeatable";

/// What the operations table says about one operation.
struct OperationFacts {
    id: String,
    summary: String,
    /// Upper case, as `http::Method`'s constants are named.
    method: String,
    path: String,
    /// The security requirements' OAuth scopes: one set per requirement (the alternatives),
    /// each the scopes a token needs together, in the spec's order.
    scopes: Vec<Vec<String>>,
    repeatable: bool,
    no_content: bool,
    max_per_page: Option<u32>,
    max_items: Option<u32>,
    family: String,
}

/// The words of an operationId, split as progenitor's case conversion (heck 0.5) splits them:
/// at every character that is not alphanumeric, after a lowercase letter followed by an
/// uppercase one (`getRoles`: `get`, `Roles`), and before the last capital of a run followed
/// by a lowercase letter (`getHTTPServer`: `get`, `HTTP`, `Server`). Digits join the word
/// they are in.
fn words(id: &str) -> Vec<&str> {
    #[derive(Clone, Copy, PartialEq)]
    enum Case {
        /// No cased character since the last boundary.
        None,
        Lower,
        Upper,
    }
    let mut words = Vec::new();
    for part in id.split(|c: char| !c.is_alphanumeric()) {
        let mut chars = part.char_indices().peekable();
        let mut start = 0;
        let mut case = Case::None;
        while let Some((i, c)) = chars.next() {
            let Some(&(next_i, next)) = chars.peek() else {
                words.push(&part[start..]);
                break;
            };
            let with_c = if c.is_lowercase() {
                Case::Lower
            } else if c.is_uppercase() {
                Case::Upper
            } else {
                case
            };
            if with_c == Case::Lower && next.is_uppercase() {
                words.push(&part[start..next_i]);
                start = next_i;
                case = Case::None;
            } else if case == Case::Upper && c.is_uppercase() && next.is_lowercase() {
                words.push(&part[start..i]);
                start = i;
                case = Case::None;
            } else {
                case = with_c;
            }
        }
    }
    words
}

/// progenitor's method name for an operationId (`getFieldsWithID`: `get_fields_with_id`).
fn snake_case(id: &str) -> String {
    words(id)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// The `Operation` variant of an operationId (`getFieldsWithID`: `GetFieldsWithId`), as
/// progenitor names its builder structs.
fn pascal_case(id: &str) -> String {
    words(id)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect()
            })
        })
        .collect()
}

/// The method names progenitor's client hands to its hooks (`OperationInfo { operation_id:
/// "list_sharing_rules" }` in every builder's `send`), read from the syntax tree.
fn generated_operation_names(items: &[syn::Item], names: &mut Vec<String>) {
    fn in_block(block: &syn::Block, names: &mut Vec<String>) {
        for stmt in &block.stmts {
            let syn::Stmt::Local(local) = stmt else {
                continue;
            };
            let Some(init) = &local.init else { continue };
            let syn::Expr::Struct(s) = &*init.expr else {
                continue;
            };
            if s.path
                .segments
                .last()
                .is_none_or(|seg| seg.ident != "OperationInfo")
            {
                continue;
            }
            for field in &s.fields {
                if let (
                    syn::Member::Named(member),
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(name),
                        ..
                    }),
                ) = (&field.member, &field.expr)
                {
                    if member == "operation_id" {
                        names.push(name.value());
                    }
                }
            }
        }
    }
    for item in items {
        match item {
            syn::Item::Mod(m) => {
                if let Some((_, content)) = &m.content {
                    generated_operation_names(content, names);
                }
            }
            syn::Item::Impl(i) => {
                for it in &i.items {
                    if let syn::ImplItem::Fn(f) = it {
                        in_block(&f.block, names);
                    }
                }
            }
            syn::Item::Fn(f) => in_block(&f.block, names),
            _ => {}
        }
    }
}

/// Escapes a path for a JSON pointer (RFC 6901).
fn pointer_escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A schema `maximum`/`maxItems` as a `u32`.
fn limit(value: Option<&Value>, what: &str) -> Result<Option<u32>, String> {
    match value {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("{what}: {v} is not a whole number up to {}", u32::MAX)),
    }
}

/// The facts of every operation, in the spec's order (module docs, point 10). `ordered` is
/// the spec as read with its keys in order (`doc`, a JSON value, keeps them sorted).
fn operation_facts(
    ordered: &serde_norway::Value,
    doc: &Value,
) -> Result<Vec<OperationFacts>, String> {
    let declared_tags: Vec<&str> = doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.get("name")?.as_str())
                .collect()
        })
        .unwrap_or_default();
    for (tag, _) in FAMILIES {
        if !declared_tags.contains(tag) {
            return Err(format!(
                "the family tag {tag:?} (FAMILIES in spec/codegen.rs) is not among the spec's tags"
            ));
        }
    }
    let oauth_schemes: Vec<&str> = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|schemes| {
            schemes
                .iter()
                .filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("oauth2"))
                .map(|(name, _)| name.as_str())
                .collect()
        })
        .unwrap_or_default();
    let paths = ordered
        .get("paths")
        .and_then(serde_norway::Value::as_mapping)
        .ok_or("spec has no paths")?;
    let mut facts = Vec::new();
    for (path, item) in paths {
        let path = path.as_str().ok_or("a path that is not a string")?;
        let item_pointer = format!("/paths/{}", pointer_escape(path));
        let path_item = doc
            .pointer(&item_pointer)
            .ok_or_else(|| format!("path {path} missing"))?;
        let methods = item
            .as_mapping()
            .ok_or_else(|| format!("path {path}: not a mapping"))?
            .keys()
            .filter_map(serde_norway::Value::as_str)
            .filter(|m| is_method(m));
        for method in methods {
            let op = &path_item[method];
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            if !id.starts_with(|c: char| c.is_ascii_alphabetic())
                || !id.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(format!(
                    "operationId {id:?}: only ASCII letters and digits, starting with a letter"
                ));
            }
            let repeatable = match op.get(REPEATABLE) {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(format!(
                    "operation {id}: {REPEATABLE} must be a boolean (true or false), not {other}"
                ))
                }
            };
            let tag = op
                .pointer("/tags/0")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("operation {id} has no tag, so no family"))?;
            let family = FAMILIES
                .iter()
                .find(|(t, _)| *t == tag)
                .map(|(_, f)| (*f).to_owned())
                .ok_or_else(|| {
                    format!(
                        "operation {id}: its first tag {tag:?} names no family (known: {}); \
                         add it to FAMILIES in spec/codegen.rs",
                        FAMILIES
                            .iter()
                            .map(|(t, _)| *t)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
            // In OpenAPI the schemes and scopes of one security requirement are all needed;
            // the requirements are alternatives. Each requirement becomes the set of its
            // OAuth scopes (a scope named twice once); a set equal to an earlier one is
            // left out.
            let mut scopes: Vec<Vec<String>> = Vec::new();
            let security = op.get("security").or_else(|| doc.get("security"));
            for requirement in security.and_then(Value::as_array).into_iter().flatten() {
                let mut together: Vec<String> = Vec::new();
                for scheme in &oauth_schemes {
                    for scope in requirement
                        .get(*scheme)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        if !together.iter().any(|s| s == scope) {
                            together.push(scope.to_owned());
                        }
                    }
                }
                if !scopes.contains(&together) {
                    scopes.push(together);
                }
            }
            let mut max_per_page = None;
            let parameters = path_item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .chain(op.get("parameters").and_then(Value::as_array))
                .flatten();
            for parameter in parameters {
                let parameter = resolve(doc, parameter)?;
                if parameter.get("name").and_then(Value::as_str) == Some("per_page")
                    && parameter.get("in").and_then(Value::as_str) == Some("query")
                {
                    let schema = resolve(doc, parameter.get("schema").unwrap_or(&Value::Null))?;
                    max_per_page = limit(
                        schema.get("maximum"),
                        &format!("operation {id}: per_page maximum"),
                    )?;
                }
            }
            let max_items = match op.get("requestBody") {
                Some(body) => request_max_items(doc, resolve(doc, body)?)
                    .map_err(|e| format!("operation {id}: request body: {e}"))?,
                None => None,
            };
            let no_content = op
                .get("responses")
                .and_then(Value::as_object)
                .is_some_and(|r| r.contains_key("204"));
            facts.push(OperationFacts {
                id: id.to_owned(),
                summary: op
                    .get("summary")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("operation {id} has no summary"))?
                    .trim()
                    .to_owned(),
                method: method.to_ascii_uppercase(),
                path: path.to_owned(),
                scopes,
                repeatable,
                no_content,
                max_per_page,
                max_items,
                family,
            });
        }
    }
    Ok(facts)
}

/// How many items one request may carry: the `maxItems` of the JSON body's top-level array,
/// which is the body itself or the one array property of the body object (the collection
/// key: `sharing_rules`, `data_sharing`, ...).
fn request_max_items(doc: &Value, body: &Value) -> Result<Option<u32>, String> {
    let Some(schema) = body.pointer("/content/application~1json/schema") else {
        return Ok(None);
    };
    let schema = resolve(doc, schema)?;
    if schema.get("type").and_then(Value::as_str) == Some("array") {
        return limit(schema.get("maxItems"), "maxItems");
    }
    let mut arrays = Vec::new();
    for (key, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let property = resolve(doc, property)?;
        if property.get("type").and_then(Value::as_str) == Some("array") {
            arrays.push((key, property));
        }
    }
    match arrays[..] {
        [] => Ok(None),
        [(key, array)] => limit(array.get("maxItems"), &format!("{key} maxItems")),
        _ => Err(format!(
            "more than one array property ({}): which one is the top-level array is not clear",
            arrays
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The first paragraph of a tag's description, for the doc of its `Family` variant.
/// The summary of operation `id` as words that continue a sentence: its first word, a verb
/// in the imperative (`List`, `Get`, `Re-run`), becomes its `-ing` form and the rest is kept
/// (`List data sharing rules` -> `listing data sharing rules`). A summary that does not start
/// with a verb this knows is an error, so a new operation gets its words checked.
fn doing(id: &str, summary: &str) -> Result<String, String> {
    let summary = summary.trim().trim_end_matches('.');
    let (verb, rest) = summary.split_once(' ').unwrap_or((summary, ""));
    let lower = verb.to_ascii_lowercase();
    // Verbs ending in a consonant, a vowel and a consonant double the last letter.
    let ing = match lower.as_str() {
        "get" | "set" | "put" | "run" | "re-run" => {
            format!("{lower}{}ing", &lower[lower.len() - 1..])
        }
        "list" | "search" | "count" | "lock" | "unlock" | "show" | "read" => format!("{lower}ing"),
        v if v.ends_with('e') && !v.ends_with("ee") => format!("{}ing", &v[..v.len() - 1]),
        _ => {
            return Err(format!(
                "operation {id}: its summary {summary:?} must start with a verb the \
                 operations table can turn into words (spec/codegen.rs, `doing`)"
            ))
        }
    };
    Ok(match rest.is_empty() {
        true => ing,
        false => format!("{ing} {rest}"),
    })
}

fn tag_summary(doc: &Value, tag: &str) -> String {
    doc.get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|t| t.get("name").and_then(Value::as_str) == Some(tag))
        .and_then(|t| t.get("description")?.as_str())
        .and_then(|d| d.split("\n\n").next())
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The operations table, `operations.rs` (module docs, point 10), formatted.
fn render_operations(facts: &[OperationFacts], doc: &Value) -> Result<String, String> {
    use quote::{format_ident, quote};
    let families: Vec<syn::Ident> = FAMILIES.iter().map(|(_, f)| format_ident!("{f}")).collect();
    let tags: Vec<&str> = FAMILIES.iter().map(|(t, _)| *t).collect();
    let family_docs: Vec<String> = tags.iter().map(|t| tag_summary(doc, t)).collect();
    let variants: Vec<syn::Ident> = facts
        .iter()
        .map(|f| format_ident!("{}", pascal_case(&f.id)))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for (v, f) in variants.iter().zip(facts) {
        if !seen.insert(v.to_string()) {
            return Err(format!(
                "operation {}: a second operation becomes `{v}`",
                f.id
            ));
        }
    }
    let ids: Vec<&str> = facts.iter().map(|f| f.id.as_str()).collect();
    let names: Vec<String> = facts.iter().map(|f| snake_case(&f.id)).collect();
    let summaries: Vec<String> = facts
        .iter()
        .map(|f| match f.summary.ends_with('.') {
            true => f.summary.clone(),
            false => format!("{}.", f.summary),
        })
        .collect();
    let doings: Vec<String> = facts
        .iter()
        .map(|f| doing(&f.id, &f.summary))
        .collect::<Result<_, _>>()?;
    let plain_summaries: Vec<&str> = facts
        .iter()
        .map(|f| f.summary.trim_end_matches('.'))
        .collect();
    let heads: Vec<String> = facts
        .iter()
        .map(|f| format!("`{} {}` (`{}`).", f.method, f.path, f.id))
        .collect();
    let methods: Vec<syn::Ident> = facts
        .iter()
        .map(|f| format_ident!("{}", f.method))
        .collect();
    let paths: Vec<&str> = facts.iter().map(|f| f.path.as_str()).collect();
    let scopes = facts.iter().map(|f| {
        let sets = f.scopes.iter().map(|set| quote!(&[#(#set),*]));
        quote!(&[#(#sets),*])
    });
    let option = |v: Option<u32>| match v {
        Some(n) => {
            let n = proc_macro2::Literal::u32_unsuffixed(n);
            quote!(Some(#n))
        }
        None => quote!(None),
    };
    let max_per_page = facts.iter().map(|f| option(f.max_per_page));
    let max_items = facts.iter().map(|f| option(f.max_items));
    let of_family: Vec<syn::Ident> = facts
        .iter()
        .map(|f| format_ident!("{}", f.family))
        .collect();
    let repeatable = facts.iter().map(|f| f.repeatable);
    let no_content = facts.iter().map(|f| f.no_content);
    let file = quote! {
        /// A family of operations: the handler of the hand-written layer that makes its
        /// calls. Taken from the first tag of each operation in the spec.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Family {
            #(#[doc = #family_docs] #families,)*
        }

        impl Family {
            /// The spec's tag for the family (the first tag of each of its operations).
            pub const fn tag(self) -> &'static str {
                match self {
                    #(Self::#families => #tags,)*
                }
            }
        }

        /// An operation of the spec: one variant per operationId, in the spec's order.
        ///
        /// Every fact about it (method, path, scopes, whether it may be sent again, its
        /// limits) is read from the spec when the crate is built.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Operation {
            #(#[doc = #summaries] #[doc = ""] #[doc = #heads] #variants,)*
        }

        impl Operation {
            /// Every operation, in the spec's order.
            pub const ALL: &'static [Operation] = &[#(Self::#variants),*];

            /// The spec's operationId, such as `listSharingRules`.
            pub const fn id(self) -> &'static str {
                match self {
                    #(Self::#variants => #ids,)*
                }
            }

            /// The operation with this operationId, if the spec has one.
            pub fn from_id(id: &str) -> ::std::option::Option<Self> {
                match id {
                    #(#ids => ::std::option::Option::Some(Self::#variants),)*
                    _ => ::std::option::Option::None,
                }
            }

            /// The operation for progenitor's method name (`list_sharing_rules`), as the
            /// generated client passes it in `OperationInfo::operation_id`.
            pub(crate) fn from_generated_name(name: &str) -> ::std::option::Option<Self> {
                match name {
                    #(#names => ::std::option::Option::Some(Self::#variants),)*
                    _ => ::std::option::Option::None,
                }
            }

            /// The spec's summary of the operation, as a sentence without its full stop:
            /// `List data sharing rules`.
            pub const fn summary(self) -> &'static str {
                match self {
                    #(Self::#variants => #plain_summaries,)*
                }
            }

            /// What the operation does, in words that continue a sentence, made from the
            /// spec's summary: `listing data sharing rules` (error messages lead with it).
            pub const fn doing(self) -> &'static str {
                match self {
                    #(Self::#variants => #doings,)*
                }
            }

            /// The HTTP method.
            pub const fn method(self) -> ::http::Method {
                match self {
                    #(Self::#variants => ::http::Method::#methods,)*
                }
            }

            /// The path template, relative to the server URL (which ends in `/crm/v8`), with
            /// its parameters in braces: `/settings/data_sharing/rules/{id}`.
            pub const fn path(self) -> &'static str {
                match self {
                    #(Self::#variants => #paths,)*
                }
            }

            /// The OAuth scopes that allow the call: the alternatives (the spec's security
            /// requirements), narrowest first, each a set of scopes a token needs together.
            /// A token may make the call when it holds every scope of one set:
            /// `[["ZohoCRM.settings.roles.READ"], ["ZohoCRM.settings.roles.ALL"], ...]` for
            /// a directory read, `[["ZohoCRM.modules.lockinginformation.READ",
            /// "ZohoCRM.modules.ALL"], ...]` for a record lock read.
            pub const fn scopes(self) -> &'static [&'static [&'static str]] {
                match self {
                    #(Self::#variants => #scopes,)*
                }
            }

            /// Whether the request may be sent again when the answer to an attempt was lost:
            /// a second send does what the first did and gets the same answer (the spec's
            /// `x-zoho-repeatable`).
            pub const fn repeatable(self) -> bool {
                match self {
                    #(Self::#variants => #repeatable,)*
                }
            }

            /// Whether the operation answers `204 No Content`, with no body, when there is
            /// nothing to return.
            pub const fn no_content(self) -> bool {
                match self {
                    #(Self::#variants => #no_content,)*
                }
            }

            /// The largest `per_page` the operation accepts, if it pages.
            pub const fn max_per_page(self) -> ::std::option::Option<u32> {
                match self {
                    #(Self::#variants => #max_per_page,)*
                }
            }

            /// How many items one request body may carry (rules, permissions,
            /// configurations), if the operation takes a list.
            pub const fn max_items(self) -> ::std::option::Option<u32> {
                match self {
                    #(Self::#variants => #max_items,)*
                }
            }

            /// The family the operation belongs to.
            pub const fn family(self) -> Family {
                match self {
                    #(Self::#variants => Family::#of_family,)*
                }
            }
        }

        impl ::std::fmt::Display for Operation {
            /// The operationId.
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.id())
            }
        }
    };
    let file: syn::File =
        syn::parse2(file).map_err(|e| format!("the operations table does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}
