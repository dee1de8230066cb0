//! Runs the built `xtask check-spec` on temporary recordings and on the project's corpus.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fresh, empty directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-check-spec-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, file: &str, recording: &Value) -> PathBuf {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_vec_pretty(recording).unwrap()).unwrap();
    path
}

fn check_spec(args: &[&str]) -> (bool, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("check-spec")
        .args(args)
        .output()
        .expect("xtask runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn check_dir(dir: &Path, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "--recordings",
        dir.to_str().unwrap(),
        "--known",
        "/dev/null",
    ];
    args.extend_from_slice(extra);
    check_spec(&args)
}

/// A valid GET of a record locking configuration.
fn rlc_get() -> Value {
    json!({
        "source": "test",
        "request": {"method": "GET", "path": "/crm/v8/settings/record_locking_configurations", "query": {"module": "Deals"}},
        "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": {
            "record_locking_configurations": [{
                "id": "111000000000000001",
                "lock_type": "manual",
                "locked_for": "all_profiles",
                "restricted_actions": ["update"],
                "restricted_communications": null,
                "created_by": {"id": "111000000000000002", "name": "User 1"}
            }]
        }}
    })
}

#[test]
fn a_valid_recording_passes() {
    let dir = temp_dir("valid");
    write(&dir, "ok.json", &rlc_get());
    let (ok, out) = check_dir(&dir, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("ok.json"), "{out}");
    assert!(out.contains("check-spec: OK"), "{out}");
}

#[test]
fn wrong_type_fails_naming_file_and_pointer() {
    let dir = temp_dir("wrong-type");
    let mut r = rlc_get();
    r["response"]["body"]["record_locking_configurations"][0]["lock_type"] = json!(5);
    write(&dir, "wrong_type.json", &r);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("wrong_type.json"), "{out}");
    assert!(out.contains("getRecordLockingConfigurations"), "{out}");
    assert!(
        out.contains("at /response/body/record_locking_configurations/0/lock_type"),
        "{out}"
    );
    assert!(out.contains("#/components/schemas/LockType/type"), "{out}");
    // The generated types refuse it too.
    assert!(out.contains("[decode response]"), "{out}");
}

#[test]
fn missing_required_key_fails_naming_file_and_pointer() {
    let dir = temp_dir("missing-required");
    let mut r = rlc_get();
    r["response"]["body"]["record_locking_configurations"][0]
        .as_object_mut()
        .unwrap()
        .remove("id");
    write(&dir, "missing_id.json", &r);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("missing_id.json"), "{out}");
    assert!(
        out.contains("at /response/body/record_locking_configurations/0:"),
        "{out}"
    );
    assert!(out.contains("\"id\" is a required property"), "{out}");
}

#[test]
fn wrong_type_inside_a_one_of_names_the_deep_pointer() {
    let dir = temp_dir("one-of");
    let r = json!({
        "source": "test",
        "request": {"method": "GET", "path": "/crm/v8/settings/data_sharing", "query": {}},
        "response": {"status": 400, "body": {"code": "INVALID_DATA", "details": {"resource_path_index": "two"}, "message": "m", "status": "error"}}
    });
    write(&dir, "error_shape.json", &r);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("error_shape.json"), "{out}");
    assert!(
        out.contains("at /response/body/details/resource_path_index"),
        "{out}"
    );
}

#[test]
fn undocumented_status_fails() {
    let dir = temp_dir("status");
    let mut r = rlc_get();
    r["response"]["status"] = json!(418);
    write(&dir, "teapot.json", &r);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("teapot.json"), "{out}");
    assert!(
        out.contains("[status] at /response/status: status 418 is not documented for getRecordLockingConfigurations"),
        "{out}"
    );
}

#[test]
fn unknown_path_fails() {
    let dir = temp_dir("path");
    let mut r = rlc_get();
    r["request"]["path"] = json!("/crm/v8/settings/record_locking_rules");
    write(&dir, "unknown_path.json", &r);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("unknown_path.json"), "{out}");
    assert!(
        out.contains("[request] at /request/path: ")
            && out.contains("no path of the spec matches `/settings/record_locking_rules`"),
        "{out}"
    );
}

