//! Supplies derived, never stored: stock on hand per holder and item as the sum of its
//! movements, its use over the last 7 days and days of cover, dispatches awaiting receipt and
//! the differences receivers found. One set of rules for the server's `report supplies` and a
//! laptop's stock table, so both say the same. Stock may go below zero (two offline laptops
//! dispatching the same stock): it is shown, never refused.
//!
//! Quantities are whole base units ([`crate::records::SupplyItem::unit`]); instants UTC.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::records::{Holder, MovementKind, StockMovement};

/// Days of use the cover is measured over.
pub const USE_WINDOW_DAYS: i64 = 7;

/// Below this many days of cover an item is low (the street's plan: 3 days).
pub const LOW_COVER_DAYS: f64 = 3.0;

/// One holder's stock of one item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    /// On hand: received + receipts confirmed − dispatched − used − lost ± counts. May be
    /// negative.
    pub on_hand: i64,
    /// Used in the 7 days up to the moment counted.
    pub used_7d: i64,
    /// Sent to it and not yet confirmed (in transit).
    pub incoming: i64,
}

impl Balance {
    /// Days of cover: on hand ÷ the average daily use of the last 7 days; none without use.
    pub fn days_of_cover(&self) -> Option<f64> {
        (self.used_7d > 0).then(|| {
            let daily = self.used_7d as f64 / USE_WINDOW_DAYS as f64;
            (self.on_hand.max(0) as f64 / daily * 10.0).floor() / 10.0
        })
    }

    /// Out (nothing on hand) or low (less than [`LOW_COVER_DAYS`] of cover).
    pub fn short(&self) -> bool {
        self.on_hand <= 0 || self.days_of_cover().is_some_and(|d| d < LOW_COVER_DAYS)
    }
}

/// A dispatch and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    /// The dispatch's id.
    pub id: Uuid,
    /// The item.
    pub item: String,
    /// From.
    pub from: Holder,
    /// To.
    pub to: Holder,
    /// Sent (base units).
    pub sent: i64,
    /// Confirmed received (base units), once the receiver said.
    pub received: Option<i64>,
    /// When it was sent.
    pub at: DateTime<Utc>,
}

impl Transfer {
    /// What the receiver found missing (negative: more arrived than sent); none until
    /// confirmed, or when it matches.
    pub fn difference(&self) -> Option<i64> {
        self.received.map(|r| self.sent - r).filter(|d| *d != 0)
    }
}

/// The stock of every holder and item, and the transfers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stock {
    /// (holder, item) → balance, in holder then item order.
    pub balances: BTreeMap<(Holder, String), Balance>,
    /// Every dispatch, by time.
    pub transfers: Vec<Transfer>,
}

impl Stock {
    /// Dispatches not yet confirmed by their receiver.
    pub fn awaiting_receipt(&self) -> impl Iterator<Item = &Transfer> {
        self.transfers.iter().filter(|t| t.received.is_none())
    }

    /// Dispatches whose receiver found another quantity: the sender's to resolve.
    pub fn discrepancies(&self) -> impl Iterator<Item = &Transfer> {
        self.transfers.iter().filter(|t| t.difference().is_some())
    }
}

