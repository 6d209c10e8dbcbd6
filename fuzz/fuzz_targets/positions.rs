//! Every text parser of cdc-model: never panics, and what parses prints back to a string that
//! parses to the same value.
#![no_main]

use cdc_model::{
    BinlogPosition, Date, DateTime, Decimal, GtidSet, Lsn, MariaGtidPosition, SourcePosition,
    Time, Timestamp,
};
use libfuzzer_sys::fuzz_target;

fn round_trip<T>(s: &str)
where
    T: std::str::FromStr + std::fmt::Display + PartialEq + std::fmt::Debug,
{
    if let Ok(v) = s.parse::<T>() {
        let printed = v.to_string();
        match printed.parse::<T>() {
            Ok(back) => assert_eq!(back, v, "{s:?} printed as {printed:?}"),
            Err(_) => panic!("{s:?} parsed, but its printed form {printed:?} did not"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    round_trip::<SourcePosition>(s);
    round_trip::<GtidSet>(s);
    round_trip::<MariaGtidPosition>(s);
    round_trip::<BinlogPosition>(s);
    round_trip::<Lsn>(s);
    round_trip::<Decimal>(s);
    round_trip::<Date>(s);
    round_trip::<Time>(s);
    round_trip::<DateTime>(s);
    round_trip::<Timestamp>(s);
});