#[test]
fn wrong_method_fails() {
    let dir = temp_dir("method");
    let mut r = rlc_get();
    r["request"]["method"] = json!("PATCH");
    write(&dir, "wrong_method.json", &r);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("wrong_method.json"), "{out}");
    assert!(
        out.contains(
            "[request] at /request/method: PATCH /crm/v8/settings/record_locking_configurations: method PATCH is not documented for `/settings/record_locking_configurations`"
        ),
        "{out}"
    );
}

#[test]
fn literal_path_wins_over_template() {
    // GET on /rules/search must not fall back to GET /rules/{id}.
    let dir = temp_dir("literal");
    let r = json!({
        "source": "test",
        "request": {"method": "GET", "path": "/crm/v8/settings/data_sharing/rules/search", "query": {}},
        "response": {"status": 204}
    });
    write(&dir, "get_search.json", &r);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("method GET is not documented for `/settings/data_sharing/rules/search`"),
        "{out}"
    );
}

#[test]
fn query_parameters_are_checked() {
    let dir = temp_dir("query");
    let mut missing = rlc_get();
    missing["request"]["query"] = json!({});
    write(&dir, "no_module.json", &missing);
    let mut undeclared = rlc_get();
    undeclared["request"]["query"]["colour"] = json!("red");
    write(&dir, "undeclared.json", &undeclared);
    let list = json!({
        "source": "test",
        "request": {"method": "GET", "path": "/crm/v8/settings/data_sharing/rules", "query": {"per_page": "500"}},
        "response": {"status": 204}
    });
    write(&dir, "per_page.json", &list);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("required query parameter `module` is missing"),
        "{out}"
    );
    assert!(
        out.contains("at /request/query/colour: query parameter `colour` is not declared"),
        "{out}"
    );
    assert!(out.contains("`per_page`: value is greater than the maximum of 200 (expected maximum: 200; found 500)"), "{out}");
}

#[test]
fn body_presence_and_content_type_are_checked() {
    let dir = temp_dir("body");
    let mut no_body = rlc_get();
    no_body["response"].as_object_mut().unwrap().remove("body");
    write(&dir, "no_body.json", &no_body);
    let mut body_on_204 = rlc_get();
    body_on_204["response"]["status"] = json!(204);
    write(&dir, "body_on_204.json", &body_on_204);
    let mut html = rlc_get();
    html["response"]["headers"]["content-type"] = json!("text/html");
    write(&dir, "html.json", &html);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("documents a body (application/json) for getRecordLockingConfigurations status 200, but the recording has none"), "{out}");
    assert!(
        out.contains("documents no body for getRecordLockingConfigurations status 204"),
        "{out}"
    );
    assert!(
        out.contains("[content-type] at /response/headers/content-type: expected application/json; found `text/html`"),
        "{out}"
    );
}

#[test]
fn request_bodies_are_checked() {
    let dir = temp_dir("request-body");
    let r = json!({
        "source": "test",
        "request": {"method": "PUT", "path": "/crm/v8/settings/data_sharing", "query": {},
                    "body": {"data_sharing": [{"share_type": "private", "module": {"api_name": "Leads"}}]}},
        "response": {"status": 200, "body": {"data_sharing": [{"code": "SUCCESS", "details": {"module": "Leads"}, "message": "ok", "status": "success"}]}}
    });
    write(&dir, "module_without_id.json", &r);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("[request body] at /request/body/data_sharing/0/module"),
        "{out}"
    );
}

#[test]
fn drift_is_allowed_but_fails_under_strict() {
    let dir = temp_dir("drift");
    let mut r = rlc_get();
    r["response"]["body"]["record_locking_configurations"][0]["brand_new_key"] = json!(true);
    r["response"]["body"]["record_locking_configurations"][0]["restricted_actions"] =
        json!(["update", "archive"]);
    write(&dir, "drift.json", &r);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("drift allowed without --strict: 2"), "{out}");
    let (ok, out) = check_dir(&dir, &["--strict"]);
    assert!(!ok, "{out}");
    assert!(out.contains("at /response/body/record_locking_configurations/0/brand_new_key: drift: property `brand_new_key` is not declared"), "{out}");
    assert!(out.contains("at /response/body/record_locking_configurations/0/restricted_actions/1: drift: \"archive\" is not a documented value"), "{out}");
}

