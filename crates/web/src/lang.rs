//! One language at a time: each request answers in the language it asks for (`Accept-Language`,
//! which the UI sets to the language it shows), Chinese when it asks for neither. Messages are
//! kept in both languages until the answer is written; field names are given as their labels.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

tokio::task_local! {
    static LANG: Lang;
}

/// The language of the request being answered (Chinese outside a request).
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or(Lang::Zh)
}

/// `zh` or `en`, as the request asks.
pub fn pick(zh: &str, en: &str) -> String {
    match current() {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// Makes every `Msg` the answer carries (and every kept bilingual text) speak the request's
/// language.
pub fn install() {
    tongchou_domain::error::set_language(pick);
}

/// The language an `Accept-Language` value prefers among Chinese and English: the highest
/// weight wins, the first listed on a tie; neither named (or `*`): Chinese.
pub fn from_accept_language(v: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for part in v.split(',') {
        let mut it = part.split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q=").map(str::to_string))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("zh") => Lang::Zh,
            Some("en") => Lang::En,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::Zh, |(_, l)| l)
}

/// Middleware: answers the request in its language.
pub async fn scope(req: Request, next: Next) -> Response {
    let lang = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::Zh, from_accept_language);
    LANG.scope(lang, next.run(req)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preferred_of_chinese_and_english_wins() {
        for (header, want) in [
            ("en", Lang::En),
            ("en-US,en;q=0.9", Lang::En),
            ("zh-CN,zh;q=0.9,en;q=0.8", Lang::Zh),
            ("fr-FR,en;q=0.5,zh;q=0.4", Lang::En),
            ("en;q=0.2,zh-TW;q=0.8", Lang::Zh),
            ("de, *", Lang::Zh),
            ("", Lang::Zh),
            ("en;q=0", Lang::Zh),
            ("en;q=abc", Lang::En),
        ] {
            assert_eq!(from_accept_language(header), want, "{header}");
        }
    }

    #[tokio::test]
    async fn a_message_is_said_in_the_language_of_its_request() {
        use tongchou_domain::error::{Msg, said_stored};
        install();
        let m = Msg::new("已存在", "already exists");
        assert_eq!(m.said(), "已存在");
        let (en, kept, note) = LANG
            .scope(Lang::En, async {
                let kept = said_stored(&Msg::new("自动上报", "escalated").stored());
                (m.said(), kept, said_stored("路灯 / 水管"))
            })
            .await;
        assert_eq!(
            (en.as_str(), kept.as_str()),
            ("already exists", "escalated")
        );
        assert_eq!(note, "路灯 / 水管", "what a person wrote is never split");
    }
}
