//! The resident's journey in a real headless Chromium: submit in Chinese
//! with a photo, see it handled, confirm and rate. It sets the pattern for
//! the browser tests of later pages, and saves screenshots.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::support::{Engine, TestApp};

pub(crate) struct Browser {
    pub(crate) client: Client,
    driver: Child,
    /// Chromium's profile, its own: the processes using it are this
    /// browser's, and none is left running when the test ends.
    profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        kill_processes_using(self.profile.path());
    }
}

/// Ends every process whose command line names `dir` (Chromium and its
/// helpers, which outlive a killed chromedriver).
fn kill_processes_using(dir: &std::path::Path) {
    let needle = dir.to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&needle) {
            let _ = Command::new("kill").args(["-KILL", pid]).status();
        }
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
pub(crate) async fn open_browser() -> Option<Browser> {
    open_browser_sized(360, 800).await
}

/// A browser whose viewport is `width` × `height` CSS pixels (a 360-pixel
/// phone by default; Chrome's windows cannot be made that narrow).
pub(crate) async fn open_browser_sized(width: u32, height: u32) -> Option<Browser> {
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
    let profile = tempfile::tempdir().expect("a profile folder");
    let user_data = format!("--user-data-dir={}", profile.path().display());
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_string(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                user_data,
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--lang=zh-CN",
                // A microphone that plays a tone, allowed without asking,
                // and players that may start without a tap.
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--autoplay-policy=no-user-gesture-required"
            ],
            "mobileEmulation": { "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0 } },
            "prefs": { "intl.accept_languages": "zh-CN,zh" }
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("connect to chromedriver");
    Some(Browser {
        client,
        driver,
        profile,
    })
}

/// A 360-pixel phone and a fresh demo estate (SQLite) to visit with it.
pub(crate) async fn phone_and_app() -> Option<(Browser, TestApp)> {
    let browser = open_browser().await?;
    let app = TestApp::spawn(Engine::Sqlite).await.expect("app");
    Some((browser, app))
}

/// Looks at the page as a person would: saves a screenshot, and runs
/// axe-core on it; a serious or critical accessibility problem fails the
/// test, naming the rule and the elements.
pub(crate) async fn screenshot(client: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
    let mut problems = axe_problems(client).await;
    // Nothing wider than the window: no sideways scrolling on a phone.
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_i64())
        .unwrap_or(0);
    if overflow > 0 {
        let widest = client
            .execute(
                "const w = document.documentElement.clientWidth;
                 const out = [...document.querySelectorAll('body *')]
                   .filter(e => e.getBoundingClientRect().right > w + 1)
                   .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));
                 return out.slice(-3).join(', ');",
                vec![],
            )
            .await
            .unwrap_or_default();
        problems.push(format!(
            "the page is {overflow} px wider than the window (past the edge: {widest})"
        ));
    }
    assert!(
        problems.is_empty(),
        "accessibility problems on {name}:\n{}",
        problems.join("\n")
    );
}

/// axe-core's script: `GRASSROOTS_AXE_JS`, or where `.ci/run` installs it.
fn axe_source() -> Option<String> {
    let path = std::env::var_os("GRASSROOTS_AXE_JS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe/node_modules/axe-core/axe.min.js")
        });
    let source = std::fs::read_to_string(&path).ok();
    assert!(
        source.is_some() || !browser_required(),
        "axe-core is required: {} (npm install --prefix target/axe axe-core@4)",
        path.display()
    );
    source
}

/// Serious and critical violations of WCAG 2.2 A and AA, one line each.
async fn axe_problems(client: &Client) -> Vec<String> {
    static AXE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let Some(axe) = AXE.get_or_init(axe_source) else {
        return Vec::new();
    };
    client.execute(axe, vec![]).await.expect("load axe-core");
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })
               .then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' — ' +
                   v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', '))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    serde_json::from_value(found.clone()).unwrap_or_else(|_| panic!("axe-core answered {found}"))
}

pub(crate) async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} not found: {e}"))
        .click()
        .await
        .expect("click");
}

pub(crate) async fn type_into(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} not found: {e}"))
        .send_keys(text)
        .await
        .expect("type");
}

