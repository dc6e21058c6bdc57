//! Link identifiers, for attributing orders that carry no roster code (spec §3, link
//! attribution): the UTM campaign and the landing path an order's attribution data shows, and
//! the roster's identifiers, normalised the same way so that they compare equal.
//!
//! Where shops record them: WooCommerce's order attribution (`_wc_order_attribution_utm_campaign`
//! and `_wc_order_attribution_session_entry`, the landing URL), the Shopify Admin API's
//! `landing_site` (a path with its query) and `referring_site`, and the lines apps write into
//! the Shopify export's `Note Attributes` (`UTM campaign: x`, `utm_campaign: x`,
//! `landing_page: /anna`). Pure functions over strings.

/// What an order's attribution data shows (normalised; empty when unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderLink {
    pub utm_campaign: String,
    pub landing_path: String,
}

impl OrderLink {
    /// The identifiers found in `url` (a full URL, or a path with its query).
    pub fn from_url(url: &str) -> Self {
        Self { utm_campaign: url_campaign(url), landing_path: url_path(url) }
    }

    /// `self`, with what it lacks taken from `other`.
    pub fn or(self, other: OrderLink) -> Self {
        Self {
            utm_campaign: if self.utm_campaign.is_empty() { other.utm_campaign } else { self.utm_campaign },
            landing_path: if self.landing_path.is_empty() { other.landing_path } else { self.landing_path },
        }
    }

    /// Only the campaign: a referrer's path is a page of another site, not a landing path.
    pub fn campaign_only(self) -> Self {
        Self { utm_campaign: self.utm_campaign, landing_path: String::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.utm_campaign.is_empty() && self.landing_path.is_empty()
    }
}

/// A UTM campaign value as compared: percent-decoded (`+` is a space), invisible characters
/// removed, trimmed, lower-case.
pub fn campaign(raw: &str) -> String {
    super::codes::normalize(&decode(raw)).to_lowercase()
}

/// A landing path as compared: the path of a URL or of a path with a query (`/anna/?utm…` →
/// `/anna`), percent-decoded, lower-case, with one leading `/` and no trailing `/`; the shop's
/// front page is `/`.
pub fn path(raw: &str) -> String {
    url_path(raw)
}

fn url_path(url: &str) -> String {
    let url = super::codes::normalize(url).to_lowercase();
    if url.is_empty() {
        return String::new();
    }
    let rest = match url.find("://") {
        Some(i) => {
            let after = &url[i + 3..];
            after.find(['/', '?', '#']).map_or("", |j| &after[j..])
        }
        None => url.as_str(),
    };
    let path = rest.split(['?', '#']).next().unwrap_or("");
    let path = decode_path(path);
    let trimmed = path.trim_matches('/');
    format!("/{trimmed}")
}

/// The `utm_campaign` parameter of a URL's query, as compared; empty when absent.
fn url_campaign(url: &str) -> String {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("utm_campaign"))
        .map(|(_, v)| campaign(v))
        .unwrap_or_default()
}

/// The identifiers in a Shopify export's `Note Attributes` cell: one `key: value` per line;
/// keys compared without case, spaces, `_` or `-` (`UTM campaign`, `utm_campaign`,
/// `UTM-Campaign`); `landing_page`/`landing_site`/`landing page url` give the landing path,
/// and a URL there also gives a missing campaign.
pub fn note_attributes(cell: &str) -> OrderLink {
    let mut link = OrderLink::default();
    let mut landing = OrderLink::default();
    for line in cell.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let key: String = super::codes::normalize(key).chars().filter(|c| c.is_alphanumeric()).collect();
        match key.as_str() {
            "UTMCAMPAIGN" if link.utm_campaign.is_empty() => link.utm_campaign = campaign(value),
            "LANDINGPAGE" | "LANDINGSITE" | "LANDINGPAGEURL" | "LANDINGURL" if landing.is_empty() => {
                landing = OrderLink::from_url(value.trim());
            }
            _ => {}
        }
    }
    link.or(landing)
}

/// `%XX` escapes decoded and `+` read as a space (form encoding); invalid escapes kept.
fn decode(raw: &str) -> String {
    percent_decode(&raw.replace('+', " "))
}

/// `%XX` escapes decoded; `+` kept (it is literal in a path).
fn decode_path(raw: &str) -> String {
    percent_decode(raw)
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shopify_landing_sites_give_campaign_and_path() {
        let l = OrderLink::from_url("/pages/anna?utm_source=instagram&utm_medium=social&utm_campaign=Anna%20Nov");
        assert_eq!(l, OrderLink { utm_campaign: "anna nov".into(), landing_path: "/pages/anna".into() });
        let l = OrderLink::from_url("https://shop.example.com/Anna/?utm_campaign=anna+nov#top");
        assert_eq!(l, OrderLink { utm_campaign: "anna nov".into(), landing_path: "/anna".into() });
        assert_eq!(OrderLink::from_url("https://shop.example.com").landing_path, "/");
        assert_eq!(OrderLink::from_url("/").landing_path, "/");
        assert!(OrderLink::from_url("").is_empty());
    }

    #[test]
    fn roster_paths_compare_like_order_paths() {
        assert_eq!(path("anna"), "/anna");
        assert_eq!(path("/anna/"), "/anna");
        assert_eq!(path("https://shop.example.com/ANNA"), "/anna");
        assert_eq!(path("/caf%C3%A9"), "/café");
        assert_eq!(campaign(" Hanna_Nov\u{200B} "), "hanna_nov");
    }

    #[test]
    fn note_attribute_lines_as_apps_write_them() {
        let l = note_attributes("UTM source: facebook\nUTM medium: paid\nUTM campaign: 120243641616090734");
        assert_eq!(l.utm_campaign, "120243641616090734");
        let l =
            note_attributes("utm_source: instagram\nutm_campaign: Hanna_Nov\r\nlanding_page: /pages/hanna?utm_campaign=other");
        assert_eq!(l, OrderLink { utm_campaign: "hanna_nov".into(), landing_path: "/pages/hanna".into() });
        let l = note_attributes("landing_site: https://shop.example.com/bo?utm_campaign=bo_nov");
        assert_eq!(l, OrderLink { utm_campaign: "bo_nov".into(), landing_path: "/bo".into() });
        assert!(note_attributes("tiktok_fulfillment_type: 3PL").is_empty());
        assert!(note_attributes("").is_empty());
    }
}
