//! Collation ids (as logged in TABLE_MAP optional metadata and QUERY status variables) to
//! their character sets, for MySQL 5.x–9.x and MariaDB 10.x–11.x.
//!
//! Ids below 256 are shared by both servers (MySQL alone uses 76, 248–250 and 255–323);
//! MariaDB's own ids start at 576 (`*_mysql561_ci`, `*_nopad_*` collations at 1024 + the
//! base id, and the `uca1400` families at 2048 and up, in blocks per character set). The
//! table was built from MySQL's collation list and from a MariaDB 10.11 server's
//! `information_schema.COLLATION_CHARACTER_SET_APPLICABILITY`.

use cdc_model::Charset;

/// The character set of collation `id`, or `None` for an id neither MySQL nor MariaDB
/// defines. Collation 63 is [`Charset::Binary`]; utf8mb4, utf8mb3, latin1 and ascii
/// collations map to their own variants, every other set to [`Charset::Other`] with its
/// MySQL name (`gbk`, `ucs2`, `utf16`, `cp1251`, ...).
///
/// ```
/// use cdc_model::Charset;
/// use cdc_mysql_binlog::charset_for_collation;
/// assert_eq!(charset_for_collation(255), Some(Charset::Utf8mb4)); // utf8mb4_0900_ai_ci
/// assert_eq!(charset_for_collation(33), Some(Charset::Utf8mb3)); // utf8mb3_general_ci
/// assert_eq!(charset_for_collation(63), Some(Charset::Binary));
/// assert_eq!(charset_for_collation(28), Some(Charset::Other("gbk".into())));
/// assert_eq!(charset_for_collation(0), None);
/// ```
pub fn charset_for_collation(id: u32) -> Option<Charset> {
    Some(match charset_name_for_collation(id)? {
        "utf8mb4" => Charset::Utf8mb4,
        "utf8mb3" => Charset::Utf8mb3,
        "latin1" => Charset::Latin1,
        "ascii" => Charset::Ascii,
        "binary" => Charset::Binary,
        other => Charset::Other(other.to_owned()),
    })
}

