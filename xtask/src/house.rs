//! `cargo xtask house`: the house rules of `docs/architecture.md`, checked on the sources.
//!
//! For every crate of the workspace, the modules (one per `.rs` file; `#[cfg(test)]` modules
//! and `src/bin` left out) and the modules each names through `crate::…` or `super::…` (a
//! `use` or a path in code; comments are not read) make a graph. It fails when:
//! - modules import each other in a circle, file by file or folder by folder (`store` and
//!   `areas` are one node each at the second level); a module naming its own parent or child is
//!   structure, not an import;
//! - in kadian-device, anything under `store/` names something outside `store` (the store never
//!   looks up), anything under `store/` or `sync/` names `areas`, or one area names another
//!   (`areas::views` is what areas share).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Result;

/// A module path inside its crate: `[]` is the crate root, `["store", "persons"]` a file.
type ModPath = Vec<String>;

/// One crate's modules and what each names.
#[derive(Debug, Default)]
pub struct CrateGraph {
    /// Crate folder, for messages.
    pub name: String,
    /// Every module, with the modules it names (resolved to the longest known module path).
    pub edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

fn show(m: &[String]) -> String {
    if m.is_empty() {
        "crate".to_owned()
    } else {
        m.join("::")
    }
}

/// The module path of a source file below `src/`, or `None` for files that are not modules
/// of the library or binary (bins under `src/bin`).
fn module_of(rel: &Path) -> Option<ModPath> {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.first().map(String::as_str) == Some("bin") {
        return None;
    }
    let (last, dirs) = parts.split_last()?;
    let mut path: ModPath = dirs.to_vec();
    let stem = last.strip_suffix(".rs")?;
    if !matches!(stem, "mod" | "lib" | "main") || !dirs.is_empty() && stem != "mod" {
        path.push(stem.to_owned());
    }
    Some(path)
}

/// The source without comments and without `#[cfg(test)]` modules (cut from the attribute to
/// the end of the file: test modules come last, by the house style).
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]")
            && lines.peek().is_some_and(|n| {
                n.trim_start().starts_with("mod ") || n.trim_start().starts_with("pub mod ")
            })
        {
            break;
        }
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Parses the paths after a `crate::` or `super::` prefix at `rest`: `a::b::C`, or a group
/// `{a::b, c::{d, e}}`. Returns each path's segments (relative to the prefix).
fn paths_after(rest: &str) -> Vec<Vec<String>> {
    fn parse(s: &[char], i: &mut usize, base: &[String], out: &mut Vec<Vec<String>>) {
        let mut segs: Vec<String> = base.to_vec();
        loop {
            while *i < s.len() && s[*i].is_whitespace() {
                *i += 1;
            }
            if *i < s.len() && s[*i] == '{' {
                *i += 1;
                loop {
                    parse(s, i, &segs, out);
                    while *i < s.len() && s[*i].is_whitespace() {
                        *i += 1;
                    }
                    match s.get(*i) {
                        Some(',') => *i += 1,
                        Some('}') => {
                            *i += 1;
                            return;
                        }
                        _ => return,
                    }
                    while *i < s.len() && s[*i].is_whitespace() {
                        *i += 1;
                    }
                    if s.get(*i) == Some(&'}') {
                        *i += 1;
                        return;
                    }
                }
            }
            let start = *i;
            while *i < s.len() && is_ident(s[*i]) {
                *i += 1;
            }
            if *i == start {
                break;
            }
            segs.push(s[start..*i].iter().collect());
            if s.get(*i) == Some(&':') && s.get(*i + 1) == Some(&':') {
                *i += 2;
            } else {
                break;
            }
        }
        if segs.len() > base.len() {
            out.push(segs);
        }
    }
    let s: Vec<char> = rest.chars().take(4000).collect();
    let mut out = Vec::new();
    let mut i = 0;
    parse(&s, &mut i, &[], &mut out);
    out
}