pub(crate) async fn text_of(client: &Client, css: &str) -> String {
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
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;

    // The checker itself finds a picture without words for screen readers.
    c.goto("data:text/html,<html lang=en><title>t</title><main><img src=x.png></main></html>")
        .await
        .expect("a bad page");
    if axe_source().is_some() {
        let problems = axe_problems(c).await;
        assert!(
            problems.iter().any(|p| p.contains("image-alt")),
            "{problems:?}"
        );
    }

    // The home page, in Chinese by the browser's language.
    c.goto(&app.url("/")).await.expect("home");
    assert!(text_of(c, "h1").await.contains("金苑小区"));
    screenshot(c, "home-zh").await;

    c.goto(&app.url("/signin")).await.expect("signin");
    type_into(c, "#username", "huang").await;
    type_into(c, "#password", grassroots::demo::DEMO_PASSWORD).await;
    click(c, "form.stack button").await;
    c.wait()
        .for_url(&url_of(&app, "/my"))
        .await
        .expect("signed in");

    // Choose what it is about with one big button, then describe it.
    c.goto(&app.url("/report")).await.expect("report");
    click(c, "a[href='/report/lift']").await;
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
    type_into(c, "#description", "1号楼电梯按钮不亮，老人上下楼很困难。").await;
    let photo = tempfile::Builder::new()
        .suffix(".jpg")
        .tempfile()
        .expect("photo file");
    std::fs::write(photo.path(), crate::support::photo_with_gps()).expect("write photo");
    type_into(c, "#photo", &photo.path().display().to_string()).await;
    screenshot(c, "report-zh").await;
    click(c, "form.stack button.big").await;

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
    click(c, "form.stack button.big").await;

    let code = text_of(c, ".code-big").await.replace(' ', "");
    assert_eq!(code.len(), 8, "a tracking code is shown");
    assert!(text_of(c, ".badge").await.contains("已收到"));
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
    click(c, "input[name=solved][value=yes]").await;
    click(c, "input[name=rating][value='5']").await;
    type_into(c, "#comment", "谢谢，修得很快！").await;
    click(c, "section.panel button.big").await;
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
    click(c, "a.lang").await;
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
    // The resident's own data: download, take the name off, close.
    c.goto(&app.url("/account/data")).await.expect("own data");
    assert!(text_of(c, "main").await.contains("Close my account"));
    screenshot(c, "my-data-en").await;

    // Large text, on a 360-pixel phone: still no sideways scrolling.
    c.goto(&app.url("/text/large?back=/report/lift"))
        .await
        .expect("large text");
    c.wait()
        .for_element(Locator::Css("html.large-text #description"))
        .await
        .expect("the form in large text");
    screenshot(c, "report-large-text-en").await;

    let _ = browser.client.clone().close().await;
}

fn url_of(app: &TestApp, path: &str) -> url::Url {
    url::Url::parse(&app.url(path)).expect("url")
}

/// The real binary, serving the demo estate from a folder, on a port.
struct RealServer {
    child: Child,
    base: String,
    screen: String,
    kiosk: String,
}

