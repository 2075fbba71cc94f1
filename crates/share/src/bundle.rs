//! Bundles: `transaction` Bundles for upload, where each entry is a conditional create on Tend's
//! identifier (`ifNoneExist`), so a replay creates nothing new; `collection` Bundles for export;
//! and reading the server's `transaction-response`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::{
    mapping::{device_resource, IDENTIFIER_SYSTEM},
    CareTeam, Error, Result, ShareItem,
};

/// The most entries a transaction Bundle may hold by default: some servers refuse conditional
/// transactions of more than 8.
pub const DEFAULT_MAX_ENTRIES: usize = 8;

/// Splits `items` into groups that each fit one Bundle of at most `max_entries` entries,
/// counting the `Device` entry each group needs once per device. Order is kept.
pub fn plan<'a>(items: &[&'a ShareItem], max_entries: usize) -> Vec<Vec<&'a ShareItem>> {
    let max_entries = max_entries.max(2);
    let mut bundles = Vec::new();
    let mut current: Vec<&ShareItem> = Vec::new();
    let mut devices: Vec<String> = Vec::new();
    for item in items {
        let new_device = item
            .device
            .as_ref()
            .map(|d| d.key())
            .filter(|k| !devices.contains(k));
        let needed = 1 + usize::from(new_device.is_some());
        if !current.is_empty() && current.len() + devices.len() + needed > max_entries {
            bundles.push(std::mem::take(&mut current));
            devices.clear();
        }
        if let Some(device) = item.device.as_ref().map(|d| d.key()) {
            if !devices.contains(&device) {
                devices.push(device);
            }
        }
        current.push(item);
    }
    if !current.is_empty() {
        bundles.push(current);
    }
    bundles
}

/// Where each item of a transaction sits among the Bundle's entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub bundle: Value,
    /// `entry_of[i]` is the index of `items[i]`'s entry.
    pub entry_of: Vec<usize>,
}

/// A transaction Bundle for `team`: each item (and each device they name, once) as a
/// conditional create on Tend's identifier.
pub fn transaction(items: &[&ShareItem], team: &CareTeam) -> Transaction {
    let scope = patient_scope(&team.patient);
    let mut entries = Vec::new();
    let mut device_urls = BTreeMap::new();
    let mut entry_of = Vec::with_capacity(items.len());
    for item in items {
        if let Some(device) = &item.device {
            let key = device.key();
            if let std::collections::btree_map::Entry::Vacant(slot) = device_urls.entry(key) {
                let identifier = format!("{scope}.{}", slot.key());
                let resource = with_identifier(device_resource(device, &team.patient), &identifier);
                let url = full_url(&identifier);
                entries.push(conditional_create(&url, resource, &identifier));
                slot.insert(url);
            }
        }
        let identifier = format!("{scope}.{}", item.key);
        let device_url = item
            .device
            .as_ref()
            .and_then(|d| device_urls.get(&d.key()))
            .map(String::as_str);
        let resource = addressed(item, &identifier, &team.patient, device_url);
        entry_of.push(entries.len());
        entries.push(conditional_create(
            &full_url(&identifier),
            resource,
            &identifier,
        ));
    }
    Transaction {
        bundle: json!({ "resourceType": "Bundle", "type": "transaction", "entry": entries }),
        entry_of,
    }
}

/// A `collection` Bundle of everything in `items`, about the patient `patient` (a `Patient`
/// resource is included and referenced), for export.
pub fn collection(items: &[ShareItem], patient: Value, timestamp: &str) -> Value {
    let patient_url = full_url("patient");
    let mut entries = vec![json!({ "fullUrl": patient_url, "resource": patient })];
    let mut device_urls = BTreeMap::new();
    for item in items {
        if let Some(device) = &item.device {
            let key = device.key();
            if let std::collections::btree_map::Entry::Vacant(slot) = device_urls.entry(key) {
                let url = full_url(slot.key());
                let resource = with_identifier(device_resource(device, &patient_url), slot.key());
                entries.push(json!({ "fullUrl": url, "resource": resource }));
                slot.insert(url);
            }
        }
        let device_url = item
            .device
            .as_ref()
            .and_then(|d| device_urls.get(&d.key()))
            .map(String::as_str);
        entries.push(json!({
            "fullUrl": full_url(&item.key),
            "resource": addressed(item, &item.key, &patient_url, device_url),
        }));
    }
    json!({ "resourceType": "Bundle", "type": "collection", "timestamp": timestamp, "entry": entries })
}

/// How the server answered one entry of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome {
    /// Created, or found already there (a replay): the server holds it.
    Stored,
    /// Refused, with the server's message.
    Refused(String),
}

/// Reads a `transaction-response` Bundle: one outcome per entry.
pub fn read_response(body: &[u8], entries: usize) -> Result<Vec<EntryOutcome>> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| Error::Protocol("the server's answer is not JSON".into()))?;
    if value["resourceType"] != "Bundle" {
        return Err(Error::Protocol(
            "the server did not answer the transaction with a Bundle".into(),
        ));
    }
    let answered = value["entry"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if answered.len() != entries {
        return Err(Error::Protocol(format!(
            "the server answered {} of {entries} entries",
            answered.len()
        )));
    }
    Ok(answered
        .iter()
        .map(|entry| {
            let status = entry["response"]["status"].as_str().unwrap_or("");
            let code: u16 = status
                .split_whitespace()
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            if (200..300).contains(&code) {
                EntryOutcome::Stored
            } else {
                EntryOutcome::Refused(
                    operation_outcome_message(&entry["response"]["outcome"])
                        .unwrap_or_else(|| format!("status {status}")),
                )
            }
        })
        .collect())
}

