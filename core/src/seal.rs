//! Every personal field in the cache is sealed with XChaCha20-Poly1305 under
//! the data key, with associated data naming its table and row, so a sealed
//! value moved to another row does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

const NONCE_LEN: usize = 24;

/// The cache's data key. Lives in the keystore; zeroed when dropped.
pub struct DataKey(Zeroizing<[u8; 32]>);

/// A sealed value did not open: wrong key, or altered or moved data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a sealed value did not open")]
pub struct Unsealable;

impl DataKey {
    pub fn generate() -> DataKey {
        let mut key = Zeroizing::new([0; 32]);
        getrandom::fill(key.as_mut()).expect("the platform has a random source");
        DataKey(key)
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<DataKey> {
        let key: [u8; 32] = bytes.try_into().ok()?;
        Some(DataKey(Zeroizing::new(key)))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// `nonce ‖ ciphertext`, bound to `associated_data`.
    pub fn seal(&self, associated_data: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the platform has a random source");
        let ciphertext = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: associated_data,
                },
            )
            .expect("encryption of a bounded message cannot fail");
        [nonce.as_slice(), &ciphertext].concat()
    }

    pub fn open(
        &self,
        associated_data: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Unsealable> {
        if sealed.len() < NONCE_LEN {
            return Err(Unsealable);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: associated_data,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| Unsealable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_its_row() {
        let key = DataKey::generate();
        let sealed = key.seal(b"codes/1", b"credential");
        assert_eq!(
            key.open(b"codes/1", &sealed).unwrap().as_slice(),
            b"credential"
        );
        assert_eq!(key.open(b"codes/2", &sealed), Err(Unsealable));
        assert_eq!(
            DataKey::generate().open(b"codes/1", &sealed),
            Err(Unsealable)
        );
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open(b"codes/1", &altered), Err(Unsealable));
        assert_eq!(key.open(b"codes/1", &sealed[..10]), Err(Unsealable));
    }
}