impl RealServer {
    async fn start(data: &std::path::Path, port: u16) -> RealServer {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_grassroots"))
            .args([
                "serve",
                "--demo",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data)
            .env_remove("GRASSROOTS_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start grassroots");
        let stdout = child.stdout.take().expect("stdout");
        let lines: Vec<String> = tokio::task::spawn_blocking(move || {
            // Up to the kiosk's line (first start) or the note that the
            // demo was not loaded again (a restart).
            let mut seen = Vec::new();
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let last = line.contains("/kiosk/") || line.contains("not loaded");
                seen.push(line);
                if last {
                    break;
                }
            }
            seen
        })
        .await
        .unwrap_or_default();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if reqwest::get(format!("{base}/readyz"))
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let find = |what: &str| {
            lines
                .iter()
                .find_map(|l| {
                    l.split_whitespace()
                        .find(|w| w.contains(what))
                        .map(str::to_string)
                })
                .unwrap_or_default()
        };
        RealServer {
            screen: find("/screen/"),
            kiosk: find("/kiosk/"),
            child,
            base,
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RealServer {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screen_and_kiosk_in_a_real_browser() {
    let Some(screen_browser) = open_browser_sized(1600, 900).await else {
        return;
    };
    let Some(kiosk_browser) = open_browser().await else {
        return;
    };
    let data = tempfile::tempdir().expect("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut server = RealServer::start(data.path(), port).await;
    assert!(
        server.screen.contains("/screen/") && server.kiosk.contains("/kiosk/"),
        "--demo prints the screen and the kiosk"
    );

    let s = &screen_browser.client;
    // A television, not a phone.
    s.set_window_size(1600, 900).await.expect("size");
    s.goto(&server.screen).await.expect("screen");
    s.wait()
        .for_element(Locator::Css("body.live"))
        .await
        .expect("the screen's script runs");
    screenshot(s, "screen").await;

    // Where no font draws an emoji, the icons are hidden and the words stay.
    let seen = s
        .execute(
            "const shows = emojiShows('\\u{1F527}');
             const missing = emojiShows('\\u{E000}');
             const flagged = document.documentElement.classList.contains('no-emoji');
             document.documentElement.classList.add('no-emoji');
             const icon = document.querySelector('.icon');
             const hidden = !icon || getComputedStyle(icon).display === 'none';
             if (!flagged) document.documentElement.classList.remove('no-emoji');
             return [shows, missing, flagged, hidden];",
            vec![],
        )
        .await
        .expect("the emoji check");
    assert_eq!(
        seen[1], false,
        "a glyph no font has is found missing: {seen}"
    );
    assert_eq!(
        seen[0] == false,
        seen[2] == true,
        "the page marks what it found: {seen}"
    );
    assert_eq!(seen[3], true, "without emoji the icons are hidden: {seen}");

    // A resident files at the kiosk in a few taps.
    let k = &kiosk_browser.client;
    k.goto(&server.kiosk).await.expect("kiosk");
    click(k, "a[href$='/light']").await;
    k.wait()
        .for_element(Locator::Css("button.phrase"))
        .await
        .expect("phrases");
    // Asked where, not assumed to be the foyer.
    click(k, "input[name=place][value=B2]").await;
    click(k, "button.phrase").await;
    let typed = k
        .find(Locator::Css("#description"))
        .await
        .expect("box")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        typed.as_deref(),
        Some("楼道灯不亮了。"),
        "a tapped phrase, the category's own, fills the box"
    );
    screenshot(k, "kiosk").await;
    click(k, "#send").await;
    let code = text_of(k, "#code").await.replace(' ', "");
    assert_eq!(code.len(), 8);
    assert!(
        k.find(Locator::Css(".qr svg")).await.is_ok(),
        "a QR code to follow it on a phone"
    );
    screenshot(k, "kiosk-done").await;
    // Nobody touches it: the page with the code and the secret link leaves
    // for the start, so the next passer-by cannot answer for this person.
    k.wait()
        .at_most(Duration::from_secs(45))
        .for_element(Locator::Css("body[data-resting] .kiosk-choices"))
        .await
        .expect("the done page goes back to the start by itself");
    assert!(
        k.find(Locator::Css("#code")).await.is_err() && k.find(Locator::Css(".qr")).await.is_err(),
        "nothing of the last person is left on screen"
    );
    assert_eq!(
        text_of(k, "h1").await,
        grassroots::i18n::Lang::Zh.t("kiosk-title"),
        "in Chinese again"
    );

    // It appears on the screen by itself.
    s.wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css(&format!("#new-list [data-code='{code}']")))
        .await
        .expect("the new request appears on the screen without a reload");

    // Staff solve it; the screen says so.
    let zhang = TestApp::client_for(&server.base);
    assert_eq!(
        zhang
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
    assert_eq!(
        zhang
            .act(&code, &[("action", "resolve"), ("message", "路灯已修好")])
            .await
            .status,
        303
    );
    s.wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css(&format!("#done-list [data-code='{code}']")))
        .await
        .expect("the resolution appears on the screen");

    // The server dies and comes back; the screen reconnects by itself, and
    // what happened before it did is not missed.
    server.kill();
    let (screen_url, kiosk_url) = (server.screen.clone(), server.kiosk.clone());
    let mut server = RealServer::start(data.path(), port).await;
    server.screen = screen_url;
    server.kiosk = kiosk_url;
    let visitor = TestApp::client_for(&server.base);
    let kiosk_path = server.kiosk.trim_start_matches(&server.base).to_string();
    let filed = visitor
        .post_form(
            &kiosk_path,
            &[
                ("category", "clean"),
                ("place", "PAVILION"),
                ("phrase", "很脏，需要打扫。"),
            ],
        )
        .await;
    assert_eq!(filed.status, 200);
    let second = filed
        .body
        .split("id=\"code\">")
        .nth(1)
        .and_then(|b| b.split('<').next())
        .expect("code")
        .replace(' ', "");
    s.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(&format!("#new-list [data-code='{second}']")))
        .await
        .expect("after the restart the screen catches up by itself");
    screenshot(s, "screen-after-restart").await;

    // The secretary's dashboard and the public rates render in a browser.
    s.goto(&format!("{}/signin", server.base))
        .await
        .expect("signin");
    type_into(s, "#username", "secretary").await;
    type_into(s, "#password", grassroots::demo::DEMO_PASSWORD).await;
    click(s, "form.stack button").await;
    s.wait()
        .for_url(&url::Url::parse(&format!("{}/admin", server.base)).expect("url"))
        .await
        .expect("signed in");
    s.goto(&format!("{}/dashboard", server.base))
        .await
        .expect("dashboard");
    assert!(text_of(s, "h1").await.contains("数据看板"));
    let charts = s.find_all(Locator::Css("svg.chart")).await.expect("charts");
    assert!(charts.len() >= 4, "the charts render");
    screenshot(s, "dashboard").await;
    s.goto(&format!("{}/rates", server.base))
        .await
        .expect("rates");
    assert!(text_of(s, "h1").await.contains("办得怎么样"));
    screenshot(s, "rates").await;

    // A resident who reads English switches the kiosk to English.
    k.goto(&server.kiosk).await.expect("kiosk");
    click_to_next_page(k, "a[href^='/lang/en']").await;
    assert_eq!(
        text_of(k, "h1").await,
        grassroots::i18n::Lang::En.t("kiosk-title")
    );
    screenshot(k, "kiosk-start-en").await;
    click_to_next_page(k, "a[href$='/water']").await;
    click(k, "input[name=place][value=B5]").await;
    type_into(k, "#description", "No water on the 3rd floor of building 5").await;
    screenshot(k, "kiosk-en").await;
    click(k, "#send").await;
    assert_eq!(text_of(k, "#code").await.replace(' ', "").len(), 8);
    screenshot(k, "kiosk-done-en").await;

    // The foyer's kiosk stands upright (1080×1920): large buttons fill it,
    // under the estate's name, above the emergency numbers. And the A4
    // poster's last line, the emergency numbers, is on the page.
    if let Some(upright) = open_browser_sized(1080, 1920).await {
        let u = &upright.client;
        u.goto(&server.kiosk).await.expect("kiosk");
        let layout = u
            .execute(
                "const h = innerHeight;
                 const buttons = [...document.querySelectorAll('.kiosk-choices .choice')];
                 const lowest = Math.max(...buttons.map(b => b.getBoundingClientRect().bottom));
                 const shortest = Math.min(...buttons.map(b => b.getBoundingClientRect().height));
                 const sos = document.querySelector('.kiosk-emergency').getBoundingClientRect();
                 const estate = document.querySelector('.kiosk-estate').getBoundingClientRect();
                 return [h, lowest, shortest, sos.bottom, estate.top, document.documentElement.scrollWidth <= innerWidth];",
                vec![],
            )
            .await
            .expect("layout");
        let at = |i: usize| layout[i].as_f64().unwrap_or(-1.0);
        let height = at(0);
        assert!(
            at(1) > height * 0.6,
            "the buttons fill the screen: {layout}"
        );
        assert!(at(2) >= 140.0, "each button is large: {layout}");
        assert!(
            at(3) <= height && at(4) >= 0.0,
            "name and emergency numbers on screen: {layout}"
        );
        assert_eq!(layout[5], true, "nothing runs off the side: {layout}");
        screenshot(u, "kiosk-portrait").await;
        u.goto(&format!("{}/posters/PAVILION.svg", server.base))
            .await
            .expect("poster");
        let off_page = u
            .execute(
                "return [...document.querySelectorAll('text')].filter(t => {
                   const b = t.getBBox();
                   return b.x < 0 || b.y < 0 || b.x + b.width > 210 || b.y + b.height > 297;
                 }).map(t => t.textContent);",
                vec![],
            )
            .await
            .expect("poster lines");
        assert_eq!(
            off_page,
            serde_json::json!([]),
            "every line is on the A4 page"
        );
        let _ = upright.client.clone().close().await;
    }
    server.kill();
    let _ = screen_browser.client.clone().close().await;
    let _ = kiosk_browser.client.clone().close().await;
}

