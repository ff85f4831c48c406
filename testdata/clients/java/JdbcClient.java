// JdbcClient drives pgjdbc the way BI tools do (Metabase, Tableau, DBeaver all
// sit on it) and prints what it sees, one fact a line. The Go e2e test runs
// it against Sluice and against a real PostgreSQL holding the same rows and
// diffs the two outputs, so nothing printed here may depend on which server
// answered (no versions, no OIDs of user tables, no timings).
//
// Usage: java -Duser.timezone=UTC -cp postgresql.jar:DIR JdbcClient JDBC_URL USER
//
// What it exercises, as the issue asks:
//   - PreparedStatement with int, text, timestamp, numeric and date
//     parameters executed more than 5 times: pgjdbc's prepareThreshold (5)
//     moves it from the unnamed statement to a named server statement (S_n)
//     with binary results;
//   - setFetchSize with autocommit off: a named portal read 500 rows at a
//     time with Execute(max_rows) and PortalSuspended in between;
//   - setMaxRows: Execute(max_rows=n) on the unnamed portal;
//   - ResultSetMetaData: column names, JDBC types, type names, precision and
//     scale from the typmod in RowDescription;
//   - Connection.isValid, which sends an empty query.
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Properties;

public class JdbcClient {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: JdbcClient JDBC_URL USER [PASSWORD]");
            System.exit(2);
        }
        Properties props = new Properties();
        props.setProperty("user", args[1]);
        if (args.length > 2) {
            props.setProperty("password", args[2]);
        }
        props.setProperty("prepareThreshold", "5");
        // -Dsluice.mode=metadata runs the catalog flows instead (MetadataFlows).
        if ("metadata".equals(System.getProperty("sluice.mode"))) {
            try (Connection conn = DriverManager.getConnection(args[0], props)) {
                MetadataFlows.run(conn);
            }
            System.out.println("done");
            return;
        }
        try (Connection conn = DriverManager.getConnection(args[0], props)) {
            System.out.println("valid: " + conn.isValid(5));
            section(conn, "parameters", () -> parameters(conn));
            section(conn, "lake parameters", () -> lakeParameters(conn));
            section(conn, "rows after threshold", () -> rowsAfterThreshold(conn));
            section(conn, "fetch size", () -> fetchSize(conn));
            section(conn, "max rows", () -> maxRows(conn));
            section(conn, "metadata", () -> metadata(conn));
            section(conn, "metadata type names", () -> metadataTypeNames(conn));
        }
        System.out.println("done");
    }

    interface Section {
        void run() throws Exception;
    }

    // section runs one part and reports its failure in the output instead of
    // ending the program, so one unsupported feature does not hide the
    // results of the others.
    static void section(Connection conn, String name, Section body) throws Exception {
        try {
            body.run();
        } catch (java.sql.SQLException e) {
            System.out.println("section " + name + " failed: SQLSTATE " + e.getSQLState() + ": " + e.getMessage().split("\n")[0]);
            if (!conn.getAutoCommit()) {
                conn.rollback();
                conn.setAutoCommit(true);
            }
        }
    }

    // Parameters of each type the issue names, echoed back through casts.
    // Executions 1-4 use the unnamed statement; from the 5th pgjdbc uses a
    // named server-side statement and asks for binary results.
    static void parameters(Connection conn) throws Exception {
        String sql = "select ?::int4 as i, ?::text as t, ?::timestamp as ts, ?::numeric as n, ?::date as d";
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            for (int i = 0; i < 8; i++) {
                ps.setInt(1, -1000 + i * 333);
                ps.setString(2, "row " + i + " it's \"quoted\" ünïcödé");
                ps.setTimestamp(3, Timestamp.valueOf(LocalDateTime.of(2026, 11, 21, 13, 45, 30, 123456000).plusHours(i * 7)));
                ps.setBigDecimal(4, new BigDecimal("12345.6789").multiply(BigDecimal.valueOf(i - 3)));
                ps.setDate(5, Date.valueOf(LocalDate.of(2026, 2, 27).plusDays(i)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        System.out.println("param " + i + ": " + rs.getInt(1) + " | " + rs.getString(2) + " | "
                                + rs.getTimestamp(3) + " | " + rs.getBigDecimal(4).toPlainString() + " | " + rs.getDate(5));
                    }
                }
                System.out.println("param " + i + " server-prepared: " + ps.unwrap(org.postgresql.PGStatement.class).isUseServerPrepare());
            }
        }
    }

    // The same parameter types used as filters over the lake, with an
    // aggregate result; run 7 times with changing values.
    static void lakeParameters(Connection conn) throws Exception {
        String sql = "select count(*), sum(amount), min(order_id), max(order_id) from gold.orders"
                + " where customer_id > ? and status <> ? and created_at >= ? and amount >= ? and dt <= ?";
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            for (int i = 0; i < 7; i++) {
                ps.setInt(1, i * 50);
                ps.setString(2, i % 2 == 0 ? "cancelled" : "shipped");
                ps.setTimestamp(3, Timestamp.valueOf(LocalDateTime.of(2026, 10, 25, 6, 0).plusDays(i * 2)));
                ps.setBigDecimal(4, new BigDecimal("10.50").add(BigDecimal.valueOf(i * 40)));
                ps.setDate(5, Date.valueOf(LocalDate.of(2026, 11, 20).minusDays(i)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        BigDecimal sum = rs.getBigDecimal(2);
                        System.out.println("lake " + i + ": count=" + rs.getLong(1) + " sum=" + (sum == null ? "null" : sum.toPlainString())
                                + " min=" + rs.getLong(3) + " max=" + rs.getLong(4));
                    }
                }
            }
        }
    }

    // Rows of every gold.orders column, read before and after the switch to
    // a named statement with binary results, so text and binary decoding of
    // int8, int4, text, numeric, timestamptz and date are both checked.
    static void rowsAfterThreshold(Connection conn) throws Exception {
        String sql = "select order_id, customer_id, status, amount, created_at, dt from gold.orders"
                + " where amount >= ? order by order_id limit 3";
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            for (int i = 0; i < 7; i++) {
                ps.setBigDecimal(1, new BigDecimal("100").multiply(BigDecimal.valueOf(i)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        System.out.println("row " + i + ": " + rs.getLong(1) + " | " + rs.getInt(2) + " | " + rs.getString(3)
                                + " | " + rs.getBigDecimal(4).toPlainString() + " | " + rs.getTimestamp(5).toInstant()
                                + " | " + rs.getDate(6) + " | " + rs.getString(5) + " | " + rs.getString(6));
                    }
                }
            }
        }
    }

    // A fetch size only takes effect outside autocommit: pgjdbc then binds a
    // named portal and executes it 500 rows at a time.
    static void fetchSize(Connection conn) throws Exception {
        conn.setAutoCommit(false);
        try (Statement st = conn.createStatement()) {
            st.setFetchSize(500);
            long n = 0, idSum = 0, first = -1, last = -1;
            BigDecimal amountSum = BigDecimal.ZERO;
            try (ResultSet rs = st.executeQuery("select order_id, customer_id, amount, created_at from gold.orders order by order_id")) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    if (first < 0) {
                        first = id;
                    }
                    last = id;
                    idSum += id;
                    amountSum = amountSum.add(rs.getBigDecimal(3));
                    n++;
                }
            }
            System.out.println("fetch: rows=" + n + " first=" + first + " last=" + last + " idsum=" + idSum + " amountsum=" + amountSum.toPlainString());
        }
        // The same through a PreparedStatement with a parameter (a named
        // portal on a bound statement).
        try (PreparedStatement ps = conn.prepareStatement("select order_id, status from gold.orders where order_id > ? order by order_id")) {
            ps.setFetchSize(500);
            ps.setLong(1, 10);
            long n = 0, idSum = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    idSum += rs.getLong(1);
                    n++;
                }
            }
            System.out.println("fetch prepared: rows=" + n + " idsum=" + idSum);
        }
        conn.commit();
        conn.setAutoCommit(true);
    }

    static void maxRows(Connection conn) throws Exception {
        try (Statement st = conn.createStatement()) {
            st.setMaxRows(7);
            StringBuilder ids = new StringBuilder();
            int n = 0;
            try (ResultSet rs = st.executeQuery("select order_id from gold.orders order by order_id desc")) {
                while (rs.next()) {
                    ids.append(' ').append(rs.getLong(1));
                    n++;
                }
            }
            System.out.println("maxrows: rows=" + n + " ids=" + ids);
        }
    }

    static void metadata(Connection conn) throws Exception {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("select order_id, customer_id, status, amount, created_at, dt,"
                     + " amount * 2 as doubled, order_id::text as id_text from gold.orders limit 1")) {
            ResultSetMetaData md = rs.getMetaData();
            for (int c = 1; c <= md.getColumnCount(); c++) {
                System.out.println("meta " + c + ": name=" + md.getColumnName(c) + " label=" + md.getColumnLabel(c)
                        + " type=" + md.getColumnType(c)
                        + " precision=" + md.getPrecision(c) + " scale=" + md.getScale(c)
                        + " class=" + md.getColumnClassName(c) + " displaysize=" + md.getColumnDisplaySize(c));
            }
        }
    }

    // getColumnTypeName asks the server's catalog whether each column is
    // serial (pgjdbc's fetchFieldMetaData: pg_attribute joined with pg_class
    // and pg_attrdef for the table OIDs in RowDescription), as Metabase and
    // DBeaver trigger on every result.
    static void metadataTypeNames(Connection conn) throws Exception {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("select order_id, customer_id, status, amount, created_at, dt,"
                     + " amount * 2 as doubled, order_id::text as id_text from gold.orders limit 1")) {
            ResultSetMetaData md = rs.getMetaData();
            for (int c = 1; c <= md.getColumnCount(); c++) {
                System.out.println("meta " + c + ": typename=" + md.getColumnTypeName(c));
            }
        }
    }

    // MetadataFlows is JdbcClient's metadata mode: the DatabaseMetaData calls BI
    // tools make to learn a database (DBeaver's navigator, Tableau's and
    // Metabase's sync), and Metabase's sync sequence itself, each printed as a
    // text table under a "== name" heading. The Go test runs it against Sluice
    // and against a PostgreSQL holding the same schemas and tables, and compares
    // section by section; nothing printed may depend on which server answered
    // (no OIDs, sizes or row estimates: those are printed as facts about them).
    static class MetadataFlows {
        interface Call {
            ResultSet open() throws Exception;
        }

        static void run(Connection conn) throws Exception {
            DatabaseMetaData md = conn.getMetaData();
            section(conn, "getCatalogs", () -> md.getCatalogs());
            section(conn, "getSchemas", () -> md.getSchemas());
            section(conn, "getSchemas(gold)", () -> md.getSchemas(null, "gold"));
            section(conn, "getTables", () -> md.getTables(null, null, "%", new String[] {"TABLE", "VIEW"}));
            section(conn, "getTables(gold)", () -> md.getTables(null, "gold", "%", null));
            section(conn, "getColumns(gold.orders)", () -> md.getColumns(null, "gold", "orders", "%"));
            section(conn, "getColumns(all)", () -> md.getColumns(null, null, "%", "%"));
            section(conn, "getPrimaryKeys(gold.orders)", () -> md.getPrimaryKeys(null, "gold", "orders"));
            section(conn, "getImportedKeys(gold.orders)", () -> md.getImportedKeys(null, "gold", "orders"));
            section(conn, "getExportedKeys(gold.customers)", () -> md.getExportedKeys(null, "gold", "customers"));
            section(conn, "getIndexInfo(gold.orders)", () -> md.getIndexInfo(null, "gold", "orders", false, true));
            section(conn, "getTypeInfo", () -> md.getTypeInfo());
            section(conn, "getTableTypes", () -> md.getTableTypes());

            // Metabase's sync: the database's tables (getTables per schema), its
            // row-count estimates from pg_stat_user_tables, the privileges of the
            // current user on each table, then per table getColumns,
            // getPrimaryKeys and getImportedKeys.
            section(conn, "metabase: getSchemas", () -> md.getSchemas());
            section(conn, "metabase: estimated row counts", () -> conn.createStatement().executeQuery(
                "SELECT schemaname, relname, n_live_tup IS NOT NULL AS has_estimate "
                + "FROM pg_stat_user_tables WHERE schemaname = 'gold' ORDER BY relname"));
            section(conn, "metabase: table privileges", () -> conn.createStatement().executeQuery(METABASE_PRIVILEGES));
            for (String table : new String[] {"orders", "customers"}) {
                section(conn, "metabase: getColumns(gold." + table + ")", () -> md.getColumns(null, "gold", table, null));
                section(conn, "metabase: getPrimaryKeys(gold." + table + ")", () -> md.getPrimaryKeys(null, "gold", table));
                section(conn, "metabase: getImportedKeys(gold." + table + ")", () -> md.getImportedKeys(null, "gold", table));
            }
        }

        // The table-privileges query Metabase's PostgreSQL driver sends on sync
        // (metabase.driver.postgres, current-user-table-privileges).
        static final String METABASE_PRIVILEGES =
            "with table_privileges as (\n"
            + " select\n"
            + "   NULL as role,\n"
            + "   t.schemaname as schema,\n"
            + "   t.objectname as table,\n"
            + "   pg_catalog.has_any_column_privilege(current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'update') as update,\n"
            + "   pg_catalog.has_any_column_privilege(current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'select') as select,\n"
            + "   pg_catalog.has_any_column_privilege(current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'insert') as insert,\n"
            + "   pg_catalog.has_table_privilege(current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'delete') as delete\n"
            + " from (\n"
            + "   select schemaname, tablename as objectname from pg_catalog.pg_tables\n"
            + "   union\n"
            + "   select schemaname, viewname as objectname from pg_catalog.pg_views\n"
            + "   union\n"
            + "   select schemaname, matviewname as objectname from pg_catalog.pg_matviews\n"
            + " ) t\n"
            + " where t.schemaname !~ '^pg_'\n"
            + "   and t.schemaname <> 'information_schema'\n"
            + "   and pg_catalog.has_schema_privilege(current_user, t.schemaname, 'usage')\n"
            + ")\n"
            + "select t.*\n"
            + "from table_privileges t\n"
            + "order by t.schema, t.table";

        // section prints one result set, or the failure, so that one unsupported
        // call does not hide the others.
        static void section(Connection conn, String name, Call call) throws Exception {
            System.out.println("== " + name);
            try (ResultSet rs = call.open()) {
                print(rs);
            } catch (java.sql.SQLException e) {
                System.out.println("failed: SQLSTATE " + e.getSQLState() + ": " + e.getMessage().split("\n")[0]);
            }
        }

        static void print(ResultSet rs) throws Exception {
            ResultSetMetaData m = rs.getMetaData();
            StringBuilder head = new StringBuilder();
            for (int c = 1; c <= m.getColumnCount(); c++) {
                head.append(c > 1 ? "|" : "").append(m.getColumnLabel(c));
            }
            System.out.println(head);
            int n = 0;
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int c = 1; c <= m.getColumnCount(); c++) {
                    String v = rs.getString(c);
                    // getIndexInfo's CARDINALITY is the index's pg_class.reltuples:
                    // the lake's row count beside PostgreSQL's empty heap, so only
                    // whether there is one is compared (as the corpus does for
                    // reltuples).
                    if (m.getColumnLabel(c).equalsIgnoreCase("cardinality") && v != null) {
                        v = "<row count>";
                    }
                    row.append(c > 1 ? "|" : "").append(v);
                }
                System.out.println(row);
                n++;
            }
            System.out.println("(" + n + " rows)");
        }
    }
}
