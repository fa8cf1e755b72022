//! The Jinyuan example estate, loaded by `--demo` into an empty database:
//! buildings and units, the common places, the four workgroups, categories
//! with deadlines, accounts for every role, and requests in every state.

use crate::auth::{Role, viewer_by_id};
use crate::community::{Category, Community, create_account};
use crate::db::BeginWrite;
use crate::db::{Db, now};
use crate::on_db;
use crate::requests::intake::{self, Door, Draft, Filed};
use crate::requests::lifecycle::{Action, Actor};
use crate::requests::model::Channel;
use crate::requests::plan::Change;
use crate::requests::{record, store};
use crate::web::forms::FieldErrors;

pub const DEMO_PASSWORD: &str = "jinyuan-demo";
pub const DEMO_INVITATION: &str = "WELCOME8";

fn err(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow::anyhow!("loading the demo estate: {e:?}")
}

const COMMON_PLACES: &[(&str, &str, &str)] = &[
    ("PAVILION", "荷花池凉亭", "Pavilion by the lily pond"),
    ("POND", "荷花池", "Lily pond"),
    ("FOYER", "主楼大厅接待处", "Foyer reception"),
    ("MEETING", "会议室", "Meeting room"),
    ("DANCE", "舞蹈室", "Dance room"),
    ("LIBRARY", "图书室", "Library"),
    ("GATE-E", "东门", "East gate"),
    ("PARKING", "地下停车场", "Underground car park"),
];

const WORKGROUPS: &[(&str, &str, &str)] = &[
    ("property", "物业维修组", "Property and maintenance"),
    ("security", "红袖章治安队", "Red Armband security team"),
    ("legal", "法律服务组", "Legal team"),
    ("recreation", "文体活动组", "Recreation group"),
];

struct DemoCategory {
    code: &'static str,
    group: &'static str,
    zh: &'static str,
    en: &'static str,
    icon: &'static str,
    hours: i64,
    days: i64,
    stopper: bool,
    private: bool,
    /// Starts private (complaints about neighbours).
    private_default: bool,
    /// The kiosk's ready sentences (Chinese, English).
    phrases: &'static [(&'static str, &'static str)],
    notice_zh: &'static str,
    notice_en: &'static str,
}

