//! The statements every write of a request shares: a history entry, a
//! notification, news for the reception desk. Macros, because each runs
//! inside a transaction of either engine.

macro_rules! insert_event {
    ($conn:expr, $request_id:expr, $at:expr, $actor_id:expr, $actor_role:expr, $kind:expr,
     $from:expr, $to:expr, $public:expr, $note:expr, $audience:expr) => {
        sqlx::query(
            "INSERT INTO request_events (request_id, at, actor_id, actor_role, kind, from_status, \
             to_status, public_message, internal_note, audience) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind($request_id)
        .bind($at)
        .bind($actor_id)
        .bind($actor_role)
        .bind($kind)
        .bind($from)
        .bind($to)
        .bind($public)
        .bind($note)
        .bind($audience)
        .execute(&mut *$conn)
        .await
    };
}

// Other capabilities write a request's history too (a task handed to the
// volunteer on duty).
pub(crate) use insert_event;

macro_rules! notify {
    ($conn:expr, $account_id:expr, $request_id:expr, $key:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO notifications (account_id, request_id, message_key, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind($account_id)
        .bind($request_id)
        .bind($key)
        .bind($at)
        .execute(&mut *$conn)
        .await
    };
}

/// News for a resident who asked for texts: one text, in the language they
/// used, sent by the text messages' sweep (their inbox has it too, if they
/// have an account).
macro_rules! text_news {
    ($conn:expr, $request_id:expr, $key:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO sms_messages (community_id, account_id, request_id, phone, lang, message_key, \
             danger, created_at, next_try_at) \
             SELECT community_id, reporter_account_id, id, reporter_phone, reporter_lang, $2, \
             urgency = 'danger', $3, $3 FROM requests WHERE id = $1 AND reporter_phone <> ''",
        )
        .bind($request_id)
        .bind($key)
        .bind($at)
        .execute(&mut *$conn)
        .await
    };
}

// The nudge to confirm goes by text too.
pub(crate) use text_news;

/// News for a resident who hears it through reception: the request goes
/// on reception's list, and reception's bells ring.
macro_rules! desk_news {
    ($conn:expr, $request_id:expr, $community_id:expr, $at:expr) => {
        async {
            sqlx::query("UPDATE requests SET desk_news_at = $1 WHERE id = $2")
                .bind($at)
                .bind($request_id)
                .execute(&mut *$conn)
                .await?;
            sqlx::query(
                "INSERT INTO notifications (account_id, request_id, message_key, created_at) \
                 SELECT id, $1, 'notify-tell-resident', $2 FROM accounts \
                 WHERE community_id = $3 AND role = 'reception' AND active",
            )
            .bind($request_id)
            .bind($at)
            .bind($community_id)
            .execute(&mut *$conn)
            .await
        }
        .await
    };
}
