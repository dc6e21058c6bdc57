//! A real SMTP server on loopback that takes the whole message after DATA and then fails the
//! way a network does: it closes the connection (EOF), or answers with a
//! reply that is neither success nor a 4xx/5xx refusal. It keeps every message it was handed,
//! so a test can show that such a message may well have arrived.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy)]
pub enum After {
    Close,
    Garbage,
}

pub struct DroppingSmtp {
    pub port: u16,
    handed: Arc<Mutex<Vec<String>>>,
}

impl DroppingSmtp {
    pub fn start(after: After) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
        let port = listener.local_addr().unwrap().port();
        let handed = Arc::new(Mutex::new(Vec::new()));
        let keep = handed.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let keep = keep.clone();
                std::thread::spawn(move || {
                    let _ = session(stream, after, &keep);
                });
            }
        });
        Self { port, handed }
    }

    /// The messages handed over (the DATA contents).
    pub fn handed(&self) -> Vec<String> {
        self.handed.lock().unwrap().clone()
    }
}

fn session(stream: TcpStream, after: After, handed: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 dropping.test ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => out.write_all(b"250-dropping.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?,
            "DATA" => {
                out.write_all(b"354 go ahead\r\n")?;
                let mut message = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    message.push_str(&line);
                }
                handed.lock().unwrap().push(message);
                match after {
                    After::Close => {}
                    After::Garbage => out.write_all(b"hello? 250 ok\r\n")?,
                }
                return Ok(()); // the connection is dropped here
            }
            "QUIT" => {
                out.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            _ => out.write_all(b"250 ok\r\n")?,
        }
    }
}
