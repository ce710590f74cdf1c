use super::*;
use std::collections::HashMap;
use std::path::Path;

fn run(args: &[&str], env: &[(&str, &str)]) -> Result<Command, CliError> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    parse(args.iter().map(|s| s.to_string()), |k| env.get(k).cloned())
}

fn serve(args: &[&str], env: &[(&str, &str)]) -> Config {
    match run(args, env) {
        Ok(Command::Serve { config, .. }) => config,
        other => panic!("expected serve, got {other:?}"),
    }
}

#[test]
fn no_arguments_serve_with_the_defaults() {
    let config = serve(&[], &[]);
    assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
    assert_eq!(config.dist_dir, Path::new("dist"));
    assert_eq!(config.data_dir, Path::new("./data"));
    assert_eq!(config.database_url, None);
    assert_eq!(config.sqlite_path(), Path::new("./data/yinhuan.db"));
}

#[test]
fn flags_win_over_environment_variables() {
    let env = [
        ("ADDR", "0.0.0.0:9000"),
        ("DIST_DIR", "/srv/dist"),
        ("DATA_DIR", "/var/lib/yh"),
        ("DATABASE_URL", "postgres://u@h/db"),
    ];
    let from_env = serve(&["serve"], &env);
    assert_eq!(from_env.addr.to_string(), "0.0.0.0:9000");
    assert_eq!(from_env.dist_dir, Path::new("/srv/dist"));
    assert_eq!(from_env.database_url.as_deref(), Some("postgres://u@h/db"));

    let from_flags = serve(
        &["serve", "--addr", "127.0.0.1:1", "--dist=d", "--data", "x"],
        &env,
    );
    assert_eq!(from_flags.addr.to_string(), "127.0.0.1:1");
    assert_eq!(from_flags.dist_dir, Path::new("d"));
    assert_eq!(from_flags.data_dir, Path::new("x"));
}

#[test]
fn an_empty_database_url_means_sqlite() {
    assert_eq!(serve(&[], &[("DATABASE_URL", "")]).database_url, None);
}

#[test]
fn mistakes_are_reported_in_chinese() {
    assert_eq!(
        run(&["serve", "--port", "1"], &[]).unwrap_err(),
        CliError::UnknownFlag("--port".into())
    );
    assert_eq!(
        run(&["serve", "--addr"], &[]).unwrap_err(),
        CliError::MissingValue("--addr")
    );
    assert_eq!(
        run(&["serve", "--addr", "8080"], &[]).unwrap_err(),
        CliError::BadAddr("8080".into())
    );
    assert_eq!(
        run(&["start"], &[]).unwrap_err(),
        CliError::UnknownCommand("start".into())
    );
    assert!(matches!(run(&["--help"], &[]), Ok(Command::Help)));
}

#[test]
fn check_reads_the_configured_database() {
    match run(
        &["check", "--data", "/srv/yh"],
        &[("DATABASE_URL", "postgres://u@h/db")],
    ) {
        Ok(Command::Check { config }) => {
            assert_eq!(config.data_dir, Path::new("/srv/yh"));
            assert_eq!(config.database_url.as_deref(), Some("postgres://u@h/db"));
        }
        other => panic!("expected check, got {other:?}"),
    }
    assert_eq!(
        run(&["check", "--addr", "1"], &[]).unwrap_err(),
        CliError::UnknownFlag("--addr".into())
    );
}

#[test]
fn serve_demo_is_a_flag() {
    assert!(matches!(
        run(&["serve", "--demo"], &[]),
        Ok(Command::Serve { demo: true, .. })
    ));
    assert!(matches!(
        run(&["serve"], &[]),
        Ok(Command::Serve { demo: false, .. })
    ));
}

