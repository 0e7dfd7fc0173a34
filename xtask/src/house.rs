//! `cargo xtask house`: the house rules of `docs/architecture.md`, checked on the sources.
//!
//! For every crate of the workspace, the modules (one per `.rs` file; `src/bin` left out) and the
//! modules each names through `crate::…` or `super::…` make a graph. Comments, string literals and
//! the bodies of `#[cfg(test)]` modules are not read; a name the crate root re-exports
//! (`crate::AppCore`) counts as naming the module it comes from; a module naming its own parent or
//! child is structure, not an import. It fails when:
//! - modules import each other in a circle: file by file, by the first two levels of their path
//!   (`areas::gate`), or by top-level module (`store`, `areas`);
//! - in kadian-device, an import does not point down the layers (store < leaves < core < sync <
//!   areas; the leaves are `app_error`, `local_time`, `places`, `reference`, `session`), or one
//!   area names another (`areas::views` is what areas share).
//!
//! It reads imports, not calls: an area calling a method another area wrote on `AppCore` is not
//! seen. `KADIAN_HOUSE_ROOT=DIR` checks another checkout (an older commit, to compare).

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
    /// Every module, with the modules it names (resolved to the longest known module path; a
    /// name the crate root re-exports is resolved to the module it comes from).
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

/// The source without comments, string and char literals (emptied), and without the bodies of
/// `#[cfg(test)]` modules (from the attribute to the module's closing brace).
fn code_of(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !out.ends_with(is_ident) {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                match chars.get(j) {
                    None => break,
                    Some('"') if (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    _ => j += 1,
                }
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '"'), or a lifetime ('a) left as it is.
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    strip_test_modules(&out)
}

/// `code` without the `#[cfg(test)]` modules' bodies (brace-balanced; comments and strings are
/// already gone).
fn strip_test_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "#[cfg(test)]".len()..];
        let item = after.trim_start();
        let is_mod = item.starts_with("mod ") || item.starts_with("pub mod ");
        if !is_mod {
            out.push_str("#[cfg(test)]");
            rest = after;
            continue;
        }
        // `mod tests;` (a file of its own) or `mod tests { … }`.
        let semi = item.find(';');
        let brace = item.find('{');
        match (semi, brace) {
            (Some(s), b) if b.is_none_or(|b| s < b) => rest = &item[s + 1..],
            (_, Some(b)) => {
                let mut depth = 0;
                let mut end = item.len();
                for (i, ch) in item[b..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &item[end..];
            }
            _ => rest = "",
        }
    }
    out.push_str(rest);
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
                // `a::b as c`: the rename is not a path.
                let mut j = *i;
                while j < s.len() && s[j].is_whitespace() {
                    j += 1;
                }
                if s.get(j) == Some(&'a')
                    && s.get(j + 1) == Some(&'s')
                    && s.get(j + 2).is_some_and(|c| c.is_whitespace())
                {
                    j += 2;
                    while j < s.len() && (s[j].is_whitespace() || is_ident(s[j])) {
                        j += 1;
                    }
                    *i = j;
                }
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
    // What the crate root re-exports (`pub use store::{Store, …}`): `crate::Store` names the
    // module `store`, not the root.
    let mut reexports: BTreeMap<String, ModPath> = BTreeMap::new();
    if let Some((_, root_file)) = files.iter().find(|(m, _)| m.is_empty()) {
        let code = code_of(&std::fs::read_to_string(root_file)?);
        let mut from = 0;
        while let Some(pos) = code[from..].find("pub use ") {
            let at = from + pos + "pub use ".len();
            from = at;
            let rest = code[at..].trim_start_matches("crate::");
            for p in paths_after(rest) {
                if let (Some(first), Some(last)) = (p.first(), p.last()) {
                    if p.len() > 1 && known.contains(&vec![first.clone()]) {
                        reexports.insert(last.clone(), vec![first.clone()]);
                    }
                }
            }
        }
    }
    for (me, path) in &files {
        let code = code_of(&std::fs::read_to_string(path)?);
        let mut targets = BTreeSet::new();
        for mut p in named_paths(&code, me) {
            if let Some(m) = p.first().and_then(|n| reexports.get(n)) {
                if !known.contains(&vec![p[0].clone()]) {
                    let mut full = m.clone();
                    full.extend(p);
                    p = full;
                }
            }
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

/// The layer of a top-level module of kadian-device: an import points to a lower one.
fn device_rank(top: &str) -> Option<u8> {
    Some(match top {
        "store" => 0,
        "app_error" | "local_time" | "places" | "reference" | "session" => 1,
        "core" => 2,
        "sync" => 3,
        "areas" => 4,
        _ => return None,
    })
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
        for (m, ts) in &g.edges {
            let Some(mt) = m.first() else { continue };
            for t in ts {
                let Some(tt) = t.first() else { continue };
                if mt != tt {
                    match (device_rank(mt), device_rank(tt)) {
                        (Some(from), Some(to)) if to >= from => out.push(format!(
                            "{}: {} names {}: imports point down only (store < leaves < core < sync < areas, docs/architecture.md)",
                            g.name,
                            show(m),
                            show(t)
                        )),
                        (None, _) | (_, None) => out.push(format!(
                            "{}: {} or {} has no place in the layers of docs/architecture.md",
                            g.name,
                            show(m),
                            show(t)
                        )),
                        _ => {}
                    }
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

    #[test]
    fn renames_strings_raw_strings_and_a_test_module_in_the_middle_are_read_right() {
        let code = code_of(
            "use crate::a::{b as c, d::E};\nlet s = \"crate::x::Y\";\nlet r = r#\"crate::z\"#;\n\
             #[cfg(test)]\nmod tests {\n    use crate::t::T;\n    fn f() { if true { } }\n}\n\
             fn g() -> crate::after::A { todo!() }\nlet url = \"sqlite://x\"; let _ = crate::q::Q;\n",
        );
        let named: Vec<String> = named_paths(&code, &["m".to_owned()])
            .iter()
            .map(|p| p.join("::"))
            .collect();
        assert_eq!(named, ["a::b", "a::d::E", "after::A", "q::Q"], "{code}");
    }

    #[test]
    fn a_name_the_root_re_exports_counts_as_its_module() {
        let g = graph(
            "reexport",
            "kadian-device",
            &[
                (
                    "lib.rs",
                    "pub mod store;\npub mod core;\npub use crate::core::AppCore;\n",
                ),
                ("core.rs", "use crate::store::Store;\npub struct AppCore;\n"),
                ("store/mod.rs", "use crate::AppCore;\npub struct Store;\n"),
            ],
        );
        let p = problems(&g);
        assert!(p.iter().any(|m| m.contains("store names core")), "{p:?}");
    }

    #[test]
    fn a_leaf_that_names_the_sync_engine_points_up() {
        let g = graph(
            "up",
            "kadian-device",
            &[
                ("lib.rs", "pub mod sync;\npub mod local_time;\n"),
                ("sync.rs", "pub struct S;\n"),
                ("local_time.rs", "use crate::sync::S;\n"),
            ],
        );
        let p = problems(&g);
        assert!(
            p.iter().any(|m| m.contains("local_time names sync")),
            "{p:?}"
        );
    }
}
