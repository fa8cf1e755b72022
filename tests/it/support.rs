//! `TestApp`: the real server on port 0 with a fresh database of its own,
//! and one helper per thing a person does.

use std::future::Future;
use std::sync::Arc;

use grassroots::db::Db;
use grassroots::web::WebConfig;
use reqwest::multipart;
use reqwest::redirect::Policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub db: Db,
    /// The database's URL, for a second instance on the same data.
    pub db_url: String,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

/// Runs a test body against a fresh app on `engine`; PostgreSQL runs only
/// when `GRASSROOTS_TEST_POSTGRES_URL` is set.
pub async fn run<F, Fut>(engine: Engine, body: F)
where
    F: FnOnce(Arc<TestApp>) -> Fut,
    Fut: Future<Output = ()>,
{
    run_with(engine, WebConfig::default(), body).await
}

/// Like [`run`], with the server configured as given (rate limits, say).
pub async fn run_with<F, Fut>(engine: Engine, config: WebConfig, body: F)
where
    F: FnOnce(Arc<TestApp>) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(app) = TestApp::spawn_with(engine, config).await else {
        eprintln!("skipped on PostgreSQL: GRASSROOTS_TEST_POSTGRES_URL is not set");
        return;
    };
    let app = Arc::new(app);
    body(app.clone()).await;
    if let Ok(app) = Arc::try_unwrap(app) {
        app.cleanup().await;
    }
}

/// One test, once per engine.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::support::run($crate::support::Engine::Sqlite, super::$name).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::support::run($crate::support::Engine::Postgres, super::$name).await
                }
            }
        )+
    };
}

