//! The wire: a `Transport` trait the sync logic is written against (so retries are unit-tested
//! with a scripted one), and the real one over HTTPS through rustls.

use std::{future::Future, sync::Once, time::Duration};

use crate::{endpoint::checked_base_url, Error, Result};

/// One POST of a FHIR request body.
#[derive(Debug, Clone, Copy)]
pub struct Post<'a> {
    pub url: &'a str,
    pub body: &'a [u8],
    pub bearer: Option<&'a str>,
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The `Retry-After` header as sent (seconds or an HTTP date).
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

/// The most a FHIR server's answer may hold: a transaction-response for a Bundle of a few entries
/// is kilobytes; anything near this is a server gone wrong (or hostile), not an answer.
pub const MAX_FHIR_ANSWER: usize = 4 * 1024 * 1024;

/// Why no answer came. Never carries request or response bodies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("the server did not answer in time")]
    Timeout,
    #[error("the connection failed: {0}")]
    Connection(String),
    #[error(
        "the server's answer was larger than {limit} bytes, more than any answer Tend expects"
    )]
    TooLarge { limit: usize },
}

/// Sends requests to a FHIR server.
pub trait Transport: Sync {
    fn post(
        &self,
        request: Post<'_>,
    ) -> impl Future<Output = std::result::Result<Answer, TransportError>> + Send;
}

/// HTTPS through rustls (ring provider); plain http only to loopback, checked on every request.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    pub(crate) client: reqwest::Client,
}

impl HttpTransport {
    /// A client whose requests give up after `timeout` (connecting, sending and reading).
    pub fn new(timeout: Duration) -> Result<HttpTransport> {
        static PROVIDER: Once = Once::new();
        PROVIDER.call_once(|| {
            // Fails only if a provider is already installed, which is as good.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("Tend/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Transport(TransportError::Connection(e.to_string())))?;
        Ok(HttpTransport { client })
    }
}

impl Transport for HttpTransport {
    async fn post(&self, request: Post<'_>) -> std::result::Result<Answer, TransportError> {
        checked_base_url(request.url).map_err(|e| TransportError::Connection(e.to_string()))?;
        let mut builder = self
            .client
            .post(request.url)
            .header(reqwest::header::CONTENT_TYPE, "application/fhir+json")
            .header(reqwest::header::ACCEPT, "application/fhir+json")
            .body(request.body.to_vec());
        if let Some(token) = request.bearer {
            builder = builder.bearer_auth(token);
        }
        let response = builder.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_capped(response, MAX_FHIR_ANSWER).await?;
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }
}

/// A response's body, read chunk by chunk and refused once it passes `limit` bytes: memory stays
/// bounded whatever the server sends (or claims to send).
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> std::result::Result<Vec<u8>, TransportError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(TransportError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > limit {
            return Err(TransportError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub(crate) fn classify(e: reqwest::Error) -> TransportError {
    if e.is_timeout() {
        TransportError::Timeout
    } else {
        // reqwest's message names the URL and the failure, never the body.
        TransportError::Connection(e.without_url().to_string())
    }
}

#[cfg(test)]
mod tests {
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpListener,
    };

    use super::*;

    /// Serves one answer: `head`, then `body` repeated without end (a hostile server).
    async fn endless(head: &'static str) -> std::io::Result<String> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let url = format!("http://127.0.0.1:{}/r4", listener.local_addr()?.port());
        tokio::spawn(async move {
            if let Ok((mut socket, _)) = listener.accept().await {
                // The request first, as a server reads it (headers and the two-byte body).
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.ends_with(b"\r\n\r\n{}") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = socket.write_all(head.as_bytes()).await;
                let chunk = vec![b'x'; 64 * 1024];
                let framed =
                    [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
                loop {
                    let body: &[u8] = if head.contains("chunked") {
                        &framed
                    } else {
                        &chunk
                    };
                    if socket.write_all(body).await.is_err() {
                        break;
                    }
                }
            }
        });
        Ok(url)
    }

    /// Issue 21: a 4 GiB answer, announced or not, is refused after `MAX_FHIR_ANSWER` bytes
    /// with a clear error; memory stays bounded.
    #[tokio::test]
    async fn an_answer_of_gigabytes_is_refused_after_the_cap(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let http = HttpTransport::new(Duration::from_secs(20))?;
        for head in [
            "HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: 4294967296\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            let url = endless(head).await?;
            let answer = http
                .post(Post {
                    url: &url,
                    body: b"{}",
                    bearer: None,
                })
                .await;
            assert_eq!(
                answer,
                Err(TransportError::TooLarge {
                    limit: MAX_FHIR_ANSWER
                }),
                "{head}"
            );
        }
        Ok(())
    }
}
