//! Record Access Control Point (0x2A52): the stored-record download, as the Glucose (GLS v1.0.1),
//! Continuous Glucose Monitoring (CGMS v1.0.1) and Pulse Oximeter (PLXS v1.0.1) services define it.
//!
//! A value is op code, operator, operand. Requests: 1 report stored records, 2 delete stored
//! records, 3 abort, 4 report number of stored records. Responses: 5 number of stored records
//! (uint16), 6 response code (request op code, response code value). Operators: 0 null, 1 all,
//! 2 ≤, 3 ≥, 4 within range, 5 first, 6 last record. A filter starts with its type: 1 is the
//! sequence number in GLS and the time offset in CGMS, 2 the user facing time in GLS.

use crate::bytes::{Reader, Writer};
use crate::date_time::DateTime;
use crate::{Error, Result};

/// What the collector asks the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RacpRequest {
    ReportStoredRecords(RacpOperator),
    DeleteStoredRecords(RacpOperator),
    Abort,
    ReportNumberOfStoredRecords(RacpOperator),
}

/// Which records a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RacpOperator {
    All,
    LessOrEqual(RecordFilter),
    GreaterOrEqual(RecordFilter),
    Within(RecordRange),
    First,
    Last,
}

/// One bound of a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordFilter {
    /// GLS filter type 1.
    SequenceNumber(u16),
    /// CGMS filter type 1, in minutes.
    TimeOffset(u16),
    /// GLS filter type 2.
    UserFacingTime(DateTime),
}

/// An inclusive range, both bounds of one filter type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordRange {
    SequenceNumber(u16, u16),
    TimeOffset(u16, u16),
    UserFacingTime(DateTime, DateTime),
}

/// The service a control point belongs to: it decides what filter type 1 means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RacpService {
    /// Glucose and Pulse Oximeter: type 1 is a sequence number, type 2 a user facing time.
    Glucose,
    /// Continuous Glucose Monitoring: type 1 is a time offset.
    ContinuousGlucose,
}

/// What the device answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RacpResponse {
    NumberOfStoredRecords(u16),
    /// The outcome of the request with op code `request_op_code`.
    ResponseCode {
        request_op_code: u8,
        response: ResponseCode,
    },
}

raw_enum! {
    /// RACP response code values; 0 and 10–255 reserved.
    pub enum ResponseCode("RACP response code") {
        Success = 1,
        OpCodeNotSupported = 2,
        InvalidOperator = 3,
        OperatorNotSupported = 4,
        InvalidOperand = 5,
        NoRecordsFound = 6,
        AbortUnsuccessful = 7,
        ProcedureNotCompleted = 8,
        OperandNotSupported = 9,
    }
}

const REPORT: u8 = 1;
const DELETE: u8 = 2;
const ABORT: u8 = 3;
const REPORT_NUMBER: u8 = 4;
const NUMBER_RESPONSE: u8 = 5;
const RESPONSE_CODE: u8 = 6;

impl RacpRequest {
    /// The request op code (what a response code names).
    pub fn op_code(&self) -> u8 {
        match self {
            RacpRequest::ReportStoredRecords(_) => REPORT,
            RacpRequest::DeleteStoredRecords(_) => DELETE,
            RacpRequest::Abort => ABORT,
            RacpRequest::ReportNumberOfStoredRecords(_) => REPORT_NUMBER,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(self.op_code());
        match self {
            RacpRequest::Abort => {
                w.u8(0);
            }
            RacpRequest::ReportStoredRecords(op)
            | RacpRequest::DeleteStoredRecords(op)
            | RacpRequest::ReportNumberOfStoredRecords(op) => op.write(&mut w),
        }
        w.into_vec()
    }

    /// Decodes a request as a device receives it (the simulated peripherals use this).
    pub fn decode(bytes: &[u8], service: RacpService) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let op_code = r.u8()?;
        let request = match op_code {
            ABORT => match r.u8()? {
                0 => RacpRequest::Abort,
                _ => return Err(Error::Malformed("RACP abort takes the null operator")),
            },
            REPORT => RacpRequest::ReportStoredRecords(RacpOperator::read(&mut r, service)?),
            DELETE => RacpRequest::DeleteStoredRecords(RacpOperator::read(&mut r, service)?),
            REPORT_NUMBER => {
                RacpRequest::ReportNumberOfStoredRecords(RacpOperator::read(&mut r, service)?)
            }
            NUMBER_RESPONSE | RESPONSE_CODE => {
                return Err(Error::Malformed(
                    "RACP: a response where a request was expected",
                ))
            }
            other => {
                return Err(Error::Reserved {
                    field: "RACP op code",
                    value: u32::from(other),
                })
            }
        };
        r.finish()?;
        Ok(request)
    }
}

