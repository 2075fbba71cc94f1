//! `tend erase` and `tend bench vault`.

use std::io::IsTerminal;

use serde::Serialize;
use tend_core::Tend;

use crate::{output, Failure};

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
