//! Generated Shopify "Export orders" files: an older 73-column export of the first five weeks
//! and a 79-column export of the rest that overlaps it by a week and shows more history.

use super::field;
use super::people::{Person, Post};
use anyhow::Context;
use chrono::{Days, NaiveDate, TimeZone};
use std::io::Write;
use std::path::Path;

pub const HEADER_79: &str = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References";
/// Columns the older 73-column export lacks.
const NEWER: [&str; 6] = ["Outstanding Balance", "Employee", "Location", "Device ID", "Payment ID", "Payment References"];

const CATALOGUE: [(&str, f64); 10] = [
    ("Uldsweater - Grå / M", 899.0),
    ("Uldsweater - Blå / L", 899.0),
    ("Strikhue", 249.0),
    ("Vanter", 199.0),
    ("Halstørklæde i alpaka", 449.0),
    ("Vinterjakke", 1299.0),
    ("Sokker 3-pak", 149.0),
    ("Regnjakke", 999.0),
    ("Bukser - Sort / 32", 699.0),
    ("T-shirt økologisk", 229.0),
];

pub enum Target {
    Orders(usize),
    Rows(usize),
}

pub struct Written {
    pub orders: usize,
    pub rows: usize,
}

#[derive(Clone)]
struct Order {
    name: String,
    id: u64,
    created: String,
    cancelled: String,
    status: &'static str,
    currency: &'static str,
    subtotal: f64,
    shipping: f64,
    taxes: f64,
    total: f64,
    codes: String,
    discount: f64,
    refunded: f64,
    lines: Vec<(u32, &'static str, f64)>,
    email: String,
    notes: String,
    attrs: String,
    source: &'static str,
}

fn money(v: f64) -> String {
    format!("{v:.2}")
}

/// Per day, the cumulative weights of each person's recent posts (orders follow posts).
fn demand(posts: &[Post], people: usize, days: i64) -> Vec<Vec<f64>> {
    (0..days)
        .map(|d| {
            let mut w = vec![0.05; people];
            for p in posts.iter().filter(|p| p.day <= d && d - p.day <= 3) {
                w[p.person] += (p.engagements as f64).sqrt();
            }
            w.iter()
                .scan(0.0, |acc, x| {
                    *acc += x;
                    Some(*acc)
                })
                .collect()
        })
        .collect()
}

fn pick(cumulative: &[f64], rng: &mut fastrand::Rng) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let x = rng.f64() * total;
    cumulative.partition_point(|c| *c < x).min(cumulative.len().saturating_sub(1))
}