/// Signs in through the page, in the language chosen by the link every
/// page carries, as a new person on this browser.
pub(crate) async fn sign_in_as(c: &Client, app: &TestApp, lang: &str, username: &str) {
    c.delete_all_cookies()
        .await
        .expect("forget the last person");
    c.goto(&app.url(&format!("/lang/{lang}?back=/signin")))
        .await
        .expect("language");
    type_into(c, "#username", username).await;
    type_into(c, "#password", grassroots::demo::DEMO_PASSWORD).await;
    click(c, "form.stack button").await;
    for _ in 0..100 {
        if c.current_url().await.is_ok_and(|u| u.path() != "/signin") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{username} could not sign in");
}

/// Clicks something that loads a new page, and waits until it has.
pub(crate) async fn click_to_next_page(c: &Client, css: &str) {
    let before = c
        .find(Locator::Css("html"))
        .await
        .expect("a page")
        .element_id();
    click(c, css).await;
    for _ in 0..200 {
        if let Ok(now) = c.find(Locator::Css("html")).await
            && now.element_id() != before
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("clicking {css} did not lead to a new page");
}

/// Replaces what a field holds (forms come with sensible defaults).
pub(crate) async fn fill(c: &Client, css: &str, text: &str) {
    let field = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} not found: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

pub(crate) async fn choose(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} not found: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} has no {value}: {e}"));
}

