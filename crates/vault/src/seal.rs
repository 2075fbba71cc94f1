//! Sealing with AES-256-GCM (ring): the data key, the subkeys derived from it, and nonces.
//!
//! Every sealed blob is `nonce (12) || ciphertext || tag (16)`. Nonces are never reused: each is a
//! 64-bit counter reserved in the database (so two processes never take the same range) behind a
//! random 32-bit prefix drawn per reservation (so a vault file restored from a backup, with an
//! older counter, still does not repeat one).

use ring::{
    aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN},
    hkdf, hmac,
    rand::{SecureRandom, SystemRandom},
};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// Associated data for a sealed blob: a domain naming what it is and the numbers that place it
/// (series, time keys, sequence), so a blob moved to another place fails to open.
pub(crate) fn aad(domain: &[u8], numbers: &[i64]) -> Vec<u8> {
    let mut out = domain.to_vec();
    for n in numbers {
        out.extend_from_slice(&n.to_le_bytes());
    }
    out
}

/// Bytes a sealed blob adds to its plaintext.
pub const SEAL_OVERHEAD: usize = NONCE_LEN + 16;

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
        let array: [u8; 32] = bytes.try_into().map_err(|_| Error::WrongKey)?;
        Ok(DataKey(Zeroizing::new(array)))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The working keys derived from the data key with HKDF-SHA256: one seals, one makes lookup tags.
pub struct Keys {
    seal: LessSafeKey,
    index: hmac::Key,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    pub fn derive(data_key: &DataKey) -> Result<Keys> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"tend vault v1").extract(data_key.as_bytes());
        let expand = |info: &'static [u8]| -> Result<Zeroizing<[u8; 32]>> {
            let mut out = Zeroizing::new([0u8; 32]);
            prk.expand(&[info], Len32)
                .and_then(|okm| okm.fill(out.as_mut()))
                .map_err(|_| Error::Crypto("key derivation failed"))?;
            Ok(out)
        };
        let seal_bytes = expand(b"seal")?;
        let index_bytes = expand(b"index")?;
        Ok(Keys {
            seal: aead_key(seal_bytes.as_ref())?,
            index: hmac::Key::new(hmac::HMAC_SHA256, index_bytes.as_ref()),
        })
    }

    /// Seals `plaintext` under `nonce`, binding `aad` (which is not stored: the reader rebuilds it).
    pub fn seal(&self, nonce: [u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        seal_with(&self.seal, nonce, aad, plaintext)
    }

    /// Opens a sealed blob. Any change to it, or to the `aad` it was sealed with, is `Tampered`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        open_with(&self.seal, aad, sealed).ok_or(Error::Tampered)
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
}

pub(crate) fn aead_key(bytes: &[u8]) -> Result<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| Error::Crypto("bad key length"))
}

pub(crate) fn seal_with(
    key: &LessSafeKey,
    nonce: [u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(plaintext.len() + SEAL_OVERHEAD);
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
    if sealed.len() < SEAL_OVERHEAD {
        return None;
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut body = body.to_vec();
    let plain = key.open_in_place(nonce, Aad::from(aad), &mut body).ok()?;
    Some(plain.to_vec())
}

/// Random bytes for salts and one-off nonces.
pub(crate) fn random<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| Error::Crypto("the system random generator failed"))?;
    Ok(out)
}

/// A range of nonces reserved for this process: `prefix || counter` for counter in `next..end`.
#[derive(Debug)]
pub struct NonceRange {
    prefix: [u8; 4],
    next: u64,
    end: u64,
}

impl NonceRange {
    pub(crate) fn new(start: u64, count: u64) -> Result<NonceRange> {
        Ok(NonceRange {
            prefix: random::<4>()?,
            next: start,
            end: start.saturating_add(count),
        })
    }

    /// The next unused nonce; the range is sized by its reserver, so running out is a bug.
    pub fn take(&mut self) -> Result<[u8; NONCE_LEN]> {
        if self.next >= self.end {
            return Err(Error::Crypto("nonce range exhausted"));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce[..4].copy_from_slice(&self.prefix);
        nonce[4..].copy_from_slice(&self.next.to_le_bytes());
        self.next += 1;
        Ok(nonce)
    }
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
        let mut nonces = NonceRange::new(7, 3).expect("range");
        let sealed = keys
            .seal(nonces.take().expect("nonce"), b"aad", b"72 bpm")
            .expect("sealed");
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
        let other = Keys::derive(&DataKey::generate().expect("key")).expect("keys");
        assert!(other.open(b"aad", &sealed).is_err());
    }

    #[test]
    fn nonces_are_distinct_and_bounded() {
        let mut range = NonceRange::new(u64::MAX - 2, 2).expect("range");
        let a = range.take().expect("first");
        let b = range.take().expect("second");
        assert_ne!(a, b);
        assert!(range.take().is_err());
    }

    #[test]
    fn tags_separate_their_parts() {
        let keys = Keys::derive(&DataKey::generate().expect("key")).expect("keys");
        assert_ne!(keys.tag(&[b"ab", b"c"]), keys.tag(&[b"a", b"bc"]));
        assert_eq!(keys.tag(&[b"x"]), keys.tag(&[b"x"]));
    }
}
