//! Server-side request forgery: which addresses webhook deliveries may
//! reach. Loopback, private, link-local (cloud metadata included), shared,
//! multicast and unspecified addresses are refused unless the server allows
//! private addresses; a name is checked on every delivery, by the resolver
//! of the delivering client, so that it cannot be pointed elsewhere after
//! it was registered.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why an address is refused, or `None` if it may be reached.
pub fn refused(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refused_v4(v4),
            None => refused_v6(v6),
        },
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address (cloud metadata lives there)")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT) address")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("a multicast, broadcast or reserved address")
    } else {
        None
    }
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() {
        Some("an unspecified address")
    } else if first & 0xfe00 == 0xfc00 {
        Some("a private (unique local) address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if first == 0x64 && ip.segments()[1] == 0xff9b {
        // NAT64 embeds an IPv4 address in its last 32 bits.
        let [.., c, d] = ip.segments();
        let v4 = Ipv4Addr::from((u32::from(c) << 16) | u32::from(d));
        refused_v4(v4)
    } else {
        None
    }
}

/// The addresses `host` resolves to on `port`, all of which must be
/// allowed (unless `allow_private`); an error names the first refused one.
pub async fn resolve_allowed(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, String> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("{host} does not resolve: {e}"))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    if !allow_private
        && let Some((addr, why)) = addrs
            .iter()
            .find_map(|a| refused(a.ip()).map(|why| (a, why)))
    {
        return Err(format!(
            "{host} resolves to {}, {why}: refused (TICKETD_WEBHOOK_ALLOW_PRIVATE allows it)",
            addr.ip()
        ));
    }
    Ok(addrs)
}

/// Checks where an endpoint URL points: an address written in it, or what
/// its name resolves to now. A name that does not resolve (yet) is taken:
/// every delivery resolves it again and refuses what it may not reach.
pub async fn check_url(url: &url::Url, allow_private: bool) -> Result<(), String> {
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().unwrap_or(443);
    match resolve_allowed(host, port, allow_private).await {
        Ok(_) => Ok(()),
        Err(e) if e.contains("does not resolve") || e.contains("resolves to no address") => Ok(()),
        Err(e) => Err(e),
    }
}

/// The delivering client's resolver: it gives only allowed addresses, so
/// that no delivery reaches a refused one, whatever the name resolves to
/// at that moment.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    /// Whether private addresses are allowed.
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs = resolve_allowed(name.as_str(), 0, allow_private).await?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_and_public_ones_taken() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(refused(ip.parse().unwrap()).is_some(), "{ip} is taken");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(refused(ip.parse().unwrap()), None, "{ip} is refused");
        }
    }

    #[tokio::test]
    async fn a_name_is_refused_by_what_it_resolves_to() {
        let e = resolve_allowed("localhost", 80, false).await.unwrap_err();
        assert!(e.contains("loopback"), "{e}");
        assert!(resolve_allowed("localhost", 80, true).await.is_ok());
        let e = resolve_allowed("[::1]", 80, false).await.unwrap_err();
        assert!(e.contains("loopback"), "{e}");
    }
}
