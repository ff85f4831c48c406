package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// sink is where a statement's results go. The simple protocol describes
// rows before sending them; the extended protocol's Describe already did,
// and Bind chose the formats.
type sink struct {
	w        wire.ResultWriter
	describe bool
	formats  []int16 // nil: text
}

// runLogged runs one statement under the statement timeout, then counts
// and logs it.
func (s *Session) runLogged(ctx context.Context, st planner.Statement, out sink, a args) error {
	start := time.Now()
	s.route = routeSession
	sctx, cancel := s.statementContext(ctx)
	err := s.runStatement(sctx, st, out, a)
	err = s.classify(ctx, sctx, err)
	cancel()
	s.finish(st.SQL(), start, err)
	return err
}

// statementContext bounds a statement by statement_timeout.
func (s *Session) statementContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if d := s.vals.derive().timeout; d > 0 {
		return context.WithTimeoutCause(ctx, d, errStatementTimeout)
	}
	return ctx, func() {}
}

var errStatementTimeout = errors.New("statement timeout")

// classify turns the error of a statement that ran under sctx into what
// PostgreSQL says: whatever failed because the client cancelled or the
// timeout struck is 57014, with the right message.
func (s *Session) classify(ctx, sctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return pgerr.Canceled()
	}
	if errors.Is(context.Cause(sctx), errStatementTimeout) {
		return pgerr.New(pgerr.QueryCanceled, "canceling statement due to statement timeout")
	}
	return err
}

