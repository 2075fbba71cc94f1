//! `tend erase`, `tend vault accept-older` and `tend bench vault`.

use std::io::IsTerminal;

use serde::Serialize;
use tend_core::Tend;

use crate::{output, unlock, Failure};

#[derive(Serialize)]
struct ErasedJson {
    keychain_entry: bool,
    files: Vec<String>,
}

pub async fn erase(tend: &Tend, yes: bool, json: bool) -> Result<(), Failure> {
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::Failed(
                "erase destroys all of this profile's history: confirm with --yes".into(),
            ));
        }
        eprint!("This destroys every reading, medication and record in {} and its key. Type ERASE to go on: ", tend.data_dir().display());
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if answer.trim() != "ERASE" {
            return Err(Failure::Failed("nothing erased".into()));
        }
    }
    let erased = tend.erase().await?;
    if let Some(why) = &erased.keychain_error {
        eprintln!("tend: warning: the keychain entry could not be removed: {why}");
    }
    let files: Vec<String> = erased
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    if json {
        return output::json(&ErasedJson {
            keychain_entry: erased.keychain_entry,
            files,
        });
    }
    if files.is_empty() && !erased.keychain_entry {
        println!("Nothing to erase: this profile has no vault.");
        return Ok(());
    }
    if erased.keychain_entry {
        println!("Removed the vault's key from the keychain.");
    }
    for file in files {
        println!("Removed {file}");
    }
    Ok(())
}

pub async fn bench(readings: u64, json: bool) -> Result<(), Failure> {
    let scratch = tempfile::tempdir()?;
    let report = tend_core::bench_vault(readings, scratch.path()).await?;
    if json {
        return output::json(&report);
    }
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

#[derive(Serialize)]
struct AcceptedJson {
    accepted: bool,
    /// Changes in the newest vault Tend had seen, and in this file (when it was older).
    seen: Option<u64>,
    found: Option<u64>,
}

/// `tend vault accept-older`: the patient's decision to go on from an older copy of the vault.
pub async fn accept_older(tend: &Tend, yes: bool, json: bool) -> Result<(), Failure> {
    let session = unlock::open_session(tend, false).await?;
    let Some(rollback) = session.rolled_back() else {
        session.close().await?;
        if json {
            return output::json(&AcceptedJson {
                accepted: false,
                seen: None,
                found: None,
            });
        }
        println!("This vault is not older than the last one Tend saw: nothing to accept.");
        return Ok(());
    };
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::Failed(
                "accepting an older vault gives up what the newer copy held: confirm with --yes"
                    .into(),
            ));
        }
        eprint!(
            "This vault has {} changes; the last one Tend saw had {}. Going on from it gives up the rest. Type ACCEPT to go on: ",
            rollback.found, rollback.seen
        );
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if answer.trim() != "ACCEPT" {
            return Err(Failure::Failed("nothing accepted".into()));
        }
    }
    session.accept_older().await?;
    session.close().await?;
    if json {
        return output::json(&AcceptedJson {
            accepted: true,
            seen: Some(rollback.seen),
            found: Some(rollback.found),
        });
    }
    println!("Tend goes on from this copy of the vault; it takes changes again.");
    Ok(())
}
