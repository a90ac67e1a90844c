use time::OffsetDateTime;

/// Whole minutes since the Unix epoch, as a credential carries its issue time.
pub(crate) fn to_minutes(t: OffsetDateTime) -> Option<u32> {
    u32::try_from(t.unix_timestamp().div_euclid(60)).ok()
}

/// `None` past the year 9999, which u32 minutes can reach.
pub(crate) fn from_minutes(minutes: u32) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(i64::from(minutes) * 60).ok()
}

/// Whole seconds since the Unix epoch, as a presentation carries its time.
pub(crate) fn to_seconds(t: OffsetDateTime) -> Option<u32> {
    u32::try_from(t.unix_timestamp()).ok()
}

pub(crate) fn from_seconds(seconds: u32) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(i64::from(seconds)).expect("u32 seconds are in range")
}

/// `t` rounded down to its whole minute: the precision of a credential.
pub fn truncate_to_minute(t: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.unix_timestamp().div_euclid(60) * 60)
        .expect("a truncated time is in range")
}

/// `t` rounded down to its whole second: the precision of a presentation.
pub fn truncate_to_second(t: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.unix_timestamp()).expect("a truncated time is in range")
}
