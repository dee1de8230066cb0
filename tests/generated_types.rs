//! The generated types, checked against the spec they come from: every component schema is a
//! type in `types` or `enums`, every such type (and every other type generated into `types`)
//! is `#[non_exhaustive]`, and every public field is documented.
//!
//! The code checked is the code the crate compiles (`OUT_DIR`), parsed with syn; the list of
//! types to expect comes from the spec, so a schema added to the spec is checked without
//! touching this test. The `compile_fail` doctest on the `types` module shows the attribute's
//! effect: a struct literal outside the crate does not compile (E0639).

use std::collections::BTreeSet;

const SPEC: &str = include_str!("../spec/zoho-crm-access.yaml");
const TYPES: &str = include_str!(concat!(env!("OUT_DIR"), "/types.rs"));
const ENUMS: &str = include_str!(concat!(env!("OUT_DIR"), "/enums.rs"));

fn spec() -> serde_json::Value {
    serde_norway::from_str(SPEC).expect("the spec parses")
}

/// Component schemas of the spec: (name, is an enum schema).
fn schemas() -> Vec<(String, bool)> {
    spec()["components"]["schemas"]
        .as_object()
        .expect("components.schemas")
        .iter()
        .map(|(name, schema)| (name.clone(), schema.get("enum").is_some()))
        .collect()
}

/// How many properties the spec's object schemas declare (each is a public field).
fn spec_properties() -> usize {
    spec()["components"]["schemas"]
        .as_object()
        .expect("components.schemas")
        .values()
        .filter_map(|schema| schema.get("properties")?.as_object())
        .map(|properties| properties.len())
        .sum()
}

fn non_exhaustive(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
}

fn documented(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("doc")
            && matches!(&a.meta, syn::Meta::NameValue(nv)
                if matches!(&nv.value, syn::Expr::Lit(l)
                    if matches!(&l.lit, syn::Lit::Str(s) if !s.value().trim().is_empty())))
    })
}

/// The public structs and enums directly in `mod types` (not its `builder` and `error`
/// submodules), with their attributes.
fn generated_types() -> Vec<(String, Vec<syn::Attribute>, Option<syn::Fields>)> {
    let file = syn::parse_file(TYPES).expect("the generated types parse");
    let types = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
            _ => None,
        })
        .expect("a `types` module");
    types
        .1
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) if matches!(s.vis, syn::Visibility::Public(_)) => {
                Some((s.ident.to_string(), s.attrs.clone(), Some(s.fields.clone())))
            }
            syn::Item::Enum(e) if matches!(e.vis, syn::Visibility::Public(_)) => {
                Some((e.ident.to_string(), e.attrs.clone(), None))
            }
            _ => None,
        })
        .collect()
}

