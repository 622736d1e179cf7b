//! `xaso user add|list|set-password|disable|enable|token`.

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use clap::Subcommand;
use xaso_domain::identity::access::Scope;
use xaso_domain::identity::{parse_role, Role};
use xaso_store::audit::Actor;
use xaso_store::identity::{self, tokens, NewUser};
use xaso_store::Store;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account; without --password-stdin a one-time password is generated and printed
    Add {
        username: String,
        /// Full name, e.g. "Nguyễn Văn An"
        #[arg(long)]
        name: String,
        /// citizen, counter_officer, specialist, leader, reform_coordinator, province_viewer, administrator (repeatable)
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Agency code (mã định danh), e.g. 000.04.61.H19
        #[arg(long)]
        agency: Option<String>,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts
    List {
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Set a new password (generated unless --password-stdin); ends the user's sessions
    SetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: its sessions end and its API tokens stop working
    Disable { username: String },
    /// Enable a disabled account
    Enable { username: String },
    /// Revoke every API token of an account
    RevokeTokens { username: String },
    /// Create an API token, printed once
    Token {
        username: String,
        #[arg(long, default_value = "dòng lệnh")]
        name: String,
        /// What the token may be used for: read, write, webhooks (comma-separated)
        #[arg(long, default_value = "read,write")]
        scopes: String,
    },
    /// List an account's API tokens: scopes, creation, last use, revocation
    Tokens { username: String },
    /// Revoke one API token of an account (its id from `xaso user tokens`)
    RevokeToken { username: String, id: uuid::Uuid },
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Mật khẩu: ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("không đọc được mật khẩu")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// The given password, or a generated one that must be changed at first login.
fn choose_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        Ok((read_password()?, false))
    } else {
        Ok((identity::generate_password(), true))
    }
}

pub async fn run(store: &Store, command: UserCommand) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let actor = Actor::system("dòng lệnh");
    match command {
        UserCommand::Add {
            username,
            name,
            roles,
            agency,
            password_stdin,
        } => {
            let roles = roles
                .iter()
                .map(|r| parse_role(r))
                .collect::<Result<Vec<Role>, _>>()?;
            let (password, generated) = choose_password(password_stdin)?;
            let hash = identity::hash_password(password.clone()).await?;
            let mut tx = store.begin().await?;
            let user = identity::create_user(
                &mut tx,
                NewUser {
                    username,
                    full_name: name,
                    agency_code: agency,
                    roles,
                    password_hash: Some(hash),
                    must_change_password: generated,
                },
                now,
                &actor,
            )
            .await?;
            tx.commit().await?;
            println!("Đã tạo tài khoản {} ({}).", user.username, user.full_name);
            if generated {
                println!("Mật khẩu dùng một lần: {password}");
            }
        }
        UserCommand::List { format } => {
            let mut tx = store.read().await?;
            let users = identity::list_users(&mut tx).await?;
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                println!(
                    "{:<20} {:<28} {:<16} {:<10} vai trò",
                    "tên đăng nhập", "họ tên", "đơn vị", "trạng thái"
                );
                for u in users {
                    let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
                    println!(
                        "{:<20} {:<28} {:<16} {:<10} {}",
                        u.username,
                        u.full_name,
                        u.agency_code.as_deref().unwrap_or("—"),
                        if u.disabled {
                            "khóa"
                        } else {
                            "hoạt động"
                        },
                        roles.join(",")
                    );
                }
            }
        }
        UserCommand::SetPassword {
            username,
            password_stdin,
        } => {
            let (password, generated) = choose_password(password_stdin)?;
            let hash = identity::hash_password(password.clone()).await?;
            let mut tx = store.begin().await?;
            identity::set_password(&mut tx, &username, &hash, generated, now, &actor).await?;
            tx.commit().await?;
            println!("Đã đặt mật khẩu mới cho {username}.");
            if generated {
                println!("Mật khẩu dùng một lần: {password}");
            }
        }
        UserCommand::Disable { username } => {
            let mut tx = store.begin().await?;
            identity::set_disabled(&mut tx, &username, true, now, &actor).await?;
            tx.commit().await?;
            println!("Đã khóa tài khoản {username}.");
        }
        UserCommand::Enable { username } => {
            let mut tx = store.begin().await?;
            identity::set_disabled(&mut tx, &username, false, now, &actor).await?;
            tx.commit().await?;
            println!("Đã mở khóa tài khoản {username}.");
        }
        UserCommand::RevokeTokens { username } => {
            let mut tx = store.begin().await?;
            let revoked = identity::revoke_api_tokens(&mut tx, &username, now, &actor).await?;
            tx.commit().await?;
            println!("Đã thu hồi {revoked} mã truy cập của {username}.");
        }
        UserCommand::Token {
            username,
            name,
            scopes,
        } => {
            let scopes = Scope::parse_list(&scopes).map_err(anyhow::Error::msg)?;
            let mut tx = store.begin().await?;
            let (id, token) =
                tokens::create_scoped(&mut tx, &username, &name, &scopes, now, &actor).await?;
            tx.commit().await?;
            println!("{token}");
            eprintln!(
                "Mã truy cập {id} của {username} (phạm vi: {}) chỉ hiển thị một lần; dùng: Authorization: Bearer <mã>",
                Scope::join(&scopes)
            );
        }
        UserCommand::Tokens { username } => {
            let mut tx = store.read().await?;
            let list = tokens::tokens_of(&mut tx, &username).await?;
            tx.commit().await?;
            let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or("—".to_string(), |t| {
                    xaso_domain::calendar::deadline::to_local(t)
                        .format("%d/%m/%Y %H:%M")
                        .to_string()
                })
            };
            println!("mã\ttên\tphạm vi\ttạo lúc\tdùng lần cuối\tthu hồi");
            for t in list {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.scopes.join(" "),
                    time(Some(t.created_at)),
                    time(t.last_used_at),
                    time(t.revoked_at)
                );
            }
        }
        UserCommand::RevokeToken { username, id } => {
            let mut tx = store.begin().await?;
            tokens::revoke_token(&mut tx, &username, id, now, &actor).await?;
            tx.commit().await?;
            println!("Đã thu hồi mã truy cập {id} của {username}.");
        }
    }
    Ok(())
}
