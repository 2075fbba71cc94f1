//! Sealing with AES-256-GCM (ring): the data key, the keys derived from it, and the sealed form.
//!
//! Format 2 seals every piece under its own key: `0x02 || salt (16) || nonce (12) || ciphertext ||
//! tag (16)`, where the piece key is HKDF-SHA256 of the vault's sealing secret and a fresh random
//! salt, and the nonce is random too. Nothing about a seal depends on a counter in the file, so
//! resetting or rolling back any clear-text state cannot make a (key, nonce) pair repeat: a
//! repeat needs two random 128-bit salts to collide (about 2^64 seals) and then the nonces too.
//!
//! Format 1 (`nonce (12) || ciphertext || tag`, one key, a counter in the file) is only opened,
//! to migrate a vault of that format.

use ring::{
    aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN},
    hkdf, hmac,
    rand::{SecureRandom, SystemRandom},
};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// Associated data for a sealed piece: a domain naming what it is (with the format version) and
/// the numbers that place it (series, row, time keys, version), so a piece moved, swapped or
/// replayed somewhere else fails to open.
pub(crate) fn aad(domain: &[u8], numbers: &[i64]) -> Vec<u8> {
    let mut out = domain.to_vec();
    for n in numbers {
        out.extend_from_slice(&n.to_le_bytes());
    }
    out
}

const VERSION_2: u8 = 2;
const SALT_LEN: usize = 16;

/// Bytes a sealed piece adds to its plaintext.
pub const SEAL_OVERHEAD: usize = 1 + SALT_LEN + NONCE_LEN + 16;

/// The vault's 256-bit data key. Zeroed when dropped; never logged, never written in clear.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    /// A fresh random key from the operating system's CSPRNG.
    pub fn generate() -> Result<DataKey> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| Error::Crypto("the system random generator failed"))?;
        Ok(DataKey(bytes))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<DataKey> {
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return Err(Error::WrongKey);
        }
        key.copy_from_slice(bytes);
        Ok(DataKey(key))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The working keys derived from the data key with HKDF-SHA256: the sealing secret that piece
/// keys come from, the key that makes lookup tags, and format 1's single sealing key.
///
/// ring keeps its own copies of key schedules and does not zero them when dropped; Tend's own
/// copies of the bytes they come from are zeroed.
pub struct Keys {
    pieces: hkdf::Prk,
    index: hmac::Key,
    legacy: LessSafeKey,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    pub fn derive(data_key: &DataKey) -> Result<Keys> {
        let v1 = hkdf::Salt::new(hkdf::HKDF_SHA256, b"tend vault v1").extract(data_key.as_bytes());
        let expand = |info: &'static [u8]| -> Result<Zeroizing<[u8; 32]>> {
            let mut out = Zeroizing::new([0u8; 32]);
            v1.expand(&[info], Len32)
                .and_then(|okm| okm.fill(out.as_mut()))
                .map_err(|_| Error::Crypto("key derivation failed"))?;
            Ok(out)
        };
        let legacy_bytes = expand(b"seal")?;
        let index_bytes = expand(b"index")?;
        Ok(Keys {
            pieces: hkdf::Salt::new(hkdf::HKDF_SHA256, b"tend vault v2 pieces")
                .extract(data_key.as_bytes()),
            index: hmac::Key::new(hmac::HMAC_SHA256, index_bytes.as_ref()),
            legacy: aead_key(legacy_bytes.as_ref())?,
        })
    }

    /// Seals `plaintext` under a fresh piece key and nonce, binding `aad` (which is not stored:
    /// the reader rebuilds it from where the piece sits).
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let salt = random::<SALT_LEN>()?;
        let key = self.piece_key(&salt)?;
        let mut out = Vec::with_capacity(plaintext.len() + SEAL_OVERHEAD);
        out.push(VERSION_2);
        out.extend_from_slice(&salt);
        out.extend_from_slice(&seal_with(&key, random::<NONCE_LEN>()?, aad, plaintext)?);
        Ok(out)
    }

    /// Opens a sealed piece. Any change to it, or to the `aad` it was sealed with, is `Tampered`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        let (&version, rest) = sealed.split_first().ok_or(Error::Tampered)?;
        if version != VERSION_2 || rest.len() < SALT_LEN {
            return Err(Error::Tampered);
        }
        let (salt, body) = rest.split_at(SALT_LEN);
        let key = self.piece_key(salt)?;
        open_with(&key, aad, body).ok_or(Error::Tampered)
    }

    /// Opens a piece sealed by format 1 (for migration only).
    pub fn open_format_1(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        open_with(&self.legacy, aad, sealed).ok_or(Error::Tampered)
    }

    /// A keyed hash used as an opaque lookup key, so the clear columns reveal nothing readable.
    pub fn tag(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut context = hmac::Context::with_key(&self.index);
        for part in parts {
            context.update(&(part.len() as u64).to_le_bytes());
            context.update(part);
        }
        context.sign().as_ref().to_vec()
    }

    fn piece_key(&self, salt: &[u8]) -> Result<LessSafeKey> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        self.pieces
            .expand(&[b"piece key", salt], Len32)
            .and_then(|okm| okm.fill(bytes.as_mut()))
            .map_err(|_| Error::Crypto("key derivation failed"))?;
        aead_key(bytes.as_ref())
    }
}