/// The MySQL name of the character set of collation `id`.
pub(crate) fn charset_name_for_collation(id: u32) -> Option<&'static str> {
    Some(match id {
        45..=46
        | 224..=247
        | 255..=271
        | 273..=275
        | 277..=294
        | 296..=298
        | 300
        | 303..=323
        | 608..=610
        | 1069..=1070
        | 1248
        | 1270
        | 2304..=2471
        | 2488..=2503 => "utf8mb4",
        33
        | 76
        | 83
        | 192..=215
        | 223
        | 576..=578
        | 1057
        | 1107
        | 1216
        | 1238
        | 2048..=2215
        | 2232..=2247 => "utf8mb3",
        5 | 8 | 15 | 31 | 47..=49 | 94 | 1032 | 1071 => "latin1",
        11 | 65 | 1035 | 1089 => "ascii",
        63 => "binary",
        32 | 64 | 1056 | 1088 => "armscii8",
        1 | 84 | 1025 | 1108 => "big5",
        26 | 34 | 44 | 66 | 99 | 1050 | 1090 => "cp1250",
        14 | 23 | 50..=52 | 1074..=1075 => "cp1251",
        57 | 67 | 1081 | 1091 => "cp1256",
        29 | 58..=59 | 1082..=1083 => "cp1257",
        4 | 80 | 1028 | 1104 => "cp850",
        40 | 81 | 1064 | 1105 => "cp852",
        36 | 68 | 1060 | 1092 => "cp866",
        95..=96 | 1119..=1120 => "cp932",
        3 | 69 | 1027 | 1093 => "dec8",
        97..=98 | 1121..=1122 => "eucjpms",
        19 | 85 | 1043 | 1109 => "euckr",
        248..=250 => "gb18030",
        24 | 86 | 1048 | 1110 => "gb2312",
        28 | 87 | 1052 | 1111 => "gbk",
        92..=93 | 1116..=1117 => "geostd8",
        25 | 70 | 1049 | 1094 => "greek",
        16 | 71 | 1040 | 1095 => "hebrew",
        6 | 72 | 1030 | 1096 => "hp8",
        37 | 73 | 1061 | 1097 => "keybcs2",
        7 | 74 | 1031 | 1098 => "koi8r",
        22 | 75 | 1046 | 1099 => "koi8u",
        2 | 9 | 21 | 27 | 77 | 1033 | 1101 => "latin2",
        30 | 78 | 1054 | 1102 => "latin5",
        20 | 41..=42 | 79 | 1065 | 1103 => "latin7",
        38 | 43 | 1062 | 1067 => "macce",
        39 | 53 | 1063 | 1077 => "macroman",
        13 | 88 | 1037 | 1112 => "sjis",
        10 | 82 | 1034 | 1106 => "swe7",
        18 | 89 | 1042 | 1113 => "tis620",
        35
        | 90
        | 128..=151
        | 159
        | 640..=642
        | 1059
        | 1114
        | 1152
        | 1174
        | 2560..=2727
        | 2744..=2759 => "ucs2",
        12 | 91 | 1036 | 1115 => "ujis",
        54..=55 | 101..=124 | 672..=674 | 1078..=1079 | 1125 | 1147 | 2816..=2983 | 3000..=3015 => {
            "utf16"
        }
        56 | 62 | 1080 | 1086 => "utf16le",
        60..=61 | 160..=183 | 736..=738 | 1084..=1085 | 1184 | 1206 | 3072..=3239 | 3256..=3271 => {
            "utf32"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_ids() {
        let cases: &[(u32, &str)] = &[
            (8, "latin1"),    // latin1_swedish_ci
            (47, "latin1"),   // latin1_bin
            (11, "ascii"),    // ascii_general_ci
            (33, "utf8mb3"),  // utf8mb3_general_ci
            (83, "utf8mb3"),  // utf8mb3_bin
            (192, "utf8mb3"), // utf8mb3_unicode_ci
            (76, "utf8mb3"),  // utf8mb3_tolower_ci (MySQL 8)
            (45, "utf8mb4"),  // utf8mb4_general_ci
            (46, "utf8mb4"),  // utf8mb4_bin
            (224, "utf8mb4"), // utf8mb4_unicode_ci
            (255, "utf8mb4"), // utf8mb4_0900_ai_ci
            (309, "utf8mb4"), // utf8mb4_0900_bin
            (323, "utf8mb4"), // utf8mb4_mn_cyrl_0900_as_cs
            (63, "binary"),
            (1, "big5"),
            (28, "gbk"),
            (35, "ucs2"),
            (54, "utf16"),
            (56, "utf16le"),
            (60, "utf32"),
            (51, "cp1251"),
            (24, "gb2312"),
            (248, "gb18030"),
            (13, "sjis"),
            (12, "ujis"),
            (19, "euckr"),
            (95, "cp932"),
            (97, "eucjpms"),
            // MariaDB
            (2304, "utf8mb4"), // utf8mb4_uca1400_ai_ci
            (2048, "utf8mb3"), // utf8mb3_uca1400_ai_ci
            (1070, "utf8mb4"), // utf8mb4_nopad_bin
            (1071, "latin1"),  // latin1_nopad_bin
            (576, "utf8mb3"),  // utf8mb3_croatian_mysql561_ci
            (608, "utf8mb4"),  // utf8mb4_croatian_mysql561_ci
            (2560, "ucs2"),
            (2816, "utf16"),
            (3072, "utf32"),
        ];
        for (id, name) in cases {
            assert_eq!(
                charset_name_for_collation(*id),
                Some(*name),
                "collation {id}"
            );
        }
    }

    #[test]
    fn unknown_ids() {
        for id in [0, 272, 324, 575, 2047, 4000, u32::MAX] {
            assert_eq!(charset_for_collation(id), None, "collation {id}");
        }
    }

    #[test]
    fn variants() {
        assert_eq!(charset_for_collation(8), Some(Charset::Latin1));
        assert_eq!(charset_for_collation(65), Some(Charset::Ascii));
        assert_eq!(charset_for_collation(2304), Some(Charset::Utf8mb4));
        assert_eq!(
            charset_for_collation(95),
            Some(Charset::Other("cp932".to_owned()))
        );
    }
}
