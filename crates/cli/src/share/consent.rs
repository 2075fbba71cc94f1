//! `tend share consent`: switching one kind of data on (from now, or with history) or off.

use jiff::Timestamp;
use tend_core::{
    share::{Category, ConsentScope},
    Session,
};

use crate::clock::instant;
use crate::{output, Failure};

pub async fn run(
    session: &Session,
    team: &str,
    category: &str,
    since: Option<&str>,
    revoke: bool,
    json: bool,
    now: Timestamp,
) -> Result<(), Failure> {
    let category: Category = category.parse()?;
    if revoke {
        let was_on = session.revoke_consent(team, category, now).await?;
        if json {
            return output::json(&serde_json::json!({ "revoked": was_on }));
        }
        println!("{category} is no longer shared with `{team}`.");
        return Ok(());
    }
    let scope = match since {
        Some(text) => ConsentScope::Since {
            since: instant("--since", text)?,
        },
        None => ConsentScope::FromNow,
    };
    let consent = session
        .give_consent(team, category, scope, now, &session.opened_by_the_patient())
        .await?;
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
