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

/// Why no answer came. Never carries request or response bodies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("the server did not answer in time")]
    Timeout,
    #[error("the connection failed: {0}")]
    Connection(String),
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
        let body = response.bytes().await.map_err(classify)?.to_vec();
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }
}

fn classify(e: reqwest::Error) -> TransportError {
    if e.is_timeout() {
        TransportError::Timeout
    } else {
        // reqwest's message names the URL and the failure, never the body.
        TransportError::Connection(e.without_url().to_string())
    }
}