/// Reception enters a walk-in's request, a workgroup member handles it from
/// the queue, and the administrator adds a kind of request — in Chinese
/// and in English, every page checked by axe-core.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_journeys_in_a_real_browser() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;
    for (lang, caller, words, category, name) in [
        ("zh", "钱奶奶", "2号楼电梯门关不上", "parking", "停车问题"),
        (
            "en",
            "Mrs Qian",
            "The lift door in building 2 will not close",
            "bikes",
            "Bicycles",
        ),
    ] {
        // Reception: a phone call becomes a request with a code to read out.
        sign_in_as(c, &app, lang, "reception").await;
        c.goto(&app.url("/desk")).await.expect("desk");
        screenshot(c, &format!("desk-{lang}")).await;
        type_into(c, "#name", caller).await;
        type_into(c, "#phone", "13900139000").await;
        choose(c, "#category", "lift").await;
        choose(c, "#place", "B2").await;
        type_into(c, "#description", words).await;
        click(c, "form.desk button.big").await;
        let code: String = text_of(c, ".code-big")
            .await
            .chars()
            .filter(|ch| !ch.is_whitespace())
            .collect();
        assert_eq!(code.len(), 8, "{code}");
        screenshot(c, &format!("desk-done-{lang}")).await;

        // A member of the property team finds it in the queue and handles it.
        sign_in_as(c, &app, lang, "liu").await;
        c.goto(&app.url("/queue")).await.expect("queue");
        screenshot(c, &format!("queue-{lang}")).await;
        click(c, &format!("a[href='/r/{code}']")).await;
        c.wait()
            .for_element(Locator::Css("#message"))
            .await
            .expect("the handling form");
        screenshot(c, &format!("handle-{lang}")).await;
        click_to_next_page(c, "input[value='take'] + button").await;
        type_into(c, "#message", "师傅下午两点上门。").await;
        click_to_next_page(c, "button[value='respond']").await;
        type_into(c, "#message", "门已修好。").await;
        click_to_next_page(c, "button[value='resolve']").await;
        c.wait()
            .for_element(Locator::Css("button[value='reopen']"))
            .await
            .expect("resolved");
        screenshot(c, &format!("resolved-{lang}")).await;

        // The administrator adds a kind of request residents can choose.
        sign_in_as(c, &app, lang, "secretary").await;
        c.goto(&app.url("/admin/categories"))
            .await
            .expect("categories");
        screenshot(c, &format!("admin-categories-{lang}")).await;
        fill(c, "#code", category).await;
        fill(c, "#name_zh", name).await;
        fill(c, "#name_en", name).await;
        fill(c, "#icon", "🚲").await;
        fill(c, "#response_hours", "12").await;
        fill(c, "#resolution_days", "3").await;
        click(c, "form[action='/admin/categories'] button").await;
        c.wait()
            .for_element(Locator::XPath(&format!("//td/a[text()='{name}']")))
            .await
            .expect("the new kind is listed");
        // Every other page the secretary uses passes the same checks.
        for page in [
            "/dashboard",
            "/dashboard/monthly",
            "/problems",
            "/admin",
            "/admin/places",
            "/admin/workgroups",
            "/admin/accounts",
            "/admin/calendar",
            "/admin/api-keys",
            "/admin/screens",
            "/admin/notices",
            "/admin/audit",
            "/admin/outside-bodies",
            "/queue?household=B1-101",
            "/account/news",
            "/account/tokens",
            "/account/password",
            "/account/data",
            "/desk/person?username=sun",
            "/requests",
            "/rates",
        ] {
            c.goto(&app.url(page)).await.expect("page");
            let name = page.trim_start_matches('/').replace('/', "-");
            screenshot(c, &format!("{name}-{lang}")).await;
        }
        // The demo's water leak, with a visit offered, as a work order; and
        // its referral to the gas company, waiting on an answer.
        for (words, shot) in [("厨房水管漏水", "work-order"), ("燃气费", "referred")] {
            let code: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
                "SELECT tracking_code FROM requests WHERE description LIKE $1"
            )
            .bind(format!("%{words}%"))
            .fetch_one(pool)
            .await)
            .expect("a demo request");
            let path = if shot == "work-order" {
                format!("/work-orders?code={code}")
            } else {
                format!("/r/{code}")
            };
            c.goto(&app.url(&path)).await.expect("page");
            screenshot(c, &format!("{shot}-{lang}")).await;
        }
        c.goto(&app.url("/report")).await.expect("report");
        assert!(
            c.source()
                .await
                .expect("page")
                .contains(&format!("/report/{category}")),
            "residents can choose it"
        );

        // A resident forgot their password: the desk ticks the identity
        // check and shows a code to scan; the link asks them for a new one.
        c.goto(&app.url("/desk")).await.expect("desk");
        fill(c, "#reset-username", "sun").await;
        click(c, "form[action='/desk/reset'] input[name='checked']").await;
        click_to_next_page(c, "form[action='/desk/reset'] button").await;
        let ticket = c
            .wait()
            .for_element(Locator::Css(".ticket .secret"))
            .await
            .expect("the link to scan");
        let link = ticket.text().await.expect("link");
        assert!(link.contains("/signin/link/"), "{link}");
        screenshot(c, &format!("desk-reset-{lang}")).await;
        c.goto(&link).await.expect("the link");
        c.wait()
            .for_element(Locator::Css("input[autocomplete='new-password']"))
            .await
            .expect("choose a password");
        screenshot(c, &format!("choose-password-{lang}")).await;
    }
    let _ = c.clone().close().await;
}

