//! Builders for the two condition languages of these APIs.
//!
//! * [`field`] builds *criteria* ([`types::Criteria`]): which records a locking rule locks or
//!   a criteria-based sharing rule shares. Groups use upper-case `AND` / `OR`, and leaves
//!   carry `type: "value"`, as Zoho's own samples do.
//! * [`filter`] builds the *filters* of a sharing-rule search or summary search
//!   ([`types::SharingRuleFilters`]). Groups use lower-case `and` / `or`; the comparators are
//!   `equal`, `in` and `like`, and values are text (`"true"` for a boolean key).
//!
//! Chaining the same operator extends one flat group; mixing operators nests groups
//! left to right, so `a.or(b).and(c)` means `(a OR b) AND c`.
//!
//! ```
//! use zoho_crm_access::criteria::{field, filter};
//! use zoho_crm_access::types;
//!
//! let criteria: types::Criteria = field("Stage")
//!     .equal("Closed Won")
//!     .or(field("Stage").equal("Closed Lost"))
//!     .into();
//! assert_eq!(
//!     serde_json::to_value(&criteria).unwrap(),
//!     serde_json::json!({
//!         "group_operator": "OR",
//!         "group": [
//!             {"comparator": "equal", "field": {"api_name": "Stage"}, "type": "value", "value": "Closed Won"},
//!             {"comparator": "equal", "field": {"api_name": "Stage"}, "type": "value", "value": "Closed Lost"}
//!         ]
//!     })
//! );
//!
//! let filters: types::SharingRuleFilters = filter("name")
//!     .like("Partner")
//!     .and(filter("status").equal("active"))
//!     .into();
//! assert_eq!(filters.filters[0].group.len(), 2);
//! ```

use serde_json::Value;

use crate::generated::{enums, types};

/// Starts a criteria condition on the field with this API name (e.g. `Stage`, `Amount`).
pub fn field(api_name: impl Into<String>) -> Field {
    Field {
        api_name: api_name.into(),
    }
}

/// A field of a criteria condition; pick a comparator to get a [`Criterion`].
#[derive(Clone, Debug)]
pub struct Field {
    api_name: String,
}

impl Field {
    /// `field == value`.
    pub fn equal(self, value: impl Into<Value>) -> Criterion {
        self.compare(enums::CriteriaComparator::Equal, value)
    }

    /// Any comparator Zoho documents for criteria ([`enums::CriteriaComparator`], e.g.
    /// `greater_than`, or `between` with a two-item array); a value this crate does not know
    /// passes through verbatim.
    pub fn compare(
        self,
        comparator: impl Into<enums::CriteriaComparator>,
        value: impl Into<Value>,
    ) -> Criterion {
        Criterion(types::Criteria::Condition(types::CriteriaCondition {
            comparator: comparator.into(),
            field: types::FieldRef {
                api_name: Some(self.api_name),
                id: None,
            },
            type_: Some(enums::CriteriaValueType::Value),
            value: value.into(),
        }))
    }
}

/// A criteria condition or group under construction. Convert it into
/// [`types::Criteria`] with `.into()` or [`Criterion::build`].
#[derive(Clone, Debug, PartialEq)]
pub struct Criterion(types::Criteria);

impl Criterion {
    /// `self AND other`.
    pub fn and(self, other: impl Into<Criterion>) -> Criterion {
        self.join(enums::GroupOperator::And, other.into())
    }

    /// `self OR other`.
    pub fn or(self, other: impl Into<Criterion>) -> Criterion {
        self.join(enums::GroupOperator::Or, other.into())
    }

    /// The generated criteria value.
    pub fn build(self) -> types::Criteria {
        self.0
    }

    fn join(self, op: enums::GroupOperator, other: Criterion) -> Criterion {
        match self.0 {
            types::Criteria::Group(mut g) if g.group_operator == op => {
                g.group.push(other.0);
                Criterion(types::Criteria::Group(g))
            }
            first => Criterion(types::Criteria::Group(types::CriteriaGroup {
                group: vec![first, other.0],
                group_operator: op,
            })),
        }
    }
}

impl From<Criterion> for types::Criteria {
    fn from(c: Criterion) -> Self {
        c.0
    }
}

impl From<types::Criteria> for Criterion {
    fn from(c: types::Criteria) -> Self {
        Criterion(c)
    }
}

/// Starts a search filter on a sharing-rule key ([`enums::FilterFieldApiName`]): `name`
/// (like), `status`, `superiors_allowed`, `permission_type`, `shared_to.type`,
/// `shared_from.type` (equal), `shared_to.resource.id`, `shared_from.resource.id` (in).
pub fn filter(key: impl Into<String>) -> FilterKey {
    FilterKey { key: key.into() }
}

/// A key of a search filter; pick a comparator to get a [`SearchFilter`].
#[derive(Clone, Debug)]
pub struct FilterKey {
    key: String,
}

impl FilterKey {
    /// `key equal value`. Filter values are text: `"true"` / `"false"` for
    /// `superiors_allowed`.
    pub fn equal(self, value: impl Into<String>) -> SearchFilter {
        self.compare(enums::Comparator::Equal, value.into())
    }

