//! `tend share preview|sync`: what the next sync would send, and sending it.

use std::io::IsTerminal;

use jiff::Timestamp;
use tend_core::{share::SyncProgress, Session, ShareOptions};

use crate::clock::WallClock;
use crate::{output, Failure};

/// The transaction Bundles the next sync would send to `team` (default: every care team).
pub async fn preview(
    session: &Session,
    team: Option<String>,
    options: &ShareOptions,
    now: Timestamp,
) -> Result<(), Failure> {
    let teams = match team {
        Some(team) => vec![team],
        None => session
            .care_teams()
            .await?
            .into_iter()
            .map(|t| t.team.id)
            .collect(),
    };
    let mut bundles = Vec::new();
    for team in teams {
        bundles.extend(session.share_preview(&team, options, now).await?);
    }
    output::json(&bundles)
}

/// Sends what is consented and not yet sent, with progress on a terminal's stderr. A sync that
/// stopped early fails with its reason, after printing what it did.
pub async fn sync(
    session: &Session,
    team: &str,
    options: &ShareOptions,
    json: bool,
    now: Timestamp,
) -> Result<(), Failure> {
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
        .sync_care_team(team, &clock, options, &mut progress)
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
        Some(why) => Err(Failure::Interrupted(why)),
        None => Ok(()),
    }
}
