//! Public-key signatures: Ed25519 (strict) and ECDSA P-256, their keys as
//! senders publish them, and the bounded check loop.

use super::keys::{Feed, MAX_PUBLIC_KEY_CHECKS, SignatureBytes};
use crate::Error;

/// Pairs of (signature, key) to try, in order, within the check budget.
fn pairs<'a, K>(
    signatures: &'a [SignatureBytes],
    keys: &'a [K],
) -> impl Iterator<Item = (usize, &'a SignatureBytes, &'a K)> {
    signatures
        .iter()
        .flat_map(move |signature| {
            keys.iter()
                .enumerate()
                .map(move |(index, key)| (index, signature, key))
        })
        .take(MAX_PUBLIC_KEY_CHECKS)
}

#[cfg(feature = "ed25519")]
mod ed25519 {
    use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

    use super::*;

    /// The group order L, little-endian: a canonical `S` is below it.
    pub(crate) const ORDER: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];

    /// Whether the little-endian scalar `s` is below L. Checked here, not
    /// left to ed25519-dalek, whose `legacy_compatibility` feature (which
    /// any crate in a build can turn on) would accept `S + L`.
    pub(crate) fn is_canonical_scalar(s: &[u8; 32]) -> bool {
        for (byte, order) in s.iter().rev().zip(ORDER.iter().rev()) {
            if byte != order {
                return byte < order;
            }
        }
        false
    }

    /// A trusted public key from its 32 bytes: on the curve, canonically
    /// encoded, not of small order.
    pub(crate) fn public_key(bytes: &[u8], what: &'static str) -> Result<VerifyingKey, Error> {
        let bytes: &[u8; 32] = bytes.try_into().map_err(|_| Error::InvalidSecret(what))?;
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| Error::InvalidSecret(what))?;
        if key.is_weak() || key.to_edwards().compress().as_bytes() != bytes {
            return Err(Error::InvalidSecret(what));
        }
        Ok(key)
    }

    /// A signing key from its 32-byte seed.
    pub(crate) fn signing_key(seed: &[u8], what: &'static str) -> Result<SigningKey, Error> {
        let seed: &[u8; 32] = seed.try_into().map_err(|_| Error::InvalidSecret(what))?;
        Ok(SigningKey::from_bytes(seed))
    }

    pub(crate) fn find_ed25519(
        trusted: &[VerifyingKey],
        signatures: &[SignatureBytes],
        feed: Feed<'_>,
    ) -> Option<usize> {
        find_ed25519_counting(trusted, signatures, feed).0
    }

    /// [`find_ed25519`], also saying how many checks it made (each
    /// (signature, key) pair tried, within the budget).
    pub(crate) fn find_ed25519_counting(
        trusted: &[VerifyingKey],
        signatures: &[SignatureBytes],
        feed: Feed<'_>,
    ) -> (Option<usize>, usize) {
        let mut checks = 0;
        let found = pairs(signatures, trusted)
            .inspect(|_| checks += 1)
            .find(|(_, signature, key)| verify_one(key, signature.as_bytes(), feed))
            .map(|(index, _, _)| index);
        (found, checks)
    }

    fn verify_one(key: &VerifyingKey, signature: &[u8], feed: Feed<'_>) -> bool {
        let Ok(bytes) = <&[u8; 64]>::try_from(signature) else {
            return false;
        };
        let signature = Signature::from_bytes(bytes);
        let strict_r = VerifyingKey::from_bytes(signature.r_bytes()).is_ok_and(|r| !r.is_weak());
        if !strict_r || !is_canonical_scalar(signature.s_bytes()) {
            return false;
        }
        let Ok(mut stream) = key.verify_stream(&signature) else {
            return false;
        };
        feed(&mut |piece| stream.update(piece));
        stream.finalize_and_verify().is_ok()
    }

    pub(crate) fn sign_ed25519(
        signer: Option<&SigningKey>,
        feed: Feed<'_>,
    ) -> Result<Vec<u8>, Error> {
        let signer = signer.ok_or(Error::Signing(
            "a receiver built from a public key cannot sign: build one from the signing key",
        ))?;
        let mut message = Vec::new();
        feed(&mut |piece| message.extend_from_slice(piece));
        Ok(signer.sign(&message).to_bytes().to_vec())
    }
}