/// Presses a key where the focus is, as a keyboard does.
async fn press(c: &Client, key: fantoccini::key::Key) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let value = key.chars().next().expect("a key");
    let actions = KeyActions::new("keyboard".to_string())
        .then(KeyAction::Down { value })
        .then(KeyAction::Up { value });
    c.perform_actions(actions).await.expect("press");
}

/// What has the focus: `tag#id|href|outline style|left edge`.
async fn focused(c: &Client) -> String {
    c.execute(
        "const e = document.activeElement; const s = getComputedStyle(e);
         return e.tagName.toLowerCase() + '#' + e.id + '|' + (e.getAttribute('href') || '') + '|' +
                s.outlineStyle + '|' + Math.round(e.getBoundingClientRect().left);",
        vec![],
    )
    .await
    .ok()
    .and_then(|v| v.as_str().map(String::from))
    .unwrap_or_default()
}

/// Tabs forward until `wanted` says yes about the focused element.
async fn tab_to(c: &Client, what: &str, wanted: impl Fn(&str) -> bool) -> String {
    for _ in 0..60 {
        press(c, fantoccini::key::Key::Tab).await;
        let now = focused(c).await;
        if wanted(&now) {
            return now;
        }
    }
    panic!("Tab never reached {what}");
}

/// A resident who uses only the keyboard: the skip link shows when
/// focused, every step is reached with Tab and taken with Enter, and the
/// focus is always visibly marked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporting_with_the_keyboard_alone() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;
    c.goto(&app.url("/report")).await.expect("report");
    let skip = tab_to(c, "the skip link", |f| f.starts_with("a#|#main")).await;
    let parts: Vec<&str> = skip.split('|').collect();
    assert_eq!(parts[2], "solid", "the focus is marked: {skip}");
    assert!(
        parts[3].parse::<i64>().is_ok_and(|left| left >= 0),
        "on screen: {skip}"
    );
    press(c, fantoccini::key::Key::Enter).await;
    let lift = tab_to(c, "the lift", |f| f.contains("|/report/lift|")).await;
    assert!(lift.contains("|solid|"), "{lift}");
    press(c, fantoccini::key::Key::Enter).await;
    c.wait()
        .for_url(&url_of(&app, "/report/lift"))
        .await
        .expect("the form");
    tab_to(c, "the description", |f| {
        f.starts_with("textarea#description")
    })
    .await;
    c.active_element()
        .await
        .expect("focus")
        .send_keys("1号楼电梯按钮不亮")
        .await
        .expect("type");
    screenshot(c, "keyboard-zh").await;
    tab_to(c, "the send button", |f| f.starts_with("button#")).await;
    press(c, fantoccini::key::Key::Enter).await;
    c.wait()
        .for_element(Locator::Css(".code-big, .alert, .similar, [role=alert]"))
        .await
        .expect("an answer to the keyboard's submission");
    screenshot(c, "keyboard-sent-zh").await;
    assert!(
        c.source()
            .await
            .expect("page")
            .contains("1号楼电梯按钮不亮"),
        "what was typed is there"
    );
}

