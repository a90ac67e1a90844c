//! What a device signs at login to prove it holds the key it asks the
//! issuer to bind its credentials to.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// Domain separation: these bytes never start a credential or presentation.
const CONTEXT: &[u8] = b"suikang device binding v1\0";

/// The message the device signs: a context string, then the login
/// challenge's nonce.
pub fn binding_message(nonce: &[u8]) -> Vec<u8> {
    [CONTEXT, nonce].concat()
}

/// Signs the challenge nonce with the device key.
pub fn sign_binding(device_key: &SigningKey, nonce: &[u8]) -> Signature {
    device_key.sign(&binding_message(nonce))
}

/// Whether `signature` proves possession of `device_key` for this nonce.
pub fn verify_binding(device_key: &VerifyingKey, nonce: &[u8], signature: &Signature) -> bool {
    device_key
        .verify_strict(&binding_message(nonce), signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binding_proves_the_key_for_that_nonce_only() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let signature = sign_binding(&key, b"nonce-1");
        assert!(verify_binding(&key.verifying_key(), b"nonce-1", &signature));
        assert!(!verify_binding(
            &key.verifying_key(),
            b"nonce-2",
            &signature
        ));
        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(!verify_binding(
            &other.verifying_key(),
            b"nonce-1",
            &signature
        ));
    }
}
