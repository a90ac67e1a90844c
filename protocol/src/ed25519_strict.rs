//! Ed25519 checks that accept exactly what ed25519-dalek's `verify_strict`
//! accepts, made faster for the checkpoint's hot path (issue 17).
//!
//! `verify_strict` accepts a signature `(R, s)` by key `A` on message `M`
//! iff `s` is canonical (`s < ℓ`), `R` and `A` decode to points, neither is
//! of small order, and `R`'s bytes equal the encoding of `[s]B − [k]A` with
//! `k = SHA-512(R ‖ A ‖ M) mod ℓ`. The functions here test the same
//! conditions, and differ only in how they compute:
//!
//! - an issuer key is known before any code is scanned, so
//!   [`IssuerKeyCheck`] keeps it decoded, with a table of multiples of it and
//!   of `B` (built on the key's first use, ~20 µs) for `[s]B − [k]A`;
//! - `R` is not decompressed: the computed point's canonical encoding equals
//!   `R`'s bytes only if `R` decodes to that very point, so "`R` decodes" and
//!   "`R` is of small order" are decided on the computed point instead;
//! - [`verify_both`] encodes the issuer's and the device's computed points
//!   with one field inversion for the two.
//!
//! Why not batch verification of the credential and presentation signatures
//! (one multiscalar multiplication for both): the batch equation holds for
//! signatures whose `R` (or the device's `A`) carries a torsion component
//! that `verify_strict` refuses. ed25519-dalek's `verify_batch` multiplies
//! by the cofactor and accepts a device signature with a mixed-order `R`
//! outright; a cofactorless batch with random weights still accepts, for
//! every choice of odd weights, an issuer signature and a device signature
//! whose `R`s carry the same point of order 2 (whoever holds the issuer key
//! can make one). Refusing such points before the batch costs a
//! multiplication by ℓ per point, more than the batch saves: callgrind
//! counts 314 k instructions for one `is_torsion_free`, and three points
//! would need it (both `R`s and the device key), where a batch saves at
//! most the ~256 doublings of one check (~210 k of the 724 k a verification
//! costs; `examples/checkpoint_instructions.rs`). A batch would also need
//! weights the signer cannot predict; a verifier that must give the same
//! answer every time would take them from a hash of everything it checks,
//! not from a random source. `tests/vectors` carries such codes
//! (`*_small_order_*`, `*_mixed_order_*`) and their outcomes,
//! `verify_strict`'s.

use std::sync::OnceLock;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint, VartimeEdwardsPrecomputation};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, VartimePrecomputedMultiscalarMul};
use sha2::{Digest, Sha512};

/// An issuer key from the trust list, ready to check signatures: decoded
/// once when the list is loaded, its tables made on first use.
pub(crate) struct IssuerKeyCheck {
    compressed: [u8; 32],
    minus_point: EdwardsPoint,
    small_order: bool,
    /// Multiples of `B` and `−A`: built when a code of this key is first
    /// checked, so loading a list of many issuers stays cheap.
    tables: OnceLock<VartimeEdwardsPrecomputation>,
}

impl IssuerKeyCheck {
    /// `None` if the bytes are not a point (the list refuses such a key).
    pub(crate) fn new(compressed: [u8; 32]) -> Option<IssuerKeyCheck> {
        let point = CompressedEdwardsY(compressed).decompress()?;
        Some(IssuerKeyCheck {
            compressed,
            minus_point: -point,
            small_order: point.is_small_order(),
            tables: OnceLock::new(),
        })
    }

