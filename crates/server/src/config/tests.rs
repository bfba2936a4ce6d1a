//! The settings' own rules: secrets, and what `ticketd token` reads.

use super::*;

#[test]
fn a_generated_secret_is_kept_private_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("jwt-secret");
    let first = load_or_create_secret(&path).unwrap();
    assert_eq!(first.len(), 64);
    assert_eq!(load_or_create_secret(&path).unwrap(), first);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn the_token_command_reads_the_servers_secret_and_never_makes_one() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = Cli::try_parse_from(["ticketd", "--data-dir", data.to_str().unwrap()])
        .unwrap()
        .config;
    let refused = config.existing_jwt_secret().unwrap_err().to_string();
    assert!(refused.contains("jwt-secret"), "{refused}");
    assert!(!data.join("jwt-secret").exists(), "nothing generated");
    let made = config.jwt_secret().unwrap();
    let (found, from) = config.existing_jwt_secret().unwrap();
    assert_eq!(found, made);
    assert!(from.ends_with("jwt-secret"), "{from}");
}

#[test]
fn a_short_configured_secret_is_refused() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }
    let config = Cli::try_parse_from(["ticketd", "--jwt-secret", "short"])
        .unwrap()
        .config;
    assert!(config.jwt_secret().is_err());
}
