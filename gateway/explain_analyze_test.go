package gateway

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestExplainAnalyze runs EXPLAIN ANALYZE over the test lake: every plan
// node carries PostgreSQL's "(actual time=a..b rows=n loops=1)", the rows
// agree with what the query returns, and the scan of a day-partitioned
// table filtered on one day reads that day's file and says it skipped the
// others (row groups pruned by their statistics, here the partition value).
func TestExplainAnalyze(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("sluice", "sluice"))
	one := func(sql string) string {
		res := c.ExecParams(ctx, sql, nil, nil, nil, nil).Read()
		if res.Err != nil || len(res.Rows) != 1 {
			t.Fatalf("%s: %v (%d rows)", sql, res.Err, len(res.Rows))
		}
		return string(res.Rows[0][0])
	}
	day := one("SELECT max(dt)::text FROM gold.orders")
	files, _ := strconv.Atoi(one("SELECT count(DISTINCT dt) FROM gold.orders"))
	want := one("SELECT count(*) FROM gold.orders WHERE dt::text = '" + day + "'")
	if files < 2 {
		t.Fatalf("the test lake's gold.orders has %d days; the test needs several", files)
	}

	res := c.ExecParams(ctx, "EXPLAIN ANALYZE SELECT count(*) FROM gold.orders WHERE dt = '"+day+"'", nil, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var lines []string
	for _, r := range res.Rows {
		lines = append(lines, string(r[0]))
	}
	text := strings.Join(lines, "\n")
	actual := regexp.MustCompile(`\(actual time=(\d+\.\d{3})\.\.(\d+\.\d{3}) rows=(\d+) loops=1\)$`)
	var scanRows string
	nodes := 0
	for i, l := range lines {
		if !strings.Contains(l, "Aggregate") && !strings.Contains(l, "Scan ") && !strings.Contains(l, "Filter") && !strings.Contains(l, "Project") {
			continue
		}
		m := actual.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("node line without actual figures: %q\n%s", l, text)
			continue
		}
		nodes++
		start, _ := strconv.ParseFloat(m[1], 64)
		total, _ := strconv.ParseFloat(m[2], 64)
		if start > total {
			t.Errorf("startup after total: %q", l)
		}
		if strings.Contains(l, "Scan gold.orders") {
			scanRows = m[3]
			if i+2 >= len(lines) || strings.TrimSpace(lines[i+1]) != "Files: read=1 skipped="+strconv.Itoa(files-1) ||
				!strings.HasPrefix(strings.TrimSpace(lines[i+2]), "Row Groups: read=") {
				t.Errorf("scan details after %q:\n%s", l, text)
			}
		}
	}
	if nodes < 2 || scanRows != want {
		t.Errorf("scan rows %s, want %s (the day's rows), %d nodes:\n%s", scanRows, want, nodes, text)
	}
	if !strings.Contains(text, "\nRows: 1\n") || !strings.Contains(text, "Execution Time: ") {
		t.Errorf("trailer:\n%s", text)
	}
	if got := one("SELECT count(*) FROM gold.orders WHERE dt = '" + day + "'"); got != want {
		t.Errorf("the pruned scan counts %s rows, the unpruned %s", got, want)
	}

	// A text condition runs inside the scan: the scan node's rows are the
	// kept ones and its details say how many the condition removed.
	status := one("SELECT min(status) FROM gold.orders")
	total, _ := strconv.Atoi(one("SELECT count(*) FROM gold.orders"))
	kept, _ := strconv.Atoi(one("SELECT count(*) FROM gold.orders WHERE status = '" + status + "'"))
	if kept == 0 || kept == total {
		t.Fatalf("status %q keeps %d of %d rows; the test needs a condition that removes some", status, kept, total)
	}
	res = c.ExecParams(ctx, "EXPLAIN ANALYZE SELECT count(*) FROM gold.orders WHERE status = '"+status+"'", nil, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	text = ""
	for _, r := range res.Rows {
		text += string(r[0]) + "\n"
	}
	removed := regexp.MustCompile(`Rows Removed by Scan Filter: (\d+) \(batches tested by dictionary=(\d+), by value=(\d+);`).FindStringSubmatch(text)
	if removed == nil {
		t.Fatalf("no scan filter line:\n%s", text)
	}
	if n, _ := strconv.Atoi(removed[1]); n != total-kept {
		t.Errorf("scan filter removed %d rows, want %d:\n%s", n, total-kept, text)
	}
	if !regexp.MustCompile(`Scan gold\.orders.*rows=` + strconv.Itoa(kept) + ` loops=1\)`).MatchString(text) {
		t.Errorf("scan node does not report the %d kept rows:\n%s", kept, text)
	}
}
