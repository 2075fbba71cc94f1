//! `tend share log`: what was shared with whom and when, and every consent change.

use tend_core::Session;

use crate::{output, Failure};

pub async fn run(session: &Session, json: bool) -> Result<(), Failure> {
    let log = session.share_log().await?;
    if json {
        return output::json(&log);
    }
    for entry in log {
        println!(
            "{}  {:<20} {}  {}",
            entry.at,
            entry.action.as_str(),
            entry.counterpart.unwrap_or_default(),
            entry.summary
        );
    }
    Ok(())
}
