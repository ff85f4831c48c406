package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestExtensionFooter(t *testing.T) {
	f := extensionFooter("linux_amd64", "v1.5.5")
	if len(f) != 534 {
		t.Fatalf("footer is %d bytes, DuckDB reads 534", len(f))
	}
	if !bytes.HasPrefix(f, append([]byte{0, 0x93, 4, 0x10}, "duckdb_signature\x80\x04"...)) {
		t.Fatalf("footer header: % x", f[:22])
	}
	// The fields are stored last first: the metadata version "4" is the
	// eighth 32-byte field, the platform the seventh.
	field := func(i int) string { return string(bytes.TrimRight(f[22+32*i:22+32*(i+1)], "\x00")) }
	for i, want := range []string{"", "", "", "CPP", "v1.5.5", "v1.5.5", "linux_amd64", "4"} {
		if got := field(i); got != want {
			t.Errorf("field %d: %q, want %q", i, got, want)
		}
	}
	if !bytes.Equal(f[278:], make([]byte, 256)) {
		t.Errorf("the signature of an unsigned extension must be empty")
	}
}

// TestGenerate builds the tpch extension for real, generates SF 0.01 and
// checks the lake: the row counts TPC-H fixes for that scale factor, as
// read back from the Parquet files, and that a second generation into
// another directory writes the same bytes.
func TestGenerate(t *testing.T) {
	ctx := context.Background()
	cache := t.TempDir()
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		if err := generate(ctx, d, 0.01, cache, t.Logf); err != nil {
			t.Fatalf("generate: %v", err)
		}
	}
	if sf, ok, err := lakeScale(dirs[0]); err != nil || !ok || sf != 0.01 {
		t.Fatalf("lakeScale: %v %v %v", sf, ok, err)
	}
	// Generating again is a no-op; another scale factor is refused.
	if err := generate(ctx, dirs[0], 0.01, cache, t.Logf); err != nil {
		t.Errorf("second generate: %v", err)
	}
	if err := generate(ctx, dirs[0], 0.1, cache, t.Logf); err == nil {
		t.Errorf("generate SF 0.1 over SF 0.01: no error")
	}

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]int64{
		"region": 5, "nation": 25, "supplier": 100, "customer": 1500,
		"part": 2000, "partsupp": 8000, "orders": 15000,
	}
	for _, tb := range tables {
		paths := make([][]byte, 2)
		for i, d := range dirs {
			p := filepath.Join(d, schemaName, tb, "part-0.parquet")
			if paths[i], err = os.ReadFile(p); err != nil {
				t.Fatalf("%s: %v", tb, err)
			}
		}
		if !bytes.Equal(paths[0], paths[1]) {
			t.Errorf("%s: two generations differ", tb)
		}
		var n int64
		q := fmt.Sprintf("SELECT count(*) FROM read_parquet(%s)", quoteString(filepath.Join(dirs[0], schemaName, tb, "*.parquet")))
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		if w, ok := want[tb]; ok && n != w {
			t.Errorf("%s: %d rows, TPC-H SF 0.01 has %d", tb, n, w)
		}
		if tb == "lineitem" && (n < 55000 || n > 65000) {
			t.Errorf("lineitem: %d rows, SF 0.01 has about 60,000", n)
		}
	}
}

func TestQueries(t *testing.T) {
	all, err := parseQueryList("all")
	if err != nil || len(all) != 22 {
		t.Fatalf("all: %v %v", all, err)
	}
	for _, n := range all {
		q, err := queryText(n)
		if err != nil || len(q) < 50 {
			t.Errorf("Q%d: %q %v", n, q, err)
		}
	}
	got, err := parseQueryList("6, q1,6,3")
	if err != nil || fmt.Sprint(got) != "[6 1 3]" {
		t.Errorf("parseQueryList: %v %v", got, err)
	}
	for _, bad := range []string{"0", "23", "x", "1,,2"} {
		if _, err := parseQueryList(bad); err == nil {
			t.Errorf("parseQueryList(%q): no error", bad)
		}
	}
	if m := median([]float64{5, 1, 3}); m != 3 {
		t.Errorf("median odd: %v", m)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median even: %v", m)
	}
	if g := geomean([]float64{2, 8}); g < 3.999999 || g > 4.000001 {
		t.Errorf("geomean(2, 8) = %v", g)
	}
}
