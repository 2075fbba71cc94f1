//! `tend share` (care teams, consent, preview, sync, log), `tend export --format fhir` and
//! `tend bench share`. "Now" is the system clock, or `TEND_NOW` (RFC 3339) for scripts and tests.

use std::{io::IsTerminal, path::Path, time::Instant};

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use serde::Serialize;
use tend_core::share::{Category, Clock, ConsentScope, RetryPolicy, SyncProgress, Timer};
use tend_core::{CareTeamDetails, KeySource, Passphrase, ShareOptions, Tend};

use crate::{
    args::{ShareCommand, ShareOptionsArgs},
    output, unlock, Failure,
};

/// The shell's clock: the system's (or `TEND_NOW` moving on from when the command started).
#[derive(Debug)]
pub struct WallClock {
    start: Timestamp,
    started: Instant,
}

impl WallClock {
    fn starting_at(start: Timestamp) -> WallClock {
        WallClock {
            start,
            started: Instant::now(),
        }
    }
}

impl Clock for WallClock {
    fn now(&self) -> Timestamp {
        let elapsed =
            SignedDuration::try_from(self.started.elapsed()).unwrap_or(SignedDuration::ZERO);
        self.start.checked_add(elapsed).unwrap_or(self.start)
    }
}

impl Timer for WallClock {
    async fn sleep(&self, duration: SignedDuration) {
        if let Ok(duration) = std::time::Duration::try_from(duration) {
            tokio::time::sleep(duration).await;
        }
    }
}

pub async fn run(tend: &Tend, command: ShareCommand, json: bool) -> Result<(), Failure> {
    let now = now()?;
    let session = unlock::session(tend, false).await?;
    let result = run_in(&session, command, json, now).await;
    session.close().await?;
    result
}

async fn run_in(
    session: &tend_core::Session,
    command: ShareCommand,
    json: bool,
    now: Timestamp,
) -> Result<(), Failure> {
    match command {
        ShareCommand::Add { name, url, patient } => {
            let bearer_token = std::env::var("TEND_CARE_TEAM_TOKEN").ok();
            let team = session
                .add_care_team(
                    CareTeamDetails {
                        name,
                        base_url: url,
                        patient,
                        bearer_token,
                    },
                    now,
                )
                .await?;
            if json {
                return output::json(&team);
            }
            println!("Added {} (id `{}`). Nothing is shared until you consent: tend share consent {} <category>", team.name, team.id, team.id);
            Ok(())
        }
        ShareCommand::List => {
            let teams = session.care_teams().await?;
            if json {
                return output::json(&teams);
            }
            for team in teams {
                println!(
                    "{} (`{}`) at {} as {}; {} queued",
                    team.team.name,
                    team.team.id,
                    team.team.base_url,
                    team.team.patient,
                    team.queued
                );
                for c in team.consents {
                    match c.consent {
                        Some(consent) => {
                            println!("  on   {:<30} since {}", c.label, consent.covers_from())
                        }
                        None => println!("  off  {}", c.label),
                    }
                }
                if let Some(last) = team.last_sync {
                    println!(
                        "  last sync {}: {} sent{}",
                        last.at,
                        last.delivered,
                        last.interrupted
                            .map(|w| format!(", stopped: {w}"))
                            .unwrap_or_default()
                    );
                }
            }
            Ok(())
        }
        ShareCommand::Consent {
            team,
            category,
            since,
            revoke,
        } => {
            let category: Category = category.parse()?;
            if revoke {
                let was_on = session.revoke_consent(&team, category, now).await?;
                if json {
                    return output::json(&serde_json::json!({ "revoked": was_on }));
                }
                println!("{} is no longer shared with `{team}`.", category);
                return Ok(());
            }
            let scope = match since {
                Some(text) => ConsentScope::Since {
                    since: instant("--since", &text)?,
                },
                None => ConsentScope::FromNow,
            };
            let consent = session.give_consent(&team, category, scope, now).await?;
            if json {
                return output::json(&consent);
            }
            println!(
                "{category} is shared with `{team}` from {} on: {}",
                consent.covers_from(),
                category.describe()
            );
            Ok(())
        }
        ShareCommand::Token { team } => {
            let token = match std::env::var("TEND_CARE_TEAM_TOKEN") {
                Ok(token) => token,
                Err(_) if std::io::stdin().is_terminal() => {
                    rpassword::prompt_password("Access token: ")?
                }
                Err(_) => {
                    return Err(Failure::Failed(
                        "give the token in TEND_CARE_TEAM_TOKEN".into(),
                    ))
                }
            };
            session.set_care_team_token(&team, &token, now).await?;
            println!("The new token for `{team}` is stored.");
            Ok(())
        }
        ShareCommand::Signin {
            team,
            client_id,
            wait_seconds,
        } => {
            let signed_in = session
                .smart_sign_in(
                    &team,
                    &client_id,
                    std::time::Duration::from_secs(wait_seconds),
                    now,
                    |url| {
                        eprintln!("Open this address in your browser to sign in:\n{url}");
                    },
                )
                .await?;
            if json {
                return output::json(&signed_in);
            }
            println!("Signed in to {} as {}.", signed_in.name, signed_in.patient);
            Ok(())
        }
        ShareCommand::Preview { team, options } => {
            let teams = match team {
                Some(team) => vec![team],
                None => session
                    .care_teams()
                    .await?
                    .into_iter()
                    .map(|t| t.team.id)
                    .collect(),
            };
            let options = share_options(&options)?;
            let mut bundles = Vec::new();
            for team in teams {
                bundles.extend(session.share_preview(&team, &options, now).await?);
            }
            output::json(&bundles)
        }
        ShareCommand::Sync { team, options } => {
            let clock = WallClock::starting_at(now);
            let show = std::io::stderr().is_terminal();
            let mut progress = |p: SyncProgress| {
                if show {
                    eprint!(
                        "\rsent {} ({} bundles), {} to go   ",
                        p.delivered, p.bundles, p.remaining
                    );
                }
            };
            let report = session
                .sync_care_team(&team, &clock, &share_options(&options)?, &mut progress)
                .await;
            if show {
                eprintln!();
            }
            let report = report?;
            if json {
                output::json(&report)?;
            } else {
                println!(
                    "{} sent in {} bundles ({} bytes); {} withheld (consent revoked); {} refused",
                    report.delivered,
                    report.bundles,
                    report.bytes_sent,
                    report.withheld,
                    report.refused.len()
                );
                for why in &report.refused {
                    println!("  refused: {why}");
                }
            }
            match report.interrupted {
                Some(why) => Err(Failure::Failed(format!("the sync stopped early: {why}"))),
                None => Ok(()),
            }
        }
        ShareCommand::Log => {
            let log = session.share_log().await?;
            if json {
                return output::json(&log);
            }
            for entry in log {
                println!(
                    "{}  {:<20} {}  {}",
                    entry.at,
                    entry.action,
                    entry.counterpart.unwrap_or_default(),
                    entry.summary
                );
            }
            Ok(())
        }
    }
}

