//! `cargo xtask layers`: the library's modules must not import each other in a circle, and
//! the handle modules (the three families and the directory) must not import each other at
//! all (ARCHITECTURE.md, "Layers").
//!
//! The graph: one node per top-level module of `src/` (`src/foo.rs` or `src/foo/`; the
//! CLI and the simulator are packages of their own). An edge `a -> b` for every `crate::b...`
//! path in module `a`'s code, including `use crate::{b, c}` groups and names the crate root
//! re-exports (`crate::Client` is `client`). Comments (doc links included) and `#[cfg(test)]`
//! modules are not code the library depends on and are left out. The generated code is
//! produced here with the same generator the build runs, and its `crate::` paths count for
//! the module that includes it (`generated`, `generated_client`, `wire`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::ExitCode;

use crate::codegen;

/// Modules that each hold one handle (an API family, or the directory); they share code
/// through `handles` and `client`.
const FAMILIES: &[&str] = &[
    "record_locking",
    "record_locks",
    "sharing_rules",
    "org_permissions",
    "directory",
];

/// Options of `cargo xtask layers`.
#[derive(clap::Args)]
pub struct Args {
    /// Check another checkout of the crate (its `src/` and spec) instead of this one.
    #[arg(long)]
    root: Option<std::path::PathBuf>,
    /// Rewrite ARCHITECTURE.md's module graph (between its `layers:graph` markers) from the
    /// code instead of failing when they differ.
    #[arg(long)]
    write: bool,
}

/// ARCHITECTURE.md holds the module graph between these markers, as this command prints it.
const GRAPH_BEGIN: &str = "<!-- layers:graph (cargo xtask layers --write) -->";
const GRAPH_END: &str = "<!-- /layers:graph -->";
/// The heading of ARCHITECTURE.md's section that names every public item of the crate root.
const SURFACE_HEADING: &str = "### The public surface";

type Graph = BTreeMap<String, BTreeSet<String>>;

