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
}
