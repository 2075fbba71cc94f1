//! `tend share` (care teams, consent, preview, sync, log), `tend export --format fhir` and
//! `tend bench share`. "Now" comes from `crate::clock`.

mod bench;
mod care_teams;
mod consent;
mod export;
mod log;
mod sync;

use jiff::{tz::TimeZone, SignedDuration};
use tend_core::share::RetryPolicy;
use tend_core::{ShareOptions, Tend};

use crate::{
    args::{ShareCommand, ShareOptionsArgs},
    clock::now,
    unlock, Failure,
};

pub use bench::bench;
pub use export::export_fhir;

pub async fn run(tend: &Tend, command: ShareCommand, json: bool) -> Result<(), Failure> {
    let now = now()?;
    let session = unlock::session(tend, false).await?;
    let result = match command {
        ShareCommand::Add { name, url, patient } => {
            care_teams::add(&session, name, url, patient, json, now).await
        }
        ShareCommand::List => care_teams::list(&session, json).await,
        ShareCommand::Token { team } => care_teams::token(&session, &team, now).await,
        ShareCommand::Signin {
            team,
            client_id,
            wait_seconds,
        } => care_teams::sign_in(&session, &team, &client_id, wait_seconds, json, now).await,
        ShareCommand::Consent {
            team,
            category,
            since,
            revoke,
        } => {
            consent::run(
                &session,
                &team,
                &category,
                since.as_deref(),
                revoke,
                json,
                now,
            )
            .await
        }
        ShareCommand::Preview { team, options } => {
            sync::preview(&session, team, &share_options(&options)?, now).await
        }
        ShareCommand::Sync { team, options } => {
            sync::sync(&session, &team, &share_options(&options)?, json, now).await
        }
        ShareCommand::Log => log::run(&session, json).await,
        ShareCommand::Report {
            team,
            from,
            until,
            tz,
        } => {
            crate::report::send(
                &session,
                &team,
                from.as_deref(),
                until.as_deref(),
                tz.as_deref(),
                json,
                now,
            )
            .await
        }
    };
    session.close().await?;
    result
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