#[cfg(all(feature = "ed25519", any(test, fuzzing)))]
pub(crate) use ed25519::{ORDER as ED25519_ORDER, find_ed25519_counting};
#[cfg(feature = "ed25519")]
pub(crate) use ed25519::{
    find_ed25519, public_key as ed25519_public_key, sign_ed25519,
    signing_key as ed25519_signing_key,
};

#[cfg(feature = "ecdsa")]
mod p256_ecdsa {
    use p256::ecdsa::signature::{DigestSigner, DigestVerifier};
    use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
    use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
    use sha2::{Digest, Sha256};

    use super::*;

    /// A trusted key from its DER `SubjectPublicKeyInfo`.
    pub(crate) fn public_key(der: &[u8], what: &'static str) -> Result<VerifyingKey, Error> {
        VerifyingKey::from_public_key_der(der).map_err(|_| Error::InvalidSecret(what))
    }

    /// A signing key from its DER PKCS #8 `PrivateKeyInfo`.
    pub(crate) fn signing_key(der: &[u8], what: &'static str) -> Result<SigningKey, Error> {
        SigningKey::from_pkcs8_der(der).map_err(|_| Error::InvalidSecret(what))
    }

    fn digest_of(feed: Feed<'_>) -> Sha256 {
        let mut digest = Sha256::new();
        feed(&mut |piece| digest.update(piece));
        digest
    }

    pub(crate) fn find_p256(
        trusted: &[VerifyingKey],
        signatures: &[SignatureBytes],
        feed: Feed<'_>,
    ) -> Option<usize> {
        pairs(signatures, trusted)
            .find(|(_, signature, key)| {
                Signature::from_der(signature.as_bytes())
                    .is_ok_and(|signature| key.verify_digest(digest_of(feed), &signature).is_ok())
            })
            .map(|(index, _, _)| index)
    }

    pub(crate) fn sign_p256(signer: Option<&SigningKey>, feed: Feed<'_>) -> Result<Vec<u8>, Error> {
        let signer = signer.ok_or(Error::Signing(
            "a receiver built from a public key cannot sign: build one from the signing key",
        ))?;
        let signature: Signature = signer.sign_digest(digest_of(feed));
        let der: DerSignature = signature.to_der();
        Ok(der.as_bytes().to_vec())
    }
}

#[cfg(feature = "ecdsa")]
pub(crate) use p256_ecdsa::{
    find_p256, public_key as p256_public_key, sign_p256, signing_key as p256_signing_key,
};

#[cfg(all(test, feature = "ed25519"))]
mod tests {
    use super::*;

    #[test]
    fn only_scalars_below_the_group_order_are_canonical() {
        use ed25519::is_canonical_scalar;
        let mut order = ed25519::ORDER;
        assert!(!is_canonical_scalar(&order));
        order[0] -= 1;
        assert!(is_canonical_scalar(&order));
        assert!(is_canonical_scalar(&[0; 32]));
        assert!(!is_canonical_scalar(&[0xff; 32]));
        let mut above = ed25519::ORDER;
        above[0] += 1;
        assert!(!is_canonical_scalar(&above));
        // Bytes above the lowest differ: the most significant one decides.
        let mut two_252 = [0u8; 32];
        two_252[31] = 0x10;
        assert!(is_canonical_scalar(&two_252), "2^252 is below L");
        let mut middle_above = two_252;
        middle_above[15] = 0x15;
        assert!(!is_canonical_scalar(&middle_above), "2^252 + 0x15·2^120");
        let mut top_below = [0xff; 32];
        top_below[31] = 0x0f;
        assert!(is_canonical_scalar(&top_below), "2^252 - 1");
        // The group order itself is what curve25519-dalek calls L.
        let scalar = curve25519_dalek::Scalar::from_canonical_bytes;
        assert_eq!(scalar(ed25519::ORDER).is_none().unwrap_u8(), 1);
        assert_eq!(scalar(order).is_some().unwrap_u8(), 1);
    }
}