/// Sums `movements` at `now` (the 7 days of use end there). A receipt counts at its receiver
/// once confirmed; two receipts of one dispatch (two devices apart) count the first by time,
/// the other is left out. A movement dated after `now` (a device clock running fast) counts
/// all the same.
pub fn stock<'a>(
    movements: impl IntoIterator<Item = &'a StockMovement>,
    now: DateTime<Utc>,
) -> Stock {
    let mut ms: Vec<&StockMovement> = movements.into_iter().collect();
    ms.sort_by_key(|a| (a.at.utc, a.id));
    // Summed under borrowed keys (a street's month is tens of thousands of movements over a
    // thousand holder-items); the map that is returned owns each key once.
    let mut sums: HashMap<(&Holder, &str), Balance> = HashMap::new();
    let mut transfers: Vec<Transfer> = Vec::new();
    let mut by_id: HashMap<Uuid, usize> = HashMap::new();
    let since = now - Duration::days(USE_WINDOW_DAYS);
    for m in &ms {
        if m.kind == MovementKind::Dispatched {
            if let Some(to) = &m.to {
                by_id.insert(m.id, transfers.len());
                transfers.push(Transfer {
                    id: m.id,
                    item: m.item.clone(),
                    from: m.holder.clone(),
                    to: to.clone(),
                    sent: m.quantity,
                    received: None,
                    at: m.at.utc,
                });
            }
        }
    }
    for m in &ms {
        let key = (&m.holder, m.item.as_str());
        let delta = match m.kind {
            MovementKind::Received | MovementKind::Adjustment => m.quantity,
            MovementKind::Dispatched | MovementKind::Used | MovementKind::Lost => -m.quantity,
            MovementKind::ReceiptConfirmed => {
                // Only a receipt of a dispatch to this holder of this item, and only once.
                let t = m
                    .transfer_id
                    .and_then(|id| by_id.get(&id))
                    .map(|i| &mut transfers[*i])
                    .filter(|t| t.to == m.holder && t.item == m.item && t.received.is_none());
                match t {
                    Some(t) => {
                        t.received = Some(m.quantity);
                        m.quantity
                    }
                    None => continue,
                }
            }
        };
        let b = sums.entry(key).or_default();
        b.on_hand += delta;
        if m.kind == MovementKind::Used && m.at.utc > since {
            b.used_7d += m.quantity;
        }
    }
    let mut balances: BTreeMap<(Holder, String), Balance> = sums
        .into_iter()
        .map(|((h, i), b)| ((h.clone(), i.to_owned()), b))
        .collect();
    for t in transfers.iter().filter(|t| t.received.is_none()) {
        balances
            .entry((t.to.clone(), t.item.clone()))
            .or_default()
            .incoming += t.sent;
    }
    Stock {
        balances,
        transfers,
    }
}

/// The items the 日报's 口罩 column counts (医用外科口罩 and N95).
pub const MASK_ITEMS: [&str; 2] = ["surgical_mask", "n95_mask"];

/// Adds the China day `date`'s 物资 columns to `units`: per holder at the day's end (or `now`,
/// for a day not over) — 口罩库存 (masks on hand, below zero counted as 0), the masks used in
/// the 7 days up to then (for 可用天数, computed where the figures are shown, as a sum cannot
/// be), 84消毒液 and 75%酒精 on hand (mL), and 当日接收捐赠 (donations received that day, one
/// per received lot). `holders` places each holder in its unit (a community's store in its
/// community, a checkpoint's in its compound, the street's store in [`Unit::Street`]). One
/// rule for the server's 日报 and the laptops' 概况.
///
/// [`Unit::Street`]: crate::figures::Unit::Street
pub fn add_day(
    movements: &[StockMovement],
    holders: impl Fn(&Holder) -> crate::figures::Unit,
    date: chrono::NaiveDate,
    now: DateTime<Utc>,
    units: &mut HashMap<crate::figures::Unit, crate::figures::Figures>,
) {
    use crate::figures::china_day_start;
    let start = china_day_start(date);
    let end = china_day_start(date.succ_opt().unwrap_or(date));
    let at = end.min(now);
    let up_to: Vec<&StockMovement> = movements.iter().filter(|m| m.at.utc < at).collect();
    let s = stock(up_to.iter().copied(), at);
    let clamp = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    for ((holder, item), b) in &s.balances {
        let f = units.entry(holders(holder)).or_default();
        match item.as_str() {
            i if MASK_ITEMS.contains(&i) => {
                f.supplies_masks += clamp(b.on_hand);
                f.supplies_masks_used_7d += clamp(b.used_7d);
            }
            "disinfectant_84" => f.supplies_disinfectant_ml += clamp(b.on_hand),
            "alcohol_75" => f.supplies_alcohol_ml += clamp(b.on_hand),
            _ => {}
        }
    }
    for m in movements.iter().filter(|m| {
        m.kind == MovementKind::Received
            && m.source == Some(crate::records::ReceiptSource::Donation)
            && m.at.utc >= start
            && m.at.utc < end
    }) {
        units
            .entry(holders(&m.holder))
            .or_default()
            .supplies_donations += 1;
    }
}

/// Staff-shifts a checkpoint staffed around the clock needs a day (three shifts of eight
/// hours, two volunteers each: the street's duty plan).
pub const STAFF_SHIFTS_PER_CHECKPOINT: u32 = 6;

