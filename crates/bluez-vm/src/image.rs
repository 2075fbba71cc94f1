//! The guest image: built once from the recipe in `recipe/` (mmdebstrap, Debian bookworm) and
//! cached outside the clone under `${XDG_CACHE_HOME:-$HOME/.cache}/tend/bluez-vm/<recipe hash>`,
//! rebuilt when the recipe changes, under a lock so two test processes never build it at once.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// The recipe's files, embedded: what is hashed is exactly what builds the image.
const RECIPE: [(&str, &str); 5] = [
    ("build-image.sh", include_str!("../recipe/build-image.sh")),
    (
        "btdev-one-handle.patch",
        include_str!("../recipe/btdev-one-handle.patch"),
    ),
    ("init", include_str!("../recipe/init")),
    ("initrd-init", include_str!("../recipe/initrd-init")),
    ("tend-bus.conf", include_str!("../recipe/tend-bus.conf")),
];

/// A built guest: the files QEMU boots.
#[derive(Debug, Clone)]
pub struct GuestImage {
    /// The uncompressed kernel (booted as PVH), or the compressed one where that could not be made.
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    /// The root file system, never modified (QEMU runs it with `snapshot=on`).
    pub rootfs: PathBuf,
}

/// The hash naming this recipe's image: the first 16 hex digits of SHA-256 over its files.
pub fn recipe_hash() -> String {
    let mut hasher = Sha256::new();
    for (name, text) in RECIPE {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(text.len().to_le_bytes());
        hasher.update(text.as_bytes());
    }
    let digest = hasher.finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Where images are cached: `${XDG_CACHE_HOME:-$HOME/.cache}/tend/bluez-vm`.
pub fn cache_root() -> Result<PathBuf> {
    dirs::cache_dir()
        .map(|d| d.join("tend").join("bluez-vm"))
        .ok_or_else(|| Error::Image("no cache directory: set HOME or XDG_CACHE_HOME".into()))
}

/// The image for this recipe, built first if the cache has none (about 2–3 minutes, as root).
pub fn ensure_image() -> Result<GuestImage> {
    let root = cache_root()?;
    let hash = recipe_hash();
    let dir = root.join(&hash);
    if !dir.join("ready").exists() {
        build(&root, &hash, &dir)?;
    }
    let kernel = ["vmlinux", "vmlinuz"]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.exists())
        .ok_or_else(|| Error::Image(format!("{} has no kernel", dir.display())))?;
    Ok(GuestImage {
        kernel,
        initrd: dir.join("initrd.img"),
        rootfs: dir.join("rootfs.img"),
    })
}

/// Builds under `flock`, so a second process waits for the first and then finds it built.
fn build(root: &Path, hash: &str, dir: &Path) -> Result<()> {
    for (tool, package) in [("mmdebstrap", "mmdebstrap"), ("flock", "util-linux")] {
        if !on_path(tool) {
            return Err(Error::Image(format!(
                "{tool} is missing: install the Debian package {package} (scripts/setup.sh --for-tests does)"
            )));
        }
    }
    std::fs::create_dir_all(root)?;
    let recipe = root.join(format!("{hash}.recipe"));
    std::fs::create_dir_all(&recipe)?;
    for (name, text) in RECIPE {
        std::fs::write(recipe.join(name), text)?;
    }
    let log = root.join(format!("{hash}.build.log"));
    let lock = root.join(format!("{hash}.lock"));
    // mmdebstrap --mode=root and mkfs need root.
    let mut command = if is_root() {
        Command::new("flock")
    } else if on_path("sudo") {
        let mut c = Command::new("sudo");
        c.args(["-n", "flock"]);
        c
    } else {
        return Err(Error::Image(
            "building the guest image needs root (mmdebstrap --mode=root): run the tests as root or with passwordless sudo".into(),
        ));
    };
    // The build sees none of this process's environment (cargo's, the test's).
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    eprintln!(
        "tend-bluez-vm: building the guest image once (about 3 minutes) into {}",
        dir.display()
    );
    let status = command
        .arg(&lock)
        .args([
            "sh",
            "-c",
            r#"[ -e "$1/ready" ] && exit 0
rm -rf "$1"
sh "$2/build-image.sh" "$1" >"$3" 2>&1 || exit 1
chmod -R a+rX "$1"
touch "$1/ready""#,
            "tend-bluez-vm-build",
        ])
        .arg(dir)
        .arg(&recipe)
        .arg(&log)
        .status()
        .map_err(|e| Error::Image(format!("cannot run flock: {e}")))?;
    if !status.success() || !dir.join("ready").exists() {
        let tail = tail(&log, 30);
        return Err(Error::Image(format!(
            "the build failed (log {}):\n{tail}",
            log.display()
        )));
    }
    remove_older_images(root, hash);
    Ok(())
}

/// Images of earlier recipes are 400 MB each: keep only this one.
fn remove_older_images(root: &Path, hash: &str) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(hash) {
            continue;
        }
        let path = entry.path();
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

pub(crate) fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The last `lines` lines of a text file, for error messages.
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_names_the_recipe() {
        let hash = recipe_hash();
        assert_eq!(hash.len(), 16);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(hash, recipe_hash());
    }

    #[test]
    fn the_guest_listens_where_the_host_forwards() {
        let check = |file: &str, needle: &str| {
            let text = RECIPE
                .iter()
                .find(|(name, _)| *name == file)
                .map(|(_, text)| *text)
                .unwrap_or_default();
            assert!(text.contains(needle), "{file} lacks {needle}");
        };
        check("tend-bus.conf", "port=5555");
        check("init", "TEND-GUEST-READY");
        check("build-image.sh", "tend-bus.conf");
        check("initrd-init", "switch_root /root /usr/local/sbin/tend-init");
    }
}
