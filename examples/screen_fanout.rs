//! Screen fan-out: opens many screen event streams against a running
//! server, files one request at the kiosk, and measures how long until
//! every stream has the event, and the server's memory before and after.
//! Run by `bench/run`; prints `name value unit` lines.
//!
//! Usage: screen_fanout HOST:PORT SCREEN_TOKEN KIOSK_TOKEN STREAMS SERVER_PID

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Barrier, Mutex, Semaphore};

fn rss_mb(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Reads until `needle` has arrived (or the stream ends).
async fn read_until(stream: &mut TcpStream, needle: &[u8], buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 4096];
    loop {
        if buffer.windows(needle.len()).any(|w| w == needle) {
            return true;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, screen, kiosk, streams, pid] = args.as_slice() else {
        eprintln!("usage: screen_fanout HOST:PORT SCREEN_TOKEN KIOSK_TOKEN STREAMS SERVER_PID");
        std::process::exit(2);
    };
    let streams: usize = streams.parse().unwrap_or(10_000);
    let idle = rss_mb(pid);
    let ready = Arc::new(Barrier::new(streams + 1));
    let received = Arc::new(AtomicUsize::new(0));
    let opened_streams = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(streams)));
    let start = Arc::new(Mutex::new(None::<Instant>));
    // Connect a few hundred at a time, as screens coming online would.
    let connecting = Arc::new(Semaphore::new(200));
    let mut tasks = Vec::with_capacity(streams);
    for i in 0..streams {
        let (addr, screen) = (addr.clone(), screen.clone());
        let (ready, received, latencies, start) = (
            ready.clone(),
            received.clone(),
            latencies.clone(),
            start.clone(),
        );
        let connecting = connecting.clone();
        let opened_streams = opened_streams.clone();
        tasks.push(tokio::spawn(async move {
            let permit = connecting.acquire_owned().await;
            let mut connected = None;
            for _ in 0..50 {
                if let Ok(s) = TcpStream::connect(&addr).await {
                    connected = Some(s);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20 + (i % 50) as u64)).await;
            }
            let Some(mut stream) = connected else {
                drop(permit);
                ready.wait().await;
                return;
            };
            let request = format!("GET /screen/{screen}/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
            let mut buffer = Vec::new();
            // A screen that is not there answers 404 and keeps the
            // connection open: without a limit the run would wait forever.
            let opened = async {
                stream.write_all(request.as_bytes()).await.is_ok()
                    && read_until(&mut stream, b"\r\n", &mut buffer).await
                    && buffer.starts_with(b"HTTP/1.1 200")
                    && read_until(&mut stream, b"retry:", &mut buffer).await
            };
            let ok = tokio::time::timeout(Duration::from_secs(30), opened).await.unwrap_or(false);
            if ok {
                opened_streams.fetch_add(1, Ordering::Relaxed);
            }
            drop(permit);
            ready.wait().await;
            if ok && read_until(&mut stream, b"event: request_new", &mut buffer).await {
                received.fetch_add(1, Ordering::Relaxed);
                if let Some(t0) = *start.lock().await {
                    latencies.lock().await.push(t0.elapsed());
                }
            }
        }));
    }
    ready.wait().await;
    if opened_streams.load(Ordering::Relaxed) == 0 {
        eprintln!("screen_fanout: no stream opened (is the screen token right?)");
        std::process::exit(1);
    }
    let connected_mb = rss_mb(pid);
    *start.lock().await = Some(Instant::now());
    let body = "category=light&place=PAVILION&phrase=bench";
    let post = format!(
        "POST /kiosk/{kiosk} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let filed = async {
        if let Ok(mut s) = TcpStream::connect(addr).await {
            let _ = s.write_all(post.as_bytes()).await;
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(30), filed).await;
    let deadline = tokio::time::timeout(Duration::from_secs(60), async {
        for t in tasks {
            let _ = t.await;
        }
    });
    let _ = deadline.await;
    let under_load = rss_mb(pid);
    let mut all = latencies.lock().await.clone();
    all.sort();
    let ms = |d: Option<&Duration>| d.map(|d| d.as_secs_f64() * 1000.0).unwrap_or(f64::NAN);
    println!("screen_streams {streams} streams");
    println!(
        "screen_streams_opened {} streams",
        opened_streams.load(Ordering::Relaxed)
    );
    println!(
        "screen_streams_received {} streams",
        received.load(Ordering::Relaxed)
    );
    println!("screen_fanout_all_ms {:.0} ms", ms(all.last()));
    println!("screen_fanout_p50_ms {:.0} ms", ms(all.get(all.len() / 2)));
    println!("screen_memory_idle {idle:.1} MB");
    println!("screen_memory_connected {connected_mb:.1} MB");
    println!("screen_memory_after_event {under_load:.1} MB");
}
