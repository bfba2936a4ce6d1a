//! What a file is, read from its first bytes rather than from its name.

/// How many leading bytes [`sniff_content_type`] looks at.
pub(crate) const SNIFF_LEN: usize = 8 * 1024;

/// The media types an upload may have: images, PDF, plain text, common office
/// formats (Microsoft and OpenDocument) and zip archives.
pub const ACCEPTED_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
    "image/heif",
    "image/avif",
    "application/pdf",
    "text/plain; charset=utf-8",
    "text/plain",
    "application/rtf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/zip",
];

/// The media type of a file from its first bytes (up to 8 KiB; `complete`
/// says whether `head` is the whole file). Binary formats are known by their
/// signatures. Text has no control characters other than tab, line breaks and
/// form feed: `text/plain; charset=utf-8` if it is UTF-8, else `text/plain` (a
/// legacy 8-bit encoding, such as a spreadsheet's CSV export in Windows-1252).
/// Whatever else a file is (an executable, say) gives `Err` with the type
/// found, or `application/octet-stream` if none.
pub fn sniff_content_type(head: &[u8], complete: bool) -> Result<&'static str, &'static str> {
    let found = match infer::get(head) {
        Some(kind) => normalise(kind.mime_type()),
        None if is_utf8_text(head, complete) => "text/plain; charset=utf-8",
        None if is_8bit_text(head) => "text/plain",
        None => "application/octet-stream",
    };
    if ACCEPTED_TYPES.contains(&found) {
        Ok(found)
    } else {
        Err(found)
    }
}

/// The names `infer` gives some types, mapped to the ones ticketd serves.
fn normalise(mime: &'static str) -> &'static str {
    match mime {
        "text/rtf" => "application/rtf",
        "image/heic" => "image/heif",
        other => other,
    }
}

/// Bytes of a text in a legacy 8-bit encoding: no NUL or other C0 control
/// byte but tab, line feed, carriage return and form feed, and no DEL.
fn is_8bit_text(head: &[u8]) -> bool {
    head.iter()
        .all(|&b| b >= 0x20 && b != 0x7f || matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
}

fn is_utf8_text(head: &[u8], complete: bool) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A multi-byte character cut at the end of the sniffed bytes is fine.
        Err(e) if !complete && e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => {
            match std::str::from_utf8(&head[..e.valid_up_to()]) {
                Ok(text) => text,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_formats_are_read_from_their_bytes() {
        assert_eq!(
            sniff_content_type(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", true),
            Ok("application/pdf")
        );
        assert_eq!(
            sniff_content_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", true),
            Ok("image/png")
        );
        assert_eq!(
            sniff_content_type(b"\xff\xd8\xff\xe0\0\x10JFIF", true),
            Ok("image/jpeg")
        );
        assert_eq!(
            sniff_content_type(b"PK\x03\x04\x14\0\0\0", true),
            Ok("application/zip")
        );
        assert_eq!(
            sniff_content_type("Grüße, line two\r\n\tend".as_bytes(), true),
            Ok("text/plain; charset=utf-8")
        );
        assert_eq!(
            sniff_content_type(b"caf\xe9;5,00 \x80\r\n", true),
            Ok("text/plain")
        );
    }

    #[test]
    fn executables_and_unknown_bytes_are_refused() {
        let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
        exe.resize(256, 0);
        exe[0x3c] = 0x80;
        assert!(sniff_content_type(&exe, true).is_err());
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
        assert!(sniff_content_type(elf, true).is_err());
        assert_eq!(
            sniff_content_type(b"\0\x01\x02binary", true),
            Err("application/octet-stream")
        );
        assert!(sniff_content_type(b"text with a \x07 bell", true).is_err());
    }

    #[test]
    fn text_cut_inside_a_character_is_still_text() {
        let mut head = "a".repeat(10).into_bytes();
        head.extend_from_slice(&"é".as_bytes()[..1]);
        assert_eq!(
            sniff_content_type(&head, false),
            Ok("text/plain; charset=utf-8")
        );
        // Whole, the cut character is a legacy 8-bit text's byte.
        assert_eq!(sniff_content_type(&head, true), Ok("text/plain"));
    }
}
