"""Drive the simulator with the Python client generated from spec/zoho-crm-access.yaml.

Run by `cargo xtask polyglot`, which generates the client into target/polyglot/python (on
PYTHONPATH), starts the simulator and sets:

  ZOHO_API_BASE       the API base URL, e.g. http://127.0.0.1:PORT/crm/v8
  ZOHO_ACCESS_TOKEN   an access token the simulator accepts
  ZOHO_CONTROL_URL    the simulator's control surface, http://127.0.0.1:PORT/__simulator
  ZOHO_CONTROL_TOKEN  its bearer token

Every call goes through the generated client (request bodies built from its models, responses
parsed into its models); each step asserts what came back. One step reads the directory (roles,
a group by name, its member counts, a module's fields, the current user); the last drives a
fault over the control surface. Exits 1 on the first failed step.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from typing import Any, Callable

import httpx

from zoho_crm_access_client import AuthenticatedClient
from zoho_crm_access_client.api.data_sharing_rules import (
    create_sharing_rule,
    get_sharing_rule,
)
from zoho_crm_access_client.api.directory import (
    get_fields,
    get_roles,
    get_user_group_sources_count,
    get_user_groups,
    get_users,
)
from zoho_crm_access_client.api.organization_permissions import get_org_permissions
from zoho_crm_access_client.api.record_locking_configurations import (
    create_record_locking_configuration,
    get_record_locking_configurations,
)
from zoho_crm_access_client.models import (
    ActionResult,
    Comparator,
    CriteriaCondition,
    CriteriaGroup,
    CriteriaValueType,
    DataSharingSettings,
    FieldRef,
    Fields,
    Roles,
    SourcesUserCount,
    UserGroupInclude,
    UserGroups,
    UserGroupSourcesCounts,
    Users,
    UserType,
    GroupOperator,
    LockedFor,
    LockingRuleInput,
    LockType,
    PermissionType,
    RecordLockingActionResults,
    RecordLockingConfigurationCreateRequest,
    RecordLockingConfigurationInput,
    RecordLockingConfigurations,
    RestrictedAction,
    SharedFrom,
    SharedTo,
    SharedToType,
    ShareType,
    SharingRuleActionResults,
    SharingRuleCreateRequest,
    SharingRuleInput,
    SharingRules,
    SharingRuleStatus,
    SharingRuleType,
)
from zoho_crm_access_client.types import UNSET, Response

RULE_NAME = "Polyglot check: Miami leads"
LOCK_RULE_NAME = "Polyglot check: closed won"


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


def body_of(response: Response[Any], status: int, kind: type, step: str) -> Any:
    """The parsed body, after checking the status and the parsed type."""
    text = response.content.decode("utf-8", "replace")
    expect(
        response.status_code == status,
        f"{step}: expected HTTP {status}, got {int(response.status_code)}: {text[:400]}",
    )
    expect(
        isinstance(response.parsed, kind),
        f"{step}: expected a {kind.__name__}, parsed {type(response.parsed).__name__}: {text[:400]}",
    )
    return response.parsed


def single_success(results: list[ActionResult], step: str) -> str:
    """The id of the one successful action result."""
    expect(len(results) == 1, f"{step}: expected one action result, got {len(results)}")
    result = results[0]
    expect(
        result.code.value == "SUCCESS",
        f"{step}: code {result.code.value}, message {result.message!r}",
    )
    expect(result.status.value == "success", f"{step}: status {result.status.value}")
    new_id = result.details.id
    expect(
        isinstance(new_id, str) and new_id.isdigit(),
        f"{step}: details.id {new_id!r} is not a string id",
    )
    return new_id


def with_retry(call: Callable[[], Response[Any]], attempts: int = 3) -> Response[Any]:
    """What a client team writes around the generated client: retry a 429, waiting as long as
    `Retry-After` says (the generated client itself does not retry)."""
    for attempt in range(1, attempts + 1):
        response = call()
        if response.status_code != 429 or attempt == attempts:
            return response
        wait = float(response.headers.get("retry-after", "1"))
        print(f"    429 on attempt {attempt}; Retry-After {wait:g} s, retrying")
        time.sleep(wait)
    raise AssertionError("unreachable")


def control(method: str, path: str, body: Any = None) -> Any:
    """One call to the simulator's control surface (spec/simulator-control.yaml)."""
    response = httpx.request(
        method,
        os.environ["ZOHO_CONTROL_URL"] + path,
        headers={"Authorization": f"Bearer {os.environ['ZOHO_CONTROL_TOKEN']}"},
        json=body,
        timeout=30.0,
    )
    expect(
        response.status_code in (200, 201),
        f"control {method} {path}: HTTP {response.status_code}: {response.text[:300]}",
    )
    return response.json()


