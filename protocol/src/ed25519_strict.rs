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
//!   `R`'s bytes only if `R` decodes to that very point, so "`R` decodes" is
//!   decided by that comparison, and "`R` is of small order" by whether its
//!   bytes are one of the eight canonical encodings of such points;
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
    if decodes_to_small_order(key) {
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
///
/// Once the bytes are equal, `R` is the computed point, and it is of small
/// order iff its encoding is one of the eight in [`SMALL_ORDER_ENCODINGS`]
/// (encodings are canonical and one per point): a byte comparison instead of
/// `is_small_order`'s three doublings and projective comparison.
fn matches(expected: &Option<(EdwardsPoint, &[u8; 32])>, encoded: &CompressedEdwardsY) -> bool {
    expected.is_some_and(|(_, r)| encoded.as_bytes() == r && !SMALL_ORDER_ENCODINGS.contains(r))
}

/// Whether bytes that decode to a point decode to one of small order, as
/// `is_small_order` on the decoded point answers, without its three
/// doublings: `decompress` reads `y` from the low 255 bits modulo `p`, so
/// `y` is that of a small-order point (written canonically, or as `y + p`
/// where that fits: `y` = 0 and 1), and the sign bit picks between two
/// small-order points (or none, where `x` = 0).
fn decodes_to_small_order(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    y[31] &= 0x7f;
    SMALL_ORDER_ENCODINGS.contains(&y) || y == P || y == P_PLUS_ONE
}

/// `p = 2^255 − 19` and `p + 1`, little-endian: non-canonical `y` = 0 and 1.
const P: [u8; 32] = {
    let mut p = [0xff; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};
const P_PLUS_ONE: [u8; 32] = {
    let mut p = P;
    p[0] = 0xee;
    p
};

/// The canonical encodings of the eight points of small order (the torsion
/// subgroup, `EIGHT_TORSION`; a test checks the two lists are the same).
const SMALL_ORDER_ENCODINGS: [[u8; 32]; 8] = {
    // y = 1: the identity; y = −1 (p − 1): the point of order 2.
    let mut one = [0; 32];
    one[0] = 1;
    let mut minus_one = [0xff; 32];
    minus_one[0] = 0xec;
    minus_one[31] = 0x7f;
    // y = 0, x = ±√−1: the two points of order 4 (the top bit is x's sign).
    let mut minus_zero = [0; 32];
    minus_zero[31] = 0x80;
    // y = ±y₈, x = ±x₈: the four points of order 8.
    const Y8: [u8; 32] = [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ];
    const MINUS_Y8: [u8; 32] = [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ];
    let mut y8_other_x = Y8;
    y8_other_x[31] |= 0x80;
    let mut minus_y8_other_x = MINUS_Y8;
    minus_y8_other_x[31] |= 0x80;
    [
        one,
        minus_one,
        [0; 32],
        minus_zero,
        Y8,
        y8_other_x,
        MINUS_Y8,
        minus_y8_other_x,
    ]
};

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
        let unreduced = plus_ell(&signature).expect("room below 2^256");
        assert!(strict(&a, &message, &signature));
        assert!(!strict(&a, &message, &unreduced));
        assert!(!verify(&a, &message, &unreduced));
        assert!(!IssuerKeyCheck::new(a).unwrap().verify(&message, &unreduced));
    }

    #[test]
    fn the_small_order_encodings_are_those_of_the_eight_torsion_points() {
        let mut ours = SMALL_ORDER_ENCODINGS.to_vec();
        let mut torsion: Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .map(|t| t.compress().to_bytes())
            .collect();
        ours.sort();
        torsion.sort();
        assert_eq!(ours, torsion);
    }

    /// Deterministic bytes for generated cases: SHA-512 of a counter.
    struct Stream(u64);

    impl Stream {
        fn bytes<const N: usize>(&mut self) -> [u8; N] {
            let mut out = [0; N];
            for chunk in out.chunks_mut(64) {
                self.0 += 1;
                let block = Sha512::digest(self.0.to_le_bytes());
                chunk.copy_from_slice(&block[..chunk.len()]);
            }
            out
        }

        fn below(&mut self, n: usize) -> usize {
            u64::from_le_bytes(self.bytes()) as usize % n
        }

        fn scalar(&mut self) -> Scalar {
            Scalar::from_bytes_mod_order_wide(&self.bytes())
        }
    }

    /// `s + ℓ` in the signature's `s` bytes, if it fits in 256 bits: the
    /// same signature with a non-canonical `s`.
    fn plus_ell(signature: &[u8; 64]) -> Option<[u8; 64]> {
        let mut unreduced = *signature;
        let mut carry = 0u16;
        for (i, l) in ELL.iter().enumerate() {
            let v = u16::from(signature[32 + i]) + u16::from(*l) + carry;
            unreduced[32 + i] = v as u8;
            carry = v >> 8;
        }
        (carry == 0).then_some(unreduced)
    }

    /// Every byte string that decodes to a point of small order: the eight
    /// canonical encodings, `x`'s sign bit set where `x = 0`, and `y + p`
    /// for `y` = 0 and 1 (the only small-order `y` below 19), either sign.
    fn small_order_encodings_with_non_canonical() -> Vec<[u8; 32]> {
        let mut all = SMALL_ORDER_ENCODINGS.to_vec();
        let mut one_sign = [0; 32];
        one_sign[0] = 1;
        one_sign[31] = 0x80;
        let mut minus_one_sign = SMALL_ORDER_ENCODINGS[1];
        minus_one_sign[31] |= 0x80;
        for y in [P, P_PLUS_ONE] {
            let mut signed = y;
            signed[31] |= 0x80;
            all.extend([y, signed]);
        }
        all.extend([one_sign, minus_one_sign]);
        all
    }

    /// The three ways this module checks a signature, each against
    /// `verify_strict` on the same bytes.
    fn assert_same_answer(
        key: &[u8; 32],
        message: &[u8],
        signature: &[u8; 64],
        what: &str,
    ) -> bool {
        if let Some(point) = CompressedEdwardsY(*key).decompress() {
            assert_eq!(
                decodes_to_small_order(key),
                point.is_small_order(),
                "{what}"
            );
        }
        let want = strict(key, message, signature);
        assert_eq!(verify(key, message, signature), want, "device path: {what}");
        let issuer = IssuerKeyCheck::new(*key);
        assert_eq!(
            issuer
                .as_ref()
                .is_some_and(|c| c.verify(message, signature)),
            want,
            "issuer path: {what}"
        );
        // Both at once (one shared inversion), the case in each position.
        if let Some(issuer) = &issuer {
            let (first, second) = verify_both(
                (issuer, message, signature),
                Some((key, message, signature)),
            );
            assert_eq!((first, second), (want, Some(want)), "both: {what}");
        }
        want
    }

    /// A key, a message, a signature, and what was done to them.
    type Case = ([u8; 32], Vec<u8>, [u8; 64], &'static str);

    /// Differential test: generated keys, messages and signatures, genuine
    /// and altered every way a verifier must notice, get `verify_strict`'s
    /// answer on every path.
    #[test]
    fn generated_and_altered_signatures_get_verify_strict_s_answer() {
        let mut stream = Stream(0);
        let small_order = small_order_encodings_with_non_canonical();
        for t in &small_order {
            let p = CompressedEdwardsY(*t).decompress().expect("decodes");
            assert!(p.is_small_order());
        }
        let (mut accepted, mut refused, mut mixed_accepted) = (0, 0, 0);
        for _ in 0..120 {
            let key = SigningKey::from_bytes(&stream.bytes());
            let a = key.verifying_key().to_bytes();
            let length = stream.below(200);
            let message = &stream.bytes::<200>()[..length];
            let genuine = key.sign(message).to_bytes();
            let mut cases: Vec<Case> = Vec::new();
            cases.push((a, message.to_vec(), genuine, "genuine"));
            for (range, what) in [(0..32, "a bit of R"), (32..64, "a bit of s")] {
                let mut altered = genuine;
                let byte = range.start + stream.below(32);
                altered[byte] ^= 1 << stream.below(8);
                cases.push((a, message.to_vec(), altered, what));
            }
            if !message.is_empty() {
                let mut altered = message.to_vec();
                altered[stream.below(length)] ^= 1 << stream.below(8);
                cases.push((a, altered, genuine, "a bit of the message"));
            }
            if let Some(unreduced) = plus_ell(&genuine) {
                cases.push((a, message.to_vec(), unreduced, "s + ℓ"));
            }
            let mut random_s = genuine;
            random_s[32..].copy_from_slice(&stream.bytes::<32>());
            cases.push((a, message.to_vec(), random_s, "random s"));
            let mut random_r = genuine;
            random_r[..32].copy_from_slice(&stream.bytes::<32>());
            cases.push((a, message.to_vec(), random_r, "random R bytes"));
            let other_point = EdwardsPoint::mul_base(&stream.scalar()).compress();
            let mut other_r = genuine;
            other_r[..32].copy_from_slice(other_point.as_bytes());
            cases.push((a, message.to_vec(), other_r, "another point as R"));
            for t in &small_order {
                let mut small_r = genuine;
                small_r[..32].copy_from_slice(t);
                cases.push((a, message.to_vec(), small_r, "R of small order"));
                cases.push((*t, message.to_vec(), genuine, "a key of small order"));
            }
            let t = small_order[stream.below(small_order.len())];
            // A signature whose R ([r]B, or one of small order) and key
            // verify under a key of small order: made by hand with s = r.
            let r = stream.scalar();
            let mut weak = [0; 64];
            weak[..32].copy_from_slice(EdwardsPoint::mul_base(&r).compress().as_bytes());
            weak[32..].copy_from_slice(r.as_bytes());
            cases.push((
                t,
                message.to_vec(),
                weak,
                "forged under a key of small order",
            ));
            // Keys and R with torsion (mixed order), by hand.
            let (ta, tr) = (
                EIGHT_TORSION[stream.below(8)],
                EIGHT_TORSION[stream.below(8)],
            );
            let (key_t, signature_t) =
                sign_with_torsion(stream.scalar(), ta, stream.scalar(), tr, message);
            cases.push((key_t, message.to_vec(), signature_t, "torsion in A and R"));
            let (key_t, signature_t) = sign_with_torsion(
                stream.scalar(),
                EdwardsPoint::identity(),
                stream.scalar(),
                tr,
                message,
            );
            cases.push((key_t, message.to_vec(), signature_t, "torsion in R"));
            // R of small order where the equation holds ([0]B plus torsion,
            // s = k·a): only the small-order check refuses it.
            let (key_t, signature_t) =
                sign_with_torsion(stream.scalar(), ta, Scalar::ZERO, tr, message);
            cases.push((
                key_t,
                message.to_vec(),
                signature_t,
                "R of small order, by hand",
            ));
            let (key_t, signature_t) = sign_with_torsion(
                stream.scalar(),
                EdwardsPoint::identity(),
                Scalar::ZERO,
                EdwardsPoint::identity(),
                message,
            );
            cases.push((
                key_t,
                message.to_vec(),
                signature_t,
                "R the identity, by hand",
            ));
            for (key, message, signature, what) in cases {
                let want = assert_same_answer(&key, &message, &signature, what);
                if want {
                    accepted += 1;
                    let identity = EdwardsPoint::identity();
                    if what == "torsion in A and R" && (ta != identity || tr != identity) {
                        mixed_accepted += 1;
                    }
                } else {
                    refused += 1;
                }
            }
        }
        // Every genuine signature passes; altered ones overwhelmingly fail;
        // some mixed-order signatures pass, as verify_strict lets them.
        assert!(accepted >= 120 && refused > 1000, "{accepted} {refused}");
        assert!(mixed_accepted >= 1, "{mixed_accepted}");
    }

    /// ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
    const ELL: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
}