/// Every module path named in `code` (a file of module `me`), absolute, unresolved.
fn named_paths(code: &str, me: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for (prefix, is_super) in [("crate::", false), ("super::", true)] {
        let mut from = 0;
        while let Some(pos) = code[from..].find(prefix) {
            let at = from + pos;
            from = at + prefix.len();
            // A whole word: not `my_crate::` or `self.super::`.
            if at > 0 && (is_ident(bytes[at - 1] as char) || bytes[at - 1] == b':') {
                continue;
            }
            let mut rest = &code[from..];
            let mut base: Vec<String> = Vec::new();
            if is_super {
                // `super` of a file `a/b.rs` is `a`; of `a/b/mod.rs` (module a::b) also `a`.
                base = me[..me.len().saturating_sub(1)].to_vec();
                while let Some(r) = rest.strip_prefix("super::") {
                    base.pop();
                    rest = r;
                }
            }
            for p in paths_after(rest) {
                let mut abs = base.clone();
                abs.extend(p);
                out.push(abs);
            }
        }
    }
    out
}

/// Reads one crate's `src/` into its graph.
pub fn crate_graph(crate_dir: &Path) -> Result<CrateGraph> {
    let src = crate_dir.join("src");
    let mut files: Vec<(ModPath, PathBuf)> = Vec::new();
    let has_lib = src.join("lib.rs").exists();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(&src)?.to_owned();
                if has_lib && rel == Path::new("main.rs") {
                    continue; // the binary uses the library by its name, not `crate::`
                }
                if let Some(m) = module_of(&rel) {
                    files.push((m, path));
                }
            }
        }
    }
    let known: BTreeSet<ModPath> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph = CrateGraph {
        name: crate_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        ..Default::default()
    };
    for (me, path) in &files {
        let code = code_of(&std::fs::read_to_string(path)?);
        let mut targets = BTreeSet::new();
        for p in named_paths(&code, me) {
            let t = (0..=p.len())
                .rev()
                .map(|n| p[..n].to_vec())
                .find(|prefix| known.contains(prefix))
                .unwrap_or_default();
            targets.insert(t);
        }
        graph.edges.insert(me.clone(), targets);
    }
    Ok(graph)
}

fn is_prefix(a: &[String], b: &[String]) -> bool {
    a.len() <= b.len() && b[..a.len()] == *a
}

