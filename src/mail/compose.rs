//! The text of a news email: Chinese first, then English, one line per
//! piece of news with a link to it. Only what the inbox shows (the kind of
//! news and the tracking code) goes out: never a description, a name, a
//! phone number or anything of a private request beyond its code.

use crate::community::Community;
use crate::i18n::Lang;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub message_key: String,
    pub tracking_code: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub body: String,
}

/// One letter for `items` (news as it happens, or the day's digest).
pub fn compose(community: &Community, base_url: &str, items: &[Item], digest: bool) -> Letter {
    let base = base_url.trim_end_matches('/');
    let count = items.len().to_string();
    let subject_key = if digest {
        "mail-subject-digest"
    } else {
        "mail-subject-now"
    };
    let subject = [Lang::Zh, Lang::En]
        .map(|lang| {
            lang.t_args(
                subject_key,
                &[
                    (
                        "community",
                        lang.pick(&community.name_zh, &community.name_en)
                            .to_string(),
                    ),
                    ("count", count.clone()),
                ],
            )
        })
        .join(" · ");
    let mut body = String::new();
    for lang in [Lang::Zh, Lang::En] {
        body.push_str(&lang.t("mail-greeting"));
        body.push_str("\n\n");
        for item in items {
            body.push_str("- ");
            body.push_str(&community.format_time(item.created_at));
            body.push_str("  ");
            body.push_str(&lang.t(&item.message_key));
            if let Some(code) = &item.tracking_code {
                body.push_str(&format!("\n  {code}: {base}/r/{code}"));
            }
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&lang.t_args("mail-change", &[("link", format!("{base}/account/news"))]));
        body.push_str("\n\n");
    }
    Letter {
        subject,
        body: body.trim_end().to_string() + "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jinyuan() -> Community {
        Community {
            id: 1,
            code: "jinyuan".into(),
            name_zh: "金苑小区".into(),
            name_en: "Jinyuan Estate".into(),
            timezone: "Asia/Shanghai".into(),
            emergency_numbers: String::new(),
        }
    }

    fn item(key: &str, code: Option<&str>) -> Item {
        Item {
            message_key: key.into(),
            tracking_code: code.map(Into::into),
            // 2026-11-27 09:05 in Shanghai.
            created_at: 1_795_741_500,
        }
    }

    #[test]
    fn one_piece_of_news_in_both_languages_with_its_link() {
        let letter = compose(
            &jinyuan(),
            "https://jinyuan.example/",
            &[item("notify-resolved", Some("AB12CD34"))],
            false,
        );
        assert!(letter.subject.contains("金苑小区") && letter.subject.contains("Jinyuan Estate"));
        assert!(letter.subject.contains('1'));
        let zh = letter.body.find(&Lang::Zh.t("notify-resolved")).unwrap();
        let en = letter.body.find(&Lang::En.t("notify-resolved")).unwrap();
        assert!(zh < en, "Chinese first");
        assert_eq!(
            letter
                .body
                .matches("https://jinyuan.example/r/AB12CD34")
                .count(),
            2
        );
        assert!(letter.body.contains("https://jinyuan.example/account/news"));
        assert!(!letter.body.contains("//r/"), "no doubled slash");
    }

    #[test]
    fn a_digest_lists_every_item_and_news_without_a_request_has_no_link() {
        let items = [
            item("notify-overdue-lead", Some("AAAA1111")),
            item("notify-screen-silent", None),
            item("notify-callback", Some("BBBB2222")),
        ];
        let letter = compose(&jinyuan(), "http://127.0.0.1:8080", &items, true);
        assert!(letter.subject.contains('3'));
        assert_eq!(letter.body.matches("/r/").count(), 4);
        assert!(letter.body.contains(&Lang::En.t("notify-screen-silent")));
        assert!(!letter.body.contains("notify-"), "every key is translated");
    }
}
