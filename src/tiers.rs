//! Tier schemes: named follower bands `[min, next min)`, the four from the founding documents
//! and custom ones from the config.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tier {
    pub name: String,
    pub min_followers: i64,
}

/// Tiers in ascending order of `min_followers`; the first starts at 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierScheme {
    pub name: String,
    pub tiers: Vec<Tier>,
}

/// The tier of an influencer with neither an override nor a follower count.
pub const UNKNOWN: &str = "unknown";

pub const BUILT_IN: [&str; 4] = ["mikro-meso-makro", "pyramid", "awin", "price-table"];

impl TierScheme {
    pub fn built_in(name: &str) -> Option<Self> {
        let bands: &[(&str, i64)] = match name {
            "mikro-meso-makro" => &[("nano", 0), ("micro", 1_000), ("meso", 20_000), ("macro", 100_000)],
            "pyramid" => &[("nano", 0), ("micro", 5_000), ("macro", 50_000), ("mega", 100_000)],
            "awin" => &[("nano", 0), ("micro", 1_000), ("macro", 100_000), ("mega", 1_000_000)],
            "price-table" => &[("nano", 0), ("micro", 1_000), ("macro", 10_000), ("top", 100_000), ("celebrity", 1_000_000)],
            _ => return None,
        };
        Some(Self {
            name: name.to_string(),
            tiers: bands.iter().map(|(n, m)| Tier { name: (*n).to_string(), min_followers: *m }).collect(),
        })
    }

    /// A custom scheme; tiers are sorted by `min_followers`.
    pub fn custom(mut tiers: Vec<Tier>) -> Self {
        tiers.sort_by_key(|t| t.min_followers);
        Self { name: "custom".to_string(), tiers }
    }

    /// The tier whose band `[min, next min)` holds `followers`; below every band: `unknown`.
    pub fn tier_for(&self, followers: i64) -> &str {
        self.tiers.iter().rev().find(|t| followers >= t.min_followers).map_or(UNKNOWN, |t| t.name.as_str())
    }

    /// Sort key: the scheme's tiers in order, then other names alphabetically, then `unknown`.
    pub fn rank(&self, tier: &str) -> (u8, usize, String) {
        match self.tiers.iter().position(|t| t.name == tier) {
            Some(i) => (0, i, String::new()),
            None if tier == UNKNOWN => (2, 0, String::new()),
            None => (1, 0, tier.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_half_open() {
        let s = TierScheme::built_in("mikro-meso-makro").unwrap();
        assert_eq!(s.tier_for(999), "nano");
        assert_eq!(s.tier_for(1_000), "micro");
        assert_eq!(s.tier_for(19_999), "micro");
        assert_eq!(s.tier_for(20_000), "meso");
        assert_eq!(s.tier_for(100_000), "macro");
        let p = TierScheme::built_in("price-table").unwrap();
        assert_eq!(p.tier_for(1_000_000), "celebrity");
        assert_eq!(TierScheme::built_in("awin").unwrap().tier_for(999_999), "macro");
        assert_eq!(TierScheme::built_in("pyramid").unwrap().tier_for(50_000), "macro");
    }

    #[test]
    fn rank_puts_scheme_then_others_then_unknown() {
        let s = TierScheme::built_in("pyramid").unwrap();
        let mut names = vec!["unknown", "vip", "mega", "nano", "ambassador"];
        names.sort_by_key(|n| s.rank(n));
        assert_eq!(names, ["nano", "mega", "ambassador", "vip", "unknown"]);
    }
}
