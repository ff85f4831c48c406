package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// explainAnalyze runs a query for EXPLAIN ANALYZE, through the same seam
// as any query (cache, route), with the engine measuring every operator,
// and renders the plan in PostgreSQL's shape: each node with "(actual
// time=startup..total rows=n loops=1)", scans with the files and row
// groups read and skipped, then the execution time. A node the engine
// never ran says "(never executed)", as PostgreSQL's do: all of them when
// the answer came from the result cache or a Trino tier (the Route and
// Cache lines above say which).
func (s *Session) explainAnalyze(ctx context.Context, b *planner.Bound, params []pgtype.Datum) ([]string, error) {
	an := engine.NewAnalysis()
	start := time.Now()
	stream, err := s.open(ctx, b, params, append(s.execOptions(), engine.WithAnalysis(an)))
	if err != nil {
		return nil, err
	}
	var rows int64
	for {
		rec, err := stream.Next(ctx)
		if err != nil {
			stream.Close()
			return nil, err
		}
		if rec == nil {
			break
		}
		rows += rec.NumRows()
		rec.Release()
	}
	stream.Close()
	total := time.Since(start)
	lines := plan.ExplainAnnotated(b.Root, func(n plan.Node) (string, []string) {
		return analyzeNode(an.Stats(n))
	})
	return append(lines, fmt.Sprintf("Rows: %d", rows), fmt.Sprintf("Execution Time: %s ms", millis(total))), nil
}

// analyzeNode is one node's suffix and detail lines.
func analyzeNode(st *engine.NodeStats) (string, []string) {
	if st == nil || st.Loops == 0 {
		return "  (never executed)", nil
	}
	suffix := fmt.Sprintf("  (actual time=%s..%s rows=%d loops=%d)", millis(st.Startup), millis(st.Total), st.Rows, st.Loops)
	if !st.Scan {
		return suffix, nil
	}
	details := []string{
		fmt.Sprintf("Files: read=%d skipped=%d", st.Files, st.FilesSkipped),
		fmt.Sprintf("Row Groups: read=%d skipped=%d", st.RowGroups, st.RowGroupsSkipped),
	}
	// The text conditions the scan tests inside the reader (on Parquet
	// dictionaries where it can, engine/scan_filter.go) drop rows before
	// the node counts them; say how many, and how the batches were tested,
	// since a dictionary test is what makes such a filter cheap.
	sf := &st.ScanFilter
	if dict, vals := sf.DictionaryBatches.Load(), sf.ValueBatches.Load(); dict+vals > 0 || sf.RowGroupsSkipped.Load() > 0 {
		details = append(details, fmt.Sprintf("Rows Removed by Scan Filter: %d (batches tested by dictionary=%d, by value=%d; row groups skipped=%d)",
			sf.RowsRemoved.Load(), dict, vals, sf.RowGroupsSkipped.Load()))
	}
	return suffix, details
}

func millis(d time.Duration) string {
	return fmt.Sprintf("%.3f", float64(d.Microseconds())/1000)
}
