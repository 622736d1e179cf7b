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
    // Files before anything else starts: a wrong bucket or key stops here, not at the first upload.
    let files = config.files().await?;
    tracing::info!(files = %files.describe(), "file storage");
    // A bad certificate or key stops here, before anything is served.
    let tls = config.tls()?;
    // Bound first: the links in messages name the address actually served when none is configured.
    let listener = tokio::net::TcpListener::bind(config.listen.value)
        .await
        .with_context(|| format!("không mở được cổng {}", config.listen.value))?;
    let address = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut config = Config {
        listen: crate::config::Setting {
            value: address,
            origin: config.listen.origin,
        },
        ..config.clone()
    };
    if tls.is_some() && config.notify.public_url.value.is_none() {
        config.notify.public_url.value = Some(format!("https://{address}"));
    }
    let config = &config;
    let channels = config.notify.channels()?;
    let endpoints = config.notify.endpoints()?;
    let rules = crate::calendar::load_rules(&store, config).await?;
    let first = seed::load_once(&store, &rules, config.demo.value, chrono::Utc::now()).await?;
    // The demo dossiers' results are signed once, when they are made: looking for unsigned
    // results at every start read every dossier (minutes for a generated province).
    let demo_made = first.as_ref().is_some_and(|f| f.dossiers > 0);
    if let Some(first) = first {
        println!(
            "Lần khởi động đầu tiên: đã nạp {} thủ tục hành chính{}.",
            first.procedures,
            if first.dossiers > 0 {
                format!(" và {} hồ sơ mẫu", first.dossiers)
            } else {
                String::new()
            }
        );
        println!(
            "Tài khoản quản trị: admin — mật khẩu dùng một lần: {}",
            first.admin_password
        );
        if let Some(demo_password) = &first.demo_password {
            println!(
                "Tài khoản mẫu để dùng thử: {} — mật khẩu chung: {demo_password}",
                first.demo_users.join(", ")
            );
        }
        println!("Hãy ghi lại mật khẩu này: nó sẽ không được hiển thị lại.");
    }
    let plans = crate::plan::load_built_in(&store).await?;
    if plans > 0 {
        tracing::info!(plans, "built-in reform plans loaded");
    }
    if config.demo.value {
        let reports = crate::plan::seed_demo_progress(&store).await?;
        if reports > 0 {
            tracing::info!(reports, "demo progress on the built-in plan");
        }
    }
    // Report facts are kept with every change; a database from before them gets them once.
    let mut tx = store.begin().await?;
    if let Some(count) = xaso_store::report::ensure_built(&mut tx, &rules).await? {
        tracing::info!(count, "report facts built");
    }
    tx.commit().await?;
    let shutdown = shutdown_signal()?;
    println!(
        "Xã Số đang phục vụ tại {scheme}://{address}/ (cơ sở dữ liệu: {})",
        store.location
    );
    let sweeper = tokio::spawn(sweep_periodically(store.clone(), rules.clone()));
    // Every instance delivers: claims with leases keep two from sending the same message.
    let (stop_integrations, integrations_stopped) = tokio::sync::oneshot::channel::<()>();
    let integrations = {
        let worker = xaso_store::integration::Worker::new(store.clone(), endpoints)?;
        tokio::spawn(async move {
            let stop = async {
                let _ = integrations_stopped.await;
            };
            worker
                .run(&chrono::Utc::now, std::time::Duration::from_secs(2), stop)
                .await;
        })
    };
    let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = {
        let worker = xaso_store::notification::Worker::new(store.clone(), channels);
        tokio::spawn(async move {
            let stop = async {
                let _ = worker_stopped.await;
            };
            worker
                .run(&chrono::Utc::now, std::time::Duration::from_secs(5), stop)
                .await;
        })
    };
    // Signing keys are sealed with the installation's secret; a first start makes the demo's.
    let secret = crate::pki::secret(config)?;
    if config.demo.value {
        let (cas, signers) = xaso_web::pki::issue_certificates(&store, &secret).await?;
        if cas + signers > 0 {
            tracing::info!(cas, signers, "certificates created for the demo");
        }
    }
    let https = scheme == "https" || rules.notices.public_url.starts_with("https://");
    let mut state = AppState::new(store.clone(), rules, files)
        .with_secret(secret)
        .with_public_lookups_per_minute(config.public_lookups_per_minute.value);
    state.https = https;
    if let Some(oidc) = config.oidc.web_config(&state.rules.notices.public_url)? {
        tracing::info!(issuer = %oidc.issuer, "citizens may sign in with the e-ID (OIDC)");
        state.oidc = Some(std::sync::Arc::new(oidc));
    }
    if let Some(gateway) = payment_gateway(config, &secret)? {
        state = state.with_gateway(gateway);
    }
    if demo_made {
        let signed = xaso_web::dossier::result::sign_missing_results(
            &state,
            &format!("{scheme}://{address}"),
        )
        .await?;
        if signed > 0 {
            tracing::info!(signed, "demo results signed");
        }
    }
    let app = xaso_web::router(state);
    match tls {
        Some(acceptor) => crate::tls::serve(listener, acceptor, app, shutdown).await?,
        None => axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("máy chủ dừng bất thường")?,
    }
    sweeper.abort();
    let _ = stop_worker.send(());
    let _ = worker.await;
    let _ = stop_integrations.send(());
    let _ = integrations.await;
    store.close().await;
    println!("Đã dừng Xã Số.");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed when this is called — before the
