//! The demo estate's activities.

use super::{join_series, recurrence, signup, store};
use crate::db::{Db, StoreError, now};

/// The demo estate's activities: daily tai chi in the pavilion, weekly
/// calligraphy (in the meeting room) and music, the monthly legal class;
/// `people` are the residents who join (the first the tai chi series).
pub async fn demo(
    db: &Db,
    community_id: i64,
    organiser: Option<i64>,
    people: &[i64],
) -> Result<(), StoreError> {
    use crate::community::{Place, Workgroup};
    let community = crate::web::Community::by_id(db, community_id).await?;
    let groups = Workgroup::list(db, community_id).await?;
    let group = |code: &str| groups.iter().find(|w| w.code == code).map(|w| w.id);
    let today = crate::rooms::rules::local(&community.tz(), now())
        .map(|t| t.date())
        .unwrap_or_default();
    let first_saturday = (0..7)
        .filter_map(|d| today.checked_add(jiff::Span::new().days(d)).ok())
        .find(|d| d.weekday() == jiff::civil::Weekday::Saturday)
        .unwrap_or(today);
    // (title zh, en, group, place, first day, time, minutes, rule, capacity, teacher, description)
    let list = [
        (
            "太极拳",
            "Tai chi",
            "recreation",
            "PAVILION",
            today,
            (7, 0),
            60,
            "FREQ=DAILY",
            30,
            "吴老师",
            "每天早上七点，荷花池凉亭。欢迎初学者。 Every morning at seven by the lily pond; beginners welcome.",
        ),
        (
            "书法班",
            "Calligraphy",
            "recreation",
            "MEETING",
            today,
            (9, 30),
            90,
            "FREQ=WEEKLY;BYDAY=TU,TH",
            12,
            "吴老师",
            "笔墨纸由活动组提供。 Brushes, ink and paper provided.",
        ),
        (
            "合唱与器乐",
            "Music: choir and instruments",
            "recreation",
            "DANCE",
            today,
            (15, 0),
            120,
            "FREQ=WEEKLY;BYDAY=WE",
            20,
            "",
            "退休居民的合唱团和二胡小组。 The retired residents' choir and erhu group.",
        ),
        (
            "法律知识讲座",
            "Legal education class",
            "legal",
            "LIBRARY",
            first_saturday,
            (14, 0),
            90,
            "FREQ=MONTHLY;BYDAY=1SA",
            40,
            "周律师",
            "每月第一个周六：本月主题由法律服务组公布。 The first Saturday of each month; the legal team announces the topic.",
        ),
    ];
    for (zh, en, code, place, day, (hour, minute), minutes, rule, capacity, teacher, description) in
        list
    {
        let Some(workgroup_id) = group(code) else {
            continue;
        };
        let place = Place::by_code(db, community_id, place).await?;
        let room = match &place {
            Some(p) => crate::rooms::store::at_place(db, p.id).await?,
            None => None,
        };
        let Ok(time) = jiff::civil::Time::new(hour, minute, 0, 0) else {
            continue;
        };
        let new = store::NewActivity {
            workgroup_id,
            place_id: place.map(|p| p.id),
            title_zh: zh.into(),
            title_en: en.into(),
            description: description.into(),
            teacher: teacher.into(),
            capacity,
            timing: recurrence::Timing {
                starts_local: day.to_datetime(time),
                minutes,
                rule: rule.into(),
            },
            closes_minutes_before: 30,
            created_by: organiser,
        };
        let id = store::create(db, community_id, &community.timezone, room.as_ref(), &new).await?;
        if code == "recreation"
            && rule == "FREQ=DAILY"
            && let (Some(activity), Some(first)) =
                (store::activity(db, community_id, id).await?, people.first())
        {
            join_series(db, &activity, *first).await?;
        }
        if rule.contains("TU,TH") {
            let coming =
                store::occurrences(db, community_id, Some(id), now(), i64::MAX / 2, 2).await?;
            for (o, who) in coming.iter().zip(people.iter().skip(1)) {
                signup::sign_up(db, o, &signup::Who::Account(*who), false, None).await?;
            }
        }
    }
    Ok(())
}
