//! Travel across zones under both policies: follow the local clock, or keep the home zone.

use tend_meds::{plan_stays, Stay, ZonePolicy};

use crate::{rfc3339, schedule, ts, zone};

/// The due instants, as `tend meds plan` prints them, of a trip under `policy`.
fn trip(
    policy: &ZonePolicy,
    stays: &[(&str, &str)],
    from: &str,
    until: &str,
    times: &str,
) -> Vec<String> {
    let stays: Vec<Stay> = stays
        .iter()
        .map(|(arrival, name)| Stay {
            arrival: ts(arrival),
            zone: zone(name),
        })
        .collect();
    let json = format!(r#"{{"times": {times}, "start": "2026-01-01"}}"#);
    plan_stays(&schedule(&json), policy, &stays, ts(from), ts(until))
        .expect("plans")
        .iter()
        .map(rfc3339)
        .collect()
}

/// New York to Berlin, landing at 08:00 local on 11 June 2026: six hours ahead.
const TO_BERLIN: &[(&str, &str)] = &[
    ("2026-06-01T00:00:00-04:00", "America/New_York"),
    ("2026-06-11T08:00:00+02:00", "Europe/Berlin"),
];

#[test]
fn eastward_following_local_time() {
    assert_eq!(
        trip(
            &ZonePolicy::FollowLocal,
            TO_BERLIN,
            "2026-06-10T00:00:00-04:00",
            "2026-06-13T00:00:00+02:00",
            r#"["08:00", "20:00"]"#,
        ),
        [
            "2026-06-10T08:00:00-04:00",
            "2026-06-10T20:00:00-04:00",
            // Landing at 08:00 is inside the Berlin stay: the dose is due on arrival, six hours
            // after the last one at home.
            "2026-06-11T08:00:00+02:00",
            "2026-06-11T20:00:00+02:00",
            "2026-06-12T08:00:00+02:00",
            "2026-06-12T20:00:00+02:00",
        ]
    );
}

#[test]
fn eastward_keeping_home_time() {
    let due = trip(
        &ZonePolicy::HomeZone(zone("America/New_York")),
        TO_BERLIN,
        "2026-06-10T00:00:00-04:00",
        "2026-06-13T00:00:00+02:00",
        r#"["08:00", "20:00"]"#,
    );
    assert_eq!(
        due,
        [
            "2026-06-10T08:00:00-04:00",
            "2026-06-10T20:00:00-04:00",
            "2026-06-11T08:00:00-04:00",
            "2026-06-11T20:00:00-04:00",
            "2026-06-12T08:00:00-04:00",
        ]
    );
    // Twelve hours apart throughout; on a Berlin clock the morning dose comes at 14:00.
    let berlin = ts(&due[2]).to_zoned(zone("Europe/Berlin"));
    assert_eq!(rfc3339(&berlin), "2026-06-11T14:00:00+02:00");
}

/// London to Sydney across both of their clock changes: London springs forward on 29 March,
/// the flight lands at 21:00 Sydney time on 31 March, and Sydney falls back on 5 April.
const TO_SYDNEY: &[(&str, &str)] = &[
    ("2026-03-01T00:00:00Z", "Europe/London"),
    ("2026-03-31T21:00:00+11:00", "Australia/Sydney"),
];

#[test]
fn across_hemispheres_following_local_time() {
    assert_eq!(
        trip(
            &ZonePolicy::FollowLocal,
            TO_SYDNEY,
            "2026-03-29T00:00:00Z",
            "2026-04-06T00:00:00Z",
            r#"["09:00"]"#,
        ),
        [
            "2026-03-29T09:00:00+01:00",
            "2026-03-30T09:00:00+01:00",
            "2026-03-31T09:00:00+01:00",
            // Sydney's 31 March 09:00 had passed before landing: the next dose is 1 April's.
            "2026-04-01T09:00:00+11:00",
            "2026-04-02T09:00:00+11:00",
            "2026-04-03T09:00:00+11:00",
            "2026-04-04T09:00:00+11:00",
            "2026-04-05T09:00:00+10:00",
            "2026-04-06T09:00:00+10:00",
        ]
    );
}

#[test]
fn across_hemispheres_keeping_home_time() {
    let due = trip(
        &ZonePolicy::HomeZone(zone("Europe/London")),
        TO_SYDNEY,
        "2026-03-29T00:00:00Z",
        "2026-04-06T00:00:00Z",
        r#"["09:00"]"#,
    );
    assert_eq!(
        due,
        [
            "2026-03-29T09:00:00+01:00",
            "2026-03-30T09:00:00+01:00",
            "2026-03-31T09:00:00+01:00",
            "2026-04-01T09:00:00+01:00",
            "2026-04-02T09:00:00+01:00",
            "2026-04-03T09:00:00+01:00",
            "2026-04-04T09:00:00+01:00",
            "2026-04-05T09:00:00+01:00",
        ]
    );
    // On a Sydney clock, home time's 09:00 moves from 19:00 to 18:00 when Sydney falls back.
    let sydney = |text: &str| rfc3339(&ts(text).to_zoned(zone("Australia/Sydney")));
    assert_eq!(sydney(&due[6]), "2026-04-04T19:00:00+11:00");
    assert_eq!(sydney(&due[7]), "2026-04-05T18:00:00+10:00");
}

#[test]
fn the_policy_picks_the_zone_for_a_plain_plan() {
    let (home, away) = (zone("America/New_York"), zone("Asia/Kolkata"));
    assert_eq!(ZonePolicy::FollowLocal.planning_zone(&away), away);
    assert_eq!(
        ZonePolicy::HomeZone(home.clone()).planning_zone(&away),
        home
    );
}
