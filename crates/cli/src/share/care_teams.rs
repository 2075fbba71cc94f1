//! `tend share add|list|token|signin`: care teams, their endpoints and sign-in.

use std::io::IsTerminal;

use jiff::Timestamp;
use tend_core::{CareTeamDetails, Session};

use crate::{output, Failure};

pub async fn add(
    session: &Session,
    name: String,
    url: String,
    patient: String,
    json: bool,
    now: Timestamp,
) -> Result<(), Failure> {
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
            &session.opened_by_the_patient(),
        )
        .await?;
    if json {
        return output::json(&team);
    }
    println!(
        "Added {} (id `{}`). Nothing is shared until you consent: tend share consent {} <category>",
        team.name, team.id, team.id
    );
    Ok(())
}

pub async fn list(session: &Session, json: bool) -> Result<(), Failure> {
    let teams = session.care_teams().await?;
    if json {
        return output::json(&teams);
    }
    for team in teams {
        println!(
            "{} (`{}`) at {} as {}; {} queued",
            team.team.name, team.team.id, team.team.base_url, team.team.patient, team.queued
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
                    .map(|why| format!(", stopped early: {why}"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

pub async fn token(session: &Session, team: &str, now: Timestamp) -> Result<(), Failure> {
    let token = match std::env::var("TEND_CARE_TEAM_TOKEN") {
        Ok(token) => token,
        Err(_) if std::io::stdin().is_terminal() => rpassword::prompt_password("Access token: ")?,
        Err(_) => {
            return Err(Failure::Failed(
                "give the token in TEND_CARE_TEAM_TOKEN".into(),
            ))
        }
    };
    session.set_care_team_token(team, &token, now).await?;
    println!("The new token for `{team}` is stored.");
    Ok(())
}

pub async fn sign_in(
    session: &Session,
    team: &str,
    client_id: &str,
    wait_seconds: u64,
    json: bool,
    now: Timestamp,
) -> Result<(), Failure> {
    let signed_in = session
        .smart_sign_in(
            team,
            client_id,
            std::time::Duration::from_secs(wait_seconds),
            now,
            |url| {
                eprintln!("Open this address in your browser to sign in:\n{url}");
            },
            &session.opened_by_the_patient(),
        )
        .await?;
    if json {
        return output::json(&signed_in);
    }
    println!("Signed in to {} as {}.", signed_in.name, signed_in.patient);
    Ok(())
}
