//! Administrative divisions (GB/T 2260 and below): place names and the place tree of the
//! travel declaration, read once from kadian-registers' embedded list.

use std::sync::OnceLock;

use kadian_registers::places::Divisions;
use serde::Serialize;
use ts_rs::TS;

/// One node of the place picker (province → city → district), as Vant's Cascader reads it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PlaceNode {
    /// Name (`广东省`).
    pub text: String,
    /// GB/T 2260 code (`44`, `4403`, `440305`).
    pub value: String,
    /// Cities of a province, districts of a city.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<PlaceNode>>,
}

/// The national division codes bundled with kadian-registers, parsed once.
pub fn divisions() -> &'static Divisions {
    static D: OnceLock<Divisions> = OnceLock::new();
    D.get_or_init(Divisions::bundled)
}

/// The full name of a place code (`440305` → `广东省深圳市南山区`); the code itself when unknown.
pub fn place_name(code: &str) -> String {
    divisions()
        .full_name(code)
        .unwrap_or_else(|| code.to_owned())
}

/// The place tree of the travel declaration: provinces, their cities, their districts.
pub fn place_tree() -> &'static [PlaceNode] {
    static T: OnceLock<Vec<PlaceNode>> = OnceLock::new();
    T.get_or_init(|| {
        let d = divisions();
        let node = |code: &str, depth: u8| -> Option<Vec<PlaceNode>> {
            fn walk(d: &Divisions, code: &str, depth: u8) -> Option<Vec<PlaceNode>> {
                if depth == 0 {
                    return None;
                }
                let kids: Vec<PlaceNode> = d
                    .children(code)
                    .map(|c| PlaceNode {
                        text: c.name.clone(),
                        value: c.code.clone(),
                        children: walk(d, &c.code, depth - 1),
                    })
                    .collect();
                Some(kids).filter(|k| !k.is_empty())
            }
            walk(d, code, depth)
        };
        node("", 3).unwrap_or_default()
    })
}
