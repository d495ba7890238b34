//! Text from outside: the characters no field may hold. NUL is refused by PostgreSQL, and the
//! other control characters break XML (Open311), CSV cells and the screens, so every string that
//! comes in is checked at the edge and refused with the field named.

use crate::Invalid;

/// The first character that no text field may hold: C0 controls other than tab, line feed and
/// carriage return, DEL, C1 controls, and the non-characters U+FFFE/U+FFFF (not allowed in XML).
pub fn forbidden_char(s: &str) -> Option<char> {
    s.chars().find(|&c| {
        matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
            || c == '\u{fffe}'
            || c == '\u{ffff}'
    })
}

/// Text without the characters `forbidden_char` finds, as a JSON-Schema pattern.
pub const PLAIN_PATTERN: &str =
    "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uFFFE\\uFFFF]*$";

/// `Ok` when `s` holds no forbidden character; else the refusal naming `field`.
pub fn check(field: &str, s: &str) -> Result<(), Invalid> {
    match forbidden_char(s) {
        None => Ok(()),
        Some(c) => Err(Invalid::new(
            field,
            "control_character",
            format!("含有不允许的控制字符 U+{:04X}", c as u32),
            format!("holds a control character (U+{:04X})", c as u32),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_found_and_ordinary_text_passes() {
        for ok in [
            "",
            "垃圾堆放\r\n第二行\t缩进",
            "ASCII ~ text",
            "emoji 🚧",
            "\u{a0}nbsp",
        ] {
            assert_eq!(forbidden_char(ok), None, "{ok:?}");
        }
        for (bad, c) in [
            ("a\u{0}b", '\u{0}'),
            ("\u{1b}[31m", '\u{1b}'),
            ("x\u{7f}", '\u{7f}'),
            ("c1 \u{85}", '\u{85}'),
            ("\u{ffff}", '\u{ffff}'),
        ] {
            assert_eq!(forbidden_char(bad), Some(c), "{bad:?}");
        }
        let e = check("description", "a\u{0}").unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("description", "control_character")
        );
        assert!(e.en.contains("U+0000"), "{}", e.en);
    }
}
