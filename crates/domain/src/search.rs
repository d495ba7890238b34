//! Search keys for Chinese personal names.
//!
//! Names are not dictionary words, so a word splitter (jieba) cuts them unpredictably. Every
//! two-character run of a name (bigram) is indexed instead; a query is answered from the first
//! bigram of the query and then filtered by the whole fragment, and a one-character query uses the
//! name's first character (the surname), which is how people search by a single character.

/// The name's first character followed by its distinct bigrams, in order of first appearance.
pub fn name_grams(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out: Vec<String> = Vec::new();
    if let Some(first) = chars.first() {
        out.push(first.to_string());
    }
    for w in chars.windows(2) {
        let g: String = w.iter().collect();
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

/// The key used to look a query up: its first bigram, or the single character.
pub fn query_gram(q: &str) -> Option<String> {
    let chars: Vec<char> = q.chars().filter(|c| !c.is_whitespace()).collect();
    match chars.len() {
        0 => None,
        1 => Some(chars[0].to_string()),
        _ => Some(chars[..2].iter().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grams() {
        assert_eq!(name_grams("王小明"), vec!["王", "王小", "小明"]);
        assert_eq!(name_grams("张伟"), vec!["张", "张伟"]);
        assert_eq!(name_grams("李"), vec!["李"]);
        assert_eq!(name_grams("哈哈哈"), vec!["哈", "哈哈"]);
        assert!(name_grams("").is_empty());
        assert_eq!(query_gram("小明"), Some("小明".into()));
        assert_eq!(query_gram("王小明"), Some("王小".into()));
        assert_eq!(query_gram("王"), Some("王".into()));
        assert_eq!(query_gram(" "), None);
    }
}
