//! Staff search finds Chinese words inside sentences on both engines, and
//! any list downloads as a CSV that spreadsheet programs read as Chinese.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    search_finds_chinese_words_inside_sentences,
    lists_download_as_csv,
    a_long_queue_comes_in_pages
);

async fn a_long_queue_comes_in_pages(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let mut codes = Vec::new();
    for n in 1..=53 {
        let description = format!("走廊第{n}盏灯分页检查");
        let page = huang
            .report(
                &[
                    ("category", "light"),
                    ("place", "B3"),
                    ("description", description.as_str()),
                    ("go_ahead", "1"),
                ],
                &[],
            )
            .await;
        codes.push(page.code());
    }
    let liu = app.signed_in("liu").await;
    let search = format!(
        "/queue?q={}",
        grassroots::web::forms::url_encode("分页检查")
    );
    let first = liu.get(&search).await;
    assert_eq!(first.status, 200);
    let on = |body: &str| codes.iter().filter(|c| body.contains(c.as_str())).count();
    assert_eq!(on(&first.body), 50, "a page holds 50");
    assert!(
        !first.body.contains("rel=\"prev\""),
        "nothing before the first"
    );
    let next = crate::support::quoted_after(&first.body, "rel=\"next\" href=\"")
        .expect("a link to the next page")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(
        next.contains("page=2") && next.contains("q="),
        "{next} keeps the search"
    );
    let second = liu.get(&next).await;
    assert_eq!(on(&second.body), 3, "the rest on the second");
    assert!(second.body.contains("rel=\"prev\"") && !second.body.contains("rel=\"next\""));
    let all = format!("{}{}", first.body, second.body);
    assert!(
        codes.iter().all(|c| all.contains(c.as_str())),
        "every one shown once"
    );
    for odd in ["0", "-1", "abc", "99999999999999999999", "3"] {
        let page = liu.get(&format!("{search}&page={odd}")).await;
        page.assert_no_server_error(odd);
        assert_eq!(page.status, 200, "{odd}");
    }
}

async fn search_finds_chinese_words_inside_sentences(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let lift = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B3"),
                ("description", "3号楼电梯坏了，按钮不亮"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let lamp = huang
        .report(
            &[
                ("category", "light"),
                ("place", "B3"),
                ("description", "楼道灯不亮"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let sun = app.signed_in("sun").await;
    let legal = sun
        .report(
            &[
                ("category", "legal"),
                ("place", "B3-202"),
                ("description", "电梯广告费归谁？"),
            ],
            &[],
        )
        .await
        .code();
    let liu = app.signed_in("liu").await;
    let search = |q: &str| format!("/queue?q={}", grassroots::web::forms::url_encode(q));
    for q in [
        "电梯",
        "电梯坏",
        "按钮不亮",
        "坏了，按钮",
        "LIFT",
        "lift broken",
    ] {
        let page = liu.get(&search(q)).await;
        assert_eq!(page.status, 200, "{q}");
        assert!(page.body.contains(&lift), "{q} finds the lift request");
        assert!(!page.body.contains(&lamp), "{q} does not find the lamp");
    }
    let both = liu.get(&search("不亮")).await.body;
    assert!(
        both.contains(&lift) && both.contains(&lamp),
        "two characters, in either sentence"
    );
    assert!(
        !liu.get(&search("了按")).await.body.contains(&lift),
        "two characters that are not neighbours across a comma are not found"
    );
    assert!(
        liu.get(&search("亮")).await.body.contains(&lift),
        "one character"
    );
    assert!(
        liu.get(&search(&lift)).await.body.contains(&lift),
        "a tracking code"
    );
    assert!(
        !liu.get(&search("洗衣机")).await.body.contains(&lift),
        "nothing unrelated"
    );
    for odd in ["%", "_", "\"", "'", "电梯\" OR \"", "*", "NEAR(a b)"] {
        liu.get(&search(odd)).await.assert_no_server_error(odd);
    }
    // Solved requests are found too.
    let zhang = app.signed_in("zhang").await;
    assert_eq!(
        zhang
            .act(&lift, &[("action", "resolve"), ("message", "修好了")])
            .await
            .status,
        303
    );
    assert!(liu.get(&search("电梯")).await.body.contains(&lift));
    // Ranked: open before solved, danger first among the open.
    let report = |description: &'static str, urgency: &'static str| {
        let huang = &huang;
        async move {
            huang
                .report(
                    &[
                        ("category", "lift"),
                        ("place", "B4"),
                        ("description", description),
                        ("urgency", urgency),
                        ("go_ahead", "1"),
                    ],
                    &[],
                )
                .await
                .code()
        }
    };
    let ordinary = report("4号楼电梯灯不亮", "general").await;
    let trapped = report("4号楼电梯困人了", "danger").await;
    let found = liu.get(&search("电梯")).await.body;
    let at = |code: &str| found.find(code).unwrap_or_else(|| panic!("{code} found"));
    assert!(at(&trapped) < at(&ordinary), "danger first");
    assert!(at(&ordinary) < at(&lift), "open before solved");
    // Searches keep to what each person may see.
    let chen = app.signed_in("chen").await;
    assert!(
        !chen.get(&search("电梯")).await.body.contains(&lift),
        "another team's queue"
    );
    let reception = app.signed_in("reception").await;
    let found = reception.get(&search("电梯")).await;
    assert!(
        found.body.contains(&lift) && !found.body.contains(&legal),
        "legal questions stay with their team"
    );
    let zhou = app.signed_in("zhou").await;
    assert!(zhou.get(&search("电梯广告")).await.body.contains(&legal));
    let api = liu
        .get_json(&format!(
            "/api/v1/requests?q={}",
            grassroots::web::forms::url_encode("电梯")
        ))
        .await;
    assert!(api.body.contains(&lift) && !api.body.contains(&lamp));
}

async fn lists_download_as_csv(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "water"),
                ("place", "B4"),
                ("description", "四号楼停水, \"很急\""),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let zhang = app.signed_in("zhang").await;
    let r = zhang
        .http
        .get(app.url("/queue.csv?q=%E5%81%9C%E6%B0%B4"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/csv")
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap_or("")
            .contains("attachment")
    );
    let bytes = r.bytes().await.expect("bytes");
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "a byte-order mark, so spreadsheets read UTF-8"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().expect("headers").clone();
    assert_eq!(&headers[0], "受理编号");
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("row")).collect();
    let row = records
        .iter()
        .find(|r| &r[0] == code.as_str())
        .expect("the request is a row");
    assert_eq!(
        &row[11], "四号楼停水, \"很急\"",
        "commas and quotes survive"
    );
    assert_eq!(&row[2], "停水漏水");
    let english = app.client("en");
    assert_eq!(
        english
            .post_form(
                "/signin",
                &[
                    ("username", "zhang"),
                    ("password", grassroots::demo::DEMO_PASSWORD)
                ]
            )
            .await
            .status,
        303
    );
    // A formula typed by a resident stays text in a spreadsheet.
    let formula = huang
        .report(
            &[
                ("category", "water"),
                ("place", "B4"),
                ("description", "=HYPERLINK(\"x\")"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let csv = zhang.get("/queue.csv").await;
    assert!(csv.body.contains("'=HYPERLINK") && csv.body.contains(&formula));
    let en = english.get("/queue.csv").await;
    assert!(en.body.contains("Tracking code"));
    assert_eq!(
        app.anonymous().get("/queue.csv").await.status,
        303,
        "staff only"
    );
    assert_eq!(huang.get("/queue.csv").await.status, 403);
}
