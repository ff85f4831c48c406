package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// duckRow runs q on a real DuckDB and returns its one row as the driver
// gives it, so the comparison is tested against the values it will meet.
func duckRow(t *testing.T, q string) []any {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := duckQuery(context.Background(), db, q, 0x7fffffff, true)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if len(rows) != 1 {
		t.Fatalf("%s: %d rows", q, len(rows))
	}
	return rows[0]
}

func strs(vals ...string) []*string {
	out := make([]*string, len(vals))
	for i, v := range vals {
		if v != "NULL" {
			out[i] = &vals[i]
		}
	}
	return out
}

func TestCompareDuckDBValues(t *testing.T) {
	// The types TPC-H answers come in: sums and products of DECIMAL(15,2),
	// counts, extract(year), DOUBLE from decimal division, dates, strings.
	duck := duckRow(t, `SELECT 123141078.2283::DECIMAL(38,4), -0.05::DECIMAL(15,2), 0.00::DECIMAL(15,2),
		count(*), extract(year FROM DATE '1995-03-15'), sum(x)::HUGEINT,
		1::DECIMAL(15,2) / 3::DECIMAL(15,2), DATE '1995-03-15', 'BUILDING', NULL::INTEGER
		FROM (VALUES (1), (2)) v(x)`)
	same := strs("123141078.2283", "-0.05", "0.00", "2", "1995", "3",
		"0.33333333333333333333", "1995-03-15", "BUILDING", "NULL")
	if err := compareResults([][]any{duck}, [][]*string{same}); err != nil {
		t.Fatalf("equal values reported different: %v", err)
	}

	// Each of these differs from the row above in one place, and must be
	// caught there.
	differ := []struct {
		col int
		val string
	}{
		{0, "123141078.228"},  // same value, scale 3: PostgreSQL would show it so only if wrong
		{0, "123141078.2284"}, // last digit
		{1, "-.05"},           // not as PostgreSQL shows it
		{2, "0"},              // scale lost
		{3, "3"},
		{4, "1995.0"},
		{6, "0.3333333"}, // a float-sized rounding, far above DuckDB's
		{7, "1995-03-16"},
		{8, "BUILDING "},
		{9, "0"},
		{9, ""},
	}
	for _, d := range differ {
		row := strs("123141078.2283", "-0.05", "0.00", "2", "1995", "3",
			"0.33333333333333333333", "1995-03-15", "BUILDING", "NULL")
		v := d.val
		row[d.col] = &v
		err := compareResults([][]any{duck}, [][]*string{row})
		if err == nil {
			t.Errorf("column %d as %q: reported equal", d.col+1, d.val)
			continue
		}
		if want := fmt.Sprintf("column %d:", d.col+1); !strings.Contains(err.Error(), want) {
			t.Errorf("column %d as %q: error names the wrong place: %v", d.col+1, d.val, err)
		}
	}
	row := strs("123141078.2283", "-0.05", "0.00", "2", "1995", "3",
		"0.33333333333333333333", "1995-03-15", "BUILDING", "NULL")
	row[3] = nil
	if err := compareResults([][]any{duck}, [][]*string{row}); err == nil {
		t.Errorf("NULL against DuckDB's 2: reported equal")
	}
}

func TestCompareShapes(t *testing.T) {
	duck := [][]any{{int64(1)}, {int64(2)}}
	if err := compareResults(duck, [][]*string{strs("1")}); err == nil || !strings.Contains(err.Error(), "1 rows, DuckDB returned 2") {
		t.Errorf("missing row: %v", err)
	}
	if err := compareResults(duck, [][]*string{strs("1", "x"), strs("2", "y")}); err == nil || !strings.Contains(err.Error(), "2 columns") {
		t.Errorf("extra column: %v", err)
	}
	// Order matters: the queries order their rows.
	if err := compareResults(duck, [][]*string{strs("2"), strs("1")}); err == nil {
		t.Errorf("rows in another order: reported equal")
	}
}
