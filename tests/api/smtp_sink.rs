//! An SMTP server for tests (RFC 5321, the part a client sending mail uses): it greets, answers
//! EHLO, MAIL, RCPT, DATA, RSET, NOOP and QUIT, and keeps each message it accepts. It can refuse
//! the first messages with a transient 451, as a busy server does.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A message the sink accepted.
#[derive(Clone, Debug)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent after DATA: headers and body.
    pub data: String,
}

/// A running sink.
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    server: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start(refuse_first: usize) -> Self {
        Self::start_on(0, refuse_first).await
    }

    /// Listens on `port` (0: a free one), refusing the first `refuse_first` messages with 451.
    pub async fn start_on(port: u16, refuse_first: usize) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("smtp sink port");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let refusals = Arc::new(Mutex::new(refuse_first));
        let kept = received.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, kept.clone(), refusals.clone()));
            }
        });
        Self {
            port,
            received,
            server,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The messages received, once at least `count` arrived (at most 10 s).
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{} of {count} messages arrived",
                received.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn session(
    stream: TcpStream,
    received: Arc<Mutex<Vec<Received>>>,
    refusals: Arc<Mutex<usize>>,
) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let reply = |text: &str| format!("{text}\r\n");
    if write
        .write_all(reply("220 sink ESMTP").as_bytes())
        .await
        .is_err()
    {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" => "250-sink\r\n250 8BITMIME".to_owned(),
            "HELO" | "NOOP" => "250 OK".to_owned(),
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                "250 OK".to_owned()
            }
            "MAIL" => {
                let mut left = refusals.lock().unwrap();
                if *left > 0 {
                    *left -= 1;
                    "451 4.3.0 try again later".to_owned()
                } else {
                    from = line[10..].trim().to_owned();
                    "250 OK".to_owned()
                }
            }
            "RCPT" => {
                to.push(line[8..].trim().to_owned());
                "250 OK".to_owned()
            }
            "DATA" => {
                if write
                    .write_all(reply("354 go on").as_bytes())
                    .await
                    .is_err()
                {
                    return;
                }
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push('\n');
                }
                received.lock().unwrap().push(Received {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                });
                "250 OK queued".to_owned()
            }
            "QUIT" => {
                let _ = write.write_all(reply("221 bye").as_bytes()).await;
                return;
            }
            _ => "502 not implemented".to_owned(),
        };
        if write.write_all(reply(&answer).as_bytes()).await.is_err() {
            return;
        }
    }
}
