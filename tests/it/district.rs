//! Several communities on one server: a secretary sets up the next one, a
//! volunteer lawyer of the first is given a role there and joins its legal
//! team, chooses where she works when she signs in, and sees only the
//! community she works in.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(a_lawyer_serves_two_estates_one_at_a_time);

async fn a_lawyer_serves_two_estates_one_at_a_time(app: Arc<TestApp>) {
    let secretary = app.signed_in("secretary").await;
    let made = secretary
        .post_form(
            "/admin/communities",
            &[
                ("code", "hexie"),
                ("name_zh", "和谐小区"),
                ("name_en", "Hexie Estate"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    // Her session now works in the new community: its own workgroups.
    let group = secretary
        .post_form(
            "/admin/workgroups",
            &[
                ("code", "legal"),
                ("name_zh", "法律服务"),
                ("name_en", "Legal aid"),
            ],
        )
        .await;
    assert_eq!(group.status, 303, "{}", group.body);
    let hexie = grassroots::community::Community::by_code(&app.db, "hexie")
        .await
        .expect("read")
        .expect("made");
    let legal = app
        .number(
            "SELECT id FROM workgroups WHERE community_id = $1 AND code = 'legal'",
            hexie.id,
        )
        .await;
    let jinyuan_legal = app
        .number(
            "SELECT w.id FROM workgroups w JOIN communities c ON c.id = w.community_id \
             WHERE c.code = 'jinyuan' AND w.code = 'legal' AND $1 = $1",
            0,
        )
        .await;
    assert_ne!(legal, jinyuan_legal);

    // Li, a volunteer lawyer of Jinyuan, is not someone of Hexie's yet.
    let refused = secretary
        .post_form(
            &format!("/admin/workgroups/{legal}/members"),
            &[("username", "li")],
        )
        .await;
    assert_eq!(refused.status, 422, "not hers to add yet");
    let li = app.account_id("li").await;
    grassroots::district::communities::add_membership(
        &app.db,
        li,
        hexie.id,
        grassroots::auth::Role::Volunteer,
    )
    .await
    .expect("a role in Hexie");
    let joined = secretary
        .post_form(
            &format!("/admin/workgroups/{legal}/members"),
            &[("username", "li")],
        )
        .await;
    assert_eq!(joined.status, 303, "{}", joined.body);

    // Li signs in: first she chooses where she works.
    let lawyer = app.client("en");
    let signin = lawyer
        .post_form(
            "/signin",
            &[
                ("username", "li"),
                ("password", grassroots::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(signin.status, 303);
    assert_eq!(signin.location, "/my/communities");
    let choice = lawyer.get("/my/communities").await;
    assert!(choice.body.contains("Jinyuan") && choice.body.contains("Hexie Estate"));
    // Not a community she has no role in.
    let elsewhere = lawyer
        .post_form("/my/communities", &[("community", "nowhere")])
        .await;
    assert_eq!(elsewhere.status, 404);
    let chose = lawyer
        .post_form("/my/communities", &[("community", "hexie")])
        .await;
    assert_eq!(chose.status, 303);
    // Working in Hexie: Hexie's queue, none of Jinyuan's requests.
    let queue = lawyer.get("/queue").await;
    assert_eq!(queue.status, 200);
    assert!(
        queue.body.contains("Hexie Estate"),
        "the page speaks for Hexie"
    );
    let jinyuan_code: String = match &app.db {
        grassroots::db::Db::Sqlite(pool) => sqlx::query_scalar(
            "SELECT r.tracking_code FROM requests r JOIN communities c ON c.id = r.community_id \
             WHERE c.code = 'jinyuan' AND r.visibility = 'private' ORDER BY r.id LIMIT 1",
        )
        .fetch_one(pool)
        .await
        .expect("a private request"),
        grassroots::db::Db::Postgres(pool) => sqlx::query_scalar(
            "SELECT r.tracking_code FROM requests r JOIN communities c ON c.id = r.community_id \
             WHERE c.code = 'jinyuan' AND r.visibility = 'private' ORDER BY r.id LIMIT 1",
        )
        .fetch_one(pool)
        .await
        .expect("a private request"),
    };
    let other = lawyer.get(&format!("/r/{jinyuan_code}")).await;
    assert_eq!(
        other.status, 404,
        "Jinyuan's private request, seen from Hexie"
    );
    // Back in Jinyuan, her own estate's pages again.
    let back = lawyer
        .post_form("/my/communities", &[("community", "jinyuan")])
        .await;
    assert_eq!(back.status, 303);
    let queue = lawyer.get("/queue").await;
    assert!(queue.body.contains("Jinyuan"));
}