/// A resident who reads English reports from the phone, follows the
/// request, and confirms and rates it once the team solved it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resident_journey_in_english() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;
    sign_in_as(c, &app, "en", "sun").await;
    c.goto(&app.url("/report")).await.expect("report");
    screenshot(c, "choose-en").await;
    click_to_next_page(c, "a[href='/report/clean']").await;
    choose(c, "#place", "B4").await;
    type_into(
        c,
        "#description",
        "Rubbish bags left in the stairwell of building 4",
    )
    .await;
    screenshot(c, "report-en").await;
    click_to_next_page(c, "form.stack button.big").await;
    let code: String = text_of(c, ".code-big")
        .await
        .chars()
        .filter(|ch| !ch.is_whitespace())
        .collect();
    assert_eq!(code.len(), 8, "{code}");
    assert!(text_of(c, ".badge").await.contains("Received"));
    screenshot(c, "submitted-en").await;

    let zhang = app.signed_in("zhang").await;
    let solved = zhang
        .act(&code, &[("action", "resolve"), ("message", "已清理。")])
        .await;
    assert_eq!(solved.status, 303, "{}", solved.body);

    c.goto(&app.url("/my")).await.expect("my");
    screenshot(c, "my-en").await;
    c.goto(&app.url(&format!("/r/{code}")))
        .await
        .expect("request");
    click(c, "input[name=solved][value=yes]").await;
    click(c, "input[name=rating][value='5']").await;
    screenshot(c, "confirm-en").await;
    click_to_next_page(c, "form[action$='/confirm'] button.big").await;
    assert!(text_of(c, ".badge").await.contains("Closed"));
    screenshot(c, "rated-en").await;
}