fn random_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}_{}", std::process::id(), nanos)
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        Self::spawn_with(engine, WebConfig::default()).await
    }

    pub async fn spawn_with(engine: Engine, config: WebConfig) -> Option<TestApp> {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(tracing_subscriber::EnvFilter::new("warn,sqlx=error"))
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, pg) = match engine {
            Engine::Sqlite => (
                format!("sqlite://{}", dir.path().join("test.db").display()),
                None,
            ),
            Engine::Postgres => {
                let admin_url = std::env::var("GRASSROOTS_TEST_POSTGRES_URL").ok()?;
                let name = format!("grassroots_test_{}", random_suffix());
                let admin = sqlx::PgPool::connect(&admin_url)
                    .await
                    .expect("connect to the PostgreSQL server");
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "CREATE DATABASE {name} LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
                )))
                .execute(&admin)
                .await
                .expect("create a test database");
                admin.close().await;
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .unwrap_or(admin_url.clone());
                (format!("{base}/{name}"), Some((admin_url, name)))
            }
        };
        let db = Db::connect(&url).await.expect("connect");
        db.migrate().await.expect("migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let base = format!("http://{addr}");
        let args = grassroots::config::ServeArgs {
            demo: true,
            ..Default::default()
        };
        grassroots::server::prepare(&db, &args, &base)
            .await
            .expect("load the demo estate");
        // The server chases deadlines as soon as it starts; doing it here
        // first means no test races that first tick (a demo request closing
        // between two readings of the rates, say).
        grassroots::chase::run_due(&db, grassroots::db::now())
            .await
            .expect("chase the demo's deadlines");
        let served = db.clone();
        let mut config = grassroots::app::Config::from(config);
        config.base_url = base.clone();
        // Tests send texts with a clock of their own (quiet hours).
        config.texts_in_background = false;
        tokio::spawn(async move {
            let _ = grassroots::server::serve(served, listener, config).await;
        });
        Some(TestApp {
            base,
            db,
            db_url: url,
            _dir: dir,
            pg,
        })
    }

    async fn cleanup(self) {
        self.db.close().await;
        if let Some((admin_url, name)) = self.pg
            && let Ok(admin) = sqlx::PgPool::connect(&admin_url).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&admin).await;
            admin.close().await;
        }
    }

    /// An API token for a demo account, as `POST /api/v1/tokens` gives it.
    pub async fn api_token(&self, username: &str) -> String {
        let answer: serde_json::Value = reqwest::Client::new()
            .post(self.url("/api/v1/tokens"))
            .json(&serde_json::json!({"username": username, "password": grassroots::demo::DEMO_PASSWORD, "name": "test"}))
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("json");
        answer["token"].as_str().expect("token").to_string()
    }

    /// A number the database answers, for checks a page does not show.
    pub async fn number(&self, sql: &str, bind: i64) -> i64 {
        grassroots::on_db!(&self.db, |pool| sqlx::query_scalar::<_, i64>(
            sqlx::AssertSqlSafe(sql.to_string())
        )
        .bind(bind)
        .fetch_one(pool)
        .await)
        .expect("a number")
    }

    /// An account's id by its username.
    pub async fn account_id(&self, username: &str) -> i64 {
        grassroots::on_db!(&self.db, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT id FROM accounts WHERE username = $1"
        )
        .bind(username)
        .fetch_one(pool)
        .await)
        .expect("account")
    }

    /// The open task a request was handed to a volunteer as, by its code.
    pub async fn task_for(&self, code: &str) -> i64 {
        grassroots::on_db!(&self.db, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT t.id FROM duty_tasks t JOIN requests r ON r.id = t.request_id WHERE r.tracking_code = $1"
        )
        .bind(code)
        .fetch_one(pool)
        .await)
        .expect("the request's task")
    }

    /// How many requests have exactly this description.
    pub async fn requests_described(&self, description: &str) -> i64 {
        grassroots::on_db!(&self.db, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM requests WHERE description = $1"
        )
        .bind(description)
        .fetch_one(pool)
        .await)
        .expect("count")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A public JSON document, read by nobody in particular.
    pub async fn public_json(&self, path: &str) -> serde_json::Value {
        reqwest::get(self.url(path))
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{path} is JSON: {e}"))
    }

    /// A client for a server started some other way.
    pub fn client_for(base: &str) -> Person {
        Person {
            http: Self::http("zh-CN"),
            base: base.to_string(),
        }
    }

    fn http(lang: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            lang.parse().expect("header"),
        );
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .default_headers(headers)
            .build()
            .expect("client")
    }

    /// A browser-like client that keeps cookies and does not follow
    /// redirects, so each answer can be checked.
    pub fn client(&self, lang: &str) -> Person {
        Person {
            http: Self::http(lang),
            base: self.base.clone(),
        }
    }

    pub fn anonymous(&self) -> Person {
        self.client("zh-CN")
    }

    /// A demo account, signed in (password `jinyuan-demo`).
    pub async fn signed_in(&self, username: &str) -> Person {
        self.signed_in_speaking(username, "zh-CN").await
    }

    /// A demo account, signed in, whose browser asks for `lang`.
    pub async fn signed_in_speaking(&self, username: &str, lang: &str) -> Person {
        let person = self.client(lang);
        let answer = person
            .post_form(
                "/signin",
                &[
                    ("username", username),
                    ("password", grassroots::demo::DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            answer.status, 303,
            "sign-in of {username} failed: {}",
            answer.body
        );
        person
    }
}

pub struct Person {
    pub http: reqwest::Client,
    base: String,
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub location: String,
    pub body: String,
}

impl Answer {
    /// The tracking code in a `/r/CODE…` redirect.
    pub fn code(&self) -> String {
        self.location
            .trim_start_matches("/r/")
            .trim_start_matches("/desk/done/")
            .split(['?', '/'])
            .next()
            .unwrap_or_default()
            .to_string()
    }
    pub fn assert_no_server_error(&self, what: &str) {
        assert!(
            self.status < 500,
            "{what} answered {}: {}",
            self.status,
            self.body
        );
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.text().await.unwrap_or_default();
    Answer {
        status,
        location,
        body,
    }
}

impl Person {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Answer {
        answer(self.http.get(self.url(path)).send().await.expect("GET")).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        answer(
            self.http
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn get_json(&self, path: &str) -> Answer {
        answer(self.http.get(self.url(path)).send().await.expect("GET")).await
    }

    /// The resident's form, as a browser sends it: multipart with photos.
    pub async fn report(&self, fields: &[(&str, &str)], photos: &[Vec<u8>]) -> Answer {
        self.post_multipart("/report", fields, photos).await
    }

    /// A form with files, as a browser sends it: the photos as `photo`.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        photos: &[Vec<u8>],
    ) -> Answer {
        let mut form = multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (i, bytes) in photos.iter().enumerate() {
            let part = multipart::Part::bytes(bytes.clone()).file_name(format!("photo{i}.jpg"));
            form = form.part("photo", part);
        }
        answer(
            self.http
                .post(self.url(path))
                .multipart(form)
                .send()
                .await
                .expect("POST multipart"),
        )
        .await
    }

    /// A handler's step on the request page.
    pub async fn act(&self, code: &str, fields: &[(&str, &str)]) -> Answer {
        self.post_form(&format!("/r/{code}/act"), fields).await
    }
}

/// A small real JPEG carrying an EXIF block with GPS, as phones make them.
pub fn photo_with_gps() -> Vec<u8> {
    use image::{ImageBuffer, Rgb};
    let img = ImageBuffer::from_fn(64, 48, |x, y| Rgb([(x * 4) as u8, (y * 5) as u8, 120]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&img)
        .expect("encode");
    // APP1 "Exif" with a tiny TIFF header and a GPS marker string.
    let mut payload = b"Exif\0\0II*\0\x08\0\0\0\0\0GPSLatitude=26.6".to_vec();
    payload.resize(payload.len() + 8, 0);
    let len = (payload.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1, (len >> 8) as u8, (len & 0xFF) as u8];
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A page with its forms' one-time tokens blanked, to compare two renders.
pub fn without_once_tokens(body: &str) -> String {
    const FIELD: &str = "name=\"once\" value=\"";
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(FIELD) {
        out.push_str(&rest[..at + FIELD.len()]);
        rest = &rest[at + FIELD.len()..];
        rest = rest.find('"').map_or("", |end| &rest[end..]);
    }
    out.push_str(rest);
    out
}

/// The quoted value that follows `marker` in a page (`name="upload" value="`
/// gives the value), as written in the HTML.
pub fn quoted_after<'a>(body: &'a str, marker: &str) -> Option<&'a str> {
    body.split(marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
}
