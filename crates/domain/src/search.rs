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

/// Full-text terms of free text (case titles, descriptions, addresses) for an FTS index with a
/// whitespace tokenizer: every run of Chinese characters becomes its overlapping bigrams (a run of
/// one character stays as it is), every run of ASCII letters or digits one lower-cased term; other
/// characters separate terms. A bigram index finds any two-character word (垃圾, 街道) without a
/// dictionary, which matters for place names and local terms that no word list has.
pub fn text_terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cjk: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_cjk = |cjk: &mut Vec<char>, out: &mut Vec<String>| {
        if cjk.len() == 1 {
            out.push(cjk[0].to_string());
        }
        for w in cjk.windows(2) {
            out.push(w.iter().collect());
        }
        cjk.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            cjk.push(c);
        } else if c.is_ascii_alphanumeric() {
            flush_cjk(&mut cjk, &mut out);
            word.push(c.to_ascii_lowercase());
        } else {
            flush_cjk(&mut cjk, &mut out);
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        }
    }
    flush_cjk(&mut cjk, &mut out);
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The indexed document of several fields: their terms joined by spaces.
pub fn document(fields: &[&str]) -> String {
    let mut terms: Vec<String> = Vec::new();
    for f in fields {
        terms.extend(text_terms(f));
    }
    terms.join(" ")
}

/// The terms a query must all match, without repeats; `None` when it has none. A one-character
/// Chinese query can only match a one-character run, so it is answered as-is.
pub fn query_terms(q: &str) -> Option<Vec<String>> {
    let mut terms = text_terms(q);
    let mut seen = std::collections::HashSet::new();
    terms.retain(|t| seen.insert(t.clone()));
    terms.truncate(16);
    (!terms.is_empty()).then_some(terms)
}

/// CJK Unified Ideographs (with extension A and compatibility ideographs).
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_terms_are_bigrams_and_words() {
        assert_eq!(text_terms("垃圾堆放"), vec!["垃圾", "圾堆", "堆放"]);
        assert_eq!(
            text_terms("幸福路3号楼, 垃圾!"),
            vec!["幸福", "福路", "3", "号楼", "垃圾"]
        );
        assert_eq!(text_terms("A栋 WiFi坏"), vec!["a", "栋", "wifi", "坏"]);
        assert_eq!(document(&["路灯", "不亮"]), "路灯 不亮");
        assert_eq!(query_terms("垃圾 垃圾"), Some(vec!["垃圾".to_string()]));
        assert_eq!(query_terms("  !!"), None);
    }

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
