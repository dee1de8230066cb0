//! The templates `spec/codegen.rs` specializes into generated code, compiled and exercised as
//! they are written, so rustfmt, clippy and these tests see real Rust (the generator reads the
//! same files with `include_str!`).

#[path = "../spec/templates/open_enum.rs"]
mod open_enum_template;

use open_enum_template::Placeholder;

#[test]
fn known_values_decode_to_their_variants_and_encode_back() {
    for (wire, variant) in [
        ("first", Placeholder::First),
        ("second_value", Placeholder::SecondValue),
    ] {
        let decoded: Placeholder = serde_json::from_value(serde_json::json!(wire)).unwrap();
        // Equal by wire string, and not `Unknown`: the variant itself.
        assert_eq!(decoded, variant);
        assert!(decoded.is_known());
        assert_eq!(serde_json::to_value(&decoded).unwrap(), wire);
        assert_eq!(decoded.to_string(), wire);
    }
    assert_eq!(Placeholder::KNOWN, ["first", "second_value"]);
}

#[test]
fn an_unknown_value_decodes_and_encodes_back_unchanged() {
    let decoded: Placeholder = serde_json::from_value(serde_json::json!("third")).unwrap();
    assert!(matches!(&decoded, Placeholder::Unknown(v) if v == "third"));
    assert!(!decoded.is_known());
    assert_eq!(serde_json::to_value(&decoded).unwrap(), "third");
    assert_eq!("third".parse::<Placeholder>().unwrap(), decoded);
}

#[test]
fn values_are_equal_hash_and_order_by_their_wire_string() {
    use std::collections::HashSet;
    let by_hand = Placeholder::Unknown("first".to_owned());
    assert_eq!(by_hand, Placeholder::First);
    assert_ne!(Placeholder::First, Placeholder::SecondValue);
    let set: HashSet<Placeholder> = [by_hand, Placeholder::First].into_iter().collect();
    assert_eq!(set.len(), 1);
    assert!(Placeholder::First < Placeholder::SecondValue);
    assert!(Placeholder::from("a") < Placeholder::First);
}

#[test]
fn the_json_schema_names_the_type_and_lists_the_known_values() {
    let schema = schemars::schema_for!(Placeholder);
    let value = serde_json::to_value(&schema).unwrap();
    assert_eq!(value["type"], "string");
    assert_eq!(value["title"], "Placeholder");
    assert_eq!(value["description"], "Placeholder description.");
    assert_eq!(
        value["examples"],
        serde_json::json!(["first", "second_value"])
    );
}