#[test]
fn user_add_builds_the_role_and_scope() {
    let Ok(Command::UserAdd {
        config,
        user,
        password,
        admin: false,
    }) = run(
        &[
            "user", "add", "xinfu_li", "--role", "county", "--county", "140902", "--name", "李四",
            "--data", "/srv/yh",
        ],
        &[],
    )
    else {
        panic!("expected user add")
    };
    assert_eq!(user.username, "xinfu_li");
    assert_eq!(user.display_name, "李四");
    assert_eq!(user.role, Role::County("140902".into()));
    assert_eq!(password, None);
    assert_eq!(config.data_dir, Path::new("/srv/yh"));

    let e = "01939b8e-0000-7000-8000-000000000001";
    let Ok(Command::UserAdd { user, password, .. }) = run(
        &[
            "user",
            "add",
            "qiye",
            "--role=enterprise",
            "--enterprise",
            e,
            "--password",
            "pw123456",
        ],
        &[],
    ) else {
        panic!("expected user add")
    };
    assert_eq!(user.role, Role::Enterprise(Uuid::parse_str(e).unwrap()));
    assert_eq!(password.as_deref(), Some("pw123456"));
}

#[test]
fn user_add_mistakes_are_reported_in_chinese() {
    let err = |args: &[&str]| match run(args, &[]) {
        Err(e) => e,
        Ok(c) => panic!("accepted {c:?}"),
    };
    assert_eq!(err(&["user", "add"]), CliError::MissingUsername);
    assert_eq!(err(&["user", "add", "x1"]), CliError::MissingRole);
    assert_eq!(
        err(&["user", "add", "x1", "--role", "boss"]),
        CliError::BadRole("boss".into())
    );
    assert_eq!(
        err(&["user", "add", "x1", "--role", "county"]),
        CliError::Role(RoleError::MissingCounty("县级"))
    );
    assert_eq!(
        err(&["user", "add", "x1", "--role", "cross", "--county", "999999"]),
        CliError::Role(RoleError::UnknownCounty("999999".into()))
    );
    assert_eq!(
        err(&[
            "user",
            "add",
            "x1",
            "--role",
            "enterprise",
            "--enterprise",
            "e1"
        ]),
        CliError::BadEnterprise("e1".into())
    );
    assert!(err(&["user", "add", "x1", "--role", "city", "--addr", "1"])
        .to_string()
        .contains("--addr"));
}

#[test]
fn a_cross_team_account_needs_its_inspection_period() {
    let cross = |extra: &[&str]| {
        let mut args = vec![
            "user", "add", "jc1", "--role", "cross", "--county", "140921",
        ];
        args.extend_from_slice(extra);
        parse(args.into_iter().map(String::from), |_| None)
    };
    assert_eq!(
        cross(&[]).unwrap_err(),
        CliError::Assignment(AssignmentError::Missing)
    );
    assert_eq!(
        cross(&["--from", "2025-03-03"]).unwrap_err(),
        CliError::Assignment(AssignmentError::Missing)
    );
    assert_eq!(
        cross(&["--from", "2025-3-3", "--until", "2025-03-31"]).unwrap_err(),
        CliError::BadDate("2025-3-3".into())
    );
    assert!(matches!(
        cross(&["--from", "2025-03-31", "--until", "2025-03-03"]).unwrap_err(),
        CliError::Assignment(AssignmentError::Reversed { .. })
    ));
    match cross(&["--from", "2025-03-03", "--until", "2025-03-31"]).unwrap() {
        Command::UserAdd { user, .. } => {
            let a = user.assignment.expect("period kept");
            assert_eq!(a.from.to_string(), "2025-03-03");
            assert_eq!(a.until.to_string(), "2025-03-31");
        }
        other => panic!("{other:?}"),
    }
    let county = parse(
        [
            "user",
            "add",
            "x1",
            "--role",
            "county",
            "--county",
            "140902",
            "--from",
            "2025-03-03",
            "--until",
            "2025-03-31",
        ]
        .into_iter()
        .map(String::from),
        |_| None,
    );
    assert_eq!(county.unwrap_err(), CliError::AssignmentNotCross);
}

