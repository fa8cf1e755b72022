//! A small SMTP server for tests: it speaks enough of the protocol for a
//! real client (lettre) to deliver to it, and keeps what it received.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Delivered {
    pub to: Vec<String>,
    /// The raw message as sent: headers, a blank line, the encoded body.
    pub data: String,
}

impl Delivered {
    /// The body decoded (lettre sends Chinese text as base64 or
    /// quoted-printable).
    pub fn body(&self) -> String {
        let (headers, body) = self.data.split_once("\r\n\r\n").unwrap_or(("", &self.data));
        let headers = headers.to_ascii_lowercase();
        if headers.contains("content-transfer-encoding: base64") {
            let joined: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(joined)
                .expect("base64 body");
            String::from_utf8(bytes).expect("UTF-8 body")
        } else if headers.contains("quoted-printable") {
            let unfolded = body.replace("=\r\n", "");
            let mut bytes = Vec::new();
            let mut it = unfolded.bytes();
            while let Some(b) = it.next() {
                if b == b'=' {
                    let hex: Vec<u8> = it.by_ref().take(2).collect();
                    let hex = std::str::from_utf8(&hex).expect("hex");
                    bytes.push(u8::from_str_radix(hex, 16).expect("hex"));
                } else {
                    bytes.push(b);
                }
            }
            String::from_utf8(bytes).expect("UTF-8 body")
        } else {
            body.to_string()
        }
    }
}

pub struct SmtpSink {
    pub url: String,
    pub delivered: Arc<Mutex<Vec<Delivered>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("smtp://{}", listener.local_addr().expect("addr"));
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let kept = delivered.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(converse(stream, kept.clone()));
            }
        });
        SmtpSink { url, delivered }
    }

    pub fn taken(&self) -> Vec<Delivered> {
        std::mem::take(&mut *self.delivered.lock().expect("lock"))
    }
}

async fn converse(stream: tokio::net::TcpStream, kept: Arc<Mutex<Vec<Delivered>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut to = Vec::new();
    if write.write_all(b"220 sink ESMTP\r\n").await.is_err() {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "RCPT" => {
                let addr = line.split(['<', '>']).nth(1).unwrap_or("").to_string();
                to.push(addr);
                b"250 OK\r\n"
            }
            "DATA" => {
                if write.write_all(b"354 go on\r\n").await.is_err() {
                    return;
                }
                let mut data = Vec::new();
                while let Ok(Some(l)) = lines.next_line().await {
                    if l == "." {
                        break;
                    }
                    data.push(l.strip_prefix('.').map(str::to_string).unwrap_or(l));
                }
                kept.lock().expect("lock").push(Delivered {
                    to: std::mem::take(&mut to),
                    data: data.join("\r\n"),
                });
                b"250 queued\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"250 OK\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
