package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// A table in a form Sluice does not read is 0A000 naming the table, not
// the XX001 "damaged file" that a broken footer gets: the user's fix is
// different (the hint would send them to a file that is fine).
func TestFailedTableErrorKeepsFeatureNotSupported(t *testing.T) {
	for _, loc := range []string{"s3://bucket/t/data/0.parquet", "file://otherhost/t/0.parquet"} {
		_, err := localPath(loc)
		if pgerr.Code(err) != pgerr.FeatureNotSupported {
			t.Fatalf("localPath(%q): %v, want 0A000", loc, err)
		}
		ferr := failedTableError("gold", "orders", err)
		var pe *pgerr.Error
		if !errors.As(ferr, &pe) || pe.Code != pgerr.FeatureNotSupported || !strings.Contains(pe.Message, `"gold.orders"`) || pe.Hint != "" {
			t.Fatalf("failedTableError over %q: %#v, want 0A000 naming gold.orders without the damaged-file hint", loc, ferr)
		}
	}
	if p, err := localPath("file:///lake/t/0.parquet"); err != nil || p != "/lake/t/0.parquet" {
		t.Fatalf("localPath(file:///...) = %q, %v", p, err)
	}
	ferr := failedTableError("gold", "orders", errors.New("parquet: invalid footer"))
	if pgerr.Code(ferr) != "XX001" {
		t.Fatalf("a damaged file: %v, want XX001", ferr)
	}
}