// finish records a statement in the metrics and the query log.
func (s *Session) finish(sql string, start time.Time, err error) {
	elapsed := time.Since(start)
	s.g.metrics.observe(s.route, err, elapsed)
	if s.g.log.Enabled(context.Background(), slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.Uint64("session", s.id), slog.String("user", s.user),
			slog.String("route", s.route), slog.Duration("duration", elapsed),
			slog.String("sql", truncate(sql, 2000)),
		}
		if err != nil {
			pe := pgerr.Convert(err)
			attrs = append(attrs, slog.String("sqlstate", pe.Code), slog.String("error", pe.Message))
		}
		s.g.log.LogAttrs(context.Background(), slog.LevelDebug, "query", attrs...)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// isExitStmt reports whether st may run in a failed transaction block.
func isExitStmt(st planner.Statement) bool {
	t, ok := st.(*planner.Transaction)
	return ok && (t.Kind == planner.TxCommit || t.Kind == planner.TxRollback || t.Kind == planner.TxRollbackTo)
}

func errInFailedTx() error {
	return pgerr.New(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
}

// args are what a prepared statement brings to its execution: parameter
// values and the query bound when it was prepared (nil: bind now).
type args struct {
	params []pgtype.Datum
	bound  *planner.Bound
}

// boundQuery binds q unless the prepared statement already did.
func (s *Session) boundQuery(q *planner.Query, a args) (*planner.Bound, error) {
	if a.bound != nil {
		return a.bound, nil
	}
	return s.bind(q, nil)
}

// runStatement executes one statement inside the current transaction.
func (s *Session) runStatement(ctx context.Context, st planner.Statement, out sink, a args) error {
	if s.tx != nil && s.tx.mode == txFailed && !isExitStmt(st) {
		return errInFailedTx()
	}
	w := out.w
	switch x := st.(type) {
	case *planner.Query:
		b, err := s.boundQuery(x, a)
		if err != nil {
			return err
		}
		return s.runRows(ctx, s.querySpec(b, a.params), out)
	case *planner.ShowVar:
		fields, err := s.showFields(x)
		if err != nil {
			return err
		}
		return s.runRows(ctx, textRows(fields, "SHOW", func() ([][]string, error) { return s.showRows(x) }), out)
	case *planner.Explain:
		spec, err := s.explainSpec(x, a)
		if err != nil {
			return err
		}
		return s.runRows(ctx, spec, out)
	case *planner.SetVar:
		return s.execSet(x, w)
	case *planner.ResetVar:
		return s.execReset(x, w)
	case *planner.Transaction:
		return s.execTransaction(x, w)
	case *planner.DeclareCursor:
		return s.execDeclare(x, w, a)
	case *planner.Fetch:
		return s.execFetch(ctx, x, out)
	case *planner.ClosePortal:
		return s.execClose(x, w)
	case *planner.Prepare:
		return s.execPrepare(x, w)
	case *planner.Execute:
		return s.execExecute(ctx, x, out)
	case *planner.Deallocate:
		return s.execDeallocate(x, w)
	case *planner.Discard:
		if err := s.execDiscard(x, w); err != nil {
			return err
		}
		// DISCARD TEMP and ALL (connection poolers' reset) drop the
		// temporary tables: the next client must not see them.
		if x.What == "ALL" || x.What == "TEMP" {
			s.dropTemp()
		}
		return nil
	case *planner.Copy:
		return s.execCopy(ctx, x, w, a)
	case *planner.CreateTemp:
		return s.execCreateTemp(ctx, x, w)
	case *planner.InsertTemp:
		return s.execInsertTemp(ctx, x, w, a)
	case *planner.DropTables:
		return s.execDropTables(x, w)
	case *planner.Unsupported:
		code, msg := x.Code, x.Message
		if code == "" {
			code = pgerr.ReadOnlySQLTransaction
		}
		if msg == "" {
			msg = fmt.Sprintf("cannot execute %s in a read-only transaction", x.Tag())
		}
		return pgerr.New(code, "%s", msg)
	case *planner.Noop:
		return w.Complete(x.Tag())
	}
	return pgerr.New(pgerr.FeatureNotSupported, "statement %s is not supported", st.Tag())
}

// bind binds a query against the catalog this transaction reads (a plan
// other sessions bound alike is shared: memoBind).
func (s *Session) bind(q *planner.Query, paramTypes []pgtype.Type) (*planner.Bound, error) {
	return s.memoBind(q, s.catalogState(), paramTypes)
}

// querySpec is the rowSpec of a bound query run by the engine.
func (s *Session) querySpec(b *planner.Bound, params []pgtype.Datum) *rowSpec {
	route := routeOf(b)
	s.route = route
	opts := s.execOptions()
	return &rowSpec{fields: fieldsOf(b), tag: "SELECT", route: route, open: func(ctx context.Context) (engine.Stream, error) {
		return s.open(ctx, b, params, opts)
	}}
}

// execOptions are the session facts a plan's results depend on: the
// settings, the transaction's start, which now() returns, and the catalog
// the query was bound against (with search_path and the user) for the
// catalog functions.
func (s *Session) execOptions() []engine.Option {
	now := time.Now()
	if s.tx != nil {
		now = s.tx.start
	}
	return []engine.Option{engine.WithSettings(s.encoding()), engine.WithNow(now),
		engine.WithCatalog(s.catalogState(), s.catalogSearchPath(), s.User()), engine.WithSessionView(s)}
}

// runRows runs a row-returning statement to its end in a throwaway
// portal, writing RowDescription (simple protocol), the rows and the tag.
// RowDescription waits for the first rows (or the end): an error in
// starting the query then comes alone, as PostgreSQL's planning errors do.
func (s *Session) runRows(ctx context.Context, spec *rowSpec, out sink) error {
	p := &portal{rows: spec, atStart: true, formats: out.formats, oneShot: true}
	defer p.release()
	described := !out.describe
	describe := func() error {
		if described {
			return nil
		}
		described = true
		if err := out.w.Describe(spec.fields, out.formats); err != nil {
			return err
		}
		return out.w.Start(spec.fields, out.formats, s.encoding())
	}
	if !out.describe {
		if err := out.w.Start(spec.fields, out.formats, s.encoding()); err != nil {
			return err
		}
	}
	n, err := s.fetch(ctx, p, planner.FetchForward, fetchAll, func(rec arrow.RecordBatch, lo, hi int) error {
		if err := describe(); err != nil {
			return err
		}
		return out.w.WriteRows(rec, lo, hi)
	})
	if err != nil {
		return err
	}
	if err := describe(); err != nil {
		return err
	}
	return out.w.Complete(completeTag(spec.tag, n))
}

// completeTag is the CommandComplete tag of a row-returning statement.
func completeTag(verb string, n int64) string {
	switch verb {
	case "SELECT", "FETCH", "MOVE", "COPY":
		return fmt.Sprintf("%s %d", verb, n)
	}
	return verb
}

// explainSpec renders EXPLAIN [ANALYZE]: the route, then the plan.
func (s *Session) explainSpec(x *planner.Explain, a args) (*rowSpec, error) {
	b, err := s.boundQuery(x.Query, a)
	if err != nil {
		return nil, err
	}
	route := routeOf(b)
	s.route = route
	fields := textFields("QUERY PLAN")
	spec := textRows(fields, "EXPLAIN", nil)
	spec.route = route
	spec.open = func(ctx context.Context) (engine.Stream, error) {
		// Under sluice.as_of the route is shown for the plan open runs:
		// bound at the older snapshots, which Trino reads FOR VERSION AS
		// OF (an error binding it is explainCache's to say).
		rb, snapshots := b, false
		if tb, err := s.timeTravel(ctx, b); err == nil && tb != b {
			rb, snapshots = tb, true
		}
		lines := s.explainRoute(rb, snapshots)
		lines = append(lines, s.explainCache(b)...)
		if x.Analyze {
			analyzed, err := s.explainAnalyze(ctx, b, a.params)
			if err != nil {
				return nil, err
			}
			lines = append(lines, analyzed...)
		} else {
			lines = append(lines, plan.Explain(b.Root)...)
		}
		rows := make([][]string, len(lines))
		for i, l := range lines {
			rows[i] = []string{l}
		}
		return &memStream{batches: []arrow.RecordBatch{textBatch(fields, rows)}}, nil
	}
	return spec, nil
}

// execCopy runs COPY ... TO STDOUT, streaming batches into CopyData.
func (s *Session) execCopy(ctx context.Context, x *planner.Copy, w wire.ResultWriter, a args) error {
	b, err := s.boundQuery(x.Query, a)
	if err != nil {
		return err
	}
	s.route = routeOf(b)
	stream, err := s.open(ctx, b, a.params, s.execOptions())
	if err != nil {
		return err
	}
	defer stream.Close()
	opts := wire.CopyOptions{CSV: x.CSV, Header: x.Header, Delimiter: x.Delimiter, Null: x.Null,
		Quote: x.Quote, Escape: x.Escape, ForceQuote: x.ForceQuote, ForceQuoteAll: x.ForceQuoteAll}
	if err := w.CopyStart(fieldsOf(b), opts, s.encoding()); err != nil {
		return err
	}
	var n int64
	for {
		rec, err := stream.Next(ctx)
		if err != nil {
			return err
		}
		if rec == nil {
			break
		}
		err = w.CopyRows(rec, 0, int(rec.NumRows()))
		n += rec.NumRows()
		rec.Release()
		if err != nil {
			return err
		}
	}
	return w.CopyDone(n)
}

// execDeclare runs DECLARE ... CURSOR: it binds the query now (errors such
// as 42P01 belong to DECLARE) and runs it on the first FETCH.
func (s *Session) execDeclare(x *planner.DeclareCursor, w wire.ResultWriter, a args) error {
	if x.Name == "" {
		return pgerr.New(pgerr.InvalidCursorName, "invalid cursor name: must not be empty")
	}
	if !x.Hold && !s.inBlock() {
		return pgerr.New(pgerr.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if _, ok := s.portals[x.Name]; ok {
		return pgerr.New(pgerr.DuplicateCursor, "cursor \"%s\" already exists", x.Name)
	}
	b, err := s.boundQuery(x.Query, a)
	if err != nil {
		return err
	}
	spec := s.querySpec(b, a.params)
	s.newPortal(x.Name, &portal{cursor: true, hold: x.Hold, scroll: x.Scroll, binary: x.Binary, rows: spec, sql: x.SQL()})
	return w.Complete("DECLARE CURSOR")
}

// execFetch runs FETCH and MOVE on a cursor or portal.
func (s *Session) execFetch(ctx context.Context, x *planner.Fetch, out sink) error {
	p, ok := s.portals[x.Name]
	if !ok {
		return pgerr.New(pgerr.InvalidCursorName, "cursor \"%s\" does not exist", x.Name)
	}
	if p.rows == nil {
		// A protocol portal of a statement without rows: PostgreSQL
		// refuses it as running, or as not made for fetching.
		if p == s.active || p.ran || p.failed {
			return pgerr.New("55000", "portal \"%s\" cannot be run", p.name)
		}
		return pgerr.New(pgerr.InternalError, "unsupported portal strategy")
	}
	s.route = p.rows.route
	var emit emitFunc
	verb := "MOVE"
	// As for queries, RowDescription waits for rows or the end, so that an
	// error (a backward FETCH on a NO SCROLL cursor) comes alone.
	started := false
	var formats []int16
	begin := func() error {
		if started {
			return nil
		}
		started = true
		if out.describe {
			if err := out.w.Describe(p.rows.fields, formats); err != nil {
				return err
			}
		}
		return out.w.Start(p.rows.fields, formats, s.encoding())
	}
	if !x.Move {
		verb = "FETCH"
		formats = out.formats
		if out.describe && p.binary {
			formats = []int16{pgtype.BinaryFormat}
		}
		emit = func(rec arrow.RecordBatch, lo, hi int) error {
			if err := begin(); err != nil {
				return err
			}
			return out.w.WriteRows(rec, lo, hi)
		}
	}
	prev := s.active
	s.active = p
	n, err := s.fetch(ctx, p, x.Direction, x.Count, emit)
	s.active = prev
	if err != nil {
		return err
	}
	if !x.Move {
		if err := begin(); err != nil {
			return err
		}
	}
	return out.w.Complete(completeTag(verb, n))
}

// execClose runs CLOSE name | CLOSE ALL.
func (s *Session) execClose(x *planner.ClosePortal, w wire.ResultWriter) error {
	if x.All {
		for name, p := range s.portals {
			if p != s.active {
				s.closePortal(name)
			}
		}
		return w.Complete("CLOSE CURSOR ALL")
	}
	if _, ok := s.portals[x.Name]; !ok {
		return pgerr.New(pgerr.InvalidCursorName, "cursor \"%s\" does not exist", x.Name)
	}
	s.closePortal(x.Name)
	return w.Complete("CLOSE CURSOR")
}

// execPrepare runs SQL PREPARE, which shares its namespace with the
// protocol's named statements.
func (s *Session) execPrepare(x *planner.Prepare, w wire.ResultWriter) error {
	if x.Name == "" {
		return pgerr.New(pgerr.InvalidSQLStatementName, "invalid statement name: must not be empty")
	}
	if _, ok := s.stmts[x.Name]; ok {
		return pgerr.New(pgerr.DuplicatePreparedStatement, "prepared statement \"%s\" already exists", x.Name)
	}
	ps, err := s.prepare(x.Name, x.SQL(), x.Body, x.ParamTypes)
	if err != nil {
		return err
	}
	s.stmts[x.Name] = ps
	return w.Complete("PREPARE")
}

// execExecute runs SQL EXECUTE name(params): the statement's own tag.
func (s *Session) execExecute(ctx context.Context, x *planner.Execute, out sink) error {
	ps, ok := s.stmts[x.Name]
	if !ok || x.Name == "" {
		return pgerr.New(pgerr.InvalidSQLStatementName, "prepared statement \"%s\" does not exist", x.Name)
	}
	types := ps.params()
	if len(x.Params) != len(types) {
		return pgerr.New(pgerr.SyntaxError, "wrong number of parameters for prepared statement \"%s\"", x.Name).
			WithDetail("Expected %d parameters but got %d.", len(types), len(x.Params))
	}
	raw := make([][]byte, len(x.Params))
	for i, p := range x.Params {
		if p != nil {
			raw[i] = []byte(*p)
		}
	}
	params, err := s.decodeParams(types, nil, raw)
	if err != nil {
		return err
	}
	if err := s.rebind(ps); err != nil {
		return err
	}
	if ps.stmt == nil {
		return out.w.EmptyQuery()
	}
	return s.runStatement(ctx, ps.stmt, out, args{params: params, bound: ps.bound})
}

// execDeallocate runs DEALLOCATE name | ALL.
func (s *Session) execDeallocate(x *planner.Deallocate, w wire.ResultWriter) error {
	if x.All {
		for name := range s.stmts {
			if name != "" {
				delete(s.stmts, name)
			}
		}
		return w.Complete("DEALLOCATE ALL")
	}
	if _, ok := s.stmts[x.Name]; !ok || x.Name == "" {
		return pgerr.New(pgerr.InvalidSQLStatementName, "prepared statement \"%s\" does not exist", x.Name)
	}
	delete(s.stmts, x.Name)
	return w.Complete("DEALLOCATE")
}

// prepare makes a prepared statement, binding its query now so that
// Describe knows parameter and result types and errors come at once.
func (s *Session) prepare(name, sql string, st planner.Statement, types []pgtype.Type) (*prepared, error) {
	ps := &prepared{name: name, sql: sql, stmt: st, paramTypes: types}
	switch x := st.(type) {
	case *planner.Query:
		ps.query = x
	case *planner.DeclareCursor:
		ps.query = x.Query
	case *planner.Explain:
		ps.query = x.Query
	case *planner.Copy:
		ps.query = x.Query
	}
	if ps.query != nil {
		if err := s.rebind(ps); err != nil {
			return nil, err
		}
	}
	if x, ok := st.(*planner.InsertTemp); ok {
		// INSERT's parameters take their types from the target (temp.go).
		if err := s.rebindInsertTemp(ps, x); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// rebind binds a prepared statement's query again when the catalog or
// the search path changed since it was bound, as PostgreSQL replans on
// invalidation; the result columns must not change.
func (s *Session) rebind(ps *prepared) error {
	if x, ok := ps.stmt.(*planner.InsertTemp); ok {
		return s.rebindInsertTemp(ps, x)
	}
	if ps.query == nil {
		return nil
	}
	state := s.catalogState()
	path := s.showValue("search_path")
	if ps.bound != nil && ps.boundCatalog == state.Version && ps.boundPath == path {
		return nil
	}
	b, err := s.memoBind(ps.query, state, ps.paramTypes)
	if err != nil {
		return err
	}
	if ps.bound != nil && !sameColumns(ps.bound.Columns, b.Columns) {
		return pgerr.New(pgerr.FeatureNotSupported, "cached plan must not change result type")
	}
	ps.bound, ps.boundCatalog, ps.boundPath = b, state.Version, path
	return nil
}

func sameColumns(a, b []plan.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Type != b[i].Type {
			return false
		}
	}
	return true
}

// decodeParams decodes Bind's (or EXECUTE's) parameter values.
func (s *Session) decodeParams(types []pgtype.Type, formats []int16, values [][]byte) ([]pgtype.Datum, error) {
	if len(formats) > 1 && len(formats) != len(values) {
		return nil, pgerr.New(pgerr.ProtocolViolation, "bind message has %d parameter formats but %d parameters", len(formats), len(values))
	}
	out := make([]pgtype.Datum, len(values))
	for i, v := range values {
		if v == nil {
			continue
		}
		format := pgtype.TextFormat
		if len(formats) == 1 {
			format = formats[0]
		} else if len(formats) > 1 {
			format = formats[i]
		}
		if format != pgtype.TextFormat && format != pgtype.BinaryFormat {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "unsupported format code: %d", format)
		}
		t := types[i]
		if t.OID == pgtype.UnknownOID || t.OID == 0 {
			t = pgtype.Text
		}
		d, err := pgtype.Decode(t, format, v, s.encoding())
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}