const CATEGORIES: &[DemoCategory] = &[
    DemoCategory {
        code: "lift",
        group: "property",
        zh: "电梯故障",
        en: "Lift broken",
        icon: "🛗",
        hours: 2,
        days: 3,
        stopper: false,
        private: false,
        private_default: false,
        phrases: &[
            (
                "电梯停了，按钮没反应。",
                "The lift has stopped; the buttons do nothing.",
            ),
            ("电梯里有人被困。", "Someone is trapped in the lift."),
            ("电梯门关不上。", "The lift door does not close."),
            ("电梯运行时有异响。", "The lift makes a strange noise."),
        ],
        notice_zh: "如有人被困在电梯里，请先拨打电梯内的紧急电话。",
        notice_en: "If someone is trapped in the lift, first use the lift's emergency phone.",
    },
    DemoCategory {
        code: "water",
        group: "property",
        zh: "停水漏水",
        en: "Water cut or leak",
        icon: "💧",
        hours: 2,
        days: 2,
        stopper: false,
        private: false,
        private_default: false,
        phrases: &[
            ("家里停水了。", "There is no water at home."),
            ("水管漏水了。", "A pipe is leaking."),
            ("下水道堵了。", "The drain is blocked."),
            ("水的颜色不对。", "The water looks wrong."),
        ],
        notice_zh: "",
        notice_en: "",
    },
    DemoCategory {
        code: "light",
        group: "property",
        zh: "路灯照明",
        en: "Lights and lamps",
        icon: "💡",
        hours: 24,
        days: 5,
        stopper: false,
        private: false,
        private_default: false,
        phrases: &[
            ("楼道灯不亮了。", "The stairwell light is out."),
            ("路灯坏了。", "A street lamp is broken."),
            ("家里停电了。", "The power is off at home."),
            (
                "电线露在外面，很危险。",
                "A wire is exposed; it is dangerous.",
            ),
        ],
        notice_zh: "",
        notice_en: "",
    },
    DemoCategory {
        code: "clean",
        group: "property",
        zh: "环境卫生",
        en: "Rubbish and cleaning",
        icon: "🧹",
        hours: 24,
        days: 3,
        stopper: false,
        private: false,
        private_default: false,
        phrases: &[
            ("垃圾没有清运。", "The rubbish has not been collected."),
            (
                "楼道很脏，需要打扫。",
                "The stairwell is dirty and needs cleaning.",
            ),
            ("有小广告要清理。", "There are flyers to clear away."),
            ("池塘里有垃圾。", "There is rubbish in the pond."),
        ],
        notice_zh: "",
        notice_en: "",
    },
    DemoCategory {
        code: "danger",
        group: "security",
        zh: "安全隐患",
        en: "Something dangerous",
        icon: "⚠️",
        hours: 1,
        days: 1,
        stopper: true,
        private: false,
        private_default: false,
        phrases: &[
            ("有燃气味。", "There is a smell of gas."),
            ("有东西可能掉下来砸到人。", "Something may fall on someone."),
            (
                "地面湿滑，老人容易摔倒。",
                "The floor is slippery; older people may fall.",
            ),
            ("有人受伤了。", "Someone is hurt."),
        ],
        notice_zh: "有人受伤、着火或有燃气味？请先拨打紧急电话。",
        notice_en: "Someone hurt, a fire, or a smell of gas? Call the emergency numbers first.",
    },
    DemoCategory {
        code: "noise",
        group: "security",
        zh: "邻里噪音",
        en: "Noise from neighbours",
        icon: "🔇",
        hours: 24,
        days: 7,
        stopper: false,
        private: false,
        private_default: true,
        phrases: &[
            ("晚上太吵，影响休息。", "It is too noisy at night to rest."),
            (
                "装修噪音超过了规定时间。",
                "Renovation noise goes on past the allowed hours.",
            ),
            ("狗一直在叫。", "A dog barks all the time."),
            ("楼上有很响的声音。", "There are loud noises from upstairs."),
        ],
        notice_zh: "",
        notice_en: "",
    },
    DemoCategory {
        code: "help",
        group: "security",
        zh: "生活求助",
        en: "Help with daily life",
        icon: "🤝",
        hours: 4,
        days: 3,
        stopper: false,
        private: false,
        private_default: false,
        phrases: &[
            ("我需要有人帮忙。", "I need someone to help me."),
            (
                "我一个人在家，想请人来看看我。",
                "I live alone and would like someone to check on me.",
            ),
            (
                "我需要有人帮忙买菜或取药。",
                "I need help with shopping or medicine.",
            ),
            (
                "我不会用手机，想请人教我。",
                "I would like someone to show me how to use my phone.",
            ),
        ],
        notice_zh: "",
        notice_en: "",
    },
    DemoCategory {
        code: "legal",
        group: "legal",
        zh: "法律咨询",
        en: "Legal question",
        icon: "⚖️",
        hours: 48,
        days: 14,
        stopper: false,
        private: true,
        private_default: false,
        phrases: &[
            ("我想咨询一个法律问题。", "I have a legal question."),
            ("我和别人有纠纷。", "I have a dispute with someone."),
            (
                "我想了解怎么立遗嘱。",
                "I would like to know how to make a will.",
            ),
        ],
        notice_zh: "法律咨询只有法律服务组能看到。",
        notice_en: "Only the legal team sees legal questions.",
    },
    DemoCategory {
        code: "activity",
        group: "recreation",
        zh: "活动与课程",
        en: "Activities and classes",
        icon: "🎨",
        hours: 72,
        days: 14,
        stopper: false,
        private: false,
        private_default: false,
        phrases: &[
            ("我想参加活动。", "I would like to join an activity."),
            ("我想办一个活动。", "I would like to run an activity."),
            ("活动室需要整理。", "The activity room needs tidying."),
        ],
        notice_zh: "",
        notice_en: "",
    },
    DemoCategory {
        code: "idea",
        group: "property",
        zh: "美化小区的建议",
        en: "Ideas for the estate",
        icon: "🌸",
        hours: 72,
        days: 30,
        stopper: false,
        private: false,
        private_default: false,
        phrases: &[
            ("我有一个建议。", "I have an idea."),
            ("希望多放几张座椅。", "More benches would help."),
            ("希望多种些花草。", "More plants and flowers would help."),
        ],
        notice_zh: "",
        notice_en: "",
    },
];

