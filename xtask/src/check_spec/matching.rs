//! Finding the one operation a recorded request belongs to.
//!
//! The request path loses the servers' base path (`/crm/v8`), then is matched segment by segment
//! against the path templates. As OpenAPI requires, concrete paths win over templated ones: a
//! template whose first differing segment is literal beats one with a parameter there
//! (`/rules/search` before `/rules/{id}`). The method is then looked up on that path only.

use serde_json::Value;

/// HTTP methods an OpenAPI path item can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the spec.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// Upper-case method.
    pub method: String,
    /// The path template, e.g. `/settings/data_sharing/rules/{id}`.
    pub template: String,
    /// JSON pointer of the operation object in the spec.
    pub pointer: String,
    /// JSON pointer of its path item.
    pub item_pointer: String,
    /// Documented response statuses (`"200"`, `"4XX"`, `"default"`), in spec order.
    pub statuses: Vec<String>,
}

/// A path segment of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// The operations of a spec and the server base paths.
pub struct Router {
    /// Every operation, in spec order.
    pub operations: Vec<Operation>,
    /// Base paths of the servers (e.g. `/crm/v8`), longest first.
    pub base_paths: Vec<String>,
    templates: Vec<(String, Vec<Segment>)>,
}

/// Escapes one JSON pointer token.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A matching template, its path parameters and which of its segments are literal.
type Candidate<'a> = (&'a String, Vec<(String, String)>, Vec<bool>);

/// The outcome of matching a request.
pub enum Match<'a> {
    /// The operation and the path parameters' values.
    Found(&'a Operation, Vec<(String, String)>),
    /// Why nothing matched.
    NotFound(String),
}

impl Router {
    /// Reads the operations out of a spec.
    pub fn new(spec: &Value) -> Result<Router, String> {
        let mut base_paths: Vec<String> = spec
            .get("servers")
            .and_then(Value::as_array)
            .map(|servers| {
                servers
                    .iter()
                    .filter_map(|s| s.get("url").and_then(Value::as_str))
                    .map(server_base_path)
                    .collect()
            })
            .unwrap_or_default();
        base_paths.sort_by_key(|b| std::cmp::Reverse(b.len()));
        base_paths.dedup();
        if base_paths.is_empty() {
            base_paths.push(String::new());
        }
        let paths = spec
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("the spec has no `paths`")?;
        let mut operations = Vec::new();
        let mut templates = Vec::new();
        for (template, item) in paths {
            let item_pointer = format!("/paths/{}", escape(template));
            templates.push((template.clone(), parse_template(template)));
            for method in METHODS {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        format!("{} {template} has no operationId", method.to_uppercase())
                    })?;
                let statuses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|r| r.keys().cloned().collect())
                    .unwrap_or_default();
                operations.push(Operation {
                    id: id.to_owned(),
                    method: method.to_uppercase(),
                    template: template.clone(),
                    pointer: format!("{item_pointer}/{method}"),
                    item_pointer: item_pointer.clone(),
                    statuses,
                });
            }
        }
        Ok(Router {
            operations,
            base_paths,
            templates,
        })
    }

    /// Sorts the operations in the order the (order-preserving) YAML document lists them.
    pub fn order_like(&mut self, yaml: &serde_yaml::Value) {
        let mut order: Vec<(String, String)> = Vec::new();
        if let Some(paths) = yaml.get("paths").and_then(serde_yaml::Value::as_mapping) {
            for (template, item) in paths {
                let (Some(template), Some(item)) = (template.as_str(), item.as_mapping()) else {
                    continue;
                };
                for method in item.keys().filter_map(serde_yaml::Value::as_str) {
                    order.push((template.to_owned(), method.to_uppercase()));
                }
            }
        }
        self.operations.sort_by_key(|op| {
            order
                .iter()
                .position(|(t, m)| *t == op.template && *m == op.method)
                .unwrap_or(usize::MAX)
        });
    }

    /// Finds the operation for `method` and the wire `path`.
    pub fn find(&self, method: &str, path: &str) -> Match<'_> {
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let Some(rest) = self.base_paths.iter().find_map(|base| {
            path.strip_prefix(base.as_str())
                .filter(|r| r.is_empty() || r.starts_with('/'))
        }) else {
            return Match::NotFound(format!(
                "path `{path}` does not start with a server base path ({})",
                self.base_paths.join(", ")
            ));
        };
        let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        let mut best: Option<Candidate<'_>> = None;
        for (template, parts) in &self.templates {
            if parts.len() != segments.len() {
                continue;
            }
            let mut params = Vec::new();
            let mut literal = Vec::new();
            let mut ok = true;
            for (part, seg) in parts.iter().zip(&segments) {
                match part {
                    Segment::Literal(l) => {
                        ok &= l == seg;
                        literal.push(true);
                    }
                    Segment::Param(name) => {
                        ok &= !seg.is_empty();
                        params.push((name.clone(), percent_decode(seg)));
                        literal.push(false);
                    }
                }
                if !ok {
                    break;
                }
            }
            if !ok {
                continue;
            }
            // Literal segments win, from the left.
            if best.as_ref().is_none_or(|(_, _, l)| literal > *l) {
                best = Some((template, params, literal));
            }
        }
        let Some((template, params, _)) = best else {
            return Match::NotFound(format!(
                "no path of the spec matches `{rest}` (after the base path)"
            ));
        };
        match self
            .operations
            .iter()
            .find(|op| &op.template == template && op.method == method)
        {
            Some(op) => Match::Found(op, params),
            None => {
                let allowed: Vec<&str> = self
                    .operations
                    .iter()
                    .filter(|op| &op.template == template)
                    .map(|op| op.method.as_str())
                    .collect();
                Match::NotFound(format!(
                    "method {method} is not documented for `{template}` (documented: {})",
                    allowed.join(", ")
                ))
            }
        }
    }
}

fn server_base_path(url: &str) -> String {
    let without_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    let path = without_scheme
        .find('/')
        .map_or("", |i| &without_scheme[i..]);
    path.trim_end_matches('/').to_owned()
}

fn parse_template(template: &str) -> Vec<Segment> {
    template
        .trim_start_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') && s.len() > 2 {
                Segment::Param(s[1..s.len() - 1].to_owned())
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn router() -> Router {
        Router::new(&json!({
            "servers": [{"url": "https://x.example/crm/v8"}],
            "paths": {
                "/rules/{id}": {"get": {"operationId": "getRule"}, "put": {"operationId": "putRule"}},
                "/rules/search": {"post": {"operationId": "search"}},
            }
        }))
        .unwrap()
    }

    #[test]
    fn literal_beats_template() {
        let r = router();
        match r.find("POST", "/crm/v8/rules/search") {
            Match::Found(op, params) => {
                assert_eq!(op.id, "search");
                assert!(params.is_empty());
            }
            Match::NotFound(m) => panic!("{m}"),
        }
        match r.find("GET", "/crm/v8/rules/123") {
            Match::Found(op, params) => {
                assert_eq!(op.id, "getRule");
                assert_eq!(params, vec![("id".to_owned(), "123".to_owned())]);
            }
            Match::NotFound(m) => panic!("{m}"),
        }
        // GET on the literal path does not fall back to the template.
        assert!(matches!(
            r.find("GET", "/crm/v8/rules/search"),
            Match::NotFound(_)
        ));
        assert!(matches!(
            r.find("GET", "/crm/v7/rules/1"),
            Match::NotFound(_)
        ));
        assert!(matches!(
            r.find("DELETE", "/crm/v8/rules/1"),
            Match::NotFound(_)
        ));
    }
}