impl RacpOperator {
    fn write(&self, w: &mut Writer) {
        match self {
            RacpOperator::All => {
                w.u8(1);
            }
            RacpOperator::LessOrEqual(f) => {
                w.u8(2);
                f.write(w);
            }
            RacpOperator::GreaterOrEqual(f) => {
                w.u8(3);
                f.write(w);
            }
            RacpOperator::Within(range) => {
                w.u8(4);
                range.write(w);
            }
            RacpOperator::First => {
                w.u8(5);
            }
            RacpOperator::Last => {
                w.u8(6);
            }
        }
    }

    fn read(r: &mut Reader<'_>, service: RacpService) -> Result<Self> {
        Ok(match r.u8()? {
            0 => return Err(Error::Malformed("RACP: this request needs an operator")),
            1 => RacpOperator::All,
            2 => RacpOperator::LessOrEqual(RecordFilter::read(r, service)?),
            3 => RacpOperator::GreaterOrEqual(RecordFilter::read(r, service)?),
            4 => RacpOperator::Within(RecordRange::read(r, service)?),
            5 => RacpOperator::First,
            6 => RacpOperator::Last,
            other => {
                return Err(Error::Reserved {
                    field: "RACP operator",
                    value: u32::from(other),
                })
            }
        })
    }
}

/// Reads a filter type and resolves it for `service`: 1 = sequence number or time offset, 2 = time.
fn filter_type(r: &mut Reader<'_>, service: RacpService) -> Result<u8> {
    let filter_type = r.u8()?;
    match (filter_type, service) {
        (1, _) | (2, RacpService::Glucose) => Ok(filter_type),
        _ => Err(Error::Reserved {
            field: "RACP filter type",
            value: u32::from(filter_type),
        }),
    }
}

impl RecordFilter {
    fn write(&self, w: &mut Writer) {
        match self {
            RecordFilter::SequenceNumber(n) | RecordFilter::TimeOffset(n) => {
                w.u8(1).u16(*n);
            }
            RecordFilter::UserFacingTime(t) => {
                w.u8(2);
                t.write(w);
            }
        }
    }

    fn read(r: &mut Reader<'_>, service: RacpService) -> Result<Self> {
        Ok(match (filter_type(r, service)?, service) {
            (1, RacpService::Glucose) => RecordFilter::SequenceNumber(r.u16()?),
            (1, RacpService::ContinuousGlucose) => RecordFilter::TimeOffset(r.u16()?),
            _ => RecordFilter::UserFacingTime(DateTime::read(r)?),
        })
    }
}

impl RecordRange {
    fn write(&self, w: &mut Writer) {
        match self {
            RecordRange::SequenceNumber(a, b) | RecordRange::TimeOffset(a, b) => {
                w.u8(1).u16(*a).u16(*b);
            }
            RecordRange::UserFacingTime(a, b) => {
                w.u8(2);
                a.write(w);
                b.write(w);
            }
        }
    }

    fn read(r: &mut Reader<'_>, service: RacpService) -> Result<Self> {
        Ok(match (filter_type(r, service)?, service) {
            (1, RacpService::Glucose) => RecordRange::SequenceNumber(r.u16()?, r.u16()?),
            (1, RacpService::ContinuousGlucose) => RecordRange::TimeOffset(r.u16()?, r.u16()?),
            _ => RecordRange::UserFacingTime(DateTime::read(r)?, DateTime::read(r)?),
        })
    }
}

