//! Household visits (走访): why a grid worker calls, and how often each household is due a call.
//! A household is due when it has not been visited for the default interval, or for the shorter
//! interval one of its members' tags asks for (e.g. an empty-nest elder monthly).

use crate::Invalid;

/// Purposes of a visit: (code, label).
pub const PURPOSES: [(&str, &str); 6] = [
    ("routine", "日常走访"),
    ("elderly_care", "关爱老人"),
    ("left_behind_child", "关爱留守儿童"),
    ("dispute_followup", "纠纷回访"),
    ("policy_publicity", "政策宣传"),
    ("other", "其他"),
];

/// Days between visits when no tag asks for more often.
pub const DEFAULT_DUE_DAYS: i64 = 90;

/// Days between visits for households with a member carrying the tag (the defaults; each can be
/// changed with the setting `visit_days.<tag>`, and the default with `visit_days`).
pub const TAG_DUE_DAYS: [(&str, i64); 6] = [
    ("empty_nest", 30),
    ("left_behind_child", 30),
    ("needy_member", 30),
    ("60+", 60),
    ("disability", 60),
    ("dibao", 60),
];

/// The purpose code, checked.
pub fn purpose(field: &str, s: &str) -> Result<&'static str, Invalid> {
    PURPOSES
        .iter()
        .find(|(code, _)| *code == s.trim())
        .map(|(code, _)| *code)
        .ok_or_else(|| {
            Invalid::new(
                field,
                "invalid_purpose",
                "不是已知的走访事由",
                "is not a known visit purpose",
            )
        })
}

/// Days between visits for a household whose members carry `tags`: the shortest of the default
/// and the intervals its tags set (a tag asks for more frequent visits, never fewer). `days_for(tag)` answers a configured interval (`None`: the tag's
/// default from `TAG_DUE_DAYS`); `default_days` is the configured default.
pub fn due_days<'a>(
    tags: impl IntoIterator<Item = &'a str>,
    days_for: impl Fn(&str) -> Option<i64>,
    default_days: i64,
) -> i64 {
    tags.into_iter()
        .filter_map(|t| {
            days_for(t).or_else(|| TAG_DUE_DAYS.iter().find(|(k, _)| *k == t).map(|(_, d)| *d))
        })
        .fold(default_days, i64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_are_checked() {
        assert_eq!(purpose("purpose", " routine ").unwrap(), "routine");
        assert_eq!(
            purpose("purpose", "chat").unwrap_err().code,
            "invalid_purpose"
        );
    }

    #[test]
    fn the_shortest_interval_of_any_tag_wins() {
        let none = |_: &str| None;
        assert_eq!(due_days([], none, 90), 90);
        assert_eq!(due_days(["veteran"], none, 90), 90);
        assert_eq!(due_days(["60+", "empty_nest"], none, 90), 30);
        // A configured interval replaces the tag's default.
        let set = |t: &str| (t == "empty_nest").then_some(14);
        assert_eq!(due_days(["60+", "empty_nest"], set, 90), 14);
        assert_eq!(due_days(["60+"], set, 45), 45);
    }
}
