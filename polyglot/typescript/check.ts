// Builds request bodies typed by the TypeScript types openapi-typescript generates from
// spec/zoho-crm-access.yaml (into target/polyglot/ts/schema.d.ts; `cargo xtask polyglot` generates
// them and runs `tsc --noEmit --strict -p polyglot/typescript`). The `@ts-expect-error` lines prove
// the types are precise: if a generated type degraded to `any` or lost a required key, tsc fails.
import type { components, paths } from "../../target/polyglot/ts/schema";

type Schemas = components["schemas"];
type JsonBody<T> = T extends { requestBody: { content: { "application/json": infer B } } } ? B : never;

// The bodies of the two create operations, taken from the paths (what a client actually sends).
type CreateLockingBody = JsonBody<paths["/settings/record_locking_configurations"]["post"]>;
type CreateSharingRuleBody = JsonBody<paths["/settings/data_sharing/rules"]["post"]>;

// A record locking configuration: Deals lock automatically once the Stage is Closed Won.
const closedWon: Schemas["CriteriaCondition"] = {
  comparator: "equal",
  field: { api_name: "Stage" },
  type: "value",
  value: "Closed Won",
};

const lockingRule: Schemas["LockingRuleInput"] = {
  name: "Closed won deals",
  lock_existing_records: true,
  criteria: closedWon,
};

export const createLocking: CreateLockingBody = {
  record_locking_configurations: [
    {
      lock_type: "automatic",
      locked_for: "all_profiles_except_excluded_profiles",
      lock_excluded_profiles: [{ id: "5843104000000026011" }],
      excluded_fields: [{ api_name: "Description" }],
      locking_rules: [lockingRule],
      restricted_actions: ["update", "delete", "change_owner"],
      restricted_communications: null,
      lock_for_portal_users: false,
    },
  ],
};

// A criteria-based sharing rule: Miami, Florida leads shared read/write with a group.
const miamiLeads: Schemas["Criteria"] = {
  group_operator: "AND",
  group: [
    { comparator: "equal", field: { api_name: "City" }, type: "value", value: "Miami" },
    { comparator: "equal", field: { api_name: "State" }, type: "value", value: "Florida" },
  ],
};

export const createSharingRule: CreateSharingRuleBody = {
  sharing_rules: [
    {
      name: "Miami leads",
      type: "Criteria_Based",
      superiors_allowed: false,
      permission_type: "read_write",
      shared_to: { type: "groups", resource: { id: "3602353000000601002" }, subordinates: false },
      shared_from: null,
      criteria: miamiLeads,
    },
    {
      name: "Leads of a role, shared with another role and its subordinates",
      type: "Record_Owner_Based",
      superiors_allowed: true,
      permission_type: "read",
      shared_to: { type: "roles", resource: { id: "3602353000000015966" }, subordinates: true },
      shared_from: { type: "roles", resource: { id: "3602353000000015969" }, subordinates: false },
    },
  ],
};

// The same bodies are reachable through the component names too.
const asComponent: Schemas["SharingRuleCreateRequest"] = createSharingRule;
const lockingAsComponent: Schemas["RecordLockingConfigurationCreateRequest"] = createLocking;

// What the types must reject.
// @ts-expect-error lock_type is required
const noLockType: Schemas["RecordLockingConfigurationInput"] = { locked_for: "all_profiles" };
// @ts-expect-error ids are strings, never numbers
const numericId: Schemas["NamedRef"] = { id: 5843104000000026011 };
// @ts-expect-error permission_type is one of read, read_write, read_write_delete
const badPermission: Schemas["PermissionType"] = "write";
// @ts-expect-error a sharing rule needs shared_to
const noSharedTo: Schemas["SharingRuleInput"] = {
  name: "x",
  type: "Criteria_Based",
  superiors_allowed: false,
  permission_type: "read",
};

export const rejected = [noLockType, numericId, badPermission, noSharedTo, asComponent, lockingAsComponent];

// The directory's answers, typed: the top role's parent is null, a group's member count is a
// number or counts by status, and a response from getUsers is a `Users` body.
type UsersAnswer = paths["/users"]["get"]["responses"]["200"]["content"]["application/json"];
const topRole: Schemas["Role"] = { id: "4413524000000991009", name: "CEO", reporting_to: null };
const counts: Schemas["SourcesCount"][] = [
  { users: 3, roles: 2 },
  { users: { active: 2, inactive: 0, deleted: 0 }, roles: 2 },
];
export const currentUser: UsersAnswer = {
  users: [{ id: "111133000000057662", email: "user@example.com", role: { id: "1", name: "CEO" } }],
};
// @ts-expect-error a role's id is a string
const numericRole: Schemas["Role"] = { id: 4413524000000991009, name: "CEO" };
// @ts-expect-error sources counts are numbers
const textCount: Schemas["SourcesCount"] = { users: "three" };

export const directory = [topRole, counts, numericRole, textCount];