impl RacpResponse {
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let op_code = r.u8()?;
        if matches!(op_code, REPORT | DELETE | ABORT | REPORT_NUMBER) {
            return Err(Error::Malformed(
                "RACP: a request where a response was expected",
            ));
        }
        if op_code != NUMBER_RESPONSE && op_code != RESPONSE_CODE {
            return Err(Error::Reserved {
                field: "RACP op code",
                value: u32::from(op_code),
            });
        }
        if r.u8()? != 0 {
            return Err(Error::Malformed("RACP: a response takes the null operator"));
        }
        let response = match op_code {
            NUMBER_RESPONSE => RacpResponse::NumberOfStoredRecords(r.u16()?),
            _ => RacpResponse::ResponseCode {
                request_op_code: r.u8()?,
                response: ResponseCode::from_raw(r.u8()?)?,
            },
        };
        r.finish()?;
        Ok(response)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            RacpResponse::NumberOfStoredRecords(n) => w.u8(NUMBER_RESPONSE).u8(0).u16(*n),
            RacpResponse::ResponseCode {
                request_op_code,
                response,
            } => w
                .u8(RESPONSE_CODE)
                .u8(0)
                .u8(*request_op_code)
                .u8(response.raw()),
        };
        w.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_encodings() {
        // GLS v1.0.1 / CGMS v1.0.1 Record Access Control Point procedures: op code, operator, operand.
        let check = |request: RacpRequest, bytes: &[u8], service: RacpService| {
            assert_eq!(request.encode(), bytes, "{request:?}");
            assert_eq!(
                RacpRequest::decode(bytes, service),
                Ok(request),
                "{bytes:02x?}"
            );
        };
        use RacpService::*;
        check(
            RacpRequest::ReportStoredRecords(RacpOperator::All),
            &[0x01, 0x01],
            Glucose,
        );
        check(
            RacpRequest::ReportStoredRecords(RacpOperator::GreaterOrEqual(
                RecordFilter::SequenceNumber(0x0102),
            )),
            &[0x01, 0x03, 0x01, 0x02, 0x01],
            Glucose,
        );
        check(
            RacpRequest::ReportStoredRecords(RacpOperator::GreaterOrEqual(
                RecordFilter::TimeOffset(30),
            )),
            &[0x01, 0x03, 0x01, 30, 0],
            ContinuousGlucose,
        );
        check(
            RacpRequest::ReportNumberOfStoredRecords(RacpOperator::All),
            &[0x04, 0x01],
            Glucose,
        );
        check(RacpRequest::Abort, &[0x03, 0x00], Glucose);
        check(
            RacpRequest::DeleteStoredRecords(RacpOperator::All),
            &[0x02, 0x01],
            Glucose,
        );
        check(
            RacpRequest::ReportStoredRecords(RacpOperator::Last),
            &[0x01, 0x06],
            ContinuousGlucose,
        );
        check(
            RacpRequest::ReportStoredRecords(RacpOperator::Within(RecordRange::SequenceNumber(
                12, 412,
            ))),
            &[0x01, 0x04, 0x01, 12, 0, 0x9C, 0x01],
            Glucose,
        );
        let t = DateTime {
            year: 2024,
            month: 1,
            day: 2,
            hours: 3,
            minutes: 4,
            seconds: 5,
        };
        check(
            RacpRequest::ReportStoredRecords(RacpOperator::LessOrEqual(
                RecordFilter::UserFacingTime(t),
            )),
            &[0x01, 0x02, 0x02, 0xE8, 0x07, 1, 2, 3, 4, 5],
            Glucose,
        );
        // Rejections.
        assert_eq!(
            RacpRequest::decode(&[0x01, 0x03, 0x02, 0, 0], ContinuousGlucose),
            Err(Error::Reserved {
                field: "RACP filter type",
                value: 2
            })
        );
        assert_eq!(
            RacpRequest::decode(&[0x01, 0x07], Glucose),
            Err(Error::Reserved {
                field: "RACP operator",
                value: 7
            })
        );
        assert_eq!(
            RacpRequest::decode(&[0x03, 0x01], Glucose),
            Err(Error::Malformed("RACP abort takes the null operator"))
        );
        assert_eq!(
            RacpRequest::decode(&[0x01, 0x01, 0x00], Glucose),
            Err(Error::TrailingBytes(1))
        );
    }

    #[test]
    fn response_vectors() {
        // Bytes from Nordic's Android-BLE-Common-Library RecordAccessControlPointDataCallbackTest.
        let check = |bytes: &[u8], expected: Result<RacpResponse>| {
            assert_eq!(RacpResponse::decode(bytes), expected, "{bytes:02x?}")
        };
        let code = |request_op_code, response| {
            Ok(RacpResponse::ResponseCode {
                request_op_code,
                response,
            })
        };
        check(&[6, 0, 1, 1], code(1, ResponseCode::Success));
        check(&[6, 0, 12, 2], code(12, ResponseCode::OpCodeNotSupported));
        check(&[6, 0, 1, 3], code(1, ResponseCode::InvalidOperator));
        check(&[6, 0, 2, 4], code(2, ResponseCode::OperatorNotSupported));
        check(&[6, 0, 1, 5], code(1, ResponseCode::InvalidOperand));
        check(&[6, 0, 1, 6], code(1, ResponseCode::NoRecordsFound));
        check(&[6, 0, 3, 7], code(3, ResponseCode::AbortUnsuccessful));
        check(&[6, 0, 2, 8], code(2, ResponseCode::ProcedureNotCompleted));
        check(&[6, 0, 2, 9], code(2, ResponseCode::OperandNotSupported));
        check(
            &[6, 0, 1, 10],
            Err(Error::Reserved {
                field: "RACP response code",
                value: 10,
            }),
        );
        check(&[5, 0, 2, 1], Ok(RacpResponse::NumberOfStoredRecords(258)));
        // GLS and CGMS define the count as uint16: Nordic's 1- and 4-byte variants are rejected.
        check(&[5, 0, 1], Err(Error::TooShort { needed: 4, got: 3 }));
        check(&[5, 0, 4, 3, 2, 1], Err(Error::TrailingBytes(2)));
        check(
            &[1, 1],
            Err(Error::Malformed(
                "RACP: a request where a response was expected",
            )),
        );
        check(
            &[6, 1, 1],
            Err(Error::Malformed("RACP: a response takes the null operator")),
        );
        check(
            &[7, 0],
            Err(Error::Reserved {
                field: "RACP op code",
                value: 7,
            }),
        );
        assert_eq!(
            RacpResponse::NumberOfStoredRecords(258).encode(),
            [5, 0, 2, 1]
        );
    }
}