#[test]
fn orphan_photo_limits_come_from_flags_or_the_environment() {
    let defaults = serve(&[], &[]);
    assert_eq!(defaults.max_orphan_photos, 500);
    assert_eq!(defaults.orphan_photo_days, 7);
    let env = [("MAX_ORPHAN_PHOTOS", "40"), ("ORPHAN_PHOTO_DAYS", "3")];
    let from_env = serve(&["serve"], &env);
    assert_eq!(
        (from_env.max_orphan_photos, from_env.orphan_photo_days),
        (40, 3)
    );
    let from_flags = serve(
        &[
            "serve",
            "--max-orphan-photos",
            "0",
            "--orphan-photo-days=30",
        ],
        &env,
    );
    assert_eq!(
        (from_flags.max_orphan_photos, from_flags.orphan_photo_days),
        (0, 30)
    );
    assert_eq!(
        run(&["serve", "--orphan-photo-days", "0"], &[]).unwrap_err(),
        CliError::BadNumber {
            name: "天数（--orphan-photo-days / --older-than-days）",
            value: "0".into(),
            min: 1
        }
    );
    assert!(matches!(
        run(&[], &[("MAX_ORPHAN_PHOTOS", "很多")]).unwrap_err(),
        CliError::BadNumber {
            name: "MAX_ORPHAN_PHOTOS",
            ..
        }
    ));
}

#[test]
fn photos_clean_orphans_takes_an_age_in_days() {
    let clean = |args: &[&str], env: &[(&str, &str)]| match run(args, env) {
        Ok(Command::CleanOrphans { config }) => config,
        other => panic!("expected clean-orphans, got {other:?}"),
    };
    assert_eq!(
        clean(&["photos", "clean-orphans"], &[]).orphan_photo_days,
        7
    );
    let config = clean(
        &[
            "photos",
            "clean-orphans",
            "--older-than-days",
            "2",
            "--data",
            "/srv/yh",
        ],
        &[("ORPHAN_PHOTO_DAYS", "9")],
    );
    assert_eq!(config.orphan_photo_days, 2);
    assert_eq!(config.data_dir, Path::new("/srv/yh"));
    assert!(run(&["photos", "clean-orphans", "--older-than-days", "-1"], &[]).is_err());
    assert_eq!(
        run(&["photos", "clean-orphans", "--addr", "1"], &[]).unwrap_err(),
        CliError::UnknownFlag("--addr".into())
    );
    assert_eq!(
        run(&["photos", "purge"], &[]).unwrap_err(),
        CliError::UnknownCommand("photos purge".into())
    );
}

#[test]
fn the_photo_store_is_a_directory_or_an_s3_bucket() {
    use crate::photos::PhotoLocation;
    let default = serve(&["serve", "--data", "/srv/yh"], &[]);
    assert_eq!(default.photos, None);
    assert_eq!(
        default.photo_location(),
        PhotoLocation::Local("/srv/yh/photos".into())
    );
    let s3 = serve(&["serve"], &[("PHOTOS", "s3://yinhuan-photos/xinzhou")]);
    assert_eq!(
        s3.photo_location(),
        PhotoLocation::S3 {
            bucket: "yinhuan-photos".into(),
            prefix: "xinzhou".into()
        }
    );
    // The flag wins; a local directory elsewhere is also the one backups and migrate read.
    let dir = serve(
        &["serve", "--photos", "/mnt/photos"],
        &[("PHOTOS", "s3://yinhuan-photos/xinzhou")],
    );
    assert_eq!(dir.photos_dir(), Path::new("/mnt/photos"));
    assert!(matches!(
        run(&["serve", "--photos", "gs://bucket"], &[]).unwrap_err(),
        CliError::BadPhotos(_)
    ));
    match run(
        &[
            "photos",
            "migrate",
            "--to",
            "s3://yinhuan-photos/xinzhou",
            "--data",
            "/srv/yh",
        ],
        &[],
    ) {
        Ok(Command::PhotosMigrate { config, to }) => {
            assert_eq!(
                config.photo_location(),
                PhotoLocation::Local("/srv/yh/photos".into())
            );
            assert_eq!(to.to_string(), "s3://yinhuan-photos/xinzhou");
        }
        other => panic!("expected photos migrate, got {other:?}"),
    }
    assert_eq!(
        run(&["photos", "migrate"], &[]).unwrap_err(),
        CliError::MissingTo
    );
    assert!(matches!(
        run(&["photos", "migrate", "--to", "s3://X"], &[]).unwrap_err(),
        CliError::BadPhotos(_)
    ));
}

