//! SMART App Launch, standalone patient launch: discovery at `.well-known/smart-configuration`,
//! authorization code with PKCE (S256), a loopback redirect on desktop, the patient context and a
//! refresh token from the token response.

use std::time::Duration;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use crate::{endpoint::checked_base_url, CareTeam, Error, HttpTransport, Result};

/// The most a SMART configuration or token response may hold: they are a few hundred bytes.
pub const MAX_SMART_ANSWER: usize = 64 * 1024;
/// How long one connection to the loopback redirect may take to send its request line: a
/// browser sends it at once; a connection that sends nothing is dropped, not waited on.
const REDIRECT_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// What Tend asks the patient to allow: write its data to their record, stay signed in.
pub const SCOPE: &str = "launch/patient openid fhirUser offline_access patient/Observation.write patient/Device.write patient/MedicationAdministration.write";

/// The server's SMART configuration, as far as Tend needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmartConfiguration {
    /// The authorization server's issuer (RFC 9207: a redirect carrying another `iss` is not
    /// this server's answer).
    #[serde(default)]
    pub issuer: Option<String>,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
}

/// Tokens from a sign-in or a refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmartTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: Option<Timestamp>,
    /// The patient the sign-in chose, as `Patient/<id>`.
    pub patient: Option<String>,
}

/// A PKCE pair: the secret verifier and its S256 challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    /// From 32 random bytes: a 43-character verifier (RFC 7636 § 4.1) and its challenge.
    pub fn from_random(random: &[u8; 32]) -> Pkce {
        let verifier = URL_SAFE_NO_PAD.encode(random);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// A sign-in under way: the address to open in the browser, and the loopback listener waiting
/// for the browser to come back with the code.
#[derive(Debug)]
pub struct SmartSignIn {
    pub configuration: SmartConfiguration,
    base_url: String,
    /// Open this in the patient's browser.
    pub authorize_url: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    pkce: Pkce,
    listener: TcpListener,
}

impl SmartSignIn {
    /// Discovers the server's endpoints and prepares the authorization request.
    pub async fn start(
        http: &HttpTransport,
        team: &CareTeam,
        client_id: &str,
    ) -> Result<SmartSignIn> {
        let configuration = discover(http, &team.base_url).await?;
        if !configuration.code_challenge_methods_supported.is_empty()
            && !configuration
                .code_challenge_methods_supported
                .iter()
                .any(|m| m == "S256")
        {
            return Err(Error::SignIn(
                "the server does not offer PKCE with S256".into(),
            ));
        }
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
            Error::SignIn(format!(
                "cannot listen for the sign-in on this machine: {e}"
            ))
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::SignIn(e.to_string()))?
            .port();
        let redirect_uri = format!("http://127.0.0.1:{port}/callback");
        let pkce = Pkce::from_random(&random()?);
        let state = URL_SAFE_NO_PAD.encode(random::<16>()?);
        let mut url = reqwest::Url::parse(&configuration.authorization_endpoint)
            .map_err(|_| Error::SignIn("the authorization endpoint is not a URL".into()))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("scope", SCOPE)
            .append_pair("state", &state)
            .append_pair("aud", &team.base_url)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(SmartSignIn {
            configuration,
            base_url: team.base_url.clone(),
            authorize_url: url.to_string(),
            client_id: client_id.to_owned(),
            redirect_uri,
            state,
            pkce,
            listener,
        })
    }

    /// Waits (up to `wait`) for the browser to return to the loopback redirect, then trades the
    /// code for tokens.
    pub async fn finish(
        self,
        http: &HttpTransport,
        wait: Duration,
        now: Timestamp,
    ) -> Result<SmartTokens> {
        let code = tokio::time::timeout(wait, self.receive_code())
            .await
            .map_err(|_| Error::SignIn("the sign-in was not completed in time".into()))??;
        token_request(
            http,
            &self.configuration.token_endpoint,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &self.redirect_uri),
                ("client_id", &self.client_id),
                ("code_verifier", &self.pkce.verifier),
            ],
            now,
        )
        .await
    }

    /// Accepts connections to the loopback redirect until one carries this sign-in's answer.
    /// Anything else on the port — a connection that sends nothing, another path, a stale or
    /// forged `state`, another server's `iss` — is answered and ignored; it never ends the
    /// sign-in.
    async fn receive_code(&self) -> Result<String> {
        loop {
            let (mut stream, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| Error::SignIn(e.to_string()))?;
            let Ok(Some(url)) =
                tokio::time::timeout(REDIRECT_READ_TIMEOUT, request_target(&mut stream)).await
            else {
                continue;
            };
            let param = |name: &str| {
                url.query_pairs()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
            };
            let ours = url.path() == "/callback"
                && param("state").as_deref() == Some(self.state.as_str())
                && param("iss").is_none_or(|iss| self.issued_by(&iss));
            if !ours {
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    )
                    .await;
                continue;
            }
            let result = match (param("code"), param("error")) {
                (_, Some(error)) => Err(Error::SignIn(format!(
                    "the server refused the sign-in: {error}"
                ))),
                (Some(code), None) => Ok(code),
                (None, None) => Err(Error::SignIn(
                    "the sign-in answer carried no authorization code".into(),
                )),
            };
            let page = if result.is_ok() {
                "Tend is signed in. You can close this window."
            } else {
                "Tend could not sign in. You can close this window and try again."
            };
            let _ = stream
                .write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}", page.len()).as_bytes())
                .await;
            return result;
        }
    }
}

impl SmartSignIn {
    /// Whether `iss` names the server this sign-in went to: its configured issuer, else its
    /// FHIR base address (SMART servers commonly issue as their base).
    fn issued_by(&self, iss: &str) -> bool {
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        match &self.configuration.issuer {
            Some(issuer) => same(issuer, iss),
            None => same(&self.base_url, iss),
        }
    }
}