/// A circle in `edges` (from, to), if any, as the path that closes it.
fn find_circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_owned(), 1);
        path.push(n.to_owned());
        for t in edges.get(n).into_iter().flatten() {
            match state.get(t.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == t).unwrap_or(0);
                    let mut circle = path[start..].to_vec();
                    circle.push(t.clone());
                    return Some(circle);
                }
                0 => {
                    if let Some(c) = visit(t, edges, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, edges, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// The house rules broken in one crate, as messages.
pub fn problems(g: &CrateGraph) -> Vec<String> {
    let mut out = Vec::new();
    // Imports between modules that are not parent and child.
    let imports: Vec<(&ModPath, &ModPath)> = g
        .edges
        .iter()
        .flat_map(|(m, ts)| ts.iter().map(move |t| (m, t)))
        .filter(|(m, t)| !is_prefix(t, m) && !is_prefix(m, t))
        .collect();
    for depth in [usize::MAX, 2, 1] {
        let node = |m: &ModPath| show(&m[..m.len().min(depth)]);
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (m, t) in &imports {
            let (a, b) = (node(m), node(t));
            if a != b && a != "crate" && b != "crate" {
                edges.entry(a).or_default().insert(b);
            }
        }
        if let Some(c) = find_circle(&edges) {
            let level = match depth {
                1 => "top-level modules",
                2 => "modules (two levels)",
                _ => "files",
            };
            out.push(format!(
                "{}: {level} import each other in a circle: {}",
                g.name,
                c.join(" -> ")
            ));
        }
    }
    if g.name == "kadian-device" {
        let top = |m: &ModPath| m.first().cloned().unwrap_or_default();
        for (m, ts) in &g.edges {
            for t in ts {
                let (mt, tt) = (top(m), top(t));
                if mt == "store" && !t.is_empty() && tt != "store" {
                    out.push(format!(
                        "{}: {} names {}: the store never looks up",
                        g.name,
                        show(m),
                        show(t)
                    ));
                }
                if (mt == "store" || mt == "sync") && tt == "areas" {
                    out.push(format!(
                        "{}: {} names {}: store/ and sync/ sit below the areas",
                        g.name,
                        show(m),
                        show(t)
                    ));
                }
                if mt == "areas" && tt == "areas" && m.len() > 1 && t.len() > 1 {
                    let (a, b) = (&m[1], &t[1]);
                    if a != b && b != "views" {
                        out.push(format!(
                            "{}: {} names {}: an area never imports another (share through areas::views)",
                            g.name,
                            show(m),
                            show(t)
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Checks every crate of the workspace under `root`; `Err` lists every problem.
pub fn check(root: &Path) -> Result<()> {
    let root =
        &std::env::var_os("KADIAN_HOUSE_ROOT").map_or_else(|| root.to_owned(), PathBuf::from);
    let mut dirs: Vec<PathBuf> = vec![
        root.join("src-tauri"),
        root.join("xtask"),
        root.join("tests"),
    ];
    for entry in std::fs::read_dir(root.join("crates"))? {
        dirs.push(entry?.path());
    }
    let mut all = Vec::new();
    let mut modules = 0;
    for d in dirs.iter().filter(|d| d.join("src").is_dir()) {
        let g = crate_graph(d)?;
        modules += g.edges.len();
        all.extend(problems(&g));
    }
    if all.is_empty() {
        println!(
            "xtask house: {modules} modules in {} crates, no circle, layers kept",
            dirs.len()
        );
        Ok(())
    } else {
        anyhow::bail!("the house rules are broken:\n  {}", all.join("\n  "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The graph of a crate folder `name` holding `files`, written to a folder of this test
    /// (`case`) alone: the tests run in parallel.
    fn graph(case: &str, name: &str, files: &[(&str, &str)]) -> CrateGraph {
        let dir = std::env::temp_dir().join(format!("xtask-house-{}-{case}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let p = dir.join(name).join("src").join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        let g = crate_graph(&dir.join(name)).expect("graph");
        let _ = std::fs::remove_dir_all(&dir);
        g
    }

    #[test]
    fn grouped_and_nested_paths_are_all_read() {
        let ps = paths_after("{a::b, c::{d, e::F}, g}; more");
        let show: Vec<String> = ps.iter().map(|p| p.join("::")).collect();
        assert_eq!(show, ["a::b", "c::d", "c::e::F", "g"]);
    }

    #[test]
    fn two_files_that_import_each_other_are_a_circle() {
        let g = graph(
            "circle",
            "k",
            &[
                ("lib.rs", "pub mod a;\npub mod b;\n"),
                ("a.rs", "use crate::b::B;\npub struct A;\n"),
                ("b.rs", "pub struct B;\nfn f() { let _ = crate::a::A; }\n"),
            ],
        );
        let p = problems(&g);
        assert!(
            p.iter()
                .any(|m| m.contains("a -> b -> a") || m.contains("b -> a -> b")),
            "{p:?}"
        );
    }

    #[test]
    fn parent_and_child_tests_and_comments_are_not_imports() {
        let g = graph(
            "structure",
            "k",
            &[
                ("lib.rs", "pub mod store;\npub mod a;\n"),
                ("store/mod.rs", "mod rows;\npub use rows::Row;\npub struct Store;\n"),
                ("store/rows.rs", "use super::Store;\npub struct Row;\n"),
                ("a.rs", "use crate::store::Store;\n/// see [`crate::a`]\n#[cfg(test)]\nmod tests {\n use crate::store::rows;\n}\n"),
            ],
        );
        assert!(problems(&g).is_empty(), "{:?}", problems(&g));
    }

    #[test]
    fn a_store_that_looks_up_and_areas_that_import_each_other_are_refused() {
        let g = graph(
            "layers",
            "kadian-device",
            &[
                ("lib.rs", "pub mod store;\npub mod areas;\npub mod core;\n"),
                ("core.rs", "pub struct AppCore;\n"),
                ("store/mod.rs", "use crate::core::AppCore;\n"),
                (
                    "areas/mod.rs",
                    "pub mod gate;\npub mod review;\npub mod views;\n",
                ),
                ("areas/views.rs", "pub struct V;\n"),
                (
                    "areas/gate.rs",
                    "use super::views::V;\nuse super::review::R;\n",
                ),
                ("areas/review.rs", "pub struct R;\n"),
            ],
        );
        let p = problems(&g);
        assert!(p.iter().any(|m| m.contains("store names core")), "{p:?}");
        assert!(
            p.iter()
                .any(|m| m.contains("areas::gate names areas::review")),
            "{p:?}"
        );
        assert!(!p.iter().any(|m| m.contains("names areas::views")), "{p:?}");
    }
}