#[test]
fn backup_and_restore_take_their_directories() {
    match run(
        &[
            "backup",
            "--to",
            "/mnt/usb/yinhuan",
            "--data=/srv/yh",
            "--photos-only",
            "--keep",
            "7",
        ],
        &[],
    ) {
        Ok(Command::Backup {
            config,
            to,
            photos_only,
            keep,
        }) => {
            assert_eq!(config.data_dir, Path::new("/srv/yh"));
            assert_eq!(to, Path::new("/mnt/usb/yinhuan"));
            assert!(photos_only);
            assert_eq!(keep, Some(7));
        }
        other => panic!("expected backup, got {other:?}"),
    }
    assert_eq!(
        run(&["backup"], &[]).unwrap_err(),
        CliError::MissingValue("--to")
    );
    assert_eq!(
        run(&["backup", "--to", "x", "--addr", "1"], &[]).unwrap_err(),
        CliError::UnknownFlag("--addr".into())
    );
    match run(
        &[
            "restore",
            "--from",
            "/mnt/usb/yinhuan",
            "--data",
            "/srv/new",
        ],
        &[
            ("DATA_DIR", "/srv/yh"),
            ("DATABASE_URL", "postgres://u@h/db"),
        ],
    ) {
        Ok(Command::Restore {
            from,
            data,
            database_url,
        }) => {
            assert_eq!(from, Path::new("/mnt/usb/yinhuan"));
            assert_eq!(data, Path::new("/srv/new"));
            assert_eq!(database_url.as_deref(), Some("postgres://u@h/db"));
        }
        other => panic!("expected restore, got {other:?}"),
    }
    // The target is never taken from DATA_DIR.
    assert_eq!(
        run(&["restore", "--from", "x"], &[("DATA_DIR", "/srv/yh")]).unwrap_err(),
        CliError::MissingValue("--data")
    );
}

#[test]
fn serve_backs_up_daily_when_given_a_backup_dir() {
    assert_eq!(serve(&[], &[]).backup, None);
    let s = serve(&["serve", "--backup-dir", "/mnt/usb/yh"], &[])
        .backup
        .expect("schedule");
    assert_eq!(s.dir, Path::new("/mnt/usb/yh"));
    assert_eq!(s.keep, 14);
    assert_eq!(s.at.to_string(), "02:30");
    let s = serve(
        &["serve", "--backup-keep=30", "--backup-at", "23:05"],
        &[("BACKUP_DIR", "/b"), ("BACKUP_KEEP", "3")],
    )
    .backup
    .expect("schedule");
    assert_eq!((s.dir.as_path(), s.keep), (Path::new("/b"), 30));
    assert_eq!(s.at.to_string(), "23:05");
    assert_eq!(
        run(
            &["serve", "--backup-dir", "/b", "--backup-at", "25:00"],
            &[]
        )
        .unwrap_err(),
        CliError::BadTime("25:00".into())
    );
    assert_eq!(
        run(&["serve", "--backup-keep", "3"], &[]).unwrap_err(),
        CliError::BackupDirMissing
    );
    assert!(matches!(
        run(&["serve", "--backup-dir", "/b", "--backup-keep", "0"], &[]).unwrap_err(),
        CliError::BadNumber { .. }
    ));
}