#[test]
fn nullable_all_of_refs_accept_null_and_check_the_rest() {
    let dir = temp_dir("nullable");
    let rule = |shared_from: Value| {
        json!({
            "source": "test",
            "request": {"method": "GET", "path": "/crm/v8/settings/data_sharing/rules/9", "query": {}},
            "response": {"status": 200, "body": {"sharing_rules": [{
                "id": "9", "name": "n", "type": "Criteria_Based", "permission_type": "read",
                "shared_to": {"type": "all_users"}, "shared_from": shared_from, "criteria": null
            }]}}
        })
    };
    write(&dir, "null_ok.json", &rule(Value::Null));
    write(
        &dir,
        "bad_shared_from.json",
        &rule(json!({"type": "roles"})),
    );
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("ok   "), "{out}");
    assert!(out.contains("null_ok.json"), "{out}");
    assert!(out.contains("FAIL"), "{out}");
    assert!(
        out.contains("at /response/body/sharing_rules/0/shared_from: "),
        "{out}"
    );
    assert!(out.contains("\"resource\" is a required property"), "{out}");
}

fn known_file(dir: &Path, entries: &str) -> PathBuf {
    let p = dir.join("known.yaml");
    std::fs::write(&p, format!("disagreements:\n{entries}")).unwrap();
    p
}

