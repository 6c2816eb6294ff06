//! Ed25519-signed access tokens (JWT, `alg: EdDSA`) and the JWKS that publishes the public key.
//!
//! The private key lives in a PKCS#8 PEM file, generated with mode 0600 on first start. The
//! `kid` is the RFC 7638 thumbprint of the public key, so a rotated key gets a new id.

use crate::domain::Role;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// The claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: Uuid,
    pub role: Role,
    /// Token id (UUIDv7): what logout revokes; its timestamp orders tokens against revocations.
    pub jti: Uuid,
    pub iat: i64,
    pub exp: i64,
}

/// A signed access token and its lifetime.
pub struct IssuedToken {
    pub token: String,
    pub expires_in: u64,
}

/// How many verified tokens are remembered (each saves a signature check on its next use).
const VERIFIED_CAPACITY: usize = 100_000;

/// The signing and verification keys of access tokens.
pub struct JwtKeys {
    /// Tokens whose signature was checked, with their claims: a client sends the same token with
    /// every request, and an Ed25519 verification costs more than the rest of a small request.
    verified: std::sync::RwLock<std::collections::HashMap<Box<str>, AccessClaims>>,
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    public_x: String,
    ttl: Duration,
    /// The private key, only to derive the server's other secrets from (see
    /// [`JwtKeys::derive_secret`]).
    seed: [u8; 32],
}

/// The JSON Web Key Set served at `/.well-known/jwks.json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One public key (an Ed25519 OKP key).
#[derive(Debug, Serialize, ToSchema)]
pub struct Jwk {
    pub kty: &'static str,
    pub crv: &'static str,
    /// The public key, base64url.
    pub x: String,
    pub kid: String,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub usage: &'static str,
}

impl JwtKeys {
    /// Loads the key from `path`, generating it (mode 0600) if the file does not exist.
    pub fn load_or_generate(path: &Path, ttl: Duration) -> anyhow::Result<Self> {
        let signing = if path.exists() {
            let pem = std::fs::read_to_string(path)?;
            SigningKey::from_pkcs8_pem(&pem).map_err(|error| {
                anyhow::anyhow!("{}: not an Ed25519 key: {error}", path.display())
            })?
        } else {
            let signing = generate_key()?;
            write_private(path, &signing)?;
            tracing::info!(path = %path.display(), "generated a new JWT signing key");
            signing
        };
        Self::from_signing_key(&signing, ttl)
    }

    fn from_signing_key(signing: &SigningKey, ttl: Duration) -> anyhow::Result<Self> {
        let pem = signing
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|error| anyhow::anyhow!("encode key: {error}"))?;
        let public_x = URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes());
        let kid = thumbprint(&public_x);
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        Ok(Self {
            verified: Default::default(),
            encoding: EncodingKey::from_ed_pem(pem.as_bytes())?,
            decoding: DecodingKey::from_ed_components(&public_x)?,
            validation,
            public_x,
            kid,
            ttl,
            seed: signing.to_bytes(),
        })
    }

    /// A secret for `purpose`, derived from the signing key (HMAC-SHA256 keyed with it): every
    /// process of a deployment shares the key file, so they derive the same secret, and no other
    /// secret has to be configured, stored or backed up.
    pub(crate) fn derive_secret(&self, purpose: &str) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = super::keyed_sha256(&self.seed);
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Signs a new access token for `user` with `role`.
    pub fn issue(&self, user: Uuid, role: Role) -> anyhow::Result<IssuedToken> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let ttl = i64::try_from(self.ttl.as_secs())?;
        let claims = AccessClaims {
            sub: user,
            role,
            jti: Uuid::now_v7(),
            iat: now,
            exp: now + ttl,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(IssuedToken {
            token: jsonwebtoken::encode(&header, &claims, &self.encoding)?,
            expires_in: self.ttl.as_secs(),
        })
    }

    /// The claims of `token` if we signed it with EdDSA, it names our key and it has not expired.
    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let leeway = i64::try_from(self.validation.leeway).unwrap_or(0);
        if let Some(claims) = crate::locks::read(&self.verified).get(token) {
            return (claims.exp + leeway > now).then(|| claims.clone());
        }
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.alg != Algorithm::EdDSA || header.kid.as_deref() != Some(self.kid.as_str()) {
            return None;
        }
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .ok()?;
        let mut verified = crate::locks::write(&self.verified);
        if verified.len() >= VERIFIED_CAPACITY {
            verified.retain(|_, claims| claims.exp + leeway > now);
            if verified.len() >= VERIFIED_CAPACITY {
                verified.clear();
            }
        }
        verified.insert(token.into(), claims.clone());
        Some(claims)
    }

    /// The public key set.
    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: vec![Jwk {
                kty: "OKP",
                crv: "Ed25519",
                x: self.public_x.clone(),
                kid: self.kid.clone(),
                alg: "EdDSA",
                usage: "sig",
            }],
        }
    }
}

fn generate_key() -> anyhow::Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| anyhow::anyhow!("getrandom: {error}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

fn write_private(path: &Path, signing: &SigningKey) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;

    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let pem = signing
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|error| anyhow::anyhow!("encode key: {error}"))?;
    // create_new: never overwrite a key another process wrote in the meantime.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(pem.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// RFC 7638 JWK thumbprint of an Ed25519 public key.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::from_signing_key(&generate_key().unwrap(), Duration::from_secs(60)).unwrap()
    }

    #[test]
    fn issued_tokens_verify_with_their_claims() {
        let keys = keys();
        let user = Uuid::now_v7();
        let issued = keys.issue(user, Role::Seller).unwrap();
        let claims = keys.verify(&issued.token).unwrap();
        assert_eq!((claims.sub, claims.role), (user, Role::Seller));
        assert_eq!(claims.exp - claims.iat, 60);
    }

    #[test]
    fn tokens_of_another_key_or_tampered_are_refused() {
        let (ours, theirs) = (keys(), keys());
        let foreign = theirs.issue(Uuid::now_v7(), Role::Admin).unwrap().token;
        assert!(ours.verify(&foreign).is_none());
        let token = ours.issue(Uuid::now_v7(), Role::Customer).unwrap().token;
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let claims = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        parts[1] = URL_SAFE_NO_PAD.encode(claims.replace("customer", "admin"));
        assert!(ours.verify(&parts.join(".")).is_none());
    }

    #[test]
    fn the_key_file_is_created_private_and_reloaded() {
        use std::os::unix::fs::PermissionsExt;
        let path = std::env::temp_dir().join(format!("bazaar-key-{}.pem", Uuid::now_v7()));
        let first = JwtKeys::load_or_generate(&path, Duration::from_secs(60)).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = JwtKeys::load_or_generate(&path, Duration::from_secs(60)).unwrap();
        assert_eq!(first.kid, second.kid);
        let token = first.issue(Uuid::now_v7(), Role::Customer).unwrap().token;
        assert!(second.verify(&token).is_some());
        std::fs::remove_file(path).unwrap();
    }
}
