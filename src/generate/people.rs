//! The generated influencers: roster (a `;` spreadsheet export in Windows-1252), daily
//! follower snapshots, posts with per-platform metrics, and costs (decimal comma).

use super::{field, write_lines};
use chrono::{Days, NaiveDate};
use std::path::Path;

pub struct Person {
    pub id: String,
    pub name: String,
    /// instagram, tiktok, youtube handles.
    pub handles: [Option<String>; 3],
    pub codes: Vec<String>,
    pub followers: i64,
    /// Engagement relative to the tier norm (an underperformer has 0.15).
    pub spark: f64,
    /// Posts per week.
    pub cadence: u32,
    pub commission_pct: Option<&'static str>,
    pub tier_override: Option<&'static str>,
}

const FIRST: [&str; 20] = [
    "Sofie", "Emma", "Ida", "Freja", "Clara", "Laura", "Mathilde", "Agnes", "Ella", "Alma", "Oscar", "William", "Noah", "Søren",
    "Mikkel", "Jonas", "Frederik", "Astrid", "Mads", "Malthe",
];
const LAST: [&str; 16] = [
    "Jørgensen",
    "Hansen",
    "Nielsen",
    "Østergaard",
    "Kristensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Mølgaard",
    "Poulsen",
    "Kjær",
    "Bæk",
    "Holm",
    "Madsen",
    "Dahl",
    "Brøndum",
];

/// Followers by position: 10 % nano, 45 % micro, 30 % meso, 15 % macro (the default scheme).
fn followers_for(i: usize, n: usize, rng: &mut fastrand::Rng) -> i64 {
    let share = i as f64 / n.max(1) as f64;
    let (lo, hi) = if share < 0.10 {
        (300, 999)
    } else if share < 0.55 {
        (1_000, 19_999)
    } else if share < 0.85 {
        (20_000, 99_999)
    } else {
        (100_000, 480_000)
    };
    rng.i64(lo..=hi)
}

pub fn roster(rng: &mut fastrand::Rng, n: usize) -> Vec<Person> {
    (0..n)
        .map(|i| {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i * 7 + 3) % LAST.len()];
            let slug: String = first.to_lowercase().replace('ø', "oe").replace('æ', "ae").replace('å', "aa");
            let handle =
                format!("{slug}.{}{}", last.to_lowercase().chars().filter(|c| c.is_ascii_alphabetic()).collect::<String>(), i);
            // Names repeat every 20 people; from the third round on, codes and channel names
            // carry the round so they stay unique (the 40-person demo needs no suffix).
            let round = match i / FIRST.len() {
                0 | 1 => String::new(),
                r => r.to_string(),
            };
            let platforms = [true, i % 3 != 2, i % 4 == 1 || i % 7 == 0];
            let mut handles = [None, None, None];
            for (k, on) in platforms.into_iter().enumerate() {
                if on {
                    handles[k] = Some(match k {
                        0 if i % 5 == 0 => format!("@{}", handle.to_uppercase()),
                        1 => format!("{slug}_{i}"),
                        2 => format!("{first}{last}{round}TV").replace(['ø', 'æ', 'å', 'Ø'], "o"),
                        _ => handle.clone(),
                    });
                }
            }
            let code = format!("{}{round}{}", slug.to_uppercase(), 10 + (i % 3) * 5);
            let mut codes = vec![code];
            if i % 6 == 0 {
                codes.push(format!("{}{round}-FREE", slug.to_uppercase()));
            }
            Person {
                id: format!("inf-{:03}", i + 1),
                name: format!("{first} {last}"),
                handles,
                codes,
                followers: followers_for(i, n, rng),
                spark: if i % 13 == 4 { 0.15 } else { 0.7 + rng.f64() * 0.7 },
                cadence: 1 + (i % 3) as u32,
                commission_pct: [None, None, Some("10"), None, Some("12,5")][i % 5],
                tier_override: (i == n.saturating_sub(2)).then_some("Ambassadør"),
            }
        })
        .collect()
}