#[test]
fn https_options_are_read_from_flags_or_the_environment() {
    let config = serve(&[], &[]);
    assert_eq!(
        (config.addr_set, config.listen, config.tls_cert.clone()),
        (false, None, None)
    );
    assert_eq!(config.http_redirect, HttpRedirect::Default);
    assert_eq!(config.behind_proxy, None);

    let config = serve(
        &[
            "serve",
            "--listen",
            "0.0.0.0:8443",
            "--tls-cert",
            "/etc/yh/cert.pem",
            "--tls-key=/etc/yh/key.pem",
            "--http-redirect",
            "0.0.0.0:80",
            "--behind-proxy",
            "::ffff:10.0.0.1",
            "--addr",
            "127.0.0.1:8080",
        ],
        &[],
    );
    assert!(config.addr_set);
    assert_eq!(config.listen.unwrap().to_string(), "0.0.0.0:8443");
    assert_eq!(
        config.tls_cert.as_deref(),
        Some(Path::new("/etc/yh/cert.pem"))
    );
    assert_eq!(
        config.tls_key.as_deref(),
        Some(Path::new("/etc/yh/key.pem"))
    );
    assert_eq!(
        config.http_redirect,
        HttpRedirect::At("0.0.0.0:80".parse().unwrap())
    );
    assert_eq!(config.behind_proxy, Some("10.0.0.1".parse().unwrap()));

    let env = [
        ("LISTEN", "127.0.0.1:9443"),
        ("HTTP_REDIRECT", "off"),
        ("BEHIND_PROXY", "127.0.0.1"),
        ("ADDR", "127.0.0.1:9080"),
    ];
    let config = serve(&[], &env);
    assert_eq!(config.listen.unwrap().port(), 9443);
    assert_eq!(config.http_redirect, HttpRedirect::Off);
    assert!(config.addr_set);

    assert_eq!(
        run(&["serve", "--tls-cert", "c.pem"], &[]).unwrap_err(),
        CliError::TlsPairIncomplete
    );
    assert_eq!(
        run(&["serve", "--behind-proxy", "nginx"], &[]).unwrap_err(),
        CliError::BadIp("--behind-proxy", "nginx".into())
    );
    assert_eq!(
        run(&["serve", "--listen", "8443"], &[]).unwrap_err(),
        CliError::BadAddr("8443".into())
    );
}

#[test]
fn tls_init_and_renew_take_hosts() {
    match run(
        &[
            "tls",
            "init",
            "--host",
            "192.168.1.20",
            "--host=yinhuan.lan",
            "--data",
            "/srv/yh",
            "--force",
        ],
        &[],
    ) {
        Ok(Command::TlsInit {
            config,
            hosts,
            force,
        }) => {
            assert_eq!(config.data_dir, Path::new("/srv/yh"));
            assert_eq!(
                hosts,
                [
                    crate::tls::Host::Ip("192.168.1.20".parse().unwrap()),
                    crate::tls::Host::Dns("yinhuan.lan".into())
                ]
            );
            assert!(force);
        }
        other => panic!("expected tls init, got {other:?}"),
    }
    assert!(matches!(
        run(&["tls", "init"], &[]),
        Ok(Command::TlsInit { force: false, ref hosts, .. }) if hosts.is_empty()
    ));
    assert!(matches!(
        run(&["tls", "renew", "--host", "10.0.0.5"], &[]),
        Ok(Command::TlsRenew { ref hosts, .. }) if hosts.len() == 1
    ));
    assert!(matches!(
        run(&["tls", "init", "--host", "http://yinhuan.lan:8443"], &[]),
        Err(CliError::BadHost(m)) if m.contains("不带 http://")
    ));
    assert_eq!(
        run(&["tls", "renew", "--force"], &[]).unwrap_err(),
        CliError::UnknownFlag("--force".into())
    );
    assert_eq!(
        run(&["tls", "make"], &[]).unwrap_err(),
        CliError::UnknownCommand("tls make".into())
    );
}

