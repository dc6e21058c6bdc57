//! Named points in the delivery path where a test can stop the process, to check that a crash
//! at any of them loses no email and sends none twice. `TIERWISE_PAUSE_AT=<point>` makes the
//! process announce the point on stderr and wait there (to be killed); nothing happens
//! otherwise.

/// Waits at `name` when `TIERWISE_PAUSE_AT` names it (a test kills the process meanwhile).
pub fn point(name: &str) {
    if std::env::var("TIERWISE_PAUSE_AT").is_ok_and(|p| p == name) {
        eprintln!("paused at {name}");
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
}

/// The current time, or `TIERWISE_NOW` (RFC 3339) when set: lets tests pull "on two days" and
/// rerun "next year" against a real server. Used only for pull times and snapshot cut-offs.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    std::env::var("TIERWISE_NOW")
        .ok()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map_or_else(chrono::Utc::now, |t| t.with_timezone(&chrono::Utc))
}

/// Panics at `name` when `TIERWISE_PANIC_AT` names it: lets a test check that a bug in one
/// part (an account's pull, a scheduled run) is contained and recorded as a failure.
pub fn panic_at(name: &str) {
    if std::env::var("TIERWISE_PANIC_AT").is_ok_and(|p| p == name) {
        panic!("injected panic at {name}");
    }
}

/// The message a panic carried.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}
