//! Masking of personal data for roles that may not see it in full.

/// `320722198001011234` → `320722********1234`. Anything that is not 18 characters keeps its
/// first 3 and last 2 characters at most.
pub fn id_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() == 18 {
        let head: String = chars[..6].iter().collect();
        let tail: String = chars[14..].iter().collect();
        return format!("{head}********{tail}");
    }
    keep_ends(&chars, 3, 2)
}

/// `13812341234` → `138****1234`; a landline keeps its last 4 digits.
pub fn phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() == 11 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[7..].iter().collect();
        return format!("{head}****{tail}");
    }
    keep_ends(&chars, 0, 4)
}

/// Free text shown to the public (a unit's feedback, a rejection's reason) with every run of 7 or
/// more digits masked as a phone or ID number would be: staff sometimes write a number into a note.
pub fn numbers_in_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 7 {
            out.push_str(&match run.len() {
                11 => phone(run),
                17 | 18 => id_number(run),
                _ => keep_ends(&run.chars().collect::<Vec<_>>(), 0, 4),
            });
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        // An ID number's last character may be X.
        if c.is_ascii_digit() || (matches!(c, 'X' | 'x') && run.len() == 17) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn keep_ends(chars: &[char], head: usize, tail: usize) -> String {
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(id_number("320722198001011234"), "320722********1234");
        assert_eq!(id_number("11010519491231002X"), "110105********002X");
        assert_eq!(phone("13812341234"), "138****1234");
        assert_eq!(phone("0518-85812345"), "*********2345");
        assert_eq!(phone("123"), "***");
        assert_eq!(id_number("12345"), "*****");
        assert_eq!(id_number("1234567"), "123**67");
        assert_eq!(id_number(""), "");
    }

    #[test]
    fn numbers_in_notes_are_masked() {
        assert_eq!(
            super::numbers_in_text("已电话联系13812341234，身份证32072219800101123X核实"),
            "已电话联系138****1234，身份证320722********123X核实"
        );
        assert_eq!(
            super::numbers_in_text("清理了3车垃圾，共120公斤"),
            "清理了3车垃圾，共120公斤"
        );
        assert_eq!(super::numbers_in_text("座机85123456"), "座机****3456");
    }
}
