"""Drive SQLAlchemy's inspector the way Superset does, and print what it sees.

Superset's "add dataset" reflects the database (schema names, table and view
names, then per table its columns, primary key, foreign keys, indexes and
comment) and previews the table with SELECT ... LIMIT 100. Each call is
printed under a "== name" heading; the Go e2e test runs this against Sluice
and against a PostgreSQL holding the same schemas and tables and compares
section by section, so nothing printed may depend on which server answered.

Usage: /usr/bin/python3 sqlalchemy_client.py HOST PORT USER DBNAME
(Debian's python3, which has python3-sqlalchemy and python3-psycopg2.)
"""

import sys

import sqlalchemy
from sqlalchemy import inspect, text


def section(name, call):
    print("== " + name)
    try:
        result = call()
    except sqlalchemy.exc.DBAPIError as e:
        print("failed: %s %s" % (getattr(e.orig, "pgcode", None), str(e.orig).splitlines()[0] if str(e.orig) else ""))
        return
    except Exception as e:  # a reflection bug on odd catalog rows
        print("failed: %s %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
        return
    if isinstance(result, list):
        for item in result:
            print(show(item))
        print("(%d items)" % len(result))
    else:
        print(show(result))


def show(v):
    if isinstance(v, dict):
        return "{" + ", ".join("%s: %s" % (k, show(v[k])) for k in sorted(v)) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(show(x) for x in v) + "]"
    return repr(v) if not hasattr(v, "compile") else str(v)


def main():
    host, port, user, dbname = sys.argv[1:5]
    engine = sqlalchemy.create_engine(
        "postgresql+psycopg2://%s@%s:%s/%s" % (user, host, port, dbname))
    with engine.connect() as conn:
        insp = inspect(conn)
        section("get_schema_names", insp.get_schema_names)
        for schema in ("gold", "raw", "silver"):
            section("get_table_names(%s)" % schema, lambda: insp.get_table_names(schema=schema))
            section("get_view_names(%s)" % schema, lambda: insp.get_view_names(schema=schema))
        for schema, table in (("gold", "orders"), ("gold", "customers")):
            name = "%s.%s" % (schema, table)
            section("get_columns(%s)" % name, lambda: insp.get_columns(table, schema=schema))
            section("get_pk_constraint(%s)" % name, lambda: insp.get_pk_constraint(table, schema=schema))
            section("get_foreign_keys(%s)" % name, lambda: insp.get_foreign_keys(table, schema=schema))
            section("get_indexes(%s)" % name, lambda: insp.get_indexes(table, schema=schema))
            section("get_table_comment(%s)" % name, lambda: insp.get_table_comment(table, schema=schema))

    # Superset's dataset creation: a fresh connection reflects the table and
    # previews it; the preview's column names and types and its row count
    # are printed (the oracle holds no rows, so the rows themselves are not).
    with engine.connect() as conn:
        insp = inspect(conn)
        section("superset: get_columns(gold.orders)", lambda: insp.get_columns("orders", schema="gold"))
        section("superset: get_pk_constraint(gold.orders)", lambda: insp.get_pk_constraint("orders", schema="gold"))
        section("superset: get_foreign_keys(gold.orders)", lambda: insp.get_foreign_keys("orders", schema="gold"))
        section("superset: get_indexes(gold.orders)", lambda: insp.get_indexes("orders", schema="gold"))

        def preview():
            result = conn.execute(text("SELECT * FROM gold.orders LIMIT 100"))
            cols = [(d[0], d[1]) for d in result.cursor.description]
            rows = result.fetchall()
            return ["columns %s" % cols, "rows <= 100: %s" % (len(rows) <= 100)]
        section("superset: SELECT * FROM gold.orders LIMIT 100", preview)
    print("done")


if __name__ == "__main__":
    main()
