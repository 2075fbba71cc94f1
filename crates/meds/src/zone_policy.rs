//! Which time zone a medication's wall-clock times are read in when the patient travels.

use jiff::{tz::TimeZone, Timestamp, Zoned};

use crate::{plan, plan::check_window, DoseSchedule, Error, Result, MAX_DOSES};

/// A medication's choice between following the patient's clock and keeping home time.
///
/// `FollowLocal` suits most pills (08:00 is breakfast wherever breakfast is); `HomeZone` suits
/// doses that must keep their interval across a trip (contraceptives, some insulin regimens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZonePolicy {
    /// Plan in the zone the patient is in now.
    FollowLocal,
    /// Plan in this zone wherever the patient is.
    HomeZone(TimeZone),
}

impl ZonePolicy {
    /// The zone to plan in while the patient is in `current`.
    pub fn planning_zone(&self, current: &TimeZone) -> TimeZone {
        match self {
            ZonePolicy::FollowLocal => current.clone(),
            ZonePolicy::HomeZone(home) => home.clone(),
        }
    }
}

/// Where the patient is from `arrival` until the next stay's arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stay {
    pub arrival: Timestamp,
    pub zone: TimeZone,
}

/// The due instants in `[from, until)` for a patient moving through `stays`: each stay's part of
/// the window is planned in the zone `policy` chooses there, and its instants are given in that
/// zone.
///
/// `stays` must be in order of arrival, the first no later than `from`. The same limits as
/// [`plan`] apply to the whole window.
pub fn plan_stays(
    schedule: &DoseSchedule,
    policy: &ZonePolicy,
    stays: &[Stay],
    from: Timestamp,
    until: Timestamp,
) -> Result<Vec<Zoned>> {
    check_window(from, until)?;
    match stays.first() {
        Some(first) if first.arrival <= from => {}
        _ => {
            return Err(Error::InvalidWindow(
                "the first stay must begin no later than the window".into(),
            ))
        }
    }
    if stays
        .windows(2)
        .any(|pair| pair[0].arrival >= pair[1].arrival)
    {
        return Err(Error::InvalidWindow(
            "stays must be in order of arrival".into(),
        ));
    }
    let mut due = Vec::new();
    for (index, stay) in stays.iter().enumerate() {
        let leave = stays.get(index + 1).map_or(until, |next| next.arrival);
        let (start, end) = (stay.arrival.max(from), leave.min(until));
        if start >= end {
            continue;
        }
        due.extend(plan(
            schedule,
            start,
            end,
            &policy.planning_zone(&stay.zone),
        )?);
        if due.len() > MAX_DOSES {
            return Err(Error::TooManyDoses { limit: MAX_DOSES });
        }
    }
    Ok(due)
}

#[cfg(test)]
mod tests {
    use jiff::tz::Offset;

    use super::*;

    #[test]
    fn policy_chooses_the_planning_zone() {
        let home = TimeZone::fixed(Offset::constant(-5));
        let away = TimeZone::fixed(Offset::constant(9));
        assert_eq!(ZonePolicy::FollowLocal.planning_zone(&away), away);
        assert_eq!(
            ZonePolicy::HomeZone(home.clone()).planning_zone(&away),
            home
        );
        assert_eq!(
            ZonePolicy::HomeZone(home.clone()).planning_zone(&home),
            home
        );
    }

    #[test]
    fn stays_must_cover_the_window_in_order() {
        let schedule = DoseSchedule::from_json(r#"{"times": ["08:00"], "start": "2026-01-01"}"#)
            .expect("valid");
        let at = |s: &str| s.parse::<Timestamp>().expect("valid timestamp");
        let stay = |arrival: &str| Stay {
            arrival: at(arrival),
            zone: TimeZone::UTC,
        };
        let (from, until) = (at("2026-01-02T00:00:00Z"), at("2026-01-05T00:00:00Z"));
        let plan =
            |stays: &[Stay]| plan_stays(&schedule, &ZonePolicy::FollowLocal, stays, from, until);
        assert!(plan(&[]).is_err());
        assert!(plan(&[stay("2026-01-03T00:00:00Z")]).is_err());
        assert!(plan(&[stay("2026-01-01T00:00:00Z"), stay("2026-01-01T00:00:00Z")]).is_err());
        // Stays before and after the window are harmless.
        let due = plan(&[
            stay("2025-01-01T00:00:00Z"),
            stay("2026-01-03T00:00:00Z"),
            stay("2027-01-01T00:00:00Z"),
        ])
        .expect("plans");
        assert_eq!(due.len(), 3);
    }
}
