//! The settings of an OpenID Connect identity provider whose tokens the
//! server accepts beside its own.

use std::time::Duration;

use anyhow::bail;
use clap::Args;
use ticketd_http_actix::{ProviderSettings, RoleMap};

use super::HOUR;

/// Where an identity provider publishes its keys, and how its tokens name
/// the user and the role.
#[derive(Debug, Clone, Args)]
pub struct IdentityProvider {
    /// Accept the tokens of an OpenID Connect identity provider too: where it
    /// publishes its signing keys (JWKS), `https://...`. Needs
    /// TICKETD_JWT_ISSUER and TICKETD_JWT_AUDIENCE. Default: none (only
    /// tokens signed with the secret).
    #[arg(long, global = true, env = "TICKETD_JWKS_URL", value_name = "TICKETD_JWKS_URL",
          value_parser = web_url)]
    pub jwks_url: Option<String>,
    /// The `iss` the provider's tokens must carry.
    #[arg(
        long,
        global = true,
        env = "TICKETD_JWT_ISSUER",
        value_name = "TICKETD_JWT_ISSUER"
    )]
    pub jwt_issuer: Option<String>,
    /// An `aud` the provider's tokens must carry (this API's audience or
    /// client id).
    #[arg(
        long,
        global = true,
        env = "TICKETD_JWT_AUDIENCE",
        value_name = "TICKETD_JWT_AUDIENCE"
    )]
    pub jwt_audience: Option<String>,
    /// The claim of a provider's token that holds the user's id (a dotted
    /// path reaches into objects).
    #[arg(
        long,
        global = true,
        env = "TICKETD_JWT_SUB_CLAIM",
        value_name = "TICKETD_JWT_SUB_CLAIM",
        default_value = "sub"
    )]
    pub jwt_sub_claim: String,
    /// The claim of a provider's token that holds the user's role, a string
    /// or a list (`realm_access.roles` for Keycloak).
    #[arg(
        long,
        global = true,
        env = "TICKETD_JWT_ROLE_CLAIM",
        value_name = "TICKETD_JWT_ROLE_CLAIM",
        default_value = "roles"
    )]
    pub jwt_role_claim: String,
    /// The provider's role names and the role each gives:
    /// `support-agent=agent,desk-admin=admin,portal-user=customer`. Default:
    /// `customer`, `agent` and `admin` as themselves.
    #[arg(long, global = true, env = "TICKETD_JWT_ROLE_MAP", value_name = "TICKETD_JWT_ROLE_MAP",
          value_parser = RoleMap::parse)]
    pub jwt_role_map: Option<RoleMap>,
    /// How long one fetch of the provider's keys may take, in seconds.
    #[arg(long, global = true, env = "TICKETD_JWKS_TIMEOUT_SECS", value_name = "TICKETD_JWKS_TIMEOUT_SECS",
          default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub jwks_timeout_secs: u64,
    /// The least time between two fetches of the provider's keys, in seconds
    /// (a token naming an unknown key fetches them, at most this often).
    #[arg(long, global = true, env = "TICKETD_JWKS_REFRESH_FLOOR_SECS",
          value_name = "TICKETD_JWKS_REFRESH_FLOOR_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=HOUR))]
    pub jwks_refresh_floor_secs: u64,
    /// After this long, in seconds, the provider's keys are fetched again on
    /// next use (a withdrawn key stops working).
    #[arg(long, global = true, env = "TICKETD_JWKS_MAX_AGE_SECS",
          value_name = "TICKETD_JWKS_MAX_AGE_SECS", default_value_t = HOUR,
          value_parser = clap::value_parser!(u64).range(60..=7 * 24 * HOUR))]
    pub jwks_max_age_secs: u64,
}

impl IdentityProvider {
    /// The provider whose tokens are accepted, if TICKETD_JWKS_URL
    /// names one; its issuer and audience are then required.
    pub fn provider(&self) -> anyhow::Result<Option<ProviderSettings>> {
        let Some(jwks_url) = self.jwks_url.clone() else {
            return Ok(None);
        };
        let (Some(issuer), Some(audience)) = (self.jwt_issuer.clone(), self.jwt_audience.clone())
        else {
            bail!("TICKETD_JWKS_URL needs TICKETD_JWT_ISSUER and TICKETD_JWT_AUDIENCE too");
        };
        Ok(Some(ProviderSettings {
            jwks_url,
            issuer,
            audience,
            sub_claim: self.jwt_sub_claim.clone(),
            role_claim: self.jwt_role_claim.clone(),
            roles: self.jwt_role_map.clone().unwrap_or_default(),
            timeout: Duration::from_secs(self.jwks_timeout_secs),
            refresh_floor: Duration::from_secs(self.jwks_refresh_floor_secs),
            max_age: Duration::from_secs(self.jwks_max_age_secs),
        }))
    }
}

/// An `http://` or `https://` URL with a host.
fn web_url(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or("write an https:// URL")?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("the URL names no host".into());
    }
    Ok(value.to_owned())
}
