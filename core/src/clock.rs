use time::OffsetDateTime;

/// Where the app reads the time. Tests move it; apps use [`SystemClock`].
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The device's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}