pub fn run(args: Args) -> Result<ExitCode, String> {
    let root = args.root.clone().unwrap_or_else(crate::workspace_root);
    let src = root.join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs"))
        .map_err(|e| format!("cannot read src/lib.rs: {e}"))?;
    let modules = top_level_modules(&src)?;
    let reexports = root_reexports(&strip_comments(&lib));
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();

    let mut files = Vec::new();
    collect_rs(&src, &mut files)?;
    for file in files {
        let rel = file.strip_prefix(&src).map_err(|e| e.to_string())?;
        let first = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default();
        if first == "bin" || first == "lib.rs" {
            continue;
        }
        let module = first.trim_end_matches(".rs").to_owned();
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        add_edges(&mut graph, &module, &code_of(&text), &modules, &reexports);
    }

    // The generated code, as the build generates it.
    let spec = root.join("spec/zoho-crm-access.yaml");
    let spec = std::fs::read_to_string(&spec).map_err(|e| format!("cannot read spec: {e}"))?;
    let generated = codegen::generate(&spec)?;
    // Which module includes which generated file (see build.rs).
    for (module, text) in [
        ("generated", &generated.types),
        ("generated", &generated.enums),
        ("generated_client", &generated.client),
        ("wire", &generated.wire_table),
    ] {
        add_edges(&mut graph, module, &code_of(text), &modules, &reexports);
    }

    println!("module -> modules it uses (crate:: paths, tests and comments left out)");
    let rendered = render(&graph);
    print!("{rendered}");

    let mut failed = false;
    let architecture_path = root.join("ARCHITECTURE.md");
    let architecture = std::fs::read_to_string(&architecture_path)
        .map_err(|e| format!("cannot read ARCHITECTURE.md: {e}"))?;
    match replace_graph(&architecture, &rendered) {
        Err(e) => {
            failed = true;
            println!("error: ARCHITECTURE.md: {e}");
        }
        Ok(updated) if updated != architecture => {
            if args.write {
                std::fs::write(&architecture_path, &updated)
                    .map_err(|e| format!("cannot write ARCHITECTURE.md: {e}"))?;
                println!("ARCHITECTURE.md: module graph rewritten from the code");
            } else {
                failed = true;
                println!(
                    "error: ARCHITECTURE.md's module graph differs from the code \
                     (`cargo xtask layers --write` rewrites it)"
                );
            }
        }
        Ok(_) => {}
    }
    for problem in map_and_surface_problems(&architecture, &modules, &lib) {
        failed = true;
        println!("error: ARCHITECTURE.md: {problem}");
    }
    for cycle in cycles(&graph) {
        failed = true;
        println!("error: import cycle among: {}", cycle.join(", "));
    }
    for a in FAMILIES {
        for b in FAMILIES {
            if a != b && graph.get(*a).is_some_and(|to| to.contains(*b)) {
                failed = true;
                println!("error: handle module {a} imports handle module {b}");
            }
        }
    }
    if failed {
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "ok: {} modules, no import cycle; the handle modules do not import each other; \
         ARCHITECTURE.md's graph, map and public surface match the code",
        graph.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The graph as ARCHITECTURE.md and this command show it: one line per module.
fn render(graph: &Graph) -> String {
    let mut out = String::new();
    for (from, to) in graph {
        let to: Vec<&str> = to.iter().map(String::as_str).collect();
        let to = if to.is_empty() {
            "nothing".to_owned()
        } else {
            to.join(", ")
        };
        out.push_str(&format!("  {from:<16} -> {to}\n"));
    }
    out
}

/// `architecture` with the fenced block between the graph markers replaced by `rendered`.
fn replace_graph(architecture: &str, rendered: &str) -> Result<String, String> {
    let begin = architecture
        .find(GRAPH_BEGIN)
        .ok_or_else(|| format!("no {GRAPH_BEGIN} marker"))?;
    let end = architecture[begin..]
        .find(GRAPH_END)
        .map(|i| begin + i)
        .ok_or_else(|| format!("no {GRAPH_END} marker after {GRAPH_BEGIN}"))?;
    Ok(format!(
        "{}{GRAPH_BEGIN}\n```\n{rendered}```\n{}",
        &architecture[..begin],
        &architecture[end..]
    ))
}

/// What ARCHITECTURE.md's map and public-surface section miss: a top-level module of `src/`
/// the map does not name (`src/NAME.rs` or `src/NAME/`), and a name the crate root makes
/// public (`pub use`, `pub mod`) that the public-surface section does not name in backticks,
/// or a map entry (a line starting `src/`) for a module that no longer exists.
fn map_and_surface_problems(
    architecture: &str,
    modules: &BTreeSet<String>,
    lib: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    for m in modules {
        if !architecture.contains(&format!("src/{m}.rs"))
            && !architecture.contains(&format!("src/{m}/"))
        {
            problems.push(format!(
                "the map does not name module {m} (src/{m}.rs or src/{m}/)"
            ));
        }
    }
    // The map's entries for the library start their line with `src/` (other packages'
    // entries are indented under their own folder).
    for line in architecture.lines() {
        let Some(word) = line
            .split_whitespace()
            .next()
            .filter(|_| line.starts_with("src/"))
        else {
            continue;
        };
        let Some(rest) = word.strip_prefix("src/") else {
            continue;
        };
        let name = rest.trim_end_matches('/').trim_end_matches(".rs");
        let top = !rest.trim_end_matches('/').contains('/');
        if top
            && !name.is_empty()
            && name != "lib"
            && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && !modules.contains(name)
        {
            problems.push(format!("the map names src/{rest}, which does not exist"));
        }
    }
    let surface = architecture
        .split_once(SURFACE_HEADING)
        .map(|(_, rest)| {
            rest.split("\n## ")
                .next()
                .unwrap_or(rest)
                .split("\n### ")
                .next()
                .unwrap_or(rest)
        })
        .unwrap_or("");
    if surface.is_empty() {
        problems.push(format!("no section {SURFACE_HEADING:?}"));
    }
    let code = strip_comments(lib);
    let mut public: BTreeSet<String> = root_reexports(&code).into_keys().collect();
    for stmt in code.lines() {
        if let Some(name) = stmt.trim().strip_prefix("pub mod ") {
            public.insert(name.trim_end_matches(';').trim().to_owned());
        }
    }
    for name in public {
        if !surface.contains(&format!("`{name}`")) {
            problems.push(format!(
                "the public surface does not name `{name}`, which the crate root makes public"
            ));
        }
    }
    problems
}

fn top_level_modules(src: &Path) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(src).map_err(|e| format!("cannot list src: {e}"))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() && name != "bin" {
            out.insert(name);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            if stem != "lib" {
                out.insert(stem.to_owned());
            }
        }
    }
    Ok(out)
}