struct DemoAccount {
    username: &'static str,
    name: &'static str,
    role: Role,
    /// (workgroup code, lead)
    group: Option<(&'static str, bool)>,
    home: Option<&'static str>,
}

const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "secretary",
        name: "李书记",
        role: Role::Admin,
        group: None,
        home: None,
    },
    DemoAccount {
        username: "reception",
        name: "王前台",
        role: Role::Reception,
        group: None,
        home: None,
    },
    DemoAccount {
        username: "zhang",
        name: "张师傅",
        role: Role::Lead,
        group: Some(("property", true)),
        home: None,
    },
    DemoAccount {
        username: "liu",
        name: "刘师傅",
        role: Role::Member,
        group: Some(("property", false)),
        home: None,
    },
    DemoAccount {
        username: "chen",
        name: "陈队长",
        role: Role::Lead,
        group: Some(("security", true)),
        home: None,
    },
    DemoAccount {
        username: "zhao",
        name: "赵阿姨",
        role: Role::Volunteer,
        group: Some(("security", false)),
        home: Some("B2-102"),
    },
    DemoAccount {
        username: "feng",
        name: "冯大伯",
        role: Role::Volunteer,
        group: Some(("security", false)),
        home: Some("B4-101"),
    },
    DemoAccount {
        username: "zhou",
        name: "周律师",
        role: Role::Lead,
        group: Some(("legal", true)),
        home: None,
    },
    DemoAccount {
        username: "li",
        name: "李律师",
        role: Role::Volunteer,
        group: Some(("legal", false)),
        home: None,
    },
    DemoAccount {
        username: "he",
        name: "何律师",
        role: Role::Volunteer,
        group: Some(("legal", false)),
        home: None,
    },
    DemoAccount {
        username: "wu",
        name: "吴老师",
        role: Role::Lead,
        group: Some(("recreation", true)),
        home: None,
    },
    DemoAccount {
        username: "huang",
        name: "黄奶奶",
        role: Role::Resident,
        group: None,
        home: Some("B1-101"),
    },
    DemoAccount {
        username: "sun",
        name: "孙大爷",
        role: Role::Resident,
        group: None,
        home: Some("B3-202"),
    },
    // Sun's wife: two members of one household, for household polls.
    DemoAccount {
        username: "ma",
        name: "马阿姨",
        role: Role::Resident,
        group: None,
        home: Some("B3-202"),
    },
    // The street office that looks after the estate (and its neighbours).
    DemoAccount {
        username: "tang",
        name: "唐主任",
        role: Role::Resident,
        group: None,
        home: None,
    },
];

