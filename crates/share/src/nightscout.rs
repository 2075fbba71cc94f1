//! Downloading a patient's Nightscout entries (`/api/v1/entries.json`) over HTTPS, page by page,
//! into one JSON array that `tend-import` reads like a downloaded `entries.json`.
//!
//! Pages go back in time: Nightscout answers newest first, so each request asks for `count`
//! entries older than the oldest of the previous page (`find[date][$lt]`), down to `from`
//! (`find[date][$gte]`). An access token goes as the `token` query parameter, as Nightscout
//! expects; `https://` is required except to this machine. Every page is bounded in size, and no
//! error or log line carries the token, the URL's query or a glucose value.

use std::io::Write;

use jiff::Timestamp;
use serde_json::Value;

use crate::{endpoint::checked_base_url, Error, HttpTransport, Result};

/// What to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NightscoutQuery {
    /// The site, e.g. `https://my-site.example.org` (no query, no fragment).
    pub base_url: String,
    /// A Nightscout access token (Admin → Subjects), sent as `token=`.
    pub token: Option<String>,
    /// Only entries at or after this instant.
    pub from: Option<Timestamp>,
    /// Only entries before this instant.
    pub until: Option<Timestamp>,
    /// Entries asked for per request.
    pub page_size: u32,
    /// The most one page's body may hold.
    pub max_page_bytes: usize,
    /// The most pages one download makes.
    pub max_pages: u32,
}

impl NightscoutQuery {
    pub fn new(base_url: &str, token: Option<String>) -> NightscoutQuery {
        NightscoutQuery {
            base_url: base_url.to_owned(),
            token,
            from: None,
            until: None,
            page_size: 10_000,
            max_page_bytes: 32 << 20,
            max_pages: 10_000,
        }
    }
}

/// What a download fetched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NightscoutDownload {
    pub pages: u32,
    pub entries: u64,
    pub bytes: u64,
}

/// Downloads the entries that `query` selects and writes them to `out` as one JSON array.
/// `progress` is called after each page with what was fetched so far.
pub async fn download_entries(
    http: &HttpTransport,
    query: &NightscoutQuery,
    out: &mut (dyn Write + Send),
    progress: &mut (dyn FnMut(NightscoutDownload) + Send),
) -> Result<NightscoutDownload> {
    let base = checked_base_url(&query.base_url)?;
    if query.page_size == 0 {
        return Err(Error::InvalidInput(
            "the page size must be at least 1".into(),
        ));
    }
    let url = format!("{base}/api/v1/entries.json");
    let write = |e: std::io::Error| Error::Save(e.to_string());
    out.write_all(b"[").map_err(write)?;
    let mut done = NightscoutDownload::default();
    let mut before = query.until.map(|t| t.as_millisecond());
    loop {
        if done.pages >= query.max_pages {
            return Err(Error::Protocol(format!(
                "more than {} pages: narrow the dates",
                query.max_pages
            )));
        }
        let mut params: Vec<(&str, String)> = vec![("count", query.page_size.to_string())];
        if let Some(from) = query.from {
            params.push(("find[date][$gte]", from.as_millisecond().to_string()));
        }
        if let Some(before) = before {
            params.push(("find[date][$lt]", before.to_string()));
        }
        if let Some(token) = &query.token {
            params.push(("token", token.clone()));
        }
        let body = get_page(http, &url, &params, query.max_page_bytes).await?;
        let entries: Vec<Value> = serde_json::from_slice(&body).map_err(|_| {
            Error::Protocol("the entries are not a JSON list (is this a Nightscout site?)".into())
        })?;
        done.pages += 1;
        done.bytes += body.len() as u64;
        let mut oldest: Option<i64> = None;
        for entry in &entries {
            let date = entry["date"]
                .as_i64()
                .or_else(|| entry["date"].as_f64().map(|d| d as i64))
                .ok_or_else(|| Error::Protocol("an entry has no numeric `date`".into()))?;
            oldest = Some(oldest.map_or(date, |o| o.min(date)));
            if done.entries > 0 {
                out.write_all(b",").map_err(write)?;
            }
            serde_json::to_writer(&mut *out, entry).map_err(|e| Error::Save(e.to_string()))?;
            done.entries += 1;
        }
        progress(done);
        let short_page = entries.len() < query.page_size as usize;
        match oldest {
            // A page that does not reach further back would repeat forever.
            Some(oldest) if !short_page && before.is_none_or(|b| oldest < b) => {
                before = Some(oldest)
            }
            _ => break,
        }
    }
    out.write_all(b"]").map_err(write)?;
    Ok(done)
}

