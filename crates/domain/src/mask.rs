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

/// `王小明` → `王**`: a person named where their name is not the point (the audit log).
pub fn name(s: &str) -> String {
    let mut chars = s.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// Free text shown to the public (a unit's feedback, a rejection's reason) with the phone and ID
/// numbers in it masked: staff sometimes write one into a note. A number is a run of 7 or more
/// digits, or a mobile, landline or ID number written in groups (`138 1234 1234`,
/// `0518-85812345`); full-width digits count as digits. Dates and times (`2026-11-22 10:30`) stay.
pub fn numbers_in_text(s: &str) -> String {
    let orig: Vec<char> = s.chars().collect();
    let chars: Vec<char> = orig
        .iter()
        .copied()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(orig[i]);
            i += 1;
            continue;
        }
        // The run: digits, single spaces or hyphens between digits, and an ID's closing X.
        let (start, mut end, mut digits, mut grouped) = (i, i, String::new(), false);
        let (mut unbroken, mut longest) = (0, 0);
        while end < chars.len() {
            let c = chars[end];
            let next_is_digit = chars.get(end + 1).is_some_and(char::is_ascii_digit);
            if c.is_ascii_digit() {
                digits.push(c);
                unbroken += 1;
                longest = longest.max(unbroken);
            } else if matches!(c, ' ' | '-') && next_is_digit {
                grouped = true;
                unbroken = 0;
            } else if matches!(c, 'X' | 'x') && digits.len() == 17 {
                digits.push(c);
            } else {
                break;
            }
            end += 1;
        }
        let n = digits.len();
        let number = longest >= 7
            || (grouped
                && ((n == 11 && digits.starts_with('1'))
                    || (digits.starts_with('0') && (10..=12).contains(&n))
                    || n == 17
                    || n == 18));
        if number {
            out.push_str(&match n {
                11 if digits.starts_with('1') => phone(&digits),
                17 | 18 => id_number(&digits),
                _ => keep_ends(&digits.chars().collect::<Vec<_>>(), 0, 4),
            });
        } else {
            out.extend(&orig[start..end]);
        }
        i = end;
    }
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
        assert_eq!(name("王小明"), "王**");
        assert_eq!(name(" 欧阳娜娜 "), "欧***");
        assert_eq!(name(""), "");
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
        assert_eq!(
            super::numbers_in_text("电话138 1234 1234。"),
            "电话138****1234。"
        );
        assert_eq!(
            super::numbers_in_text("电话138-1234-1234"),
            "电话138****1234"
        );
        assert_eq!(
            super::numbers_in_text("１３８１２３４１２３４"),
            "138****1234"
        );
        assert_eq!(super::numbers_in_text("0518-85812345"), "********2345");
        assert_eq!(
            super::numbers_in_text("身份证 320722 19800101 123X"),
            "身份证 320722********123X"
        );
        assert_eq!(super::numbers_in_text("1234567 8"), "****5678");
        assert_eq!(
            super::numbers_in_text("已于2026-11-22 10:30处理，共3-5人"),
            "已于2026-11-22 10:30处理，共3-5人"
        );
    }
}