/// Loads the estate; returns what to print.
pub async fn load(db: &Db, base_url: &str) -> anyhow::Result<Vec<String>> {
    let community_id = Community::create(db, "jinyuan", "金苑小区", "Jinyuan Estate")
        .await
        .map_err(err)?;
    let at = now();
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            for building in 1..=6 {
                let code = format!("B{building}");
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO places (community_id, kind, code, name_zh, name_en) VALUES ($1, 'building', $2, $3, $4) RETURNING id",
                )
                .bind(community_id)
                .bind(&code)
                .bind(format!("{building}号楼"))
                .bind(format!("Building {building}"))
                .fetch_one(&mut *tx)
                .await?;
                for floor in 1..=3 {
                    for door in 1..=2 {
                        let unit = format!("{floor}0{door}");
                        sqlx::query(
                            "INSERT INTO places (community_id, kind, code, name_zh, name_en, parent_id) VALUES ($1, 'unit', $2, $3, $4, $5)",
                        )
                        .bind(community_id)
                        .bind(format!("{code}-{unit}"))
                        .bind(format!("{building}号楼{unit}室"))
                        .bind(format!("Building {building}, flat {unit}"))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            for (code, zh, en) in COMMON_PLACES {
                sqlx::query("INSERT INTO places (community_id, kind, code, name_zh, name_en) VALUES ($1, 'common', $2, $3, $4)")
                    .bind(community_id)
                    .bind(code)
                    .bind(zh)
                    .bind(en)
                    .execute(&mut *tx)
                    .await?;
            }
            for (code, zh, en) in WORKGROUPS {
                sqlx::query("INSERT INTO workgroups (community_id, code, name_zh, name_en) VALUES ($1, $2, $3, $4)")
                    .bind(community_id)
                    .bind(code)
                    .bind(zh)
                    .bind(en)
                    .execute(&mut *tx)
                    .await?;
            }
            for c in CATEGORIES {
                let category_id: i64 = sqlx::query_scalar(
                    "INSERT INTO categories (community_id, workgroup_id, code, name_zh, name_en, icon, response_hours, \
                     resolution_days, notice_zh, notice_en, danger_stopper, private_by_nature, private_by_default, kiosk_phrases_zh, kiosk_phrases_en) \
                     SELECT $1, id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $13, $14, $15 FROM workgroups \
                     WHERE community_id = $1 AND code = $12 RETURNING id",
                )
                .bind(community_id)
                .bind(c.code)
                .bind(c.zh)
                .bind(c.en)
                .bind(c.icon)
                .bind(c.hours)
                .bind(c.days)
                .bind(c.notice_zh)
                .bind(c.notice_en)
                .bind(c.stopper)
                .bind(c.private)
                .bind(c.group)
                .bind(c.private_default)
                .bind(c.phrases.iter().map(|p| p.0).collect::<Vec<_>>().join("\n"))
                .bind(c.phrases.iter().map(|p| p.1).collect::<Vec<_>>().join("\n"))
                .fetch_one(&mut *tx)
                .await?;
                if c.group == "property" {
                    for (status, zh, en) in [
                        ("responded", "您好，我们已收到，维修师傅会在24小时内上门查看。", "Hello, we have it. A technician will come to look within 24 hours."),
                        ("resolved", "已经修好了。请您看一看，告诉我们是否真的解决了。", "It is fixed. Please have a look and tell us whether it is really solved."),
                    ] {
                        sqlx::query("INSERT INTO response_templates (category_id, status, text_zh, text_en) VALUES ($1, $2, $3, $4)")
                            .bind(category_id)
                            .bind(status)
                            .bind(zh)
                            .bind(en)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        }
        .await
    })?;
    crate::db::settings_changed();

    let mut ids = std::collections::HashMap::new();
    for a in ACCOUNTS {
        let id = create_account(
            db,
            community_id,
            a.username,
            a.name,
            a.role,
            Some(DEMO_PASSWORD),
            Some("13800138000"),
        )
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("demo account {} exists", a.username))?;
        ids.insert(a.username, id);
        on_db!(db, |pool| {
            async {
                if let Some((group, lead)) = a.group {
                    sqlx::query(
                        "INSERT INTO workgroup_members (workgroup_id, account_id, is_lead) \
                         SELECT id, $1, $2 FROM workgroups WHERE community_id = $3 AND code = $4",
                    )
                    .bind(id)
                    .bind(lead)
                    .bind(community_id)
                    .bind(group)
                    .execute(pool)
                    .await?;
                }
                if let Some(home) = a.home {
                    sqlx::query(
                        "INSERT INTO household_members (place_id, account_id) SELECT id, $1 FROM places WHERE community_id = $2 AND code = $3",
                    )
                    .bind(id)
                    .bind(community_id)
                    .bind(home)
                    .execute(pool)
                    .await?;
                }
                Ok::<(), sqlx::Error>(())
            }
            .await
        })?;
    }
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO invitations (code, community_id, place_id, created_by, created_at, expires_at) \
         SELECT $1, $2, id, $3, $4, $5 FROM places WHERE community_id = $2 AND code = 'B3-301'"
    )
    .bind(DEMO_INVITATION)
    .bind(community_id)
    .bind(ids["reception"])
    .bind(at)
    .bind(at + 365 * 86_400)
    .execute(pool)
    .await.map(|r| r.rows_affected())
    })?;

    demo_questions(db, community_id).await?;
    sample_requests(db, community_id, &ids).await?;
    // The desk's log has an entry to show: reception handed huang a copy of
    // their data in person.
    crate::audit::record(
        db,
        community_id,
        ids["huang"],
        ids["reception"],
        crate::audit::Action::DataHandedOver,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;

    let place = |code: &str| {
        let db = db.clone();
        let code = code.to_string();
        async move {
            crate::community::Place::by_code(&db, community_id, &code)
                .await
                .map_err(err)
        }
    };
    let pavilion = place("PAVILION").await?.map(|p| p.id);
    let foyer = place("FOYER").await?.map(|p| p.id);
    let screen = crate::screen::Screen::create(
        db,
        community_id,
        "screen",
        "荷花池凉亭大屏 Pavilion screen",
        pavilion,
        "both",
        "",
    )
    .await
    .map_err(err)?;
    let kiosk = crate::screen::Screen::create(
        db,
        community_id,
        "kiosk",
        "大厅自助机 Foyer kiosk",
        foyer,
        "zh",
        "",
    )
    .await
    .map_err(err)?;
    crate::rooms::demo(db, community_id, &[ids["huang"], ids["sun"]])
        .await
        .map_err(err)?;
    crate::activities::demo(
        db,
        community_id,
        Some(ids["wu"]),
        &[ids["sun"], ids["huang"], ids["zhao"]],
    )
    .await
    .map_err(err)?;
    crate::ideas::demo(
        db,
        community_id,
        &[ids["huang"], ids["sun"], ids["zhao"]],
        ids["zhang"],
    )
    .await
    .map_err(err)?;
    crate::recognitions::demo(
        db,
        community_id,
        ids["huang"],
        ids["secretary"],
        ids["zhao"],
    )
    .await
    .map_err(err)?;
    crate::polls::demo(db, community_id, ids["secretary"])
        .await
        .map_err(err)?;
    crate::library::demo(db, community_id, ids["sun"], ids["reception"])
        .await
        .map_err(err)?;
    crate::legal::demo(
        db,
        community_id,
        ids["ma"],
        &[ids["li"], ids["he"]],
        ids["zhou"],
    )
    .await
    .map_err(err)?;
    volunteers_and_care(db, community_id, &ids).await?;
    let notice = crate::notices::NoticeForm {
        title_zh: "本周六上午太极拳课移到荷花池边".into(),
        title_en: "Saturday's tai chi class moves to the lily pond".into(),
        body_zh: "8:00 开始，欢迎大家参加。".into(),
        body_en: "From 8:00. Everyone is welcome.".into(),
        emergency: String::new(),
        audience: "all".into(),
        ..Default::default()
    };
    crate::notices::post_notice(db, community_id, ids["secretary"], &notice)
        .await
        .map_err(err)?
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let water = crate::notices::NoticeForm {
        title_zh: "周三 9:00–17:00 3号楼停水".into(),
        title_en: "No water in building 3 on Wednesday, 9:00–17:00".into(),
        body_zh: "自来水公司更换3号楼总阀。请提前储水；行动不便的邻居请告诉前台，志愿者会送水上门。".into(),
        body_en: "The water company replaces building 3's main valve. Please store water beforehand; neighbours who cannot carry water, tell reception and a volunteer will bring some.".into(),
        audience: "buildings".into(),
        buildings: vec!["B3".into()],
        important: "1".into(),
        pinned: "1".into(),
        ..Default::default()
    };
    let water = crate::notices::post_notice(db, community_id, ids["secretary"], &water)
        .await
        .map_err(err)?
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    // Sun has read it; his wife has not.
    crate::notices::store::mark_read(db, water, ids["sun"])
        .await
        .map_err(err)?;
    let mut lines = vec!["Loaded the Jinyuan example estate (金苑小区).".to_string()];
    lines.extend(welcome(base_url, &screen, &kiosk));
    Ok(lines)
}