fn open_enums() -> Vec<(String, Vec<syn::Attribute>)> {
    let file = syn::parse_file(ENUMS).expect("the generated enums parse");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Enum(e) => Some((e.ident.to_string(), e.attrs.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn every_schema_is_a_non_exhaustive_type() {
    let types = generated_types();
    let enums = open_enums();
    let struct_names: BTreeSet<&str> = types.iter().map(|(n, ..)| n.as_str()).collect();
    let enum_names: BTreeSet<&str> = enums.iter().map(|(n, _)| n.as_str()).collect();
    let schemas = schemas();
    assert_eq!(schemas.len(), zoho_crm_access::wire::SPEC_SCHEMAS);
    for (name, is_enum) in &schemas {
        if *is_enum {
            assert!(enum_names.contains(name.as_str()), "no open enum {name}");
        } else {
            assert!(struct_names.contains(name.as_str()), "no type {name}");
        }
    }
    // Every type, including those typify makes from inline schemas (constrained strings).
    let mut missing: Vec<&str> = types
        .iter()
        .filter(|(_, attrs, _)| !non_exhaustive(attrs))
        .map(|(n, ..)| n.as_str())
        .collect();
    missing.extend(
        enums
            .iter()
            .filter(|(_, attrs)| !non_exhaustive(attrs))
            .map(|(n, _)| n.as_str()),
    );
    assert!(missing.is_empty(), "not #[non_exhaustive]: {missing:?}");
    assert!(types.len() + enums.len() >= schemas.len());
}

#[test]
fn every_public_field_is_documented() {
    let mut undocumented = Vec::new();
    let mut fields = 0;
    for (name, _, body) in generated_types() {
        let Some(syn::Fields::Named(named)) = body else {
            continue;
        };
        for field in named.named.iter() {
            if !matches!(field.vis, syn::Visibility::Public(_)) {
                continue;
            }
            fields += 1;
            if !documented(&field.attrs) {
                undocumented.push(format!("{name}.{}", field.ident.as_ref().unwrap()));
            }
        }
    }
    // Every property of the spec's object schemas is a field (plus those of inline schemas).
    let expected = spec_properties();
    assert!(
        expected > 0 && fields >= expected,
        "{fields} fields, {expected} in the spec"
    );
    assert!(undocumented.is_empty(), "undocumented: {undocumented:?}");
}

/// Every object type has a constructor and setters usable from outside the crate, so the
/// types stay buildable with `#[non_exhaustive]` (compiled here, outside the crate).
#[test]
fn object_types_are_built_with_new_and_setters() {
    use zoho_crm_access::{enums, types};
    let rule = types::SharingRuleInput::new(
        "Partners",
        enums::PermissionType::Read,
        types::SharedTo::new(enums::SharedToType::AllUsers),
        false,
        enums::SharingRuleType::CriteriaBased,
    )
    .with_criteria(zoho_crm_access::criteria::field("Stage").equal("Won"));
    assert_eq!(
        serde_json::to_value(&rule).unwrap()["shared_to"],
        serde_json::json!({"type": "all_users"})
    );
    // Required fields are constructor arguments, in field order.
    let update = types::SharingRuleUpdate::new(true, enums::SharingRuleType::CriteriaBased)
        .with_name("Renamed");
    assert_eq!(
        serde_json::to_value(&update).unwrap(),
        serde_json::json!({"name": "Renamed", "superiors_allowed": true, "type": "Criteria_Based"})
    );
    let details = types::ActionDetails::new()
        .with_supported_values(["a", "b"])
        .with_limit(5);
    assert_eq!(details.supported_values, ["a", "b"]);
    assert_eq!(details.limit, Some(5));
}

/// Open enums are equal by their wire value.
#[test]
fn an_unknown_holding_a_known_value_equals_it() {
    use std::collections::HashSet;
    use zoho_crm_access::enums::PermissionType;
    let by_hand = PermissionType::Unknown("read".into());
    assert_eq!(by_hand, PermissionType::Read);
    assert_eq!(PermissionType::from("read"), PermissionType::Read);
    let set: HashSet<PermissionType> = [by_hand, PermissionType::Read].into_iter().collect();
    assert_eq!(set.len(), 1);
    assert_ne!(
        PermissionType::Unknown("write".into()),
        PermissionType::Read
    );
    assert_eq!(
        PermissionType::Unknown("read".into()).cmp(&PermissionType::Read),
        std::cmp::Ordering::Equal
    );
}

/// The error body travels by value inside every call's outcome (progenitor's `Result`), so
/// its variants are boxed (spec/codegen.rs, point 8): a read's outcome stays small whether it
/// succeeded or not, and the flat error still decodes to its variant with every detail.
#[test]
fn error_bodies_are_boxed_so_every_outcome_stays_small() {
    use zoho_crm_access::types;
    type Outcome = Result<
        progenitor_client::ResponseValue<types::RecordLockingConfigurations>,
        progenitor_client::Error<types::ZohoErrorBody>,
    >;
    // 608 bytes when the flat error (twenty optional details) was held inline.
    assert!(
        std::mem::size_of::<Outcome>() <= 160,
        "{} bytes",
        std::mem::size_of::<Outcome>()
    );
    assert!(std::mem::size_of::<types::ZohoErrorBody>() <= 24);
    let body: types::ZohoErrorBody = serde_json::from_value(serde_json::json!({
        "code": "INVALID_DATA",
        "details": {"api_name": "locked_for", "json_path": "$.record_locking_configurations[0].locked_for"},
        "message": "invalid data",
        "status": "error"
    }))
    .unwrap();
    let types::ZohoErrorBody::ActionResult(result) = &body else {
        panic!("not the flat error: {body:?}");
    };
    assert_eq!(result.details.api_name.as_deref(), Some("locked_for"));
    assert_eq!(types::ZohoErrorBody::from((**result).clone()), body);
    assert_eq!(
        serde_json::to_value(&body).unwrap()["details"]["json_path"],
        "$.record_locking_configurations[0].locked_for"
    );
}