/// What a community needs an item for: its workload and what it holds against its use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    /// The community's 12-digit code.
    pub community: String,
    /// Staff-shifts a day at its checkpoints ([`STAFF_SHIFTS_PER_CHECKPOINT`] each).
    pub staff_shifts: u32,
    /// Home observation cases still visited daily.
    pub open_cases: u32,
    /// Households in its key areas in force.
    pub key_area_households: u32,
    /// Disinfection slots due a day at its sites.
    pub sites_due: u32,
    /// What it and its checkpoints hold (base units; may be negative).
    pub on_hand: i64,
    /// What is on its way to it and its checkpoints, not yet confirmed.
    pub incoming: i64,
    /// What it and its checkpoints used in the last 7 days.
    pub used_7d: i64,
}

impl Workload {
    /// Its weight in the share of what is left once needs are met: one unit per staff-shift,
    /// open case, key-area household and disinfection slot a day (each a day's contact that
    /// uses supplies).
    pub fn weight(&self) -> u64 {
        u64::from(self.staff_shifts)
            + u64::from(self.open_cases)
            + u64::from(self.key_area_households)
            + u64::from(self.sites_due)
    }

    /// What it lacks for `target_days` of cover at its measured use (the last 7 days' daily
    /// average): never below 0; 0 without measured use.
    pub fn need(&self, target_days: u32) -> i64 {
        if self.used_7d <= 0 {
            return 0;
        }
        let wanted =
            (self.used_7d * i64::from(target_days) + USE_WINDOW_DAYS - 1) / USE_WINDOW_DAYS;
        (wanted - self.on_hand.max(0) - self.incoming.max(0)).max(0)
    }
}

/// The street's proposal for one community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// The community's code.
    pub community: String,
    /// What it lacks for the target cover ([`Workload::need`]).
    pub need: i64,
    /// What the street proposes to send it.
    pub proposed: i64,
}

/// Splits `available` base units of an item among the communities: first what each lacks for
/// `target_days` of cover at its measured use (in proportion to those needs when they exceed
/// what there is), then what is left in proportion to workload ([`Workload::weight`]; evenly
/// when no community has any). Whole units by the largest remainder, so the proposals add up
/// to `available` exactly (0 when nothing is available). In the order given.
pub fn propose_allocation(
    available: i64,
    target_days: u32,
    workloads: &[Workload],
) -> Vec<Proposal> {
    let needs: Vec<i64> = workloads.iter().map(|w| w.need(target_days)).collect();
    let available = available.max(0);
    let total_need: i64 = needs.iter().sum();
    let mut proposed = vec![0i64; workloads.len()];
    if workloads.is_empty() || available == 0 {
        // Nothing to share.
    } else if total_need >= available {
        let shares: Vec<u64> = needs.iter().map(|n| *n as u64).collect();
        proposed = split(available, &shares);
    } else {
        proposed.clone_from(&needs);
        let weights: Vec<u64> = workloads.iter().map(Workload::weight).collect();
        let weights = if weights.iter().all(|w| *w == 0) {
            vec![1; workloads.len()]
        } else {
            weights
        };
        for (p, extra) in proposed
            .iter_mut()
            .zip(split(available - total_need, &weights))
        {
            *p += extra;
        }
    }
    workloads
        .iter()
        .zip(needs)
        .zip(proposed)
        .map(|((w, need), proposed)| Proposal {
            community: w.community.clone(),
            need,
            proposed,
        })
        .collect()
}

/// `total` split in proportion to `shares` (not all 0), whole units by the largest remainder
/// (ties to the earlier).
fn split(total: i64, shares: &[u64]) -> Vec<i64> {
    let sum: u128 = shares.iter().map(|s| u128::from(*s)).sum();
    if sum == 0 {
        return vec![0; shares.len()];
    }
    let total = total.max(0) as u128;
    let mut out: Vec<i64> = shares
        .iter()
        .map(|s| (total * u128::from(*s) / sum) as i64)
        .collect();
    let mut left = total as i64 - out.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(total * u128::from(shares[i]) % sum));
    for i in order {
        if left <= 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// One line of the 捐赠公示表: what a donor gave, where it was received, and where it went on
/// from there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicDonationLine {
    /// The donation's id.
    pub donation_id: Uuid,
    /// 捐赠日期 (China).
    pub donated_on: chrono::NaiveDate,
    /// The donor as published: its name, or 爱心人士 when it asked not to be named (or gave
    /// none).
    pub donor: String,
    /// The item's code (`other` for what the street does not stock).
    pub item: String,
    /// 物资名称 as given.
    pub name: String,
    /// 数量 as given, in `unit`.
    pub quantity: i64,
    /// 单位 as given.
    pub unit: String,
    /// The quantity in the item's base units, when known.
    pub base_quantity: Option<i64>,
    /// Where it was received (none: not said).
    pub destination: Option<Holder>,
    /// Sent on from there, naming this donation: each receiver and the base units sent to it
    /// (to the checkpoints), in the order first sent.
    pub onward: Vec<(Holder, i64)>,
}