    /// Whether `signature` is this key's signature on `message`, by
    /// `verify_strict`'s rules.
    #[cfg(test)]
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        verify_both((self, message, signature), None).0
    }

    /// `[s]B − [k]A` and `R`'s bytes, or `None` if the signature fails
    /// before any arithmetic (a key of small order, `s ≥ ℓ`).
    fn expected<'s>(
        &self,
        message: &[u8],
        signature: &'s [u8; 64],
    ) -> Option<(EdwardsPoint, &'s [u8; 32])> {
        if self.small_order {
            return None;
        }
        let (r, s) = split(signature)?;
        let k = challenge(r, &self.compressed, message);
        let tables = self.tables.get_or_init(|| {
            VartimeEdwardsPrecomputation::new([ED25519_BASEPOINT_POINT, self.minus_point])
        });
        Some((tables.vartime_multiscalar_mul([s, k]), r))
    }
}

/// A signature to check under a key seen once (a device's): the key's
/// bytes, the message, the signature.
pub(crate) type OnceKeySignature<'a> = (&'a [u8; 32], &'a [u8], &'a [u8; 64]);

/// `verify_strict`'s answers for an issuer signature and, if there is one,
/// a device signature; the two points are encoded with one inversion.
pub(crate) fn verify_both(
    issuer: (&IssuerKeyCheck, &[u8], &[u8; 64]),
    device: Option<OnceKeySignature<'_>>,
) -> (bool, Option<bool>) {
    let issuer = issuer.0.expected(issuer.1, issuer.2);
    let device = device.map(|(key, message, signature)| expected(key, message, signature));
    let point = |e: &Option<(EdwardsPoint, &[u8; 32])>| e.map_or(EdwardsPoint::identity(), |e| e.0);
    let [issuer_encoded, device_encoded] = EdwardsPoint::compress_batch(&[
        point(&issuer),
        device.as_ref().map_or(EdwardsPoint::identity(), point),
    ]);
    (
        matches(&issuer, &issuer_encoded),
        device.map(|d| matches(&d, &device_encoded)),
    )
}

/// Whether `signature` is the signature of the key encoded as `key` on
/// `message`, by `verify_strict`'s rules.
#[cfg(test)]
pub(crate) fn verify(key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let e = expected(key, message, signature);
    e.is_some_and(|(p, _)| matches(&e, &p.compress()))
}

/// `[s]B − [k]A` and `R`'s bytes for a key given as bytes, or `None` if the
/// signature fails before that (not a point, a key of small order, `s ≥ ℓ`).
fn expected<'s>(
    key: &[u8; 32],
    message: &[u8],
    signature: &'s [u8; 64],
) -> Option<(EdwardsPoint, &'s [u8; 32])> {
    let point = CompressedEdwardsY(*key).decompress()?;
    if point.is_small_order() {
        return None;
    }
    let (r, s) = split(signature)?;
    let k = challenge(r, key, message);
    Some((
        EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-point, &s),
        r,
    ))
}

/// `R`'s bytes and the canonical `s`, or `None` if `s ≥ ℓ`.
fn split(signature: &[u8; 64]) -> Option<(&[u8; 32], Scalar)> {
    let (r, s) = signature.split_at(32);
    let r: &[u8; 32] = r.try_into().expect("32 bytes");
    let s: [u8; 32] = s.try_into().expect("32 bytes");
    Option::from(Scalar::from_canonical_bytes(s)).map(|s| (r, s))
}

/// `k = SHA-512(R ‖ A ‖ M) mod ℓ`.
fn challenge(r: &[u8; 32], key: &[u8; 32], message: &[u8]) -> Scalar {
    let mut hash = Sha512::new();
    hash.update(r);
    hash.update(key);
    hash.update(message);
    Scalar::from_bytes_mod_order_wide(&hash.finalize().into())
}