def retry_after_throttling(client: AuthenticatedClient) -> None:
    """Inject one 429 with Retry-After over HTTP, then show the retry succeed and what the
    simulator received."""
    step = "retry a 429 injected through the control surface"
    since = control("GET", "/requests?limit=1")["next_seq"] - 1
    rule = control(
        "POST",
        "/faults",
        {
            "match": {"operation": "getOrgPermissions"},
            "times": 1,
            "fault": {"type": "too_many_requests", "retry_after": 1},
        },
    )
    expect(rule["remaining"] == 1, f"{step}: rule {rule}")
    response = with_retry(lambda: get_org_permissions.sync_detailed(client=client))
    body_of(response, 200, DataSharingSettings, step)
    received = control("GET", f"/requests?since={since}")["requests"]
    calls = [r for r in received if r["operation"] == "getOrgPermissions"]
    statuses = [r["response"]["status"] for r in calls]
    expect(statuses == [429, 200], f"{step}: the simulator answered {statuses}")
    expect(
        calls[0]["fault"] == {"type": "too_many_requests", "retry_after": 1},
        f"{step}: fault {calls[0]['fault']}",
    )
    waited = calls[1]["received_ms"] - calls[0]["received_ms"]
    expect(waited >= 1000, f"{step}: retried after {waited} ms, before Retry-After")
    expect(control("GET", "/faults")["faults"] == [], f"{step}: the fault is used up")
    print(f"ok  {step}: 429 then 200, retried {waited} ms later")


