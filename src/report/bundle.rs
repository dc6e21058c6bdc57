//! What the report email attaches: report.html made self-contained (its charts as `data:`
//! URIs, so it opens from the mail client), influencers.csv and tiers.csv — or, when those
//! pass `ZIP_OVER` bytes, one `report.zip` holding the three, so the message stays small at
//! any roster size.

use super::render::Rendered;
use base64::Engine;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Attachments larger than this together (before encoding) go into one report.zip.
pub const ZIP_OVER: usize = 2_000_000;

/// One attachment of the report email.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read `{}`", path.display())]
pub struct BundleError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// report.html with each chart's `src="name.png"` replaced by the PNG itself.
pub fn self_contained_html(rendered: &Rendered) -> String {
    let mut html = rendered.html.clone();
    for chart in &rendered.charts {
        let data = base64::engine::general_purpose::STANDARD.encode(&chart.png);
        html = html.replace(&format!("src=\"{}\"", chart.file_name()), &format!("src=\"data:image/png;base64,{data}\""));
    }
    html
}

/// The attachments for the run whose CSV files are in `dir`.
pub fn attachments(rendered: &Rendered, dir: &Path) -> Result<Vec<Attachment>, BundleError> {
    let mut files = vec![Attachment {
        name: "report.html".into(),
        content_type: "text/html; charset=utf-8",
        body: self_contained_html(rendered).into_bytes(),
    }];
    for name in ["influencers.csv", "tiers.csv"] {
        let path = dir.join(name);
        let body = std::fs::read(&path).map_err(|source| BundleError { path, source })?;
        files.push(Attachment { name: name.into(), content_type: "text/csv; charset=utf-8", body });
    }
    if files.iter().map(|f| f.body.len()).sum::<usize>() <= ZIP_OVER {
        return Ok(files);
    }
    let entries: Vec<(&str, &[u8])> = files.iter().map(|f| (f.name.as_str(), f.body.as_slice())).collect();
    Ok(vec![Attachment { name: "report.zip".into(), content_type: "application/zip", body: zip(&entries) }])
}

/// A zip archive (deflated entries, UTF-8 names, no timestamps) of `entries`.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let mut central: Vec<u8> = Vec::new();
    // 1980-01-01 00:00, the zip format's earliest date: the archive is the same every run.
    let (time, date) = (0u16, 0x21u16);
    for (name, body) in entries {
        let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        let packed = deflater.write_all(body).and_then(|()| deflater.finish()).unwrap_or_default();
        let crc = crc32fast::hash(body);
        let offset = out.len() as u32;
        let fields = |buf: &mut Vec<u8>| {
            buf.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0
            buf.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
            buf.extend_from_slice(&8u16.to_le_bytes()); // deflate
            buf.extend_from_slice(&time.to_le_bytes());
            buf.extend_from_slice(&date.to_le_bytes());
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&(packed.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(body.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        fields(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&packed);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by: 2.0
        fields(&mut central);
        central.extend_from_slice(&[0; 8]); // comment length, disk, internal and external attributes (part)
        central.extend_from_slice(&0u16.to_le_bytes()); // external attributes (rest)
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let (at, size) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // this disk, the central directory's disk
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_entries_inflate_back() {
        let big = "influencer_id,name\n".repeat(1000);
        let archive = zip(&[("a.csv", big.as_bytes()), ("æ.txt", b"hej")]);
        assert_eq!(&archive[..4], b"PK\x03\x04");
        assert!(archive.len() < big.len() / 10, "deflated");
        // the first entry's data starts after the 30-byte header and its name
        let packed = u32::from_le_bytes(archive[18..22].try_into().unwrap()) as usize;
        let data = &archive[30 + 5..30 + 5 + packed];
        let mut inflated = String::new();
        std::io::Read::read_to_string(&mut flate2::read::DeflateDecoder::new(data), &mut inflated).unwrap();
        assert_eq!(inflated, big);
        assert_eq!(u32::from_le_bytes(archive[14..18].try_into().unwrap()), crc32fast::hash(big.as_bytes()));
        assert!(archive.windows(4).any(|w| w == b"PK\x05\x06"), "end of central directory");
    }
}