pub(crate) fn aead_key(bytes: &[u8]) -> Result<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| Error::Crypto("bad key length"))
}

/// `nonce || ciphertext || tag` under `key`.
pub(crate) fn seal_with(
    key: &LessSafeKey,
    nonce: [u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(plaintext.len() + NONCE_LEN + 16);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut out[NONCE_LEN..],
        )
        .map_err(|_| Error::Crypto("sealing failed"))?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

pub(crate) fn open_with(key: &LessSafeKey, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE_LEN + 16 {
        return None;
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut body = body.to_vec();
    let plain = key.open_in_place(nonce, Aad::from(aad), &mut body).ok()?;
    let len = plain.len();
    body.truncate(len);
    Some(body)
}

/// Random bytes for salts, nonces and ids.
pub(crate) fn random<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| Error::Crypto("the system random generator failed"))?;
    Ok(out)
}

struct Len32;

impl hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_every_kind_of_tamper() {
        let keys = Keys::derive(&DataKey::generate().expect("key")).expect("keys");
        let sealed = keys.seal(b"aad", b"72 bpm").expect("sealed");
        assert_eq!(keys.open(b"aad", &sealed).expect("opens"), b"72 bpm");

        // A flipped byte anywhere, a different aad, a truncated blob, or another key: refused.
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(
                matches!(keys.open(b"aad", &bad), Err(Error::Tampered)),
                "byte {i}"
            );
        }
        assert!(keys.open(b"other", &sealed).is_err());
        assert!(keys.open(b"aad", &sealed[..10]).is_err());
        assert!(keys.open(b"aad", &[]).is_err());
        let other = Keys::derive(&DataKey::generate().expect("key")).expect("keys");
        assert!(other.open(b"aad", &sealed).is_err());
    }

    #[test]
    fn every_seal_has_its_own_salt_and_nonce() {
        let keys = Keys::derive(&DataKey::generate().expect("key")).expect("keys");
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1_000 {
            let sealed = keys.seal(b"aad", b"same plaintext").expect("sealed");
            assert!(seen.insert(sealed[..1 + SALT_LEN + NONCE_LEN].to_vec()));
        }
    }

    #[test]
    fn format_1_pieces_still_open_for_migration() {
        let key = DataKey::generate().expect("key");
        let keys = Keys::derive(&key).expect("keys");
        let sealed = seal_with(&keys.legacy, [7; NONCE_LEN], b"aad", b"old").expect("sealed");
        assert_eq!(keys.open_format_1(b"aad", &sealed).expect("opens"), b"old");
        assert!(keys.open(b"aad", &sealed).is_err());
    }

    #[test]
    fn tags_separate_their_parts() {
        let keys = Keys::derive(&DataKey::generate().expect("key")).expect("keys");
        assert_ne!(keys.tag(&[b"ab", b"c"]), keys.tag(&[b"a", b"bc"]));
        assert_eq!(keys.tag(&[b"x"]), keys.tag(&[b"x"]));
    }
}