def main() -> int:
    missing = [
        v
        for v in (
            "ZOHO_API_BASE",
            "ZOHO_ACCESS_TOKEN",
            "ZOHO_CONTROL_URL",
            "ZOHO_CONTROL_TOKEN",
        )
        if not os.environ.get(v)
    ]
    if missing:
        print(
            f"set {' and '.join(missing)} (cargo xtask polyglot does)", file=sys.stderr
        )
        return 2
    base = os.environ["ZOHO_API_BASE"]
    token = os.environ["ZOHO_ACCESS_TOKEN"]
    client = AuthenticatedClient(
        base_url=base, token=token, prefix="Zoho-oauthtoken", timeout=30.0
    )
    print(f"client: {type(client).__module__}.{type(client).__name__} -> {base}")

    # 1. Create a criteria-based sharing rule on Leads.
    step = "create sharing rule"
    criteria = CriteriaGroup(
        group_operator=GroupOperator.AND,
        group=[
            CriteriaCondition(
                comparator=Comparator.EQUAL,
                field=FieldRef(api_name="City"),
                type_=CriteriaValueType.VALUE,
                value="Miami",
            ),
            CriteriaCondition(
                comparator=Comparator.EQUAL,
                field=FieldRef(api_name="State"),
                type_=CriteriaValueType.VALUE,
                value="Florida",
            ),
        ],
    )
    new_rule = SharingRuleInput(
        name=RULE_NAME,
        superiors_allowed=False,
        type_=SharingRuleType.CRITERIA_BASED,
        shared_to=SharedTo(type_=SharedToType.ALL_USERS, subordinates=False),
        permission_type=PermissionType.READ_WRITE,
        criteria=criteria,
    )
    created = body_of(
        create_sharing_rule.sync_detailed(
            client=client,
            module="Leads",
            body=SharingRuleCreateRequest(sharing_rules=[new_rule]),
        ),
        201,
        SharingRuleActionResults,
        step,
    )
    rule_id = single_success(created.sharing_rules, step)
    print(f"ok  {step}: id {rule_id}")

    # 2. Read it back by id.
    step = "read sharing rule back"
    rules = body_of(
        get_sharing_rule.sync_detailed(rule_id, client=client, module="Leads"),
        200,
        SharingRules,
        step,
    )
    expect(
        len(rules.sharing_rules) == 1,
        f"{step}: expected one rule, got {len(rules.sharing_rules)}",
    )
    rule = rules.sharing_rules[0]
    expect(rule.id == rule_id, f"{step}: id {rule.id} != {rule_id}")
    expect(rule.name == RULE_NAME, f"{step}: name {rule.name!r}")
    expect(rule.type_ == SharingRuleType.CRITERIA_BASED, f"{step}: type {rule.type_}")
    expect(
        rule.permission_type == PermissionType.READ_WRITE,
        f"{step}: permission_type {rule.permission_type}",
    )
    expect(
        rule.superiors_allowed is False,
        f"{step}: superiors_allowed {rule.superiors_allowed}",
    )
    expect(
        rule.shared_to.type_ == SharedToType.ALL_USERS,
        f"{step}: shared_to.type {rule.shared_to.type_}",
    )
    # A criteria-based rule has no owner side: null on the wire or absent, never an object.
    expect(
        rule.shared_from is None or rule.shared_from is UNSET,
        f"{step}: shared_from {rule.shared_from}",
    )
    expect(
        isinstance(rule.criteria, CriteriaGroup), f"{step}: criteria {rule.criteria!r}"
    )
    expect(
        rule.criteria.group_operator == GroupOperator.AND,
        f"{step}: group_operator {rule.criteria.group_operator}",
    )
    got = sorted(
        (c.field.api_name, c.comparator.value, c.value)
        for c in rule.criteria.group
        if isinstance(c, CriteriaCondition)
    )
    want = [("City", "equal", "Miami"), ("State", "equal", "Florida")]
    expect(got == want, f"{step}: conditions {got} != {want}")
    expect(
        rule.module is not UNSET and rule.module.api_name == "Leads",
        f"{step}: module {rule.module}",
    )
    expect(rule.status == SharingRuleStatus.ACTIVE, f"{step}: status {rule.status}")
    print(
        f"ok  {step}: {rule.name!r}, {rule.type_.value}, {rule.permission_type.value}, status {rule.status.value}"
    )

    # 2b. Owner-based rules (seeded by the caller, ids in ZOHO_SEEDED_OWNER_RULES): `shared_from`
    # is an object and `criteria` is null, the other way round from the rule above.
    seeded = [i for i in os.environ.get("ZOHO_SEEDED_OWNER_RULES", "").split(",") if i]
    seeded_module = os.environ.get("ZOHO_SEEDED_MODULE", "Contacts")
    for seeded_id in seeded:
        step = f"read owner-based rule {seeded_id}"
        rules = body_of(
            get_sharing_rule.sync_detailed(
                seeded_id, client=client, module=seeded_module
            ),
            200,
            SharingRules,
            step,
        )
        expect(len(rules.sharing_rules) == 1, f"{step}: expected one rule")
        owner_rule = rules.sharing_rules[0]
        expect(owner_rule.id == seeded_id, f"{step}: id {owner_rule.id}")
        expect(
            owner_rule.type_ == SharingRuleType.RECORD_OWNER_BASED,
            f"{step}: type {owner_rule.type_}",
        )
        expect(
            isinstance(owner_rule.shared_from, SharedFrom),
            f"{step}: shared_from {owner_rule.shared_from!r}",
        )
        expect(
            owner_rule.shared_from.resource.id.isdigit(),
            f"{step}: shared_from.resource {owner_rule.shared_from.resource!r}",
        )
        expect(
            owner_rule.criteria is None or owner_rule.criteria is UNSET,
            f"{step}: criteria {owner_rule.criteria!r}",
        )
        print(
            f"ok  {step}: {owner_rule.name!r}, shared from {owner_rule.shared_from.type_.value} "
            f"{owner_rule.shared_from.resource.name!r}, criteria {owner_rule.criteria}"
        )
    if not seeded:
        print("--  no seeded owner-based rules given (ZOHO_SEEDED_OWNER_RULES)")

    # 3. Create a record locking configuration on Deals, then list the module's configurations.
    step = "create record locking configuration"
    config = RecordLockingConfigurationInput(
        lock_type=LockType.AUTOMATIC,
        locked_for=LockedFor.ALL_PROFILES,
        excluded_fields=[FieldRef(api_name="Description")],
        restricted_actions=[RestrictedAction.UPDATE, RestrictedAction.DELETE],
        locking_rules=[
            LockingRuleInput(
                name=LOCK_RULE_NAME,
                lock_existing_records=False,
                criteria=CriteriaCondition(
                    comparator=Comparator.EQUAL,
                    field=FieldRef(api_name="Stage"),
                    type_=CriteriaValueType.VALUE,
                    value="Closed Won",
                ),
            )
        ],
    )
    created = body_of(
        create_record_locking_configuration.sync_detailed(
            client=client,
            module="Deals",
            body=RecordLockingConfigurationCreateRequest(
                record_locking_configurations=[config]
            ),
        ),
        201,
        RecordLockingActionResults,
        step,
    )
    config_id = single_success(created.record_locking_configurations, step)
    print(f"ok  {step}: id {config_id}")

    step = "list record locking configurations"
    listed = body_of(
        get_record_locking_configurations.sync_detailed(client=client, module="Deals"),
        200,
        RecordLockingConfigurations,
        step,
    )
    configs = listed.record_locking_configurations
    expect(
        len(configs) == 1,
        f"{step}: expected Deals' one configuration, got {len(configs)}",
    )
    got_config = configs[0]
    expect(got_config.id == config_id, f"{step}: id {got_config.id} != {config_id}")
    expect(
        got_config.lock_type == LockType.AUTOMATIC,
        f"{step}: lock_type {got_config.lock_type}",
    )
    expect(
        got_config.locked_for == LockedFor.ALL_PROFILES,
        f"{step}: locked_for {got_config.locked_for}",
    )
    rule_names = [r.name for r in (got_config.locking_rules or [])]
    expect(rule_names == [LOCK_RULE_NAME], f"{step}: locking rules {rule_names}")
    excluded = [f.api_name for f in (got_config.excluded_fields or [])]
    expect(excluded == ["Description"], f"{step}: excluded_fields {excluded}")
    actions = sorted(a.value for a in (got_config.restricted_actions or []))
    expect(actions == ["delete", "update"], f"{step}: restricted_actions {actions}")
    print(
        f"ok  {step}: 1 configuration, {got_config.lock_type.value}, rules {rule_names}, "
        f"restricted {actions}, editable {excluded}"
    )

    # 4. Read the default organization permissions.
    step = "read org permissions"
    perms = body_of(
        get_org_permissions.sync_detailed(client=client), 200, DataSharingSettings, step
    )
    by_module = {p.module.api_name: p.share_type for p in perms.data_sharing}
    for module in ("Leads", "Deals", "Accounts"):
        expect(
            module in by_module, f"{step}: {module} missing from {sorted(by_module)}"
        )
        expect(
            isinstance(by_module[module], ShareType),
            f"{step}: {module} share_type {by_module[module]!r}",
        )
    shown = ", ".join(
        f"{m}={by_module[m].value}" for m in ("Leads", "Deals", "Accounts")
    )
    print(f"ok  {step}: {len(by_module)} modules ({shown}, ...)")

    # 5. Names to ids through the directory: the role hierarchy (a nullable parent), a group by
    # name with its member counts (`users` is a number there, counts by status from the count
    # call: the spec's oneOf), the field a criteria names, the user the token belongs to.
    step = "resolve names through the directory"
    roles = body_of(get_roles.sync_detailed(client=client), 200, Roles, step)
    parents = {
        r.name: (r.reporting_to.name if r.reporting_to else None) for r in roles.roles
    }
    expect(parents.get("CEO", "?") is None, f"{step}: CEO reports to {parents.get('CEO')}")
    expect(parents.get("Manager") == "CEO", f"{step}: Manager reports to {parents.get('Manager')}")
    groups = body_of(
        get_user_groups.sync_detailed(
            client=client, name="Miami Users", include=UserGroupInclude.SOURCES_COUNT
        ),
        200,
        UserGroups,
        step,
    )
    expect(len(groups.user_groups) == 1, f"{step}: {len(groups.user_groups)} groups named Miami Users")
    group = groups.user_groups[0]
    expect(
        isinstance(group.sources_count.users, int),
        f"{step}: sources_count.users {group.sources_count.users!r}",
    )
    counts = body_of(
        get_user_group_sources_count.sync_detailed(group.id, client=client),
        200,
        UserGroupSourcesCounts,
        step,
    )
    by_status = counts.sources_count[0].users
    expect(isinstance(by_status, SourcesUserCount), f"{step}: counts {by_status!r}")
    fields = body_of(
        get_fields.sync_detailed(client=client, module="Deals"), 200, Fields, step
    )
    stage = [f for f in fields.fields if f.api_name == "Stage"]
    expect(len(stage) == 1, f"{step}: Deals has {len(stage)} Stage fields")
    me = body_of(
        get_users.sync_detailed(client=client, type_=UserType.CURRENTUSER),
        200,
        Users,
        step,
    )
    expect(len(me.users) == 1 and me.users[0].email, f"{step}: current user {me.users!r}")
    print(
        f"ok  {step}: {len(roles.roles)} roles (Manager reports to {parents['Manager']}), "
        f"group Miami Users = {group.id} ({group.sources_count.users} users, "
        f"{by_status.active} active), Deals.Stage = {stage[0].id}, signed in as {me.users[0].email}"
    )

    # 6. Faults driven over HTTP, as any team's test suite can.
    retry_after_throttling(client)

    print("python client: all checks passed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # noqa: BLE001 - report any failure as a failed check
        traceback.print_exc()
        print("python client: FAILED", file=sys.stderr)
        sys.exit(1)
