//! A small SMS gateway for tests: an HTTP server that keeps what it was
//! sent, and answers as told — accepted, an error, or nothing at all.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

#[derive(Debug, Clone)]
pub struct Received {
    pub content_type: String,
    pub body: String,
}

impl Received {
    /// The JSON body the gateway template made.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    /// 200, but an error code inside (as some services answer).
    RefuseInside,
    Fail,
    Hang,
}

#[derive(Clone)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    answer: Arc<Mutex<Answer>>,
}

pub struct SmsSink {
    pub url: String,
    shared: Shared,
}

async fn take(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let answer = *shared.answer.lock().unwrap();
    shared
        .received
        .lock()
        .unwrap()
        .push(Received { content_type, body });
    match answer {
        Answer::Accept => (StatusCode::OK, r#"{"code":0,"msg":"OK"}"#.into()),
        Answer::RefuseInside => (StatusCode::OK, r#"{"code":17,"msg":"balance"}"#.into()),
        Answer::Fail => (StatusCode::INTERNAL_SERVER_ERROR, "gateway down".into()),
        Answer::Hang => {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            (StatusCode::OK, String::new())
        }
    }
}

impl SmsSink {
    pub async fn start() -> SmsSink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/send", listener.local_addr().expect("addr"));
        let shared = Shared {
            received: Arc::new(Mutex::new(Vec::new())),
            answer: Arc::new(Mutex::new(Answer::Accept)),
        };
        let app = Router::new()
            .route("/send", post(take))
            .with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        SmsSink { url, shared }
    }

    pub fn answer(&self, answer: Answer) {
        *self.shared.answer.lock().unwrap() = answer;
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.shared.received.lock().unwrap().clear();
    }
}