/// `tend export --format fhir`: one R4 `collection` Bundle.
pub async fn export_fhir(tend: &Tend, output: Option<&Path>) -> Result<(), Failure> {
    let now = now()?;
    let session = unlock::session(tend, false).await?;
    let written = match output {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => {
                session
                    .export_fhir(std::io::BufWriter::new(file), &TimeZone::system(), now)
                    .await
            }
            Err(e) => {
                session.close().await?;
                return Err(Failure::Failed(format!(
                    "cannot write {}: {e}",
                    path.display()
                )));
            }
        },
        None => {
            session
                .export_fhir(
                    std::io::BufWriter::new(std::io::stdout().lock()),
                    &TimeZone::system(),
                    now,
                )
                .await
        }
    };
    session.close().await?;
    written?;
    Ok(())
}

fn share_options(args: &ShareOptionsArgs) -> Result<ShareOptions, Failure> {
    Ok(ShareOptions {
        summary_period: Some(SignedDuration::from_mins(i64::from(
            args.period_minutes.max(1),
        ))),
        retry: RetryPolicy {
            max_entries: args.max_entries.max(2),
            ..RetryPolicy::default()
        },
        timeout: std::time::Duration::from_secs(args.timeout_seconds.max(1)),
        zone: match &args.tz {
            Some(name) => tend_core::zone_named(name)?,
            None => TimeZone::system(),
        },
    })
}

/// What `tend bench share` measured.
#[derive(Debug, Serialize)]
struct ShareBench {
    readings: u64,
    sync_seconds: f64,
    observations: u64,
    bundles: u64,
    requests: u64,
    bytes_sent: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineBench>,
}

/// The same readings, each its own Observation.
#[derive(Debug, Serialize)]
struct BaselineBench {
    sync_seconds: f64,
    observations: u64,
    bundles: u64,
    bytes_sent: u64,
}

