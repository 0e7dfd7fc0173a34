//! `kadian-server report supplies`: the stock of every holder of the street (its store, each
//! community, each checkpoint) per item, counted now from the movements (`kadian_domain::
//! supplies::stock`, as a laptop counts it): on hand, the last 7 days' use, days of cover, in
//! transit, out or low; the dispatches awaiting receipt and the differences receivers found.

use chrono::{DateTime, Utc};
use kadian_domain::records::{Holder, StockMovement};
use kadian_domain::supplies::{stock, Transfer};
use serde::Serialize;

use crate::db::Database;

/// One holder's stock of one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockLine {
    /// The holder.
    pub holder: Holder,
    /// Its name (街道仓库, 八一社区, 八一新苑 东门).
    pub holder_name: String,
    /// The item's code.
    pub item: String,
    /// Its name.
    pub item_name: String,
    /// Its base unit.
    pub unit: String,
    /// On hand, base units (negative: two dispatches took the same stock).
    pub on_hand: i64,
    /// Used in the last 7 days.
    pub used_7d: i64,
    /// Days of cover, none without use.
    pub days_of_cover: Option<f64>,
    /// Sent to it, not yet confirmed.
    pub incoming: i64,
    /// Out, or less than 3 days of cover.
    pub short: bool,
}

/// `report supplies`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuppliesOverview {
    /// When it was counted (UTC).
    pub at: DateTime<Utc>,
    /// Every holder's stock of every item it has moved.
    pub stock: Vec<StockLine>,
    /// Dispatches awaiting receipt.
    pub awaiting: Vec<Transfer>,
    /// Dispatches whose receiver found another quantity.
    pub discrepancies: Vec<Transfer>,
    /// Stored bodies that no longer read (counted, not read).
    pub unreadable: usize,
}

fn holder_name(h: &Holder, reference: &crate::rules::Reference) -> String {
    match h {
        Holder::Street => "街道仓库".to_owned(),
        Holder::Community { code } => reference
            .communities
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.clone()),
        Holder::Checkpoint { id } => match reference.checkpoints.get(id) {
            Some((compound, name)) => {
                let compound = reference
                    .compounds
                    .get(compound)
                    .map(|(_, n)| n.as_str())
                    .unwrap_or("");
                format!("{compound} {name}").trim().to_owned()
            }
            None => id.clone(),
        },
    }
}

/// Every movement the server holds, and the bodies that no longer read.
pub async fn movements(db: &dyn Database) -> anyhow::Result<(Vec<StockMovement>, usize)> {
    let rows = db.clocked_records(&["stock_movement"]).await?;
    let mut movements: Vec<StockMovement> = Vec::new();
    let mut unreadable = 0;
    for r in rows {
        match serde_json::from_str::<StockMovement>(&r.body) {
            Ok(m) => movements.push(m),
            Err(_) => unreadable += 1,
        }
    }
    Ok((movements, unreadable))
}

/// Counts the street's stock at `now`.
pub async fn supplies(db: &dyn Database, now: DateTime<Utc>) -> anyhow::Result<SuppliesOverview> {
    let reference = db.reference().await?;
    let (movements, unreadable) = movements(db).await?;
    let s = stock(&movements, now);
    Ok(SuppliesOverview {
        at: now,
        stock: s
            .balances
            .iter()
            .map(|((h, code), b)| {
                let items = &reference.supply_items;
                StockLine {
                    holder: h.clone(),
                    holder_name: holder_name(h, &reference),
                    item: code.clone(),
                    item_name: items.name(code).to_owned(),
                    unit: items.unit(code).to_owned(),
                    on_hand: b.on_hand,
                    used_7d: b.used_7d,
                    days_of_cover: b.days_of_cover(),
                    incoming: b.incoming,
                    short: b.short(),
                }
            })
            .collect(),
        awaiting: s.awaiting_receipt().cloned().collect(),
        discrepancies: s.discrepancies().cloned().collect(),
        unreadable,
    })
}

