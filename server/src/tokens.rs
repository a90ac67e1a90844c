//! Bearer tokens: how they are made and the only form the store keeps.
//! A leaf, so that the admin commands and the issuer both use it without
//! depending on each other.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::keys;
use crate::store::TokenHash;

/// A resident's short-lived access token.
pub const ACCESS_PREFIX: &str = "ska_";
/// A resident's single-use refresh token.
pub const REFRESH_PREFIX: &str = "skr_";
/// An authority or institution account's token.
pub const ACCOUNT_PREFIX: &str = "skt_";

/// SHA-256 of a token: what the store keeps instead of the token.
pub fn token_hash(token: &str) -> TokenHash {
    TokenHash(Sha256::digest(token.as_bytes()).into())
}

/// A new bearer token: a kind prefix and 32 random bytes.
pub fn new_token(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(keys::random_bytes::<32>())
    )
}