/// The 捐赠公示表's lines: every line of every donation, by date, with the dispatches that
/// name the donation and its item, from the holder that received it, gathered per receiver.
/// A donation with two lines of one item to one holder gets its onward dispatches on the
/// first. One rule for the street laptop's export and the server's `report donations`.
pub fn public_donations(
    donations: &[crate::records::Donation],
    movements: &[StockMovement],
) -> Vec<PublicDonationLine> {
    let mut sorted: Vec<&crate::records::Donation> = donations.iter().collect();
    sorted.sort_by_key(|d| (d.donated_on, d.id));
    let mut out = Vec::new();
    for d in sorted {
        let mut seen: Vec<(&str, Option<&Holder>)> = Vec::new();
        for l in &d.lines {
            let first = !seen.contains(&(l.item.as_str(), l.destination.as_ref()));
            seen.push((l.item.as_str(), l.destination.as_ref()));
            let mut onward: Vec<(Holder, i64)> = Vec::new();
            if first {
                for m in movements.iter().filter(|m| {
                    m.kind == MovementKind::Dispatched
                        && m.donation_id == Some(d.id)
                        && m.item == l.item
                        && Some(&m.holder) == l.destination.as_ref()
                }) {
                    let Some(to) = &m.to else { continue };
                    match onward.iter_mut().find(|(h, _)| h == to) {
                        Some((_, q)) => *q += m.quantity,
                        None => onward.push((to.clone(), m.quantity)),
                    }
                }
            }
            out.push(PublicDonationLine {
                donation_id: d.id,
                donated_on: d.donated_on,
                donor: match (&d.donor, d.publish) {
                    (Some(name), true) => name.clone(),
                    _ => "爱心人士".to_owned(),
                },
                item: l.item.clone(),
                name: l.name.clone(),
                quantity: l.quantity,
                unit: l.unit.clone(),
                base_quantity: l.base_quantity,
                destination: l.destination.clone(),
                onward,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{Instant, ReceiptSource};

    fn m(n: u128, holder: Holder, kind: MovementKind, q: i64, at: &str) -> StockMovement {
        StockMovement {
            id: Uuid::from_u128(n),
            item: "surgical_mask".into(),
            holder,
            kind,
            quantity: q,
            to: None,
            transfer_id: None,
            source: (kind == MovementKind::Received).then_some(ReceiptSource::Donation),
            donation_id: None,
            at: Instant {
                utc: at.parse().unwrap(),
                offset_minutes: 480,
            },
            note: None,
            recorded_by: "t".into(),
        }
    }

    fn community() -> Holder {
        Holder::Community {
            code: "411402001018".into(),
        }
    }

    #[test]
    fn two_dispatches_of_the_same_stock_both_count_and_the_stock_goes_negative() {
        let now = "2026-02-10T12:00:00Z".parse().unwrap();
        let mut a = m(
            2,
            Holder::Street,
            MovementKind::Dispatched,
            800,
            "2026-02-10T02:00:00Z",
        );
        a.to = Some(community());
        let mut b = m(
            3,
            Holder::Street,
            MovementKind::Dispatched,
            500,
            "2026-02-10T02:05:00Z",
        );
        b.to = Some(community());
        let r = m(
            1,
            Holder::Street,
            MovementKind::Received,
            1000,
            "2026-02-10T01:00:00Z",
        );
        let s = stock([&r, &a, &b], now);
        let street = &s.balances[&(Holder::Street, "surgical_mask".into())];
        assert_eq!(street.on_hand, -300);
        assert!(street.short());
        assert_eq!(s.awaiting_receipt().count(), 2);
        assert_eq!(
            s.balances[&(community(), "surgical_mask".into())].incoming,
            1300
        );
    }

    #[test]
    fn a_receipt_with_less_opens_a_discrepancy_and_counts_what_arrived_once() {
        let now = "2026-02-10T12:00:00Z".parse().unwrap();
        let mut d = m(
            2,
            Holder::Street,
            MovementKind::Dispatched,
            500,
            "2026-02-10T02:00:00Z",
        );
        d.to = Some(community());
        let mut got = m(
            3,
            community(),
            MovementKind::ReceiptConfirmed,
            450,
            "2026-02-10T03:00:00Z",
        );
        got.transfer_id = Some(d.id);
        // The same receipt again from another laptop: counted once.
        let mut again = m(
            4,
            community(),
            MovementKind::ReceiptConfirmed,
            500,
            "2026-02-10T04:00:00Z",
        );
        again.transfer_id = Some(d.id);
        let s = stock([&d, &got, &again], now);
        let c = &s.balances[&(community(), "surgical_mask".into())];
        assert_eq!((c.on_hand, c.incoming), (450, 0));
        let diffs: Vec<i64> = s.discrepancies().filter_map(Transfer::difference).collect();
        assert_eq!(diffs, vec![50]);
    }

    #[test]
    fn the_day_adds_masks_liquids_and_donations_to_their_units_at_the_days_end() {
        use crate::figures::Unit;
        let unit = Unit::Community("411402001018".into());
        let mut r = m(
            1,
            community(),
            MovementKind::Received,
            1000,
            "2026-02-10T02:00:00Z",
        );
        r.note = Some("平原街道巾帼企业家协会".into());
        let used = m(
            2,
            community(),
            MovementKind::Used,
            140,
            "2026-02-10T03:00:00Z",
        );
        // The next China day's: not in the 10th's stock.
        let later = m(
            3,
            community(),
            MovementKind::Used,
            500,
            "2026-02-10T17:00:00Z",
        );
        let mut street = m(
            4,
            Holder::Street,
            MovementKind::Received,
            9,
            "2026-02-10T02:00:00Z",
        );
        street.item = "alcohol_75".into();
        let mut units = HashMap::new();
        let holders = |h: &Holder| match h {
            Holder::Community { .. } => unit.clone(),
            _ => Unit::Street,
        };
        let now = "2026-02-11T12:00:00Z".parse().unwrap();
        add_day(
            &[r, used, later, street],
            holders,
            "2026-02-10".parse().unwrap(),
            now,
            &mut units,
        );
        let f = &units[&unit];
        assert_eq!(
            (
                f.supplies_masks,
                f.supplies_masks_used_7d,
                f.supplies_donations
            ),
            (860, 140, 1)
        );
        // 860 masks at 20 a day: 43 days.
        assert_eq!(f.mask_cover_days(), Some(43.0));
        // The street's store: its own unit, its donation counted there.
        let street = &units[&Unit::Street];
        assert_eq!(
            (street.supplies_alcohol_ml, street.supplies_donations),
            (9, 1)
        );
    }

    #[test]
    fn days_of_cover_come_from_the_last_seven_days_of_use() {
        let now = "2026-02-10T12:00:00Z".parse().unwrap();
        let cp = Holder::Checkpoint { id: "gate".into() };
        let r = m(
            1,
            cp.clone(),
            MovementKind::Adjustment,
            1000,
            "2026-02-01T00:00:00Z",
        );
        // Used 700 over the last 7 days (100 a day); 300 more before the window.
        let old = m(
            2,
            cp.clone(),
            MovementKind::Used,
            300,
            "2026-02-02T00:00:00Z",
        );
        let new = m(
            3,
            cp.clone(),
            MovementKind::Used,
            700,
            "2026-02-09T00:00:00Z",
        );
        let s = stock([&r, &old, &new], now);
        let b = &s.balances[&(cp, "surgical_mask".into())];
        assert_eq!((b.on_hand, b.used_7d), (0, 700));
        assert_eq!(b.days_of_cover(), Some(0.0));
        assert!(b.short());
        let cover = Balance {
            on_hand: 250,
            used_7d: 700,
            incoming: 0,
        };
        assert_eq!(cover.days_of_cover(), Some(2.5));
        assert!(cover.short(), "less than 3 days");
    }

    #[test]
    fn the_public_list_follows_a_donation_to_the_checkpoints_and_names_only_who_may_be_named() {
        use crate::records::{Donation, DonationLine};
        let line = |item: &str, q: i64, to: Holder| DonationLine {
            item: item.into(),
            name: item.into(),
            quantity: q,
            unit: "只".into(),
            base_quantity: Some(q),
            destination: Some(to),
        };
        let d = Donation {
            id: Uuid::from_u128(77),
            donated_on: "2026-02-01".parse().unwrap(),
            donor: Some("王先生".into()),
            donor_kind: None,
            contact_name: None,
            contact_phone: Some("13800000000".into()),
            received_by: None,
            receipt_number: None,
            publish: false,
            lines: vec![
                line("surgical_mask", 1000, community()),
                line("disposable_gloves", 200, Holder::Street),
            ],
            note: None,
            recorded_by: "t".into(),
        };
        let (x, y) = (
            Holder::Checkpoint { id: "x".into() },
            Holder::Checkpoint { id: "y".into() },
        );
        let send = |n, to: &Holder, q, named: bool| StockMovement {
            to: Some(to.clone()),
            donation_id: named.then_some(d.id),
            ..m(
                n,
                community(),
                MovementKind::Dispatched,
                q,
                "2026-02-02T00:00:00Z",
            )
        };
        let mut movements = d.receipts();
        movements.extend([
            send(1, &x, 300, true),
            send(2, &y, 100, true),
            send(3, &x, 200, true),
            send(4, &y, 999, false),
        ]);
        let lines = public_donations(std::slice::from_ref(&d), &movements);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].donor, "爱心人士", "not to be named");
        assert_eq!(lines[0].onward, vec![(x, 500), (y, 100)]);
        assert!(lines[1].onward.is_empty());
        // Its receipts: both lines in stock, at their destinations, named as the donation.
        let s = stock(movements.iter(), "2026-02-03T00:00:00Z".parse().unwrap());
        assert_eq!(
            s.balances[&(community(), "surgical_mask".into())].on_hand,
            1000 - 600 - 999
        );
        assert_eq!(
            s.balances[&(Holder::Street, "disposable_gloves".into())].on_hand,
            200
        );
    }

    #[test]
    fn an_allocation_meets_needs_first_then_shares_by_workload_and_adds_up() {
        let w = |c: &str, shifts, cases, on_hand, used_7d| Workload {
            community: c.into(),
            staff_shifts: shifts,
            open_cases: cases,
            on_hand,
            used_7d,
            ..Workload::default()
        };
        // A uses 70 a day and holds 100: 7 days of cover needs 390 more. B uses nothing yet.
        let ws = [w("A", 12, 8, 100, 490), w("B", 30, 0, 0, 0)];
        assert_eq!(ws[0].need(7), 390);
        let p = propose_allocation(1000, 7, &ws);
        assert_eq!(p[0].need, 390);
        // The 610 left: by weight 20 : 30.
        assert_eq!((p[0].proposed, p[1].proposed), (390 + 244, 366));
        assert_eq!(p.iter().map(|x| x.proposed).sum::<i64>(), 1000);
        // Less than the needs: in proportion to them, still adding up.
        let ws = [
            w("A", 0, 0, 0, 70),
            w("B", 0, 0, 0, 140),
            w("C", 0, 0, 0, 70),
        ];
        let p = propose_allocation(101, 7, &ws);
        assert_eq!(p.iter().map(|x| x.proposed).sum::<i64>(), 101);
        assert_eq!(p[1].proposed, 50 + 1);
        // No workload, no use: evenly; nothing available: nothing.
        let ws = [w("A", 0, 0, 0, 0), w("B", 0, 0, 0, 0)];
        assert_eq!(
            propose_allocation(3, 7, &ws)
                .iter()
                .map(|x| x.proposed)
                .collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert!(propose_allocation(0, 7, &ws)
            .iter()
            .all(|x| x.proposed == 0));
        assert!(propose_allocation(-5, 7, &ws)
            .iter()
            .all(|x| x.proposed == 0));
    }
}