fn collect_rs(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

/// The code of a file without comments and without its `#[cfg(test)]` module.
fn code_of(text: &str) -> String {
    let text = strip_comments(text);
    match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Removes `//` comments (doc comments too) and `/* */` blocks, keeping string literals.
fn strip_comments(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'/', Some(b'/')) => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            (b'/', Some(b'*')) => {
                let mut depth = 0;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            (b'"', _) => {
                // A string literal, copied whole (it may hold `//`).
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(bytes.len());
                out.push_str(&text[start..i]);
            }
            _ => {
                let c = text[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// What `pub use module::{A, B}` in the crate root maps each name to.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in lib.split(';') {
        let Some(path) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, rest)) = path.split_once("::") else {
            continue;
        };
        let names = rest.trim().trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',') {
            let name = name.split(" as ").last().unwrap_or(name).trim();
            if !name.is_empty() {
                out.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    out
}

fn add_edges(
    graph: &mut Graph,
    from: &str,
    code: &str,
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) {
    for first in crate_paths(code) {
        let target = if modules.contains(&first) {
            Some(first)
        } else {
            reexports.get(&first).cloned()
        };
        if let Some(target) = target {
            if target != from {
                graph.entry(from.to_owned()).or_default().insert(target);
            }
        }
    }
}

/// The first segment of every `crate::...` path, with `crate::{a, b::c}` groups expanded.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `my_crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut end = group.len();
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let mut depth = 0;
            let mut item = String::new();
            for c in group[..end].chars().chain(std::iter::once(',')) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(ident_prefix(item.trim()));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
        } else {
            out.push(ident_prefix(rest));
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn ident_prefix(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Strongly connected components with more than one module (Tarjan's algorithm).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(st: &mut State<'a>, v: &'a str) {
        st.index.insert(v, st.next);
        st.low.insert(v, st.next);
        st.next += 1;
        st.stack.push(v);
        st.on_stack.insert(v);
        let graph = st.graph;
        for w in graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !st.index.contains_key(w) {
                visit(st, w);
                let low = st.low[v].min(st.low[w]);
                st.low.insert(v, low);
            } else if st.on_stack.contains(w) {
                let low = st.low[v].min(st.index[w]);
                st.low.insert(v, low);
            }
        }
        if st.low[v] == st.index[v] {
            let mut component = Vec::new();
            while let Some(w) = st.stack.pop() {
                st.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                st.out.push(component);
            }
        }
    }
    let mut st = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !st.index.contains_key(v.as_str()) {
            visit(&mut st, v.as_str());
        }
    }
    st.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_groups_and_reexports() {
        let code = code_of(
            "use crate::{a, b::{X, Y}, Client};\n// crate::commented\nlet x = crate::c::f(\"crate::quoted\");\n#[cfg(test)]\nmod tests { use crate::d; }",
        );
        assert_eq!(crate_paths(&code), ["a", "b", "Client", "c", "quoted"]);
        let re = root_reexports("pub use client::{Client, ClientBuilder};\npub use error::Error;");
        assert_eq!(re["Client"], "client");
        assert_eq!(re["Error"], "error");
    }

    #[test]
    fn a_cycle_is_found() {
        let mut g = Graph::new();
        g.entry("a".into()).or_default().insert("b".into());
        g.entry("b".into()).or_default().insert("c".into());
        g.entry("c".into()).or_default().insert("a".into());
        g.entry("d".into()).or_default().insert("a".into());
        assert_eq!(cycles(&g), [vec!["a", "b", "c"]]);
        g.get_mut("c").unwrap().clear();
        assert!(cycles(&g).is_empty());
    }
}