/// The target of one HTTP request line on the loopback redirect; `None` for a connection that
/// sends something else.
async fn request_target(stream: &mut tokio::net::TcpStream) -> Option<reqwest::Url> {
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&request);
    let target = text.split_whitespace().nth(1)?;
    reqwest::Url::parse(&format!("http://127.0.0.1{target}")).ok()
}

/// `GET {base}/.well-known/smart-configuration`.
pub async fn discover(http: &HttpTransport, base_url: &str) -> Result<SmartConfiguration> {
    let url = format!(
        "{}/.well-known/smart-configuration",
        checked_base_url(base_url)?
    );
    let response = http
        .client
        .get(&url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| {
            Error::SignIn(format!(
                "cannot reach the SMART configuration: {}",
                e.without_url()
            ))
        })?;
    if !response.status().is_success() {
        return Err(Error::SignIn(format!(
            "the server offers no SMART sign-in ({})",
            response.status().as_u16()
        )));
    }
    let body = crate::transport::read_capped(response, MAX_SMART_ANSWER)
        .await
        .map_err(|e| Error::SignIn(format!("the SMART configuration did not arrive: {e}")))?;
    let configuration: SmartConfiguration = serde_json::from_slice(&body)
        .map_err(|_| Error::SignIn("the SMART configuration is not understood".into()))?;
    checked_base_url(&configuration.authorization_endpoint)?;
    checked_base_url(&configuration.token_endpoint)?;
    Ok(configuration)
}

/// Trades a refresh token for a fresh access token.
pub async fn refresh(
    http: &HttpTransport,
    token_endpoint: &str,
    client_id: &str,
    refresh_token: &str,
    now: Timestamp,
) -> Result<SmartTokens> {
    let mut tokens = token_request(
        http,
        token_endpoint,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", client_id),
        ],
        now,
    )
    .await?;
    // A server may keep the refresh token unchanged and say nothing of it.
    tokens.refresh_token = tokens
        .refresh_token
        .or_else(|| Some(refresh_token.to_owned()));
    Ok(tokens)
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
    patient: Option<String>,
}

async fn token_request(
    http: &HttpTransport,
    token_endpoint: &str,
    fields: &[(&str, &str)],
    now: Timestamp,
) -> Result<SmartTokens> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let response = http
        .client
        .post(checked_base_url(token_endpoint)?)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| {
            Error::SignIn(format!(
                "cannot reach the token endpoint: {}",
                e.without_url()
            ))
        })?;
    if !response.status().is_success() {
        return Err(Error::SignIn(format!(
            "the token endpoint refused ({}): sign in again",
            response.status().as_u16()
        )));
    }
    let body = crate::transport::read_capped(response, MAX_SMART_ANSWER)
        .await
        .map_err(|e| Error::SignIn(format!("the token response did not arrive: {e}")))?;
    let token: TokenResponse = serde_json::from_slice(&body)
        .map_err(|_| Error::SignIn("the token response is not understood".into()))?;
    Ok(SmartTokens {
        access_token: token.access_token,
        refresh_token: token.refresh_token,
        expires_at: token
            .expires_in
            .and_then(|s| now.checked_add(SignedDuration::from_secs(s)).ok()),
        patient: token.patient.map(|p| {
            if p.starts_with("Patient/") {
                p
            } else {
                format!("Patient/{p}")
            }
        }),
    })
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| Error::SignIn("no randomness available".into()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 21: anything else on the loopback port — a connection that sends nothing, a forged
    /// state, another server's `iss` — is ignored; the sign-in's own answer still completes it.
    #[tokio::test]
    async fn wrong_requests_on_the_redirect_port_are_ignored() -> Result<()> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| Error::SignIn(e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::SignIn(e.to_string()))?
            .port();
        let sign_in = SmartSignIn {
            configuration: SmartConfiguration {
                issuer: Some("https://auth.example.org".into()),
                authorization_endpoint: "https://auth.example.org/authorize".into(),
                token_endpoint: "https://auth.example.org/token".into(),
                code_challenge_methods_supported: vec!["S256".into()],
            },
            base_url: "https://fhir.example.org/r4".into(),
            authorize_url: String::new(),
            client_id: "tend".into(),
            redirect_uri: format!("http://127.0.0.1:{port}/callback"),
            state: "the-state".into(),
            pkce: Pkce::from_random(&[7; 32]),
            listener,
        };
        let browser = async move {
            // Holds a connection open, sending nothing.
            let _silent = tokio::net::TcpStream::connect(("127.0.0.1", port)).await;
            for target in [
                "/favicon.ico",
                "/callback?code=forged&state=another",
                "/callback?code=mixed-up&state=the-state&iss=https://evil.example.org",
                "/callback?code=the-code&state=the-state&iss=https://auth.example.org/",
            ] {
                if let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                    let request = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                    let _ = stream.write_all(request.as_bytes()).await;
                    let mut answer = Vec::new();
                    let _ = stream.read_to_end(&mut answer).await;
                }
            }
            std::future::pending::<()>().await;
        };
        let code = tokio::select! {
            code = tokio::time::timeout(Duration::from_secs(20), sign_in.receive_code()) => code,
            () = browser => unreachable!(),
        };
        assert_eq!(
            code.map_err(|_| Error::SignIn("timed out".into()))??,
            "the-code"
        );
        Ok(())
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        // RFC 7636 Appendix B: these 32 octets give this verifier and challenge.
        let random = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let pkce = Pkce::from_random(&random);
        assert_eq!(pkce.verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            pkce.challenge,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
