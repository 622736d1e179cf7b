//! `xaso serve`: migrate, load the first data once, serve until SIGTERM or Ctrl-C.

use anyhow::Context;
use xaso_web::AppState;

use crate::config::Config;
use crate::{open_store, seed};

pub async fn serve(config: &Config) -> anyhow::Result<()> {
    let (store, applied) = open_store(config).await?;
    if applied > 0 {
        tracing::info!(applied, "database schema updated");
    }
    if let Some(first) = seed::load_once(&store, config.demo.value, chrono::Utc::now()).await? {
        println!(
            "Lần khởi động đầu tiên: đã nạp {} thủ tục hành chính.",
            first.procedures
        );
        println!(
            "Tài khoản quản trị: admin — mật khẩu dùng một lần: {}",
            first.admin_password
        );
        if !first.demo_users.is_empty() {
            println!(
                "Tài khoản mẫu (cùng mật khẩu, phải đổi khi đăng nhập): {}",
                first.demo_users.join(", ")
            );
        }
        println!("Hãy ghi lại mật khẩu này: nó sẽ không được hiển thị lại.");
    }
    let listener = tokio::net::TcpListener::bind(config.listen.value)
        .await
        .with_context(|| format!("không mở được cổng {}", config.listen.value))?;
    let address = listener.local_addr()?;
    println!(
        "Xã Số đang phục vụ tại http://{address}/ (cơ sở dữ liệu: {})",
        store.location
    );
    let calendars = crate::calendar::load(&store).await?;
    let app = xaso_web::router(AppState::new(store.clone(), calendars));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("máy chủ dừng bất thường")?;
    store.close().await;
    println!("Đã dừng Xã Số.");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