    /// `key in [values]` (for resource ids).
    pub fn is_in<I, S>(self, values: I) -> SearchFilter
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        self.compare(enums::Comparator::In, values)
    }

    /// `key like value` (for `name`).
    pub fn like(self, value: impl Into<String>) -> SearchFilter {
        self.compare(enums::Comparator::Like, value.into())
    }

    /// Any comparator, verbatim, with a text value or a list of them.
    pub fn compare(
        self,
        comparator: impl Into<enums::Comparator>,
        value: impl Into<types::FilterValue>,
    ) -> SearchFilter {
        SearchFilter(types::Filter::Condition(types::FilterCondition {
            comparator: comparator.into(),
            field: types::FilterField {
                api_name: self.key.into(),
            },
            value: value.into(),
        }))
    }
}

/// A search filter under construction. Convert it into [`types::SharingRuleFilters`] (the
/// request body) with `.into()` or [`SearchFilter::build`].
#[derive(Clone, Debug, PartialEq)]
pub struct SearchFilter(types::Filter);

impl SearchFilter {
    /// `self and other`.
    pub fn and(self, other: impl Into<SearchFilter>) -> SearchFilter {
        self.join(enums::FilterGroupOperator::And, other.into())
    }

    /// `self or other`.
    pub fn or(self, other: impl Into<SearchFilter>) -> SearchFilter {
        self.join(enums::FilterGroupOperator::Or, other.into())
    }

    /// The request body: one top-level group holding this filter.
    pub fn build(self) -> types::SharingRuleFilters {
        let group = match self.0 {
            types::Filter::Group(g) => g,
            cond => types::FilterGroup {
                group: vec![cond],
                group_operator: None,
            },
        };
        types::SharingRuleFilters { filters: [group] }
    }

    fn join(self, op: enums::FilterGroupOperator, other: SearchFilter) -> SearchFilter {
        match self.0 {
            types::Filter::Group(mut g) if g.group_operator.as_ref() == Some(&op) => {
                g.group.push(other.0);
                SearchFilter(types::Filter::Group(g))
            }
            first => SearchFilter(types::Filter::Group(types::FilterGroup {
                group: vec![first, other.0],
                group_operator: Some(op),
            })),
        }
    }
}

impl From<String> for types::FilterValue {
    fn from(value: String) -> Self {
        types::FilterValue::String(value)
    }
}

impl From<&str> for types::FilterValue {
    fn from(value: &str) -> Self {
        types::FilterValue::String(value.to_owned())
    }
}

impl From<SearchFilter> for types::SharingRuleFilters {
    fn from(f: SearchFilter) -> Self {
        f.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_operator_flattens_and_mixed_nests() {
        let c: types::Criteria = field("A")
            .equal("1")
            .and(field("B").equal("2"))
            .and(field("C").equal("3"))
            .or(field("D").equal("4"))
            .into();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["group_operator"], "OR");
        assert_eq!(v["group"][0]["group_operator"], "AND");
        assert_eq!(v["group"][0]["group"].as_array().unwrap().len(), 3);
        assert_eq!(v["group"][1]["field"]["api_name"], "D");
    }

    #[test]
    fn search_filters_flatten_one_operator_and_nest_a_change_of_operator() {
        let flat: types::SharingRuleFilters = filter("name")
            .like("a")
            .and(filter("status").equal("active"))
            .and(filter("type").equal("criteria"))
            .into();
        let v = serde_json::to_value(&flat).unwrap();
        assert_eq!(v["filters"][0]["group_operator"], "and");
        assert_eq!(v["filters"][0]["group"].as_array().unwrap().len(), 3);

        let mixed: types::SharingRuleFilters = filter("name")
            .like("a")
            .and(filter("status").equal("active"))
            .or(filter("type").equal("criteria"))
            .into();
        let v = serde_json::to_value(&mixed).unwrap();
        assert_eq!(v["filters"][0]["group_operator"], "or");
        let outer = v["filters"][0]["group"].as_array().unwrap();
        assert_eq!(outer.len(), 2);
        assert_eq!(outer[0]["group_operator"], "and");
        assert_eq!(outer[0]["group"].as_array().unwrap().len(), 2);
        assert_eq!(outer[1]["field"]["api_name"], "type");
    }

    #[test]
    fn filters_use_lower_case_and_arrays_for_in() {
        let f: types::SharingRuleFilters = filter("shared_to.resource.id")
            .is_in(["1", "2"])
            .or(filter("name").like("x"))
            .into();
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            json!({"filters": [{"group_operator": "or", "group": [
                {"comparator": "in", "field": {"api_name": "shared_to.resource.id"}, "value": ["1", "2"]},
                {"comparator": "like", "field": {"api_name": "name"}, "value": "x"}
            ]}]})
        );
        let single: types::SharingRuleFilters = filter("status").equal("active").into();
        assert_eq!(
            serde_json::to_value(&single).unwrap(),
            json!({"filters": [{"group": [
                {"comparator": "equal", "field": {"api_name": "status"}, "value": "active"}
            ]}]})
        );
    }
}
