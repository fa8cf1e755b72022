//! From many requests to one problem: suggested, tracked, fixed, and
//! everyone whose request it holds is told.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(recurring_requests_become_one_problem);

async fn recurring_requests_become_one_problem(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let sun = app.signed_in("sun").await;
    let first = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B5"),
                ("description", "五号楼电梯又坏了"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let second = sun
        .report(
            &[
                ("category", "lift"),
                ("place", "B5"),
                ("description", "五号楼电梯这个月第二次坏"),
                ("contact", "desk"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let zhang = app.signed_in("zhang").await;
    let list = zhang.get("/problems").await;
    assert_eq!(list.status, 200);
    assert!(
        list.body.contains("反复出现的") && list.body.contains("5号楼"),
        "suggested as a candidate"
    );
    let bad = zhang
        .post_form("/problems", &[("title", ""), ("codes", "99999999")])
        .await;
    assert_eq!(bad.status, 422);
    // Another team's private request cannot be pulled in, and is refused
    // exactly like a code that does not exist.
    let legal = sun
        .report(
            &[
                ("category", "legal"),
                ("place", "B3-202"),
                ("description", "电梯事故赔偿怎么算？"),
            ],
            &[],
        )
        .await
        .code();
    let refused = zhang
        .post_form("/problems", &[("title", "试试"), ("codes", &legal)])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("没有这个受理编号的诉求"));
    let made = zhang
        .post_form(
            "/problems",
            &[
                ("title", "五号楼电梯反复故障"),
                ("plan", "请厂家检修控制柜"),
                ("codes", &format!("{first} {second}")),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let page = zhang.get(&made.location).await;
    assert!(
        page.body.contains(&first)
            && page.body.contains(&second)
            && page.body.contains("请厂家检修控制柜")
    );
    assert!(
        zhang
            .get("/dashboard")
            .await
            .body
            .contains("五号楼电梯反复故障"),
        "on the dashboard until fixed"
    );
    assert_eq!(
        app.signed_in("liu").await.get("/problems").await.status,
        403,
        "leads and the secretary track problems"
    );
    let fixed = zhang
        .post_form(
            &format!("{}/fixed", made.location),
            &[("note", "更换了控制主板")],
        )
        .await;
    assert_eq!(fixed.status, 303);
    assert!(
        !zhang
            .get("/dashboard")
            .await
            .body
            .contains("五号楼电梯反复故障")
    );
    for resident in [&huang, &sun] {
        assert!(
            resident
                .get("/my")
                .await
                .body
                .contains("与您的诉求相关的根本问题已经解决")
        );
    }
    // Sun asked to be told at the desk: reception has it to pass on.
    let desk = app.signed_in("reception").await.get("/desk").await;
    assert!(desk.body.contains(&format!("/desk/told/{second}")));
    assert!(desk.body.contains("造成这个问题的根源已经查明并修好了"));
    assert!(!desk.body.contains(&format!("/desk/told/{first}")));
    let history = huang.get(&format!("/r/{first}")).await;
    assert!(history.body.contains("造成这个问题的根源已经查明并修好了"));
}
