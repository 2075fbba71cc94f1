//! The clinic report: the period's readings, medications and doses read from the vault and
//! summarised to the guidelines by `tend-clinic`; rendered as a tagged PDF by `tend-report`, as
//! FHIR by `tend-share`, and sent to a care team that switched "clinic reports" on — holding only
//! the categories that team may see.

use jiff::{tz::TimeZone, Timestamp};
use serde::Serialize;
use tend_clinic::{
    report_with_charts, ClinicReport, NamedMedication, Period, ReportCharts, ReportInput,
    ReportSettings,
};
use tend_meds::DoseRecord;
use tend_report::{Paper, ReportDocument};
use tend_share::{bundle, report::ReportBundleKind, Category, HttpTransport, Post, Transport};
use tend_vitals::Metric;

use crate::{devices::measurement, sharing::AuditAction, Error, Result, Session};

/// How long the default report looks back: the 14 days the CGM consensus asks for.
pub const DEFAULT_REPORT_DAYS: i64 = 14;

/// What a shell asks of a report: which period, in which zone, on which paper.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub period: Period,
    /// The zone the patient lives in: days and times of day are theirs.
    pub zone: TimeZone,
    /// The locale the PDF's paper follows (A4, or Letter for the US and Canada).
    pub locale: String,
}

impl ReportRequest {
    /// The last [`DEFAULT_REPORT_DAYS`] days up to `now`.
    pub fn last_days(now: Timestamp, zone: TimeZone, locale: &str) -> Result<ReportRequest> {
        Ok(ReportRequest {
            period: Period::last_days(now, DEFAULT_REPORT_DAYS).map_err(invalid)?,
            zone,
            locale: locale.to_owned(),
        })
    }
}

/// What sending a report to a care team did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReportSent {
    /// The resources the server confirmed (the DiagnosticReport and its Observations).
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub resources: u64,
    /// The categories the report held (those the team may see).
    pub categories: Vec<Category>,
}

impl Session {
    /// The report over `request.period`, with the data of its charts.
    pub async fn clinic_report(
        &self,
        request: &ReportRequest,
        now: Timestamp,
    ) -> Result<(ClinicReport, ReportCharts)> {
        let preferences = self.preferences().await?;
        let period = request.period;
        let mut measurements = Vec::new();
        for metric in Metric::ALL {
            let read = self
                .vault
                .read_raw(metric, period.from, period.until)
                .await?;
            if !read.damaged.is_empty() {
                return Err(Error::Vault(tend_vault::Error::Tampered));
            }
            measurements.extend(read.data.iter().filter_map(measurement));
        }
        let medications: Vec<NamedMedication> = self
            .medications()
            .await?
            .into_iter()
            .map(|m| NamedMedication {
                id: m.id,
                name: m.details.name,
            })
            .collect();
        // Doses due by now, and today's answered ahead of their time: adherence counts both.
        let (_, tomorrow) = crate::medications::local_day(now, &request.zone)?;
        let doses: Vec<DoseRecord<String>> = self
            .dose_records(
                period.from,
                period.until.min(tomorrow.timestamp()),
                &request.zone,
            )
            .await?
            .into_iter()
            .map(|(medication, due, state)| DoseRecord {
                medication: medication.id,
                due: due.timestamp(),
                state,
            })
            .collect();
        let input = ReportInput {
            period,
            zone: &request.zone,
            now,
            measurements: &measurements,
            medications: &medications,
            doses: &doses,
            settings: ReportSettings {
                spo2_target: preferences.spo2_target,
                ..ReportSettings::default()
            },
        };
        Ok(report_with_charts(&input))
    }

    /// The report as a tagged PDF (PDF/UA), the patient's name and the period on every page.
    pub async fn clinic_report_pdf(
        &self,
        request: &ReportRequest,
        now: Timestamp,
    ) -> Result<Vec<u8>> {
        let (report, charts) = self.clinic_report(request, now).await?;
        self.render(&report, &charts, request, now).await
    }

    /// The report as one FHIR `collection` Bundle: its summary Observations and a
    /// DiagnosticReport carrying the PDF.
    pub async fn clinic_report_fhir(
        &self,
        request: &ReportRequest,
        now: Timestamp,
    ) -> Result<serde_json::Value> {
        let (report, charts) = self.clinic_report(request, now).await?;
        let pdf = self.render(&report, &charts, request, now).await?;
        Ok(tend_share::report::report_bundle(
            &report,
            &pdf,
            "urn:uuid:patient",
            now,
            ReportBundleKind::Collection,
        ))
    }