fn make_order(n: usize, day: i64, start: NaiveDate, roster: &[Person], weights: &[Vec<f64>], rng: &mut fastrand::Rng) -> Order {
    let lines_n = match rng.u32(0..100) {
        0..45 => 1,
        45..80 => 2,
        80..95 => 3,
        _ => 4,
    };
    let lines: Vec<(u32, &'static str, f64)> = (0..lines_n)
        .map(|_| {
            let (name, price) = CATALOGUE[rng.usize(0..CATALOGUE.len())];
            (if rng.u32(0..6) == 0 { 2 } else { 1 }, name, price)
        })
        .collect();
    let items: f64 = lines.iter().map(|(q, _, p)| *q as f64 * p).sum();
    let shipping = if items < 499.0 { 39.0 } else { 0.0 };
    let code_of = |i: usize, rng: &mut fastrand::Rng| {
        let c = roster[i].codes[rng.usize(0..roster[i].codes.len())].clone();
        match rng.u32(0..20) {
            0..3 => c.to_lowercase(),
            3 => format!("{}{}", &c[..1], c[1..].to_lowercase()),
            _ => c,
        }
    };
    let (codes, pct, ship_free, flat) = match rng.u32(0..1000) {
        0..380 => {
            let who = pick(&weights[day as usize], rng);
            let mut codes = code_of(who, rng);
            let pct = 0.10 + 0.05 * (who % 3) as f64;
            match rng.u32(0..50) {
                0..3 => codes.push_str(" + FREESHIP"),
                3 => codes = format!("{codes} + {}", code_of((who + 1) % roster.len(), rng)),
                4 => codes = format!("SOMMER25 + {codes}"),
                _ => {}
            }
            let free = codes.contains("FREESHIP");
            (codes, pct, free, 0.0)
        }
        380..420 => ("SOMMER25".to_string(), 0.25, false, 0.0),
        420..445 => ("VELKOMMEN10".to_string(), 0.10, false, 0.0),
        445..470 => ("Custom discount".to_string(), 0.0, false, 50.0),
        470..485 => ("Seller discount".to_string(), 0.0, false, 30.0),
        485..505 => ("FREESHIP".to_string(), 0.0, true, 0.0),
        _ => (String::new(), 0.0, false, 0.0),
    };
    let product_discount = ((items * pct * 100.0).round() / 100.0 + flat).min(items);
    let ship_discount = if ship_free { shipping } else { 0.0 };
    let subtotal = items - product_discount;
    let total = subtotal + shipping - ship_discount;
    let (status, cancelled) = match rng.u32(0..1000) {
        0..840 => ("paid", false),
        840..880 => ("partially_refunded", false),
        880..915 => ("refunded", false),
        915..940 => ("pending", false),
        940..960 => ("authorized", false),
        960..970 => ("partially_paid", false),
        970..985 => ("voided", false),
        _ => ("refunded", true),
    };
    let refunded = match status {
        "refunded" => total,
        "partially_refunded" => lines[0].2.min(total),
        _ => 0.0,
    };
    let tz = chrono_tz::Europe::Copenhagen;
    let local = (start + Days::new(day as u64)).and_hms_opt(rng.u32(0..24), rng.u32(0..60), rng.u32(0..60)).unwrap_or_default();
    let at = tz.from_local_datetime(&local).earliest().unwrap_or_else(|| tz.from_utc_datetime(&local));
    let fmt = "%Y-%m-%d %H:%M:%S %z";
    let eur = rng.u32(0..100) == 0;
    let scale = if eur { 1.0 / 7.46 } else { 1.0 };
    let round = |v: f64| (v * scale * 100.0).round() / 100.0;
    let source = if codes == "Seller discount" {
        "tiktok"
    } else {
        ["web", "web", "web", "shopify_draft_order", "580111"][rng.usize(0..5)]
    };
    Order {
        name: format!("#{}", 1001 + n),
        id: 6_100_000_000_000 + n as u64 * 7,
        created: at.format(fmt).to_string(),
        cancelled: if cancelled { (at + chrono::Duration::hours(30)).format(fmt).to_string() } else { String::new() },
        status,
        currency: if eur { "EUR" } else { "DKK" },
        subtotal: round(subtotal),
        shipping: round(shipping),
        taxes: round(total * 0.2),
        total: round(total),
        codes,
        discount: round(product_discount + ship_discount),
        refunded: round(refunded),
        lines: lines.into_iter().map(|(q, n, p)| (q, n, (p * scale * 100.0).round() / 100.0)).collect(),
        email: if source == "shopify_draft_order" { String::new() } else { format!("kunde{n}@example.dk") },
        notes: if rng.u32(0..30) == 0 { "Stil pakken ved døren,\ntak!".to_string() } else { String::new() },
        attrs: if rng.u32(0..10) == 0 {
            "UTM source: instagram\nUTM medium: influencer\nUTM campaign: efteraar26".to_string()
        } else {
            String::new()
        },
        source,
    }
}

/// The later copy of an order in the overlapping export: sometimes more refunded or cancelled.
fn with_more_history(o: &Order, rng: &mut fastrand::Rng) -> Order {
    let mut later = o.clone();
    match rng.u32(0..100) {
        0..10 if o.status == "paid" => {
            later.status = "partially_refunded";
            later.refunded = o.lines[0].2.min(o.total);
        }
        10..13 if o.status == "paid" => {
            later.status = "refunded";
            later.refunded = o.total;
            later.cancelled = o.created.clone();
        }
        _ => {}
    }
    later
}

impl Order {
    /// The order's rows as (column, value) maps, first row with the order-level columns.
    fn rows(&self, header: &[&str]) -> Vec<String> {
        self.lines
            .iter()
            .enumerate()
            .map(|(i, (qty, item, price))| {
                header
                    .iter()
                    .map(|col| {
                        let first = i == 0;
                        let v: String = match *col {
                            "Name" => self.name.clone(),
                            "Email" => self.email.clone(),
                            "Created at" => self.created.clone(),
                            "Lineitem quantity" => qty.to_string(),
                            "Lineitem name" => item.to_string(),
                            "Lineitem price" => money(*price),
                            "Lineitem sku" => format!("NL-{}", item.len() * 37),
                            "Lineitem requires shipping" | "Lineitem taxable" => "true".into(),
                            "Lineitem fulfillment status" => "pending".into(),
                            "Vendor" => "Nordlys Strik".into(),
                            "Lineitem discount" => "0.00".into(),
                            _ if !first => String::new(),
                            "Financial Status" => self.status.into(),
                            "Paid at" if self.status == "paid" => self.created.clone(),
                            "Fulfillment Status" => "unfulfilled".into(),
                            "Accepts Marketing" => "no".into(),
                            "Currency" => self.currency.into(),
                            "Subtotal" => money(self.subtotal),
                            "Shipping" => money(self.shipping),
                            "Taxes" | "Tax 1 Value" => money(self.taxes),
                            "Tax 1 Name" => "DK Moms 25%".into(),
                            "Total" => money(self.total),
                            "Discount Code" => self.codes.clone(),
                            "Discount Amount" => money(self.discount),
                            "Shipping Method" => "GLS Pakkeshop".into(),
                            "Billing Name" | "Shipping Name" => "[REDACTED]".into(),
                            "Billing Zip" | "Shipping Zip" => "'2100".into(),
                            "Billing Country" | "Shipping Country" => "DK".into(),
                            "Notes" => self.notes.clone(),
                            "Note Attributes" => self.attrs.clone(),
                            "Cancelled at" => self.cancelled.clone(),
                            "Payment Method" => "Stripe + MobilePay".into(),
                            "Refunded Amount" => money(self.refunded),
                            "Outstanding Balance" => money(if self.status == "voided" { self.total } else { 0.0 }),
                            "Id" => self.id.to_string(),
                            "Risk Level" => "Low".into(),
                            "Source" => self.source.into(),
                            _ => String::new(),
                        };
                        field(&v, ',')
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect()
    }
}

/// Writes orders_export_1.csv (73 columns, weeks 1–5) and orders_export_2.csv (79 columns,
/// from week 5 on, repeating week 5 with more history).
pub fn write_exports(
    dir: &Path,
    rng: &mut fastrand::Rng,
    roster: &[Person],
    posts: &[Post],
    start: NaiveDate,
    days: i64,
    target: Target,
) -> anyhow::Result<Written> {
    let orders = match target {
        Target::Orders(n) => n,
        Target::Rows(rows) => rows * 10 / 18,
    };
    let weights = demand(posts, roster.len(), days);
    let header79: Vec<&str> = HEADER_79.split(',').collect();
    let header73: Vec<&str> = header79.iter().copied().filter(|c| !NEWER.contains(c)).collect();
    let split = (days - 21).max(1);
    let overlap = (split - 7).max(0);
    let open = |name: &str| -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
        let path = dir.join(name);
        Ok(std::io::BufWriter::new(std::fs::File::create(&path).with_context(|| format!("creating `{}`", path.display()))?))
    };
    let (mut first, mut second) = (open("orders_export_1.csv")?, open("orders_export_2.csv")?);
    writeln!(first, "{}", header73.join(","))?;
    writeln!(second, "{}", header79.join(","))?;
    let mut rows = 0;
    for n in 0..orders {
        let day = (n as i64 * days / orders.max(1) as i64).min(days - 1);
        let order = make_order(n, day, start, roster, &weights, rng);
        if day < split {
            for row in order.rows(&header73) {
                writeln!(first, "{row}")?;
                rows += 1;
            }
        }
        if day >= overlap {
            let copy = if day < split { with_more_history(&order, rng) } else { order };
            for row in copy.rows(&header79) {
                writeln!(second, "{row}")?;
                rows += 1;
            }
        }
    }
    first.flush()?;
    second.flush()?;
    Ok(Written { orders, rows })
}