/// The Red Armband team's week of shifts, with a request handed to
/// whoever is on duty now, and three residents in care (Huang's visit is
/// overdue, so an alert is open).
async fn volunteers_and_care(
    db: &Db,
    community_id: i64,
    ids: &std::collections::HashMap<&str, i64>,
) -> anyhow::Result<()> {
    let chen = crate::auth::viewer_by_id(db, ids["chen"])
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .ok_or_else(|| anyhow::anyhow!("the demo's security lead exists"))?;
    let (security, help): (i64, Option<i64>) = on_db!(db, |pool| sqlx::query_as(
        "SELECT w.id, (SELECT r.id FROM requests r JOIN categories c ON c.id = r.category_id \
         WHERE r.community_id = $1 AND c.code = 'help' AND r.status IN ('submitted', 'responded', 'in_progress') \
         ORDER BY r.id LIMIT 1) FROM workgroups w WHERE w.community_id = $1 AND w.code = 'security'"
    )
    .bind(community_id)
    .fetch_one(pool)
    .await)
    .map_err(err)?;
    let help = match help {
        Some(id) => crate::requests::record::by_id(db, id).await.map_err(err)?,
        None => None,
    };
    crate::volunteers::demo(
        db,
        community_id,
        security,
        &chen,
        &[ids["zhao"], ids["feng"]],
        help.as_ref(),
    )
    .await
    .map_err(err)?;
    crate::care::demo(
        db,
        community_id,
        [ids["huang"], ids["sun"], ids["ma"]],
        ids["wu"],
        ids["zhao"],
        ids["wu"],
    )
    .await
    .map_err(err)?;
    // The district above: the estate under Jinyang street, whose office
    // Tang works for; Binhu street has no community yet.
    let district = crate::district::store::create_district(
        db,
        "guanshanhu",
        "观山湖区",
        "Guanshanhu District",
    )
    .await
    .map_err(err)?;
    let jinyang = crate::district::store::create_street(
        db,
        district,
        "jinyang",
        "金阳街道",
        "Jinyang Street",
    )
    .await
    .map_err(err)?;
    crate::district::store::create_street(db, district, "binhu", "宾湖街道", "Binhu Street")
        .await
        .map_err(err)?;
    crate::district::store::move_community(db, community_id, jinyang)
        .await
        .map_err(err)?;
    crate::district::store::add_office(
        db,
        ids["tang"],
        crate::district::rules::Office {
            district_id: district,
            street_id: Some(jinyang),
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// What the demo prints: the accounts, and where the screen and the kiosk
/// are. Printed again when `--demo` finds the estate already loaded.
fn welcome(base_url: &str, screen: &str, kiosk: &str) -> Vec<String> {
    let mut lines = vec![format!(
        "Demo accounts, all with the password {DEMO_PASSWORD:?}:"
    )];
    for a in ACCOUNTS {
        let group = a
            .group
            .map(|(g, lead)| format!(", {}{g}", if lead { "lead of " } else { "" }))
            .unwrap_or_default();
        lines.push(format!(
            "  {:<10} {} ({}{group})",
            a.username,
            a.name,
            a.role.as_str()
        ));
    }
    lines.push(format!(
        "tang works for the Jinyang street office, which sees the estate's figures at {base_url}/district"
    ));
    lines.push(format!("A new resident can register at {base_url}/register with the invitation code {DEMO_INVITATION}."));
    lines.push(format!(
        "The community screen (open it full-screen on the pavilion TV): {base_url}/screen/{screen}"
    ));
    lines.push(format!(
        "The kiosk (for the touch screen in the foyer): {base_url}/kiosk/{kiosk}"
    ));
    lines
}

/// The demo's lines again, when the estate is already loaded: `None` when
/// this database holds no demo estate.
pub async fn welcome_back(db: &Db, base_url: &str) -> anyhow::Result<Option<Vec<String>>> {
    let tokens: Vec<(String, String)> = crate::on_db!(db, |pool| sqlx::query_as(
        "SELECT s.kind, s.token FROM screens s JOIN communities c ON c.id = s.community_id \
         WHERE c.code = 'jinyuan' AND s.active ORDER BY s.id"
    )
    .fetch_all(pool)
    .await)?;
    let first = |kind: &str| {
        tokens
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, t)| t.clone())
    };
    let (Some(screen), Some(kiosk)) = (first("screen"), first("kiosk")) else {
        return Ok(None);
    };
    let mut lines = vec!["The Jinyuan example estate is already loaded.".to_string()];
    lines.extend(welcome(base_url, &screen, &kiosk));
    Ok(Some(lines))
}

/// Extra questions on the lift category, so forms and Open311 clients see
/// a service definition.
async fn demo_questions(db: &Db, community_id: i64) -> anyhow::Result<()> {
    use crate::community::attributes::{AttributeForm, add};
    let lift = Category::by_code(db, community_id, "lift")
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("no lift"))?;
    for form in [
        AttributeForm {
            code: "floor".into(),
            datatype: "number".into(),
            description_zh: "电梯停在几楼？".into(),
            description_en: "Which floor is the lift stuck at?".into(),
            ..AttributeForm::default()
        },
        AttributeForm {
            code: "trapped".into(),
            datatype: "singlevaluelist".into(),
            description_zh: "有人被困吗？".into(),
            description_en: "Is anyone trapped inside?".into(),
            choices: "no | 没有 | No\nyes | 有人被困 | Yes, someone is trapped".into(),
            urgent_answer: "yes".into(),
            ..AttributeForm::default()
        },
    ] {
        add(db, lift.id, &form)
            .await
            .map_err(err)?
            .map_err(|e| anyhow::anyhow!("demo question refused: {e:?}"))?;
    }
    Ok(())
}

