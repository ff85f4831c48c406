"""Drive psycopg2 the way Superset and notebooks do, and print what it sees.

psycopg2 speaks only the simple query protocol: it inlines parameters as
literals and, outside autocommit, wraps everything in BEGIN ... ROLLBACK (or
COMMIT). A named cursor becomes DECLARE ... CURSOR WITHOUT HOLD FOR ... and
FETCH FORWARD itersize FROM it.

The Go e2e test runs this against Sluice and against a real PostgreSQL holding
the same rows and diffs the outputs, so nothing printed may depend on which
server answered.

Usage: /usr/bin/python3 psycopg2_client.py HOST PORT USER DBNAME
(Debian's python3, which has python3-psycopg2; a pyenv python does not.)
"""

import datetime
import decimal
import sys

import psycopg2


def main():
    host, port, user, dbname = sys.argv[1:5]
    conn = psycopg2.connect(host=host, port=int(port), user=user, dbname=dbname)
    try:
        for part in (literals, arrays, lake, named_cursor, error_then_usable):
            # One unsupported feature is reported and the rest still run.
            try:
                part(conn)
            except psycopg2.Error as e:
                print("%s failed: %s %s" % (part.__name__, e.pgcode, str(e).splitlines()[0] if str(e) else ""))
                conn.rollback()
    finally:
        conn.close()
    print("done")


def literals(conn):
    """Each parameter type psycopg2 inlines, inside its implicit BEGIN."""
    cur = conn.cursor()
    params = (
        42,
        -9007199254740993,
        "it's a \\ backslash and ünïcödé",
        decimal.Decimal("-12345.678900"),
        2.5,
        True,
        None,
        datetime.date(2026, 11, 21),
        datetime.datetime(2026, 11, 21, 13, 45, 30, 123456),
        datetime.datetime(2026, 11, 21, 13, 45, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        datetime.time(23, 59, 58, 999999),
        datetime.timedelta(days=3, hours=4, microseconds=5),
        psycopg2.Binary(b"\x00\x01\xfe\xff"),
    )
    cur.execute(
        "select %s::int4, %s::int8, %s::text, %s::numeric, %s::float8, %s::bool, %s::text,"
        " %s::date, %s::timestamp, %s::timestamptz, %s::time, %s::interval, %s::bytea",
        params,
    )
    print("query:", cur.query.decode())
    print("types:", [d.type_code for d in cur.description])
    row = cur.fetchone()
    print("row:", [bytes(v) if isinstance(v, memoryview) else v for v in row])
    print("status before rollback:", conn.get_transaction_status())
    conn.rollback()
    print("status after rollback:", conn.get_transaction_status())


def arrays(conn):
    """Python lists become ARRAY[...] constructors."""
    cur = conn.cursor()
    cur.execute("select %s::int4[], %s::text[]", ([1, 2, 3], ["a", "b c", None]))
    print("arrays:", cur.fetchone())
    conn.rollback()


def lake(conn):
    cur = conn.cursor()
    cur.execute(
        "select order_id, customer_id, status, amount, created_at, dt from gold.orders"
        " where amount > %s and dt >= %s and status in %s order by order_id limit 5",
        (decimal.Decimal("100.00"), datetime.date(2026, 11, 15), ("paid", "shipped")),
    )
    print("query:", cur.query.decode())
    print("names:", [d.name for d in cur.description])
    print("types:", [d.type_code for d in cur.description])
    for row in cur.fetchall():
        print("lake:", row)
    cur.execute("select count(*), sum(amount), min(created_at), max(dt) from gold.orders where status = %s", ("paid",))
    print("agg:", cur.fetchone())
    conn.rollback()


def named_cursor(conn):
    with conn.cursor(name="sluice_big") as cur:
        cur.itersize = 1000
        cur.execute("select order_id, amount, status from gold.orders order by order_id")
        n = 0
        ids = 0
        amounts = decimal.Decimal(0)
        first = last = None
        for order_id, amount, _status in cur:
            if first is None:
                first = order_id
            last = order_id
            n += 1
            ids += order_id
            amounts += amount
        print("named cursor: rows=%d first=%s last=%s idsum=%d amountsum=%s" % (n, first, last, ids, amounts))
    conn.commit()


def error_then_usable(conn):
    cur = conn.cursor()
    try:
        cur.execute("select 1/0")
    except psycopg2.Error as e:
        print("error:", e.pgcode)
    try:
        cur.execute("select 1")
    except psycopg2.Error as e:
        print("in failed transaction:", e.pgcode)
    conn.rollback()
    cur.execute("select 'usable'")
    print("after rollback:", cur.fetchone())
    conn.rollback()


if __name__ == "__main__":
    main()
