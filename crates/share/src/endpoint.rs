//! A care team's FHIR endpoint: who they are, where their server is, and who the patient is there.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How Tend signs in to a care team's server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignIn {
    /// The server takes requests without a token (a test server, a gateway on the device).
    None,
    /// The care team issued a bearer token; it is kept sealed, never shown again.
    Bearer,
    /// SMART App Launch, standalone patient launch, with this registered client id.
    Smart { client_id: String },
}

/// One care team as the patient set it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CareTeam {
    /// A short id from the name (`dr-smith-clinic`).
    pub id: String,
    pub name: String,
    /// The FHIR R4 base URL, without a trailing slash.
    pub base_url: String,
    /// The patient's reference on that server, e.g. `Patient/123`.
    pub patient: String,
    pub sign_in: SignIn,
}

impl CareTeam {
    /// Checks the name, URL and patient reference and normalises the URL.
    pub fn new(name: &str, base_url: &str, patient: &str, sign_in: SignIn) -> Result<CareTeam> {
        let name = name.trim();
        let id = slug(name);
        if id.is_empty() {
            return Err(Error::InvalidInput(
                "the care team needs a name with a letter or digit".into(),
            ));
        }
        let base_url = checked_base_url(base_url)?;
        let patient = patient.trim();
        let valid_patient = patient.strip_prefix("Patient/").is_some_and(|id| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        });
        if !valid_patient {
            return Err(Error::InvalidInput(format!(
                "`{patient}` is not a patient reference (expected Patient/<id>)"
            )));
        }
        Ok(CareTeam {
            id,
            name: name.to_owned(),
            base_url,
            patient: patient.to_owned(),
            sign_in,
        })
    }
}

/// A base URL Tend may send health data to: `https://` anywhere, `http://` only to this machine.
pub fn checked_base_url(text: &str) -> Result<String> {
    let url = reqwest::Url::parse(text.trim())
        .map_err(|_| Error::InvalidInput(format!("`{text}` is not a URL")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(Error::InsecureUrl(format!(
                "{}: plain http is refused except to this machine; use https",
                url.host_str().unwrap_or("?")
            )))
        }
        other => {
            return Err(Error::InvalidInput(format!(
                "`{other}` URLs are not FHIR endpoints; use https"
            )))
        }
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(Error::InvalidInput(
            "the FHIR base URL takes no query, fragment or user name".into(),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A short id from a name: lowercase letters and digits, words joined by `-`.
pub fn slug(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_to_loopback() {
        let check = |url: &str, ok: Option<&str>| {
            assert_eq!(checked_base_url(url).ok().as_deref(), ok, "{url}");
        };
        check(
            "https://fhir.example.org/r4/",
            Some("https://fhir.example.org/r4"),
        );
        check("http://127.0.0.1:8080/", Some("http://127.0.0.1:8080"));
        check("http://localhost:9/fhir", Some("http://localhost:9/fhir"));
        check("http://[::1]:9", Some("http://[::1]:9"));
        check("http://fhir.example.org/r4", None);
        check("http://10.0.0.1/", None);
        check("ftp://example.org", None);
        check("https://u:p@example.org", None);
        check("not a url", None);
    }

    #[test]
    fn care_team_needs_a_patient_reference() {
        assert!(CareTeam::new("Dr Smith", "https://x.org", "Patient/1", SignIn::None).is_ok());
        assert!(CareTeam::new("Dr Smith", "https://x.org", "1", SignIn::None).is_err());
        assert!(CareTeam::new("!!", "https://x.org", "Patient/1", SignIn::None).is_err());
        let team = CareTeam::new(
            " Dr Smith's Clinic ",
            "https://x.org/",
            "Patient/a-1",
            SignIn::Bearer,
        )
        .expect("valid");
        assert_eq!(team.id, "dr-smith-s-clinic");
        assert_eq!(team.base_url, "https://x.org");
    }
}