#[test]
fn user_add_admin_and_the_account_commands_parse() {
    let args = ["user", "add", "shi", "--role", "city", "--admin"];
    assert!(matches!(
        run(&args, &[]),
        Ok(Command::UserAdd { admin: true, .. })
    ));
    let change = |args: &[&str]| match run(args, &[]) {
        Ok(Command::UserChange {
            username,
            change,
            config,
        }) => (username, change, config.data_dir),
        other => panic!("{other:?}"),
    };
    let (name, c, data) = change(&["user", "set-admin", "li", "on", "--data", "/srv/yh"]);
    assert_eq!((name.as_str(), c), ("li", UserChange::Admin(true)));
    assert_eq!(data, Path::new("/srv/yh"));
    assert_eq!(
        change(&["user", "set-admin", "li", "off"]).1,
        UserChange::Admin(false)
    );
    assert_eq!(change(&["user", "disable", "li"]).1, UserChange::Disable);
    assert_eq!(change(&["user", "enable", "li"]).1, UserChange::Enable);
    assert_eq!(
        change(&["user", "reset-password", "li"]).1,
        UserChange::ResetPassword
    );
    assert_eq!(
        run(&["user", "set-admin", "li", "yes"], &[]).unwrap_err(),
        CliError::BadOnOff
    );
    assert!(matches!(
        run(&["user", "disable"], &[]),
        Err(CliError::MissingTarget(_))
    ));
    assert!(matches!(
        run(&["user", "enable", "li", "extra"], &[]),
        Err(CliError::UnknownFlag(_))
    ));
    assert!(USAGE.contains("user set-admin"));
}

#[test]
fn db_copy_takes_a_postgres_target_and_the_configured_source() {
    let to = "postgres://postgres@127.0.0.1:5432/yinhuan_city";
    match run(&["db", "copy", "--to", to, "--data", "/srv/yh"], &[]) {
        Ok(Command::DbCopy { config, to: got }) => {
            assert_eq!(got, to);
            assert_eq!(config.data_dir, Path::new("/srv/yh"));
            assert_eq!(config.database_url, None);
            assert_eq!(config.sqlite_path(), Path::new("/srv/yh/yinhuan.db"));
        }
        other => panic!("expected db copy, got {other:?}"),
    }
    // The source is the configured database: DATABASE_URL and DATA_DIR as for serve.
    match run(
        &["db", "copy", &format!("--to={to}")],
        &[("DATABASE_URL", "sqlite:/srv/old/yinhuan.db")],
    ) {
        Ok(Command::DbCopy { config, to: got }) => {
            assert_eq!(got, to);
            assert_eq!(
                config.database_url.as_deref(),
                Some("sqlite:/srv/old/yinhuan.db")
            );
        }
        other => panic!("expected db copy, got {other:?}"),
    }
    assert_eq!(
        run(&["db", "copy"], &[]).unwrap_err(),
        CliError::MissingValue("--to")
    );
    assert_eq!(
        run(&["db", "copy", "--to", "/srv/other/yinhuan.db"], &[]).unwrap_err(),
        CliError::DbCopyTarget("/srv/other/yinhuan.db".into())
    );
    assert_eq!(
        run(&["db", "copy", "--to", to, "--demo"], &[]).unwrap_err(),
        CliError::UnknownFlag("--demo".into())
    );
    assert_eq!(
        run(&["db", "copy", "--to", to, "extra"], &[]).unwrap_err(),
        CliError::UnknownFlag("extra".into())
    );
    assert_eq!(
        run(&["db", "move"], &[]).unwrap_err(),
        CliError::UnknownCommand("db move".into())
    );
    assert!(CliError::DbCopyTarget("x".into())
        .to_string()
        .contains("postgres://"));
    assert!(USAGE.contains("yinhuan-server db copy --to postgres://"));
}