    /// Sends the report to `team_id`, which must have "clinic reports" switched on; it holds
    /// only the categories that team may see, in the PDF as in the Observations. One
    /// transaction: every resource a conditional create, so a resend creates nothing new.
    pub async fn share_report<T: Transport>(
        &self,
        team_id: &str,
        request: &ReportRequest,
        transport: &T,
        now: Timestamp,
    ) -> Result<ReportSent> {
        let record = self.care_team_record(team_id).await?;
        let consents = self.consents_of(team_id).await?;
        consents.permits(Category::Reports, now)?;
        let (mut report, mut charts) = self.clinic_report(request, now).await?;
        let allowed = |c: Category| consents.permits(c, request.period.from).is_ok();
        tend_share::report::keep_consented(&mut report, &mut charts, &allowed);
        let categories: Vec<Category> = Category::ALL
            .into_iter()
            .filter(|c| *c != Category::Reports && allowed(*c))
            .collect();
        let pdf = self.render(&report, &charts, request, now).await?;
        let bundle = tend_share::report::report_bundle(
            &report,
            &pdf,
            &record.team.patient,
            now,
            ReportBundleKind::Transaction,
        );
        let entries = bundle["entry"].as_array().map_or(0, Vec::len);
        let body = serde_json::to_vec(&bundle).map_err(|_| invalid("the report"))?;
        let token = record.bearer_token.clone();
        let answer = transport
            .post(Post {
                url: &record.team.base_url,
                body: &body,
                bearer: token.as_deref(),
            })
            .await
            .map_err(tend_share::Error::from)?;
        if answer.status == 401 {
            return Err(Error::Share(tend_share::Error::SignIn(
                "the care team's server refused the sign-in".into(),
            )));
        }
        if !(200..300).contains(&answer.status) {
            let message = serde_json::from_slice(&answer.body)
                .ok()
                .and_then(|v| bundle::operation_outcome_message(&v))
                .unwrap_or_else(|| format!("the server refused the report ({})", answer.status));
            return Err(Error::Share(tend_share::Error::Protocol(message)));
        }
        let outcomes = bundle::read_response(&answer.body, entries)?;
        let resources = outcomes
            .iter()
            .filter(|o| matches!(o, bundle::EntryOutcome::Stored))
            .count() as u64;
        let names: Vec<String> = categories.iter().map(ToString::to_string).collect();
        self.audit(
            now,
            AuditAction::Shared,
            &record.team,
            format!(
                "a clinic report for {} to {} ({})",
                request.period.from,
                request.period.until,
                names.join(", ")
            ),
        )
        .await?;
        Ok(ReportSent {
            resources,
            categories,
        })
    }

    /// [`Session::share_report`] over HTTPS.
    pub async fn share_report_https(
        &self,
        team_id: &str,
        request: &ReportRequest,
        timeout: std::time::Duration,
        now: Timestamp,
    ) -> Result<ReportSent> {
        let transport = HttpTransport::new(timeout)?;
        self.share_report(team_id, request, &transport, now).await
    }

    async fn render(
        &self,
        report: &ClinicReport,
        charts: &ReportCharts,
        request: &ReportRequest,
        now: Timestamp,
    ) -> Result<Vec<u8>> {
        let preferences = self.preferences().await?;
        let name = preferences
            .patient_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or("Patient");
        let document = ReportDocument {
            patient_name: name,
            zone: &request.zone,
            paper: Paper::for_locale(&request.locale),
            language: language(&request.locale),
            generated_at: now,
        };
        tend_report::render_pdf(report, charts, &document)
            .map_err(|e| Error::InvalidInput(format!("the report could not be drawn: {e}")))
    }
}

/// "en" from "en-US" or "en_US.UTF-8"; English when the locale says nothing.
fn language(locale: &str) -> &str {
    let code = locale.split(['-', '_', '.']).next().unwrap_or("");
    if code.len() == 2 && code.chars().all(|c| c.is_ascii_lowercase()) {
        code
    } else {
        "en"
    }
}

fn invalid(what: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("{what} is not a valid report period"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        for (locale, expected) in [
            ("en-US", "en"),
            ("de_DE.UTF-8", "de"),
            ("", "en"),
            ("C", "en"),
            ("fr", "fr"),
        ] {
            assert_eq!(language(locale), expected, "{locale}");
        }
    }
}
