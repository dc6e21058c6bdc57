//! Invariants over randomly generated shops: per-influencer figures add up to the total row,
//! and tiers partition the influencers.

use proptest::prelude::*;
use tierwise::generate::{GenerateArgs, generate};
use tierwise::period::Period;
use tierwise::{app, config};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn influencers_add_up_and_tiers_partition(seed in 0u64..100_000, influencers in 3usize..25, orders in 20usize..400, week in 40u32..44) {
        let dir = tempfile::tempdir().unwrap();
        let args = GenerateArgs {
            out: dir.path().to_path_buf(),
            orders,
            rows: None,
            influencers,
            start: "2026-09-28".parse().unwrap(),
            weeks: 5,
            seed,
        };
        generate(&args).unwrap();
        let text = "[[report]]\nname = \"p\"\n[report.inputs]\nroster = \"roster.csv\"\ncosts = \"costs.csv\"\nposts = \"posts.csv\"\nfollowers = \"followers.csv\"\norders = \"orders_export_*.csv\"\n[report.fx]\nEUR = 7.46\n";
        let cfg = config::parse(text, &dir.path().join("tierwise.toml")).unwrap();
        let period = Period::parse(&format!("2026-W{week}"), "2026-01-01".parse().unwrap()).unwrap();
        let data = app::compute(&cfg, &cfg.reports[0], period).unwrap();
        let (inf, tiers, total) = (&data.current.influencers, &data.current.tiers, &data.current.total);

        prop_assert_eq!(inf.len(), influencers);
        prop_assert!(close(inf.iter().map(|r| r.revenue).sum(), total.revenue));
        prop_assert!(close(inf.iter().map(|r| r.cost).sum(), total.cost));
        prop_assert!(close(inf.iter().map(|r| r.discounts).sum(), total.discounts));
        prop_assert_eq!(inf.iter().map(|r| r.orders).sum::<i64>(), total.orders);
        prop_assert_eq!(inf.iter().map(|r| r.engagements).sum::<i64>(), total.engagements);
        prop_assert_eq!(inf.iter().map(|r| r.posts).sum::<i64>(), total.posts);
        prop_assert!(close(data.current.codes.iter().map(|c| c.revenue).sum(), total.revenue));

        prop_assert_eq!(tiers.iter().map(|t| t.influencers).sum::<i64>(), total.influencers);
        prop_assert_eq!(total.influencers as usize, influencers);
        for t in tiers {
            let members: Vec<_> = inf.iter().filter(|r| r.tier == t.tier).collect();
            prop_assert_eq!(members.len() as i64, t.influencers);
            prop_assert!(close(members.iter().map(|r| r.revenue).sum(), t.revenue));
            prop_assert_eq!(members.iter().map(|r| r.orders).sum::<i64>(), t.orders);
        }
        prop_assert!(inf.iter().all(|r| tiers.iter().any(|t| t.tier == r.tier)));
        if let (Some(roi), true) = (total.roi_pct, total.cost > 0.0) {
            prop_assert!(close(roi, (total.revenue - total.cost) / total.cost * 100.0));
        }
    }
}