/// address is announced — so a signal sent right after start-up still shuts down gracefully.
pub(crate) fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {},
                _ = interrupt.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Every five minutes, marks dossiers due soon and overdue: one instance per period does it (each
/// ticks, the first to claim the period runs it), so several servers on one database sweep once.
async fn sweep_periodically(
    store: xaso_store::Store,
    rules: std::sync::Arc<xaso_store::dossier::DossierRules>,
) {
    const PERIOD_SECONDS: u64 = 300;
    // Ticks of two instances drift apart: a period claimed a little early still counts.
    let claim_period = chrono::Duration::seconds(PERIOD_SECONDS as i64 - 10);
    let instance = format!("{}-{}", std::process::id(), xaso_store::new_id());
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(PERIOD_SECONDS));
    loop {
        tick.tick().await;
        let result = async {
            let mut tx = store.begin().await?;
            let report = xaso_store::dossier::sweep_once_per(
                &mut tx,
                &rules,
                chrono::Utc::now(),
                claim_period,
                &instance,
            )
            .await?;
            tx.commit().await?;
            Ok::<_, xaso_store::StoreError>(report)
        }
        .await;
        match result {
            Ok(Some(report)) => tracing::info!(
                open = report.open,
                due_soon = report.due_soon,
                overdue = report.overdue,
                changed = report.changed,
                "deadline sweep"
            ),
            Ok(None) => tracing::debug!("deadline sweep of this period done by another instance"),
            Err(error) => tracing::warn!(%error, "deadline sweep failed"),
        }
    }
}

/// The payment gateway: a real one when `payment_url` is configured (with `payment_tmn_code` and
/// `XASO_PAYMENT_SECRET`), otherwise the built-in sandbox when `payment_sandbox` is on (by default
/// with the demo data; its secret derived from the installation's, so it survives restarts).
fn payment_gateway(
    config: &Config,
    secret: &[u8; 32],
) -> anyhow::Result<Option<xaso_web::payment::Gateway>> {
    use xaso_domain::payment::vnpay::Merchant;
    if let Some(url) = &config.payment_url.value {
        let (Some(tmn_code), Some(key)) = (
            config.payment_tmn_code.value.clone(),
            config
                .payment_secret
                .as_ref()
                .map(|s| s.expose().to_string()),
        ) else {
            anyhow::bail!(
                "payment_url cần kèm payment_tmn_code và biến XASO_PAYMENT_SECRET (mã đơn vị và khóa bí mật do cổng thanh toán cấp)"
            );
        };
        if !url.starts_with("https://") && !url.starts_with("http://127.0.0.1") {
            anyhow::bail!("payment_url “{url}” phải là địa chỉ https://");
        }
        tracing::info!(url = %url, "payment gateway");
        return Ok(Some(xaso_web::payment::Gateway::remote(
            Box::new(xaso_domain::payment::Vnpay {
                merchant: Merchant {
                    tmn_code,
                    secret: key,
                },
            }),
            url.clone(),
        )));
    }
    if !config.payment_sandbox.value {
        return Ok(None);
    }
    let derived = xaso_store::files::sha256_hex(&[secret.as_slice(), b"payment-sandbox"].concat());
    tracing::info!("payment gateway: the built-in sandbox (test money)");
    Ok(Some(xaso_web::payment::Gateway::sandbox(Merchant {
        tmn_code: "XASOTHU1".into(),
        secret: derived,
    })))
}
