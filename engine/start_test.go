package engine

import (
	"context"
	"testing"
	"time"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// pg_postmaster_start_time() is the engine's own start, the same for every
// statement it runs, and not the statement's.
func TestPostmasterStartTimeIsTheEngines(t *testing.T) {
	e := New()
	time.Sleep(5 * time.Millisecond)
	call := &plan.Call{Func: "pg_postmaster_start_time", Op: "pg_postmaster_start_time", Typ: pgtype.Timestamptz}
	root := &plan.Project{Input: &plan.Values{Rows: [][]plan.Expr{{}}}, Exprs: []plan.Expr{call},
		Cols: []plan.Column{{Name: "pg_postmaster_start_time", Type: pgtype.Timestamptz}}}
	read := func() pgtype.TimestampValue {
		st, err := e.Execute(context.Background(), root, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		b, err := st.Next(context.Background())
		if err != nil || b == nil {
			t.Fatalf("batch %v, %v", b, err)
		}
		defer b.Release()
		return pgtype.DatumAt(pgtype.Timestamptz, b.Column(0), 0).(pgtype.TimestampValue)
	}
	first, second := read(), read()
	if first != second || first != pgtype.TimestampValue(e.started.UnixMicro()) {
		t.Fatalf("start times %d, %d; engine started %d", first, second, e.started.UnixMicro())
	}
	if time.Since(time.UnixMicro(int64(first))) < 5*time.Millisecond {
		t.Fatalf("start time %v is the statement's, not the engine's", time.UnixMicro(int64(first)))
	}
}