/// `R`'s bytes are the canonical encoding of the computed point, which is
/// not of small order: then `R` decodes, to that point, as `verify_strict`
/// needs.
fn matches(expected: &Option<(EdwardsPoint, &[u8; 32])>, encoded: &CompressedEdwardsY) -> bool {
    expected.is_some_and(|(point, r)| !point.is_small_order() && encoded.as_bytes() == r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

    fn strict(key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
        VerifyingKey::from_bytes(key).is_ok_and(|k| {
            k.verify_strict(message, &Signature::from_bytes(signature))
                .is_ok()
        })
    }

    /// A signature by the secret `a` with nonce `r`, made by hand so that
    /// the key and `R` may carry the torsion points `ta` and `tr`.
    fn sign_with_torsion(
        a: Scalar,
        ta: EdwardsPoint,
        r: Scalar,
        tr: EdwardsPoint,
        message: &[u8],
    ) -> ([u8; 32], [u8; 64]) {
        let key = (EdwardsPoint::mul_base(&a) + ta).compress().to_bytes();
        let big_r = (EdwardsPoint::mul_base(&r) + tr).compress().to_bytes();
        let k = challenge(&big_r, &key, message);
        let mut signature = [0; 64];
        signature[..32].copy_from_slice(&big_r);
        signature[32..].copy_from_slice((r + k * a).as_bytes());
        (key, signature)
    }

    #[test]
    fn both_paths_agree_with_verify_strict_on_genuine_and_altered_signatures() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let a = key.verifying_key().to_bytes();
        let check = IssuerKeyCheck::new(a).unwrap();
        for message in [&b""[..], b"a credential", &[0xff; 200]] {
            let genuine = key.sign(message).to_bytes();
            assert!(strict(&a, message, &genuine));
            assert!(check.verify(message, &genuine));
            assert!(verify(&a, message, &genuine));
            for i in 0..64 {
                let mut altered = genuine;
                altered[i] ^= 1 << (i % 8);
                assert!(!strict(&a, message, &altered));
                assert!(!check.verify(message, &altered), "byte {i}");
                assert!(!verify(&a, message, &altered), "byte {i}");
            }
        }
    }

    /// Every combination of torsion points in `A` and `R` (small-order and
    /// mixed-order, the cases a batch check gets wrong) gets
    /// `verify_strict`'s answer on both paths.
    #[test]
    fn torsion_in_r_or_a_gets_verify_strict_s_answer() {
        let message = b"a presentation";
        let (mut accepted, mut refused) = (0, 0);
        for a in [Scalar::ZERO, Scalar::from(1234567u64)] {
            for r in [Scalar::ZERO, Scalar::from(7654321u64)] {
                for ta in EIGHT_TORSION {
                    for tr in EIGHT_TORSION {
                        let (key, signature) = sign_with_torsion(a, ta, r, tr, message);
                        let want = strict(&key, message, &signature);
                        if want {
                            accepted += 1;
                        } else {
                            refused += 1;
                        }
                        assert_eq!(verify(&key, message, &signature), want);
                        let check = IssuerKeyCheck::new(key).expect("a point");
                        assert_eq!(check.verify(message, &signature), want);
                    }
                }
            }
        }
        // Both answers occur: the prime-order pair, and mixed-order pairs
        // where [k]T_A = T_R, pass verify_strict; the rest do not.
        assert!(accepted >= 1 && refused >= 1, "{accepted} {refused}");
    }

    #[test]
    fn a_non_canonical_s_is_refused_like_verify_strict() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let a = key.verifying_key().to_bytes();
        // Look for a message whose s leaves room below 2^253 for s + ℓ.
        let (message, signature) = (0u32..)
            .map(|i| i.to_be_bytes())
            .map(|m| (m, key.sign(&m).to_bytes()))
            .find(|(_, sig)| sig[63] < 0x0f)
            .unwrap();
        let mut unreduced = signature;
        let mut carry = 0u16;
        for (i, l) in ELL.iter().enumerate() {
            let v = u16::from(signature[32 + i]) + u16::from(*l) + carry;
            unreduced[32 + i] = v as u8;
            carry = v >> 8;
        }
        assert_eq!(carry, 0);
        assert!(strict(&a, &message, &signature));
        assert!(!strict(&a, &message, &unreduced));
        assert!(!verify(&a, &message, &unreduced));
        assert!(!IssuerKeyCheck::new(a).unwrap().verify(&message, &unreduced));
    }

    /// ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
    const ELL: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
}
