//! No module cycle inside any crate (ARCHITECTURE.md, issue 16): leaf types
//! live in leaf modules, and a feature module (`app`, `screen`, `routes`) is
//! never imported by what it is built on. The graph is read from the
//! sources: an edge `a → b` for every `crate::b` in the files of the crate's
//! top-level module `a` (`src/a.rs` and `src/a/**`), and every `super::b` in
//! `src/a.rs` itself (whose parent is the crate root); comments left out.
//! The checker is itself tested on a small crate with a cycle
//! (`tests/module_cycle_fixture/`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every crate of the workspace with modules of its own.
const CRATES: &[&str] = &["protocol", "core", "server", "bindings", "cli", "testkit"];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate's top-level modules and their files. `lib.rs` and `main.rs`
/// are the crate root (its table of contents), `bin/` other crates.
fn modules(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "bin" {
                let files = modules.entry(name).or_insert_with(Vec::new);
                rust_files(&path, files);
            }
        } else if path.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main" {
            modules.entry(name).or_insert_with(Vec::new).push(path);
        }
    }
    modules
}

/// Line comments (docs included) left out: an intra-doc link is not a
/// dependency.
fn without_comments(code: &str) -> String {
    code.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first path segment of each `crate::…` in `code`, including each
/// member of a `crate::{a, b::c}` group.
fn crate_paths(code: &str) -> BTreeSet<String> {
    paths_after(code, "crate::")
}

/// The first segment after each `prefix` (`crate::` or `super::`) that is
/// not part of a longer name.
fn paths_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let code = without_comments(code);
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        // `suikang_crate::x` or `$crate::x` are not this crate's paths.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => return true,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    false
                })
                .map_or(group.len(), |(i, _)| i);
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group[..end].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(ident(&group[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            found.insert(ident(&group[start..end]));
        } else {
            found.insert(ident(rest));
        }
    }
    found.remove("");
    found
}

/// Module → the other modules of the same crate it names.
fn graph(src: &Path) -> Graph {
    let modules = modules(src);
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(name, files)| {
            let uses = files
                .iter()
                .flat_map(|f| {
                    let code = std::fs::read_to_string(f).unwrap();
                    let mut paths = crate_paths(&code);
                    // In `src/a.rs`, `super::` is the crate root.
                    if f.parent() == Some(src) {
                        paths.extend(paths_after(&code, "super::"));
                    }
                    paths
                })
                .filter(|m| m != name && names.contains(m))
                .collect();
            (name.clone(), uses)
        })
        .collect()
}

/// A cycle in `graph`, as the path that closes it (`a → b → a`), if any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| n == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

#[test]
fn no_crate_has_a_module_cycle() {
    let mut cycles = Vec::new();
    for krate in CRATES {
        let src = workspace().join(krate).join("src");
        let graph = graph(&src);
        assert!(
            !graph.is_empty(),
            "{krate}: no modules found in {}",
            src.display()
        );
        if let Some(cycle) = find_cycle(&graph) {
            cycles.push(format!("{krate}: {}", cycle.join(" → ")));
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_core_app_is_built_on_leaves_not_on_its_features() {
    // The renderer, the verifier and the screen are built on `app`; `app`
    // must not need them back (issue 16: app → print → screen → app).
    let graph = graph(&workspace().join("core/src"));
    let app = &graph["app"];
    for feature in ["screen", "verifier", "authority"] {
        assert!(!app.contains(feature), "app imports {feature}");
    }
    for leaf in ["qr", "display", "codes", "error"] {
        assert!(
            !graph[leaf].contains("app"),
            "{leaf} imports app: {:?}",
            graph[leaf]
        );
    }
}

#[test]
fn a_crate_with_a_cycle_fails_the_check() {
    // A tiny crate: `a → b` by `use crate::b`, `b → c` by a group,
    // `c → a` by `super::a` in a top-level file; `leaf` is used by all.
    let fixture = workspace().join("tests/module_cycle_fixture/src");
    let graph = graph(&fixture);
    assert_eq!(
        graph.keys().collect::<Vec<_>>(),
        ["a", "b", "c", "leaf"],
        "{graph:?}"
    );
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    // Without the one edge that closes it, the same crate passes.
    let mut broken = graph.clone();
    broken.get_mut("c").unwrap().remove("a");
    assert_eq!(find_cycle(&broken), None);
}

#[test]
fn the_reader_sees_every_form_of_a_crate_path_and_no_comment() {
    let code = "use crate::error::CoreError;\n\
                use crate::{qr::QrMatrix, display::{Rgba, capitalise}, http};\n\
                let x = crate::outbox::idempotency_key();\n\
                // crate::print is only mentioned\n\
                /// [`crate::screen`] in a doc\n\
                use suikang_crate::not_ours;\n";
    let found: Vec<String> = crate_paths(code).into_iter().collect();
    assert_eq!(found, ["display", "error", "http", "outbox", "qr"]);
}

#[test]
fn a_cycle_is_found_and_named() {
    let edges = |pairs: &[(&str, &str)]| -> Graph {
        let mut g = Graph::new();
        for (a, b) in pairs {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    assert_eq!(
        find_cycle(&edges(&[
            ("app", "print"),
            ("print", "screen"),
            ("screen", "app")
        ])),
        Some(vec![
            "app".into(),
            "print".into(),
            "screen".into(),
            "app".into()
        ])
    );
    assert_eq!(
        find_cycle(&edges(&[
            ("app", "qr"),
            ("screen", "app"),
            ("screen", "qr")
        ])),
        None
    );
}