async fn sample_requests(
    db: &Db,
    community_id: i64,
    ids: &std::collections::HashMap<&str, i64>,
) -> anyhow::Result<()> {
    let huang = viewer_by_id(db, ids["huang"])
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("no huang"))?;
    let sun = viewer_by_id(db, ids["sun"])
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("no sun"))?;
    let zhang = viewer_by_id(db, ids["zhang"])
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("no zhang"))?;
    let chen = viewer_by_id(db, ids["chen"])
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("no chen"))?;
    let zhou = viewer_by_id(db, ids["zhou"])
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("no zhou"))?;
    let reception = viewer_by_id(db, ids["reception"])
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("no reception"))?;

    crate::referrals::add_demo_bodies(db, community_id)
        .await
        .map_err(err)?;
    // (reporter, category, place, description, steps by staff)
    let samples: &[(&crate::auth::Viewer, &str, &str, &str, &[&str])] = &[
        (
            &huang,
            "lift",
            "B1",
            "1号楼电梯按钮不亮，老人上下楼很困难。",
            &[],
        ),
        (
            &sun,
            "light",
            "PAVILION",
            "荷花池凉亭旁边的路灯坏了，晚上很黑。",
            &["respond"],
        ),
        (
            &huang,
            "water",
            "B1-101",
            "厨房水管漏水，地上都是水。",
            &["respond", "start", "visit"],
        ),
        (
            &sun,
            "noise",
            "B3",
            "楼上每天晚上十一点以后还在装修。",
            &["respond", "ask"],
        ),
        (
            &huang,
            "clean",
            "GATE-E",
            "东门垃圾桶满了，已经两天没人收。",
            &["respond", "start", "resolve"],
        ),
        (
            &sun,
            "idea",
            "POND",
            "建议在荷花池边多放几张长椅，方便老人休息。",
            &["respond", "start", "resolve", "confirm"],
        ),
        (
            &huang,
            "activity",
            "DANCE",
            "想在舞蹈室开一个书法班。",
            &["reject"],
        ),
        (&sun, "light", "PAVILION", "凉亭的灯不亮。", &["duplicate"]),
        (
            &huang,
            "help",
            "B1-101",
            "家里的燃气费怎么在网上交？",
            &["refer"],
        ),
        (
            &sun,
            "legal",
            "B3-202",
            "租房合同到期，房东不退押金，怎么办？",
            &[],
        ),
    ];
    let mut first_light: Option<record::RequestRow> = None;
    for (reporter, category, place, description, steps) in samples {
        let draft = Draft {
            category: category.to_string(),
            place: place.to_string(),
            description: description.to_string(),
            visibility: "public".into(),
            ..Draft::default()
        };
        let mut errors = FieldErrors::default();
        let door = Door::resident(Channel::Web, Some(reporter));
        let Filed::Created(created) = intake::file(db, community_id, &draft, door, &mut errors)
            .await
            .map_err(err)?
        else {
            anyhow::bail!("demo request refused: {errors:?}");
        };
        let handler = match Category::by_code(db, community_id, category)
            .await
            .map_err(err)?
        {
            Some(c) if c.code == "noise" || c.code == "help" => &chen,
            Some(c) if c.code == "legal" => &zhou,
            _ => &zhang,
        };
        for step in *steps {
            let request = record::by_id(db, created.id)
                .await
                .map_err(err)?
                .ok_or_else(|| anyhow::anyhow!("lost"))?;
            let change = |action: Action, message: &str| Change {
                action,
                actor: Actor::Staff,
                public_message: message.to_string(),
                internal_note: String::new(),
                rating: None,
            };
            if *step == "visit" {
                // A visit offered for tomorrow, on the hour; not answered yet.
                let tomorrow = (now() + 86_400) / 3_600 * 3_600;
                crate::requests::appointment::propose(
                    db,
                    &request,
                    handler,
                    tomorrow,
                    "明天上门修水管，这个时间家里有人吗？",
                )
                .await
                .map_err(err)?;
                continue;
            }
            let change = match *step {
                "respond" => change(Action::Respond, "您好，我们已收到，会尽快处理。"),
                "start" => change(Action::Start, "师傅已经在路上。"),
                "ask" => change(Action::AskResident, "请问是几楼？大概从几点开始？"),
                "resolve" => change(Action::Resolve, "已经处理好了，请您确认。"),
                "reject" => change(
                    Action::Reject {
                        reason: "舞蹈室周末已满，我们把书法班安排在会议室，请关注活动通知。".into(),
                    },
                    "",
                ),
                "refer" => change(
                    Action::Refer {
                        to: "燃气公司".into(),
                    },
                    "燃气费请咨询燃气公司，我们已帮您转达。",
                ),
                "duplicate" => match &first_light {
                    Some(first) => change(
                        Action::MarkDuplicate {
                            of: first.id,
                            this: request.id,
                        },
                        "同一盏灯已经有人报过了，我们合并处理。",
                    ),
                    None => continue,
                },
                "confirm" => Change {
                    action: Action::Confirm,
                    actor: Actor::Reporter,
                    public_message: String::new(),
                    internal_note: "谢谢，长椅很好！".into(),
                    rating: Some(5),
                },
                _ => continue,
            };
            let by = if *step == "confirm" {
                *reporter
            } else {
                handler
            };
            store::apply(db, &request, Some(by), change)
                .await
                .map_err(err)?;
            if *step == "refer" {
                // The gas company is on the list; its answer is due in three days.
                let gas: Option<i64> = on_db!(db, |pool| {
                    sqlx::query_scalar(
                    "SELECT id FROM outside_bodies WHERE community_id = $1 AND name_zh = '燃气公司'"
                )
                .bind(community_id)
                .fetch_optional(pool)
                .await
                })
                .map_err(err)?;
                crate::referrals::waits_on(db, request.id, gas, now() + 3 * 86_400)
                    .await
                    .map_err(err)?;
            }
        }
        if *category == "light" && first_light.is_none() {
            first_light = record::by_id(db, created.id).await.map_err(err)?;
        }
    }
    // One walk-in at the desk.
    let draft = Draft {
        category: "help".into(),
        place: "B2-102".into(),
        description: "独居老人，想请志愿者帮忙买药。".into(),
        name: "钱奶奶".into(),
        phone: "13900139000".into(),
        contact: "phone".into(),
        channel: "reception".into(),
        visibility: "private".into(),
        ..Draft::default()
    };
    let mut errors = FieldErrors::default();
    if let Filed::Created(created) = intake::file(
        db,
        community_id,
        &draft,
        Door::on_behalf(&reception),
        &mut errors,
    )
    .await
    .map_err(err)?
    {
        // The volunteers answer; reception has the news to phone her with.
        if let Some(request) = record::by_id(db, created.id).await.map_err(err)? {
            let change = Change {
                action: Action::Respond,
                actor: Actor::Staff,
                public_message: "志愿者赵阿姨明天上午十点送药上门。".into(),
                internal_note: String::new(),
                rating: None,
            };
            store::apply(db, &request, Some(&chen), change)
                .await
                .map_err(err)?;
        }
    }
    crate::requests::recordings::demo(db, community_id)
        .await
        .map_err(err)?;
    Ok(())
}