/// One GET, its body read up to `limit` bytes.
async fn get_page(
    http: &HttpTransport,
    url: &str,
    params: &[(&str, String)],
    limit: usize,
) -> Result<Vec<u8>> {
    let url = reqwest::Url::parse_with_params(url, params)
        .map_err(|_| Error::InvalidInput("the Nightscout address is not a URL".into()))?;
    let response = http
        .client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| {
            Error::Transport(crate::TransportError::Connection(
                e.without_url().to_string(),
            ))
        })?;
    let status = response.status();
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return Err(Error::SignIn(format!(
            "the Nightscout site refused the token ({})",
            status.as_u16()
        )));
    }
    if !status.is_success() {
        return Err(Error::Protocol(format!(
            "the Nightscout site answered {}",
            status.as_u16()
        )));
    }
    let body = crate::transport::read_capped(response, limit)
        .await
        .map_err(|e| match e {
            crate::TransportError::TooLarge { .. } => Error::Protocol(format!(
                "a page is larger than {limit} bytes: ask for fewer entries a page"
            )),
            other => Error::Transport(other),
        })?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpListener,
    };

    use super::*;

    /// A Nightscout look-alike on loopback: answers each request with the next canned page and
    /// records the request lines.
    async fn serve(pages: Vec<(u16, String)>) -> (String, tokio::task::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("address");
        let handle = tokio::spawn(async move {
            let mut requests = Vec::new();
            for (status, body) in pages {
                let Ok(Ok((mut socket, _))) =
                    tokio::time::timeout(Duration::from_secs(10), listener.accept()).await
                else {
                    break;
                };
                let mut request = vec![0u8; 8192];
                let read = socket.read(&mut request).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&request[..read]).into_owned();
                requests.push(text.lines().next().unwrap_or("").to_owned());
                let answer = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
            requests
        });
        (format!("http://{address}"), handle)
    }

    fn page(dates: &[i64]) -> String {
        let entries: Vec<String> = dates
            .iter()
            .map(|d| format!(r#"{{"type":"sgv","sgv":120,"date":{d},"device":"xDrip"}}"#))
            .collect();
        format!("[{}]", entries.join(","))
    }

    #[tokio::test]
    async fn pages_back_in_time_with_the_token(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let (base, server) = serve(vec![
            (200, page(&[5000, 4000])),
            (200, page(&[3000, 2000])),
            (200, page(&[1000])),
        ])
        .await;
        let http = HttpTransport::new(Duration::from_secs(5))?;
        let mut query = NightscoutQuery::new(&base, Some("reader-abc123".into()));
        query.page_size = 2;
        query.from = Some(Timestamp::from_millisecond(500)?);
        let mut out = Vec::new();
        let mut pages_seen = 0;
        let done = download_entries(&http, &query, &mut out, &mut |_| pages_seen += 1).await?;
        assert_eq!((done.pages, done.entries, pages_seen), (3, 5, 3));
        let all: Vec<Value> = serde_json::from_slice(&out)?;
        assert_eq!(all.len(), 5);
        let requests = server.await?;
        assert_eq!(requests.len(), 3);
        assert!(requests[0].starts_with("GET /api/v1/entries.json?count=2&find%5Bdate%5D%5B%24gte%5D=500&token=reader-abc123 "), "{}", requests[0]);
        assert!(
            requests[1].contains("find%5Bdate%5D%5B%24lt%5D=4000"),
            "{}",
            requests[1]
        );
        assert!(
            requests[2].contains("find%5Bdate%5D%5B%24lt%5D=2000"),
            "{}",
            requests[2]
        );
        Ok(())
    }

    #[tokio::test]
    async fn refusals_are_clear_and_bounded() -> std::result::Result<(), Box<dyn std::error::Error>>
    {
        let http = HttpTransport::new(Duration::from_secs(5))?;
        let mut out = Vec::new();
        let check = |result: Result<NightscoutDownload>, expected: &str| {
            let message = result.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains(expected), "{message}");
            assert!(!message.contains("secret-token"), "{message}");
        };

        let plain = NightscoutQuery::new("http://nightscout.example.org", None);
        check(
            download_entries(&http, &plain, &mut out, &mut |_| {}).await,
            "plain http is refused",
        );

        let (base, _server) = serve(vec![(401, "{}".into())]).await;
        let query = NightscoutQuery::new(&base, Some("secret-token".into()));
        check(
            download_entries(&http, &query, &mut out, &mut |_| {}).await,
            "refused the token (401)",
        );

        let (base, _server) = serve(vec![(200, page(&[1, 2, 3, 4, 5, 6, 7, 8]))]).await;
        let mut query = NightscoutQuery::new(&base, Some("secret-token".into()));
        query.max_page_bytes = 100;
        check(
            download_entries(&http, &query, &mut out, &mut |_| {}).await,
            "larger than 100 bytes",
        );

        let (base, _server) = serve(vec![(200, "<html>".into())]).await;
        let query = NightscoutQuery::new(&base, None);
        check(
            download_entries(&http, &query, &mut out, &mut |_| {}).await,
            "not a JSON list",
        );
        Ok(())
    }
}