/// The overview as text: one line per holder and item, then what waits and what differs.
pub fn supplies_text(o: &SuppliesOverview) -> String {
    let mut out = vec!["物资库存（现有 · 近7天用量 · 可用天数 · 在途）".to_owned()];
    for l in &o.stock {
        out.push(format!(
            "{} {}: 现有 {}{} · 近7天用量 {} · 可用 {} · 在途 {}{}",
            l.holder_name,
            l.item_name,
            l.on_hand,
            l.unit,
            l.used_7d,
            l.days_of_cover
                .map_or_else(|| "—".to_owned(), |d| format!("{d:.1} 天")),
            l.incoming,
            if l.short {
                " ⚠ 缺货或不足3天"
            } else {
                ""
            }
        ));
    }
    if !o.awaiting.is_empty() {
        out.push(format!("待签收调拨 {} 批", o.awaiting.len()));
    }
    for t in &o.discrepancies {
        out.push(format!(
            "调拨差异：{} 发出 {}，实收 {}（差 {}）",
            t.item,
            t.sent,
            t.received.unwrap_or_default(),
            t.difference().unwrap_or_default()
        ));
    }
    if o.unreadable > 0 {
        out.push(format!("{} 条记录无法读取，未计入", o.unreadable));
    }
    out.join("\n")
}

/// One line of `report donations`: a donation's line as the 捐赠公示表 shows it, with names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DonationLineOut {
    /// The line ([`kadian_domain::supplies::public_donations`]).
    #[serde(flatten)]
    pub line: kadian_domain::supplies::PublicDonationLine,
    /// Where it was received, named (街道仓库, 八一社区); empty when not said.
    pub destination_name: String,
    /// Where it went on from there, named, with the base units sent (八一新苑 东门 300).
    pub onward_names: Vec<(String, i64)>,
}

/// `report donations`'s answer: the 捐赠公示表's lines and their totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DonationsOverview {
    /// Donations the server holds.
    pub donations: usize,
    /// Every line, by date.
    pub lines: Vec<DonationLineOut>,
    /// Base units received per item code (lines with a base quantity).
    pub totals: std::collections::BTreeMap<String, i64>,
    /// Stored bodies that no longer read (counted, not read).
    pub unreadable: usize,
    /// The street's items, to name the totals.
    #[serde(skip)]
    pub items: kadian_domain::records::SupplyItems,
}

/// The street's donations and where they went, as the 捐赠公示表 lists them.
pub async fn donations(db: &dyn Database) -> anyhow::Result<DonationsOverview> {
    let reference = db.reference().await?;
    let (movements, mut unreadable) = movements(db).await?;
    let mut donations = Vec::new();
    for r in db.clocked_records(&["donation"]).await? {
        match serde_json::from_str::<kadian_domain::records::Donation>(&r.body) {
            Ok(d) => donations.push(d),
            Err(_) => unreadable += 1,
        }
    }
    let lines: Vec<DonationLineOut> =
        kadian_domain::supplies::public_donations(&donations, &movements)
            .into_iter()
            .map(|line| DonationLineOut {
                destination_name: line
                    .destination
                    .as_ref()
                    .map(|h| holder_name(h, &reference))
                    .unwrap_or_default(),
                onward_names: line
                    .onward
                    .iter()
                    .map(|(h, q)| (holder_name(h, &reference), *q))
                    .collect(),
                line,
            })
            .collect();
    let mut totals = std::collections::BTreeMap::new();
    for l in &lines {
        if let Some(q) = l.line.base_quantity {
            *totals.entry(l.line.item.clone()).or_insert(0) += q;
        }
    }
    Ok(DonationsOverview {
        donations: donations.len(),
        lines,
        totals,
        unreadable,
        items: reference.supply_items,
    })
}

/// The overview as text: one line per donated line, then the totals.
pub fn donations_text(o: &DonationsOverview) -> String {
    let mut out = vec![format!("捐赠公示（{} 批）", o.donations)];
    for l in &o.lines {
        let onward: Vec<String> = l
            .onward_names
            .iter()
            .map(|(n, q)| format!("{n} {q}"))
            .collect();
        out.push(format!(
            "{} {} {} {}{} → {}{}",
            l.line.donated_on,
            l.line.donor,
            l.line.name,
            l.line.quantity,
            l.line.unit,
            if l.destination_name.is_empty() {
                "去向未写明"
            } else {
                &l.destination_name
            },
            if onward.is_empty() {
                String::new()
            } else {
                format!(" → {}", onward.join("、"))
            }
        ));
    }
    for (item, q) in &o.totals {
        out.push(format!(
            "合计 {} {q}{}",
            o.items.name(item),
            o.items.unit(item)
        ));
    }
    if o.unreadable > 0 {
        out.push(format!("{} 条记录无法读取，未计入", o.unreadable));
    }
    out.join("\n")
}