#[test]
fn known_disagreements_are_reported_and_cannot_go_stale() {
    let base = temp_dir("known");
    let dir = base.join("corpus");
    let mut bad = rlc_get();
    bad["response"]["body"]["record_locking_configurations"][0]["lock_type"] = json!(5);
    write(&dir, "family/bad.json", &bad);
    write(&dir, "family/good.json", &rlc_get());
    let d = dir.to_str().unwrap();

    // Listed and failing: known, the run passes.
    let k = known_file(&base, "  - corpus: corpus\n    recording: family/bad.json\n    reason: test\n    expect: /response/body/record_locking_configurations/0/lock_type\n");
    let (ok, out) = check_spec(&["--recordings", d, "--known", k.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(out.contains("KNOWN"), "{out}");
    assert!(out.contains("1 known disagreements"), "{out}");

    // Listed, but failing otherwise than expected: fails.
    let k = known_file(
        &base,
        "  - corpus: corpus\n    recording: bad.json\n    reason: test\n    expect: /locked_for\n",
    );
    let (ok, out) = check_spec(&["--recordings", d, "--known", k.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(out.contains("fails otherwise than expected"), "{out}");

    // Listed but passing: stale, fails.
    let k = known_file(&base, "  - corpus: corpus\n    recording: bad.json\n    reason: test\n  - corpus: corpus\n    recording: good.json\n    reason: stale\n");
    let (ok, out) = check_spec(&["--recordings", d, "--known", k.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(out.contains("but it now passes: remove the entry"), "{out}");

    // Listed but gone: stale, fails.
    let k = known_file(&base, "  - corpus: corpus\n    recording: bad.json\n    reason: test\n  - corpus: corpus\n    recording: gone.json\n    reason: vanished\n");
    let (ok, out) = check_spec(&["--recordings", d, "--known", k.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("corpus/gone.json: no such recording any more"),
        "{out}"
    );

    // Entries of another corpus are not checked.
    let k = known_file(&base, "  - corpus: corpus\n    recording: bad.json\n    reason: test\n  - corpus: elsewhere\n    recording: gone.json\n    reason: other corpus\n");
    let (ok, out) = check_spec(&["--recordings", d, "--known", k.to_str().unwrap()]);
    assert!(ok, "{out}");
}

#[test]
fn the_project_corpus_passes_and_covers_every_operation() {
    let (ok, out) = check_spec(&["--strict"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Every operation has at least one recording."),
        "{out}"
    );
    assert!(out.contains("spec examples: "), "{out}");
    assert!(out.contains(", 0 invalid"), "{out}");
}

#[test]
fn published_examples_pass_or_are_listed() {
    let shared = workspace().join("../shared/zoho-examples");
    if !shared.is_dir() {
        eprintln!("{} is absent; nothing to check", shared.display());
        return;
    }
    let (ok, out) = check_spec(&["--recordings", shared.to_str().unwrap()]);
    assert!(ok, "{out}");
}

#[test]
fn published_directory_examples_pass_or_are_listed() {
    let shared = workspace().join("../shared/zoho-directory-examples");
    if !shared.is_dir() {
        eprintln!("{} is absent; nothing to check", shared.display());
        return;
    }
    let (ok, out) = check_spec(&["--recordings", shared.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(out.contains("1 known disagreements, 0 failed"), "{out}");
}

#[test]
fn a_placeholder_path_segment_is_not_recorded_and_not_checked() {
    let dir = temp_dir("placeholder");
    let response = json!({"status": 200, "headers": {"content-type": "application/json"}, "body": {
        "sources_count": [{"roles": 2, "users": {"active": 2, "inactive": 0, "deleted": 0}}]
    }});
    // The template's own `{group}`: not recorded, so not held to the id pattern.
    write(
        &dir,
        "placeholder.json",
        &json!({"source": "test", "request": {"method": "GET",
            "path": "/crm/v8/settings/user_groups/{group}/actions/sources_count", "query": {}},
            "response": response}),
    );
    let (ok, out) = check_dir(&dir, &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains("path parameters not recorded (left as the template's `{name}` placeholder, not checked): 1 in 1 recordings"),
        "{out}"
    );
    // Any other non-id is still checked against the pattern.
    write(
        &dir,
        "placeholder.json",
        &json!({"source": "test", "request": {"method": "GET",
            "path": "/crm/v8/settings/user_groups/{id}/actions/sources_count", "query": {}},
            "response": response}),
    );
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("`group`"), "{out}");
}

#[test]
fn formats_and_item_limits_are_enforced() {
    let dir = temp_dir("formats");
    let mut bad_time = rlc_get();
    bad_time["response"]["body"]["record_locking_configurations"][0]["created_time"] =
        json!("yesterday at noon");
    write(&dir, "bad_time.json", &bad_time);
    let mut two = rlc_get();
    let cfg = two["response"]["body"]["record_locking_configurations"][0].clone();
    two["response"]["body"]["record_locking_configurations"] = json!([cfg.clone(), cfg]);
    write(&dir, "two_configs.json", &two);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("at /response/body/record_locking_configurations/0/created_time"),
        "{out}"
    );
    assert!(out.contains("date-time"), "{out}");
    assert!(
        out.contains("at /response/body/record_locking_configurations: ")
            && out.contains("maxItems: 1"),
        "{out}"
    );
}

#[test]
fn an_unreadable_recording_is_a_failure_naming_the_file() {
    let dir = temp_dir("unreadable");
    std::fs::write(dir.join("broken.json"), "{ not json").unwrap();
    write(
        &dir,
        "no_status.json",
        &json!({"source": "test", "request": {"method": "GET", "path": "/crm/v8/settings/data_sharing"}, "response": {}}),
    );
    let mut anonymous = rlc_get();
    anonymous.as_object_mut().unwrap().remove("source");
    write(&dir, "anonymous.json", &anonymous);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(
        out.contains("anonymous.json") && out.contains("missing `source`"),
        "{out}"
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains("broken.json") && out.contains("not valid JSON"),
        "{out}"
    );
    assert!(
        out.contains("no_status.json") && out.contains("response.status"),
        "{out}"
    );
}

/// A small spec of our own exercises what the project's spec does not use.
const CUSTOM_SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example/base/v1"}]
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, format: int32}}
        - {name: verbose, in: query, schema: {type: boolean}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
              examples:
                good: {value: {size: 2, colour: red, parent: null}}
                bad: {value: {size: 0, colour: red}}
        "4XX":
          description: client errors
          content:
            application/json:
              schema: {type: object, required: [error], properties: {error: {type: string}}}
        default:
          description: anything else
components:
  schemas:
    Colour:
      type: string
      enum: [red, green]
      nullable: true
    Thing:
      type: object
      required: [size]
      properties:
        size: {type: number, minimum: 0, exclusiveMinimum: true}
        colour: {$ref: "#/components/schemas/Colour"}
        parent:
          allOf: [{$ref: "#/components/schemas/Thing"}]
          nullable: true
      example: {size: 1, colour: blue}
"##;

#[test]
fn a_custom_spec_exercises_ranges_default_and_3_0_keywords() {
    let dir = temp_dir("custom");
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, CUSTOM_SPEC).unwrap();
    let recs = dir.join("recs");
    let get = |path: &str, query: Value, status: u16, body: Value| {
        json!({"source": "test", "request": {"method": "GET", "path": path, "query": query},
               "response": {"status": status, "body": body}})
    };
    write(
        &recs,
        "ok.json",
        &get(
            "/base/v1/things/7",
            json!({"verbose": "true"}),
            200,
            json!({"size": 1.5, "colour": null, "parent": {"size": 3, "parent": null}}),
        ),
    );
    write(
        &recs,
        "range_404.json",
        &get(
            "/base/v1/things/7",
            json!({}),
            404,
            json!({"error": "gone"}),
        ),
    );
    write(
        &recs,
        "default_503.json",
        &get("/base/v1/things/7", json!({}), 503, Value::Null),
    );
    write(
        &recs,
        "bad.json",
        &get(
            "/base/v1/things/x",
            json!({"verbose": "yes"}),
            200,
            json!({"size": 0, "colour": "blue", "parent": {"colour": "red"}}),
        ),
    );
    let s = spec.to_str().unwrap();
    let r = recs.to_str().unwrap();
    let (ok, out) = check_spec(&["--spec", s, "--recordings", r, "--known", "/dev/null"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("not in the generated code (bodies checked against the spec only): getThing"),
        "{out}"
    );
    assert!(
        out.contains("recordings: 4 checked, 3 passed, 0 known disagreements, 1 failed"),
        "{out}"
    );
    // Valid: nullable enum, nullable allOf-wrapped $ref, a 4XX range and `default`.
    assert!(
        out.contains("ok   ") && out.contains("ok.json (operation getThing, status 200)"),
        "{out}"
    );
    assert!(
        out.contains("range_404.json (operation getThing, status 404)"),
        "{out}"
    );
    assert!(
        out.contains("default_503.json (operation getThing, status 503)"),
        "{out}"
    );
    assert!(
        out.contains("getThing   GET     200:2 4XX:1 default:1"),
        "{out}"
    );
    // Invalid: typed path and query parameters, exclusiveMinimum, closed enum, nested required.
    assert!(out.contains("FAIL") && out.contains("bad.json"), "{out}");
    assert!(
        out.contains("[path] at /request/path: `id`: expected an integer, found `x`"),
        "{out}"
    );
    assert!(
        out.contains(
            "[query] at /request/query/verbose: `verbose`: expected true or false, found `yes`"
        ),
        "{out}"
    );
    assert!(out.contains("at /response/body/size: "), "{out}");
    assert!(out.contains("at /response/body/colour: "), "{out}");
    assert!(
        out.contains("at /response/body/parent: ")
            && out.contains("\"size\" is a required property"),
        "{out}"
    );
    // Examples: the schema-level one has a colour outside the closed enum, the media-type `bad`
    // one a size that exclusiveMinimum refuses; `good` passes.
    assert!(
        out.contains("FAIL spec example #/components/schemas/Thing/example"),
        "{out}"
    );
    assert!(out.contains("FAIL spec example #/paths/~1things~1{id}/get/responses/200/content/application~1json/examples/bad"), "{out}");
    assert!(!out.contains("examples/good"), "{out}");
    assert!(
        out.contains("spec examples: 3 checked, 1 valid, 2 invalid"),
        "{out}"
    );
}

/// An update of the default organization permissions with the module id as recorded.
fn ds_update(module_id: Value) -> Value {
    json!({
        "source": "test",
        "request": {"method": "PUT", "path": "/crm/v8/settings/data_sharing", "query": {},
                    "body": {"data_sharing": [{"share_type": "private", "module": {"id": module_id}}]}},
        "response": {"status": 200, "body": {"data_sharing": [{"code": "SUCCESS", "details": {"module": "Leads"}, "message": "ok", "status": "success"}]}}
    })
}

#[test]
fn request_ids_recorded_as_numbers_are_checked_as_strings() {
    let dir = temp_dir("numeric-ids");
    // As Zoho's Python SDK sends it: a 19-digit id as a bare JSON number.
    write(
        &dir,
        "number.json",
        &ds_update(json!(5843104000000002175u64)),
    );
    write(
        &dir,
        "string.json",
        &ds_update(json!("5843104000000002175")),
    );
    let (ok, out) = check_dir(&dir, &["--strict"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("request ids sent as JSON numbers, checked as strings (x-zoho-accepts-number): 1 in 1 recordings"),
        "{out}"
    );

    // The number stands for its digits, so the id pattern still applies ...
    let dir = temp_dir("numeric-ids-bad");
    write(
        &dir,
        "twenty_digits.json",
        &ds_update(json!(18446744073709551615u64)),
    );
    write(&dir, "fraction.json", &ds_update(json!(1.5)));
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(
            "at /request/body/data_sharing/0/module/id: value does not match \"^[0-9]{1,19}$\""
        ) && out.contains("found \"18446744073709551615\""),
        "{out}"
    );
    assert!(
        out.contains("at /request/body/data_sharing/0/module/id: value is not of type \"string\"")
            && out.contains("found 1.5"),
        "{out}"
    );

    // ... and responses are never converted: Zoho sends ids as strings.
    let dir = temp_dir("numeric-ids-response");
    let mut r = rlc_get();
    r["response"]["body"]["record_locking_configurations"][0]["created_by"]["id"] =
        json!(111000000000000002u64);
    write(&dir, "response_number.json", &r);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("at /response/body/record_locking_configurations/0/created_by/id"),
        "{out}"
    );
}

#[test]
fn expect_request_rejected_holds_the_spec_to_refusing_the_request() {
    // Refused by the server and by the spec: passes, counted as agreement.
    let dir = temp_dir("expect-rejected");
    let refused = |body: Value| {
        json!({
            "source": "test",
            "expect_request_rejected": "/request/body/data_sharing/0/module",
            "request": {"method": "PUT", "path": "/crm/v8/settings/data_sharing", "query": {}, "body": body},
            "response": {"status": 400, "body": {"data_sharing": [{"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "id", "json_path": "$.data_sharing[0].module.id"}, "message": "required field not found", "status": "error"}]}}
        })
    };
    write(
        &dir,
        "no_module_id.json",
        &refused(
            json!({"data_sharing": [{"share_type": "private", "module": {"api_name": "Leads"}}]}),
        ),
    );
    let (ok, out) = check_dir(&dir, &["--strict"]);
    assert!(ok, "{out}");

    // Refused by the server but accepted by the spec: fails.
    let dir = temp_dir("expect-rejected-accepted");
    write(
        &dir,
        "spec_accepts.json",
        &refused(
            json!({"data_sharing": [{"share_type": "private", "module": {"id": "5843104000000002175"}}]}),
        ),
    );
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("expects the spec to reject it too (`/request/body/data_sharing/0/module`), but the spec accepts it"), "{out}");

    // Only a refused exchange can expect a rejection.
    let dir = temp_dir("expect-rejected-2xx");
    let mut accepted = ds_update(json!("5843104000000002175"));
    accepted["expect_request_rejected"] = json!("/request/body");
    write(&dir, "accepted.json", &accepted);
    let (ok, out) = check_dir(&dir, &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("the server accepted this request (status 200)"),
        "{out}"
    );
}
