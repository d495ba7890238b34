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
}
