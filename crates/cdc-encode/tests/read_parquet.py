"""Reads Parquet files with pyarrow and with duckdb, independently, and prints what each saw
as JSON: {"pyarrow": [file...], "duckdb": [file...]}, each file {"columns": [...], "rows": [...]}.

Values are normalised so that nothing is lost on the way to JSON: decimals as their exact
string, floats as the hex of their IEEE double bits, binary as hex, timestamps as integer
microseconds since 1970 and dates as integer days since 1970.
"""
import decimal
import json
import struct
import sys

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq


def norm(v):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return struct.pack(">d", v).hex()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    raise TypeError(f"unexpected {type(v)}: {v!r}")


def with_pyarrow(path):
    table = pq.read_table(path)
    cols = []
    for field, col in zip(table.schema, table.columns):
        if pa.types.is_timestamp(field.type):
            col = col.cast(pa.int64())
        elif pa.types.is_date32(field.type):
            col = col.cast(pa.int32())
        cols.append(col.to_pylist())
    rows = [[norm(c[i]) for c in cols] for i in range(table.num_rows)]
    return {"columns": table.schema.names, "rows": rows}


def with_duckdb(path):
    con = duckdb.connect()
    src = f"read_parquet('{path}')"
    described = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
    select = []
    for name, typ, *_ in described:
        q = '"' + name.replace('"', '""') + '"'
        if typ.startswith("TIMESTAMP"):
            select.append(f"epoch_us({q})")
        elif typ == "DATE":
            select.append(f"({q} - DATE '1970-01-01')")
        else:
            select.append(q)
    rows = con.execute(f"SELECT {', '.join(select)} FROM {src}").fetchall()
    return {"columns": [d[0] for d in described], "rows": [[norm(v) for v in r] for r in rows]}


paths = sys.argv[1:]
print(json.dumps({"pyarrow": [with_pyarrow(p) for p in paths],
                  "duckdb": [with_duckdb(p) for p in paths]}))
