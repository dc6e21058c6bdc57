//! Discount-code cells as shops write them, split and normalised once for every order reader:
//! Shopify joins several codes in one cell with ` + ` (older exports) or `, ` (since 2024), may
//! repeat a code (`SUMMER30, SUMMER30`), mixes in discount titles (`Custom discount`), and
//! copy-pasted cells can carry invisible characters (U+FEFF, zero-width spaces).
//!
//! Pure functions over strings: readers call [`split`] (or [`split_list`] for exports that also
//! separate codes with `;`, `|` or a bare `,`) on a cell and get normalised, distinct codes in
//! their order.

/// Characters removed before a code is compared: byte-order mark, zero-width space, non-joiner
/// and joiner, word joiner, soft hyphen, Mongolian vowel separator, invisible operators,
/// left-to-right/right-to-left marks and the bidi embedding, override and isolate controls.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{FEFF}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2064}'
            | '\u{00AD}'
            | '\u{180E}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// Without invisible characters, other whitespace (no-break space, tab) read as a space.
fn clean(raw: &str) -> String {
    raw.chars().filter(|c| !invisible(*c)).map(|c| if c.is_whitespace() { ' ' } else { c }).collect()
}

/// A code as compared: invisible characters removed, trimmed, upper-case.
pub fn normalize(raw: &str) -> String {
    clean(raw).trim().to_uppercase()
}

/// The distinct non-empty normalised codes of `parts`, first occurrence first.
fn distinct<'a>(parts: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for code in parts.map(normalize).filter(|c| !c.is_empty()) {
        if !out.contains(&code) {
            out.push(code);
        }
    }
    out
}

/// The codes of one Shopify `Discount Code` cell: split on ` + ` and `, `, normalised, each
/// code once (a code repeated in one cell counts once), in the cell's order.
pub fn split(cell: &str) -> Vec<String> {
    let cell = clean(cell);
    distinct(cell.split(" + ").flat_map(|part| part.split(", ")))
}

/// Whether `cell` holds one code written plainly (printable ASCII, no separator of [`split`]'s,
/// something besides spaces); if so, `out` is that code as [`split`] gives it (trimmed,
/// upper-case). Cells are mostly like this: `out` is reused, no `String` per cell.
pub fn single_plain(cell: &str, out: &mut String) -> bool {
    let bytes = cell.as_bytes();
    let separator = bytes.contains(&b',') || (bytes.contains(&b'+') && cell.contains(" + "));
    let plain = bytes.iter().all(|b| (b' '..=b'~').contains(b)) && !separator;
    let trimmed = cell.trim();
    if !plain || trimmed.is_empty() {
        return false;
    }
    out.clear();
    out.push_str(trimmed);
    out.make_ascii_uppercase();
    true
}

/// The codes of a coupon cell of another export (WooCommerce and generic CSVs): as [`split`],
/// and also separated by `;`, `|` or a bare `,`; SkyVerge's
/// `code:A|description:…|amount:5.00;code:B|…` gives its `code:` parts.
pub fn split_list(cell: &str) -> Vec<String> {
    let cell = clean(cell);
    if cell.contains("code:") {
        let codes = cell.split(';').filter_map(|coupon| coupon.split('|').find_map(|part| part.trim().strip_prefix("code:")));
        return distinct(codes);
    }
    distinct(cell.split(" + ").flat_map(|part| part.split([',', ';', '|'])))
}

/// Whether a normalised entry that matched no roster code is a discount title rather than a
/// code: it contains a space. Codes are what customers type at checkout and carry no spaces in
/// practice; titles are phrases: Shopify's `Custom discount` (manual), `Automatic discounts`,
/// `Seller discount` (TikTok Shop), an app's `UPSELL DISCOUNT`, an automatic discount's name
/// (`Buy 2 get 1`). Roster codes are matched first, so a roster code with a space still
/// attributes.
pub fn is_title(code: &str) -> bool {
    code.trim().contains(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_single_code_is_what_split_gives() {
        let mut one = String::new();
        for cell in ["summer30", " Summer30 ", "Custom discount", "A+B", "A-1_x.Y"] {
            assert!(single_plain(cell, &mut one), "{cell:?}");
            assert_eq!(vec![one.clone()], split(cell), "{cell:?}");
        }
        for cell in ["", "   ", "A + B", "A, B", "A,B", "ÆBLE10", "A\u{200B}B", "A\tB"] {
            assert!(!single_plain(cell, &mut one), "{cell:?}");
        }
    }

    #[test]
    fn both_separators_and_repeats_count_once() {
        assert_eq!(split("SUMMER30, SUMMER30, SUMMER30"), ["SUMMER30"]);
        assert_eq!(split("HONEY15, honey15"), ["HONEY15"]);
        assert_eq!(split("AWINTEST, AWIN"), ["AWINTEST", "AWIN"]);
        assert_eq!(split("SECRETCODE50 + PIA20 + SECRETSHIP10"), ["SECRETCODE50", "PIA20", "SECRETSHIP10"]);
        assert_eq!(split("anna10 + Custom discount, BO20"), ["ANNA10", "CUSTOM DISCOUNT", "BO20"]);
        assert!(split("").is_empty());
        assert!(split(" , ").is_empty());
    }

    #[test]
    fn a_bare_comma_or_plus_is_not_a_shopify_separator() {
        assert_eq!(split("A,B"), ["A,B"]);
        assert_eq!(split("A+B"), ["A+B"]);
    }

    #[test]
    fn invisible_characters_are_removed_before_matching() {
        assert_eq!(normalize("\u{FEFF}anna10"), "ANNA10");
        assert_eq!(normalize("an\u{200B}na\u{200D}10\u{2060}\u{00AD}"), "ANNA10");
        assert_eq!(normalize("\u{00A0}anna10\u{200C} "), "ANNA10");
        assert_eq!(split("ANNA10,\u{200B} anna10\u{FEFF}"), ["ANNA10"]);
        assert_eq!(split("ANNA10,\u{00A0}BO20"), ["ANNA10", "BO20"]);
    }

    #[test]
    fn other_exports_also_split_on_semicolons_pipes_and_bare_commas() {
        assert_eq!(
            split_list("code:ANNA10|description:10 % off|amount:5.00;code:free|description:|amount:0.00"),
            ["ANNA10", "FREE"]
        );
        assert_eq!(split_list("anna10, bo20"), ["ANNA10", "BO20"]);
        assert_eq!(split_list("a,b;c|d + e"), ["A", "B", "C", "D", "E"]);
        assert!(split_list("").is_empty());
    }

    #[test]
    fn titles_are_phrases() {
        for title in ["CUSTOM DISCOUNT", "SELLER DISCOUNT", "AUTOMATIC DISCOUNTS", "UPSELL DISCOUNT", "BUY 2 GET 1"] {
            assert!(is_title(title), "{title}");
        }
        for code in ["SUMMER30", "AWIN", "FREE-SHIP", "10OFF"] {
            assert!(!is_title(code), "{code}");
        }
    }
}