pub fn write_roster(path: &Path, roster: &[Person]) -> anyhow::Result<()> {
    let mut text = String::from("influencer_id;name;instagram;tiktok;youtube;coupon_codes;tier;commission_pct;campaign\r\n");
    for p in roster {
        let h = |k: usize| p.handles[k].clone().unwrap_or_default();
        let line = [
            p.id.clone(),
            p.name.clone(),
            h(0),
            h(1),
            h(2),
            p.codes.join(";"),
            p.tier_override.unwrap_or("").to_string(),
            p.commission_pct.unwrap_or("").to_string(),
            "Efterår 2026".to_string(),
        ]
        .iter()
        .map(|f| field(f, ';'))
        .collect::<Vec<_>>()
        .join(";");
        text.push_str(&line);
        text.push_str("\r\n");
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    std::fs::write(path, bytes)?;
    Ok(())
}

const PLATFORMS: [&str; 3] = ["instagram", "tiktok", "youtube"];

/// Followers of platform `k` relative to the person's largest account.
fn platform_share(k: usize) -> f64 {
    [1.0, 0.8, 0.45][k]
}

pub fn write_followers(
    path: &Path,
    rng: &mut fastrand::Rng,
    roster: &[Person],
    start: NaiveDate,
    days: i64,
) -> anyhow::Result<()> {
    let mut lines = vec!["platform,handle,date,followers".to_string()];
    for (i, p) in roster.iter().enumerate() {
        for (k, handle) in p.handles.iter().enumerate() {
            let Some(handle) = handle else { continue };
            if i % 17 == 9 && k == 1 {
                continue; // an account whose follower export is missing: its posts have no rate
            }
            let mut count = p.followers as f64 * platform_share(k) * 0.96;
            for d in -7..days {
                count *= 1.0 + rng.f64() * 0.0015;
                let day = start.checked_add_signed(chrono::Duration::days(d)).unwrap_or(start);
                lines.push(format!("{},{handle},{day},{}", PLATFORMS[k], count.round() as i64));
            }
        }
    }
    for d in (0..days).step_by(7) {
        let day = start + Days::new(d as u64);
        lines.push(format!("instagram,konkurrent.dk,{day},{}", 50_000 + d * 10));
    }
    write_lines(path, lines)
}

/// A generated post: who, when (day offset) and its engagements, for later order volumes.
pub struct Post {
    pub person: usize,
    pub day: i64,
    pub engagements: i64,
}

/// Engagement rate by tier, from the founding documents.
fn tier_rate(followers: i64) -> f64 {
    if followers < 1_000 {
        0.09
    } else if followers < 20_000 {
        0.07
    } else if followers < 100_000 {
        0.03
    } else {
        0.015
    }
}

pub fn write_posts(
    path: &Path,
    rng: &mut fastrand::Rng,
    roster: &[Person],
    start: NaiveDate,
    days: i64,
) -> anyhow::Result<Vec<Post>> {
    let mut lines = vec!["platform,handle,post_id,posted_at,likes,comments,shares,saves,reach,impressions,views".to_string()];
    let mut posts = Vec::new();
    let mut seq = 0u64;
    for (i, p) in roster.iter().enumerate() {
        if i % 11 == 7 {
            continue; // paid but silent
        }
        for week in 0..days / 7 {
            for _ in 0..p.cadence {
                let k = loop {
                    let k = rng.usize(0..3);
                    if p.handles[k].is_some() {
                        break k;
                    }
                };
                let day = week * 7 + rng.i64(0..7);
                let followers = p.followers as f64 * platform_share(k);
                let engagements = (followers * tier_rate(p.followers) * p.spark * (0.6 + rng.f64() * 0.8)).round().max(1.0);
                let likes = (engagements * 0.82).round() as i64;
                let comments = (engagements * 0.06).round() as i64;
                let shares = (engagements * 0.05).round() as i64;
                let saves = engagements as i64 - likes - comments - shares;
                let reach = (followers * (0.25 + rng.f64() * 0.5)).round() as i64;
                let views = (reach as f64 * (1.2 + rng.f64())).round() as i64;
                let at = (start + Days::new(day as u64)).and_hms_opt(rng.u32(7..22), rng.u32(0..60), 0).unwrap_or_default();
                seq += 1;
                let handle = p.handles[k].clone().unwrap_or_default();
                let line = match k {
                    0 => format!(
                        "instagram,{handle},ig{seq},{}+0000,{likes},{comments},{shares},{saves},{reach},,{views}",
                        at.format("%Y-%m-%dT%H:%M:%S")
                    ),
                    1 => format!(
                        "tiktok,{handle},tt{seq},{}Z,{likes},{comments},{shares},,,,{views}",
                        at.format("%Y-%m-%dT%H:%M:%S")
                    ),
                    _ => format!(
                        "youtube,{handle},yt{seq},{}Z,{likes},{},,,,,{views}",
                        at.format("%Y-%m-%dT%H:%M:%S"),
                        comments + shares
                    ),
                };
                if seq.is_multiple_of(23) {
                    lines.push(line.replace(&format!(",{likes},"), &format!(",{},", likes * 9 / 10))); // an earlier export of the same post
                }
                lines.push(line);
                posts.push(Post { person: i, day, engagements: engagements as i64 });
            }
        }
    }
    lines.push("instagram,konkurrent.dk,kx1,2026-10-05,900,40,10,30,20000,,25000".to_string());
    write_lines(path, lines)?;
    Ok(posts)
}

/// An amount as a Danish spreadsheet writes it: `1.234,50`.
fn money_comma(v: f64) -> String {
    crate::report::format::Fmt { locale: crate::report::format::Locale::Da, currency: "DKK".into() }.number(v, 2)
}

pub fn write_costs(
    path: &Path,
    rng: &mut fastrand::Rng,
    roster: &[Person],
    posts: &[Post],
    start: NaiveDate,
    days: i64,
) -> anyhow::Result<()> {
    let mut lines = vec!["influencer_id;date;amount;kind;note".to_string()];
    for (i, p) in roster.iter().enumerate() {
        // ≈ $100 (≈ 700 kr.) per 10 000 followers per post, paid weekly; some are paid above it
        let per_post = (p.followers as f64 / 10_000.0 * 700.0).max(250.0) * if i % 9 == 5 { 3.0 } else { 1.0 };
        for week in 0..days / 7 {
            let n = posts.iter().filter(|x| x.person == i && x.day / 7 == week).count().max(if i % 11 == 7 { 1 } else { 0 });
            if n == 0 {
                continue;
            }
            let day = start + Days::new((week * 7 + 4) as u64);
            let date = if week % 2 == 0 { day.format("%d-%m-%Y").to_string() } else { day.to_string() };
            lines.push(format!("{};{date};{};fee;Opslag uge {}", p.id, money_comma(per_post * n as f64), day.format("%V")));
            if rng.u32(0..4) == 0 {
                lines.push(format!("{};{date};{};product;Gaveæske", p.id, money_comma(rng.f64() * 600.0 + 200.0)));
            }
        }
    }
    let text = lines.join("\r\n") + "\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    std::fs::write(path, bytes)?;
    Ok(())
}