/// The text of an `OperationOutcome`'s issues, if `value` is one.
pub fn operation_outcome_message(value: &Value) -> Option<String> {
    if value["resourceType"] != "OperationOutcome" {
        return None;
    }
    let texts: Vec<String> = value["issue"]
        .as_array()?
        .iter()
        .filter_map(|issue| {
            issue["diagnostics"]
                .as_str()
                .or_else(|| issue["details"]["text"].as_str())
                .map(str::to_owned)
        })
        .collect();
    (!texts.is_empty()).then(|| texts.join("; "))
}

/// The part of identifiers that keeps two patients on one server apart.
fn patient_scope(patient: &str) -> String {
    patient
        .strip_prefix("Patient/")
        .unwrap_or(patient)
        .to_owned()
}

fn with_identifier(mut resource: Value, value: &str) -> Value {
    resource["identifier"] = json!([{ "system": IDENTIFIER_SYSTEM, "value": value }]);
    resource
}

/// The item's resource with its identifier, subject and device filled in; keys in the order
/// FHIR's JSON examples use, for readable output.
fn addressed(item: &ShareItem, identifier: &str, patient: &str, device_url: Option<&str>) -> Value {
    let mut resource = item.resource.clone();
    resource["identifier"] = json!([{ "system": IDENTIFIER_SYSTEM, "value": identifier }]);
    resource["subject"] = json!({ "reference": patient });
    if let Some(url) = device_url {
        resource["device"] = json!({ "reference": url });
    }
    resource
}

fn conditional_create(full_url: &str, resource: Value, identifier: &str) -> Value {
    let resource_type = resource["resourceType"].as_str().unwrap_or("").to_owned();
    json!({
        "fullUrl": full_url,
        "resource": resource,
        "request": {
            "method": "POST",
            "url": resource_type,
            "ifNoneExist": format!("identifier={IDENTIFIER_SYSTEM}|{identifier}"),
        },
    })
}

/// A `urn:uuid:` derived from `seed` (stable, so a preview prints the same Bundle twice).
fn full_url(seed: &str) -> String {
    let a = crate::mapping::short_hash(seed);
    let b = crate::mapping::short_hash(&format!("{seed}#"));
    format!(
        "urn:uuid:{}-{}-4{}-8{}-{}{}",
        &a[0..8],
        &a[8..12],
        &a[13..16],
        &b[1..4],
        &b[4..12],
        &b[12..16]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{mapping::DeviceInfo, Category, SignIn};

    fn item(key: &str, device: Option<&str>) -> ShareItem {
        ShareItem {
            key: key.into(),
            category: Category::HeartRate,
            measured_at: "2026-03-01T08:00:00Z".parse().expect("timestamp"),
            device: device.map(DeviceInfo::labelled),
            resource: json!({ "resourceType": "Observation", "status": "final" }),
        }
    }

    #[test]
    fn bundles_stay_within_the_entry_limit_counting_devices() {
        let items: Vec<ShareItem> = (0..20)
            .map(|i| item(&format!("k{i}"), Some("strap")))
            .collect();
        let refs: Vec<&ShareItem> = items.iter().collect();
        let planned = plan(&refs, 8);
        assert_eq!(planned.iter().map(Vec::len).collect::<Vec<_>>(), [7, 7, 6]);
        let team = CareTeam::new("Clinic", "http://127.0.0.1:1", "Patient/p1", SignIn::None)
            .expect("team");
        for group in &planned {
            let tx = transaction(group, &team);
            assert!(tx.bundle["entry"].as_array().map_or(0, Vec::len) <= 8);
        }
        let manual: Vec<ShareItem> = (0..9).map(|i| item(&format!("m{i}"), None)).collect();
        let refs: Vec<&ShareItem> = manual.iter().collect();
        assert_eq!(
            plan(&refs, 8).iter().map(Vec::len).collect::<Vec<_>>(),
            [8, 1]
        );
    }

    #[test]
    fn entries_are_conditional_creates_on_tends_identifier() {
        let team = CareTeam::new("Clinic", "http://127.0.0.1:1", "Patient/p1", SignIn::None)
            .expect("team");
        let a = item("hr.1", Some("strap"));
        let tx = transaction(&[&a], &team);
        let entries = tx.bundle["entry"].as_array().expect("entries");
        assert_eq!(entries.len(), 2);
        assert_eq!(tx.entry_of, [1]);
        let obs = &entries[1];
        assert_eq!(
            obs["request"]["ifNoneExist"],
            format!("identifier={IDENTIFIER_SYSTEM}|p1.hr.1")
        );
        assert_eq!(obs["resource"]["identifier"][0]["value"], "p1.hr.1");
        assert_eq!(obs["resource"]["subject"]["reference"], "Patient/p1");
        assert_eq!(
            obs["resource"]["device"]["reference"],
            entries[0]["fullUrl"]
        );
        assert_eq!(entries[0]["resource"]["resourceType"], "Device");
        assert_eq!(transaction(&[&a], &team), tx, "stable");
    }

    #[test]
    fn reads_outcomes_and_operation_outcome_messages() {
        let body = json!({ "resourceType": "Bundle", "type": "transaction-response", "entry": [
            { "response": { "status": "201 Created" } },
            { "response": { "status": "200" } },
            { "response": { "status": "400", "outcome": { "resourceType": "OperationOutcome",
                "issue": [{ "severity": "error", "code": "invalid", "diagnostics": "bad unit" }] } } },
        ] });
        let outcomes = read_response(body.to_string().as_bytes(), 3).expect("read");
        assert_eq!(
            outcomes,
            [
                EntryOutcome::Stored,
                EntryOutcome::Stored,
                EntryOutcome::Refused("bad unit".into())
            ]
        );
        assert!(read_response(b"{}", 1).is_err());
    }
}
