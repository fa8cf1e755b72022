//! The resident's journey in a real headless Chromium: submit in Chinese
//! with a photo, see it handled, confirm and rate. It sets the pattern for
//! the browser tests of later pages, and saves screenshots.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::support::{Engine, TestApp};

struct Browser {
    client: Client,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn browser_required() -> bool {
    std::env::var("GRASSROOTS_TEST_BROWSER").is_ok_and(|v| v == "required")
}

fn find_on_path(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// Starts chromedriver on a free port and opens headless Chromium, or says
/// why it cannot (and fails when CI requires the browser).
async fn open_browser() -> Option<Browser> {
    let (Some(driver_path), Some(chromium)) =
        (find_on_path("chromedriver"), find_on_path("chromium"))
    else {
        assert!(
            !browser_required(),
            "chromium and chromium-driver are required (GRASSROOTS_TEST_BROWSER=required)"
        );
        eprintln!(
            "skipped the browser journey: install Debian's chromium and chromium-driver to run it"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let driver = Command::new(driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    // Wait until chromedriver accepts connections (bounded).
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_string(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--window-size=412,1000", "--lang=zh-CN"
            ],
            "prefs": { "intl.accept_languages": "zh-CN,zh" }
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("connect to chromedriver");
    Some(Browser { client, driver })
}

async fn screenshot(client: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} not found: {e}"))
        .text()
        .await
        .expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resident_journey_in_a_real_browser() {
    let Some(browser) = open_browser().await else {
        return;
    };
    let app = TestApp::spawn(Engine::Sqlite).await.expect("app");
    let c = &browser.client;

    // The home page, in Chinese by the browser's language.
    c.goto(&app.url("/")).await.expect("home");
    assert!(text_of(c, "h1").await.contains("金苑小区"));
    screenshot(c, "home-zh").await;

    c.goto(&app.url("/signin")).await.expect("signin");
    c.find(Locator::Css("#username"))
        .await
        .expect("username")
        .send_keys("huang")
        .await
        .expect("type");
    c.find(Locator::Css("#password"))
        .await
        .expect("password")
        .send_keys(grassroots::demo::DEMO_PASSWORD)
        .await
        .expect("type");
    c.find(Locator::Css("form.stack button"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_url(&url_of(&app, "/my"))
        .await
        .expect("signed in");

    // Choose what it is about with one big button, then describe it.
    c.goto(&app.url("/report")).await.expect("report");
    c.find(Locator::Css("a[href='/report/lift']"))
        .await
        .expect("lift")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("#description"))
        .await
        .expect("form");
    c.find(Locator::Css("#place"))
        .await
        .expect("place")
        .select_by_value("B1")
        .await
        .expect("select");
    c.find(Locator::Css("#description"))
        .await
        .expect("description")
        .send_keys("1号楼电梯按钮不亮，老人上下楼很困难。")
        .await
        .expect("type");
    let photo = tempfile::Builder::new()
        .suffix(".jpg")
        .tempfile()
        .expect("photo file");
    std::fs::write(photo.path(), crate::support::photo_with_gps()).expect("write photo");
    c.find(Locator::Css("#photo"))
        .await
        .expect("file input")
        .send_keys(&photo.path().display().to_string())
        .await
        .expect("attach");
    screenshot(c, "report-zh").await;
    c.find(Locator::Css("form.stack button.big"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");

    // The demo estate already has an open lift request in building 1: it is
    // offered to follow instead, with what was typed and the photo kept.
    assert!(
        text_of(c, "#similar-title")
            .await
            .contains("已经有人反映过了")
    );
    let kept = c
        .find(Locator::Css("#description"))
        .await
        .expect("description")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        kept.as_deref(),
        Some("1号楼电梯按钮不亮，老人上下楼很困难。")
    );
    assert!(
        c.find(Locator::Css("input[name=upload]")).await.is_ok(),
        "the photo is kept"
    );
    screenshot(c, "similar-zh").await;
    c.find(Locator::Css("form.stack button.big"))
        .await
        .expect("submit anyway")
        .click()
        .await
        .expect("click");

    let code = text_of(c, ".code-big").await.replace(' ', "");
    assert_eq!(code.len(), 8, "a tracking code is shown");
    assert!(text_of(c, ".badge").await.contains("已受理"));
    assert!(
        c.find(Locator::Css(".photos img")).await.is_ok(),
        "the photo is shown"
    );
    screenshot(c, "submitted-zh").await;

    // The property team handles it.
    let zhang = app.signed_in("zhang").await;
    assert_eq!(
        zhang
            .act(
                &code,
                &[("action", "update"), ("message", "师傅下午两点上门。")]
            )
            .await
            .status,
        303
    );
    assert_eq!(
        zhang
            .act(
                &code,
                &[("action", "resolve"), ("message", "按钮面板已经换新。")]
            )
            .await
            .status,
        303
    );

    // The resident sees it handled, confirms and rates it.
    c.goto(&app.url(&format!("/r/{code}")))
        .await
        .expect("request");
    let page = c.source().await.expect("source");
    assert!(page.contains("师傅下午两点上门。") && page.contains("按钮面板已经换新。"));
    assert!(text_of(c, "#confirm-title").await.contains("真的解决了吗"));
    screenshot(c, "confirm-zh").await;
    c.find(Locator::Css("input[name=solved][value=yes]"))
        .await
        .expect("yes")
        .click()
        .await
        .expect("click");
    c.find(Locator::Css("input[name=rating][value='5']"))
        .await
        .expect("5")
        .click()
        .await
        .expect("click");
    c.find(Locator::Css("#comment"))
        .await
        .expect("comment")
        .send_keys("谢谢，修得很快！")
        .await
        .expect("type");
    c.find(Locator::Css("section.panel button.big"))
        .await
        .expect("send")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css(".status-closed"))
        .await
        .expect("closed");
    let timeline = text_of(c, ".timeline").await;
    for step in [
        "已收到诉求",
        "工作组已答复",
        "工作组表示已办结",
        "居民已确认并评价",
        "谢谢，修得很快！",
    ] {
        assert!(timeline.contains(step), "the timeline shows {step}");
    }
    screenshot(c, "closed-zh").await;

    // The same page in English, by the toggle.
    c.find(Locator::Css("a.lang"))
        .await
        .expect("toggle")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css(".status-closed"))
        .await
        .expect("page");
    assert!(
        text_of(c, ".timeline")
            .await
            .contains("The resident confirmed and rated it")
    );
    screenshot(c, "closed-en").await;

    let _ = browser.client.clone().close().await;
}

fn url_of(app: &TestApp, path: &str) -> url::Url {
    url::Url::parse(&app.url(path)).expect("url")
}