/// `tend bench share`: a day of 1 Hz heart rate plus spot readings, in a scratch profile, synced
/// to the FHIR server at `url` (on this machine).
pub async fn bench(
    url: &str,
    patient: &str,
    baseline: bool,
    max_entries: usize,
    json: bool,
) -> Result<(), Failure> {
    let day: Timestamp = "2026-03-01T00:00:00Z".parse()?;
    let scratch = tempfile::tempdir()?;
    let csv = scratch.path().join("day.csv");
    let readings = write_day(&csv, day)?;
    let profile = scratch.path().join("profile");
    let tend = Tend::new(&profile);
    let session = tend
        .create(KeySource::Passphrase(Passphrase::new("bench passphrase")?))
        .await?;
    session.import_csv(&csv, |_| {}).await?;
    let now = day + SignedDuration::from_hours(24);
    let mut options = ShareOptions {
        retry: RetryPolicy {
            max_entries,
            ..RetryPolicy::default()
        },
        zone: TimeZone::UTC,
        ..ShareOptions::default()
    };
    let run = |name: &'static str, patient: String| CareTeamDetails {
        name: name.into(),
        base_url: url.into(),
        patient,
        bearer_token: None,
    };
    let measure = async |name: &'static str,
                         patient: String,
                         options: &ShareOptions|
           -> Result<(f64, tend_core::share::SyncReport), Failure> {
        let team = session.add_care_team(run(name, patient), now).await?;
        for category in [
            Category::HeartRate,
            Category::BloodPressure,
            Category::Temperature,
            Category::Spo2,
            Category::Glucose,
            Category::WeightAndBodyComposition,
        ] {
            session
                .give_consent(&team.id, category, ConsentScope::Since { since: day }, now)
                .await?;
        }
        let clock = WallClock::starting_at(now);
        let started = Instant::now();
        let report = session
            .sync_care_team(&team.id, &clock, options, &mut |_| {})
            .await?;
        let seconds = started.elapsed().as_secs_f64();
        if let Some(why) = &report.interrupted {
            return Err(Failure::Failed(format!(
                "the benchmark sync stopped: {why}"
            )));
        }
        Ok((seconds, report))
    };
    let (seconds, report) = measure("bench", patient.to_owned(), &options).await?;
    let baseline = if baseline {
        options.summary_period = None;
        let (seconds, report) =
            measure("bench baseline", format!("{patient}-baseline"), &options).await?;
        Some(BaselineBench {
            sync_seconds: seconds,
            observations: report.delivered,
            bundles: report.bundles,
            bytes_sent: report.bytes_sent,
        })
    } else {
        None
    };
    session.close().await?;
    let result = ShareBench {
        readings,
        sync_seconds: seconds,
        observations: report.delivered,
        bundles: report.bundles,
        requests: report.requests,
        bytes_sent: report.bytes_sent,
        baseline,
    };
    if json {
        return output::json(&result);
    }
    println!(
        "{} readings -> {} Observations in {} bundles ({} bytes) in {:.2} s",
        result.readings,
        result.observations,
        result.bundles,
        result.bytes_sent,
        result.sync_seconds
    );
    if let Some(b) = &result.baseline {
        println!(
            "baseline: {} Observations in {} bundles ({} bytes) in {:.2} s",
            b.observations, b.bundles, b.bytes_sent, b.sync_seconds
        );
    }
    Ok(())
}

/// One day: 1 Hz heart rate from a strap, and a patient's spot readings. Returns the row count.
fn write_day(path: &Path, day: Timestamp) -> Result<u64, Failure> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "time,metric,value,unit,device")?;
    let mut rows = 0;
    for s in 0..86_400_i64 {
        let t = day + SignedDuration::from_secs(s);
        writeln!(
            out,
            "{t},heart_rate,{},/min,Polar H10",
            60 + (s / 60 + s) % 40
        )?;
        rows += 1;
    }
    for (hour, sys, dia) in [(7, 121, 79), (13, 118, 77), (21, 125, 82)] {
        let t = day + SignedDuration::from_hours(hour);
        writeln!(
            out,
            "{t},systolic,{sys},mm[Hg],cuff\n{t},diastolic,{dia},mm[Hg],cuff"
        )?;
        rows += 2;
    }
    for (hour, spo2, temp, glucose) in [
        (7, 97, 36.7, 95),
        (12, 98, 36.9, 132),
        (18, 96, 37.1, 118),
        (22, 97, 36.8, 104),
    ] {
        let t = day + SignedDuration::from_hours(hour) + SignedDuration::from_mins(10);
        writeln!(out, "{t},spo2,{spo2},%,oximeter\n{t},body_temperature,{temp},Cel,thermometer\n{t},glucose,{glucose},mg/dL,meter")?;
        rows += 3;
    }
    let t = day + SignedDuration::from_hours(7) + SignedDuration::from_mins(30);
    writeln!(out, "{t},weight,71.4,kg,scale\n{t},bmi,22.6,kg/m2,scale")?;
    rows += 2;
    out.flush()?;
    Ok(rows)
}

fn now() -> Result<Timestamp, Failure> {
    match std::env::var("TEND_NOW") {
        Ok(text) => instant("TEND_NOW", &text),
        Err(_) => Ok(Timestamp::now()),
    }
}

fn instant(option: &str, text: &str) -> Result<Timestamp, Failure> {
    text.parse().map_err(|_| {
        Failure::Failed(format!(
            "{option}: `{text}` is not an RFC 3339 date-time with an offset"
        ))
    })
}
