// Package engine executes plans over Apache Arrow: scans of Parquet files and
// system tables, filters, projections, aggregates, sorts and limits, with
// PostgreSQL's semantics. It takes plans (package plan), never sessions, and
// produces a stream of record batches.
package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Stream yields a result batch by batch. Next returns (nil, nil) at the end;
// the caller releases each batch it receives. Close may be called at any
// time and releases everything the stream holds.
type Stream interface {
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close()
}

// Engine runs plans in-process.
type Engine struct{}

// New returns an engine.
func New() *Engine { return &Engine{} }

// Execute starts running root with the given parameter values ($1 is
// params[0]); rows come from the returned stream.
func (e *Engine) Execute(ctx context.Context, root plan.Node, params []pgtype.Datum) (Stream, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "not implemented")
}
