//! `tend status`: the version, the profile directory and the vault's state.

use tend_core::{Tend, VaultStatus};

use crate::{output, Failure};

pub async fn run(tend: &Tend, json: bool) -> Result<(), Failure> {
    let info = tend.app_info().await?;
    if json {
        return output::json(&info);
    }
    let vault = match info.vault {
        VaultStatus::NotCreated => "not created yet".to_owned(),
        VaultStatus::Locked {
            format_version,
            protection,
            presence,
        } => {
            format!(
                "locked (format {format_version}, key in the {})",
                match (protection, presence) {
                    (tend_core::KeyProtection::Passphrase, _) => "vault, behind a passphrase",
                    (_, tend_core::PresenceCheck::Passcode) => "keychain, behind a passcode",
                    _ => "keychain",
                }
            )
        }
    };
    println!(
        "Tend {}\nprofile: {}\nvault:   {vault}",
        info.version, info.data_dir
    );
    Ok(())
}
