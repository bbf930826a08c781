//! Reading the JSON files of a model directory (`config.json`, `tokenizer.json`, …) with
//! errors a person can act on.
//!
//! serde's own message ("expected value at line 1 column 1") does not say which file is at
//! fault nor what was there instead. The usual cause in the page is a server that answered
//! with a web page (a login wall, a 404 page with status 200, a directory listing), so the
//! message names the file and quotes how it begins.

use serde::de::DeserializeOwned;

/// The first characters of `bytes`, printable, for an error message.
pub fn preview(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64)]);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if bytes.len() > 64 {
        out.push('…');
    }
    out.trim().to_string()
}

/// Why `bytes` are not the JSON file `file`, in words.
pub fn describe_error(file: &str, bytes: &[u8], err: &serde_json::Error) -> String {
    let trimmed = bytes.trim_ascii_start();
    if trimmed.is_empty() {
        return format!("{file} is empty");
    }
    if trimmed.first() == Some(&b'<') {
        return format!(
            "{file} is not JSON but HTML (it begins \"{}\"): the address served a web page \
             instead of the file — check the model's URL",
            preview(trimmed)
        );
    }
    if std::str::from_utf8(bytes).is_err() {
        return format!("{file} is not JSON: it is not UTF-8 text (a binary file?)");
    }
    if err.is_syntax() || err.is_eof() {
        return format!(
            "{file} is not valid JSON ({err}); it begins \"{}\"",
            preview(trimmed)
        );
    }
    format!("{file}: {err}")
}

/// Parses `bytes` as the JSON file `file` into `T`.
pub fn parse<T: DeserializeOwned>(file: &str, bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| describe_error(file, bytes, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_named_as_html() {
        let e = parse::<serde_json::Value>("config.json", b"<!DOCTYPE html><html>")
            .expect_err("an error");
        assert!(e.contains("config.json is not JSON but HTML"), "{e}");
        assert!(e.contains("<!DOCTYPE html>"), "{e}");
    }

    #[test]
    fn syntax_errors_quote_the_start() {
        let e = parse::<serde_json::Value>("config.json", b"{\"a\": }").expect_err("an error");
        assert!(e.starts_with("config.json is not valid JSON"), "{e}");
        let e = parse::<serde_json::Value>("config.json", b"  ").expect_err("an error");
        assert_eq!(e, "config.json is empty");
        let e =
            parse::<serde_json::Value>("config.json", &[0xff, 0xfe, 0x00]).expect_err("an error");
        assert!(e.contains("not UTF-8"), "{e}");
    }
}
