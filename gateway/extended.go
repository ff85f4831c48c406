package gateway

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// The extended protocol. Every message runs in the transaction open at
// the time, or in an implicit one that lasts until Sync; an error fails
// an explicit block and rolls back an implicit one, and wire then skips to
// Sync.

// Parse implements wire.Session.
func (s *Session) Parse(ctx context.Context, name, sql string, paramTypes []uint32) error {
	s.beginImplicit(txSingle)
	err := s.parse(name, sql, paramTypes)
	if err != nil {
		s.fail()
		s.g.metrics.observe(routeSession, err, 0)
	}
	return err
}

func (s *Session) parse(name, sql string, paramOIDs []uint32) error {
	// The checks come in PostgreSQL's order: the unnamed statement goes
	// first, even if the new one fails; then syntax, the failed block,
	// binding, and a duplicate name last.
	if name == "" {
		s.dropStatement("")
	}
	stmts, err := s.g.planner.Parse(sql)
	if err != nil {
		return err
	}
	if len(stmts) > 1 {
		return pgerr.New(pgerr.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	var st planner.Statement
	if len(stmts) == 1 {
		st = stmts[0]
	}
	if s.tx.mode == txFailed && st != nil && !isExitStmt(st) {
		return errInFailedTx()
	}
	types := make([]pgtype.Type, len(paramOIDs))
	for i, oid := range paramOIDs {
		types[i] = pgtype.Type{OID: oid, Typmod: -1}
		if oid == 0 {
			types[i] = pgtype.Unknown
		}
	}
	ps, err := s.prepare(name, sql, st, types)
	if err != nil {
		return err
	}
	if name != "" {
		if _, ok := s.stmts[name]; ok {
			return pgerr.New(pgerr.DuplicatePreparedStatement, "prepared statement \"%s\" already exists", name)
		}
	}
	s.stmts[name] = ps
	return nil
}

// Bind implements wire.Session.
func (s *Session) Bind(ctx context.Context, portalName, stmtName string, paramFormats []int16, values [][]byte, resultFormats []int16) error {
	s.beginImplicit(txSingle)
	err := s.bindPortal(portalName, stmtName, paramFormats, values, resultFormats)
	if err != nil {
		s.fail()
		s.g.metrics.observe(routeSession, err, 0)
	}
	return err
}

func (s *Session) bindPortal(portalName, stmtName string, paramFormats []int16, values [][]byte, resultFormats []int16) error {
	ps, ok := s.stmts[stmtName]
	if !ok {
		if stmtName == "" {
			return pgerr.New(pgerr.InvalidSQLStatementName, "unnamed prepared statement does not exist")
		}
		return pgerr.New(pgerr.InvalidSQLStatementName, "prepared statement \"%s\" does not exist", stmtName)
	}
	types := ps.params()
	if len(paramFormats) > 1 && len(paramFormats) != len(values) {
		return pgerr.New(pgerr.ProtocolViolation, "bind message has %d parameter formats but %d parameters", len(paramFormats), len(values))
	}
	if len(values) != len(types) {
		return pgerr.New(pgerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement \"%s\" requires %d",
			len(values), stmtName, len(types))
	}
	if s.tx.mode == txFailed && !(ps.stmt != nil && isExitStmt(ps.stmt) && len(values) == 0) {
		return errInFailedTx()
	}
	if portalName != "" {
		if _, exists := s.portals[portalName]; exists {
			return pgerr.New(pgerr.DuplicateCursor, "cursor \"%s\" already exists", portalName)
		}
	}
	if err := s.rebind(ps); err != nil {
		return err
	}
	params, err := s.decodeParams(types, paramFormats, values)
	if err != nil {
		return err
	}
	p := &portal{stmt: ps.stmt, sql: ps.sql}
	a := args{params: params, bound: ps.bound}
	switch x := ps.stmt.(type) {
	case *planner.Query:
		p.rows = s.querySpec(ps.bound, params)
	case *planner.ShowVar:
		fields, err := s.showFields(x)
		if err != nil {
			return err
		}
		p.rows = textRows(fields, "SHOW", func() ([][]string, error) { return s.showRows(x) })
	case *planner.Explain:
		spec, err := s.explainSpec(x, a)
		if err != nil {
			return err
		}
		p.rows = spec
	}
	p.params = a
	fields, err := s.stmtFields(ps)
	if err != nil {
		return err
	}
	formats, err := resultFormatsFor(resultFormats, len(fields))
	if err != nil {
		return err
	}
	p.formats = formats
	p.described = fields
	s.newPortal(portalName, p)
	return nil
}

// resultFormatsFor checks Bind's result formats against the column count
// and returns one per column (nil: all text).
func resultFormatsFor(formats []int16, ncols int) ([]int16, error) {
	for _, f := range formats {
		if f != pgtype.TextFormat && f != pgtype.BinaryFormat {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "unsupported format code: %d", f)
		}
	}
	switch {
	case len(formats) == 0:
		return nil, nil
	case len(formats) == 1:
		out := make([]int16, ncols)
		for i := range out {
			out[i] = formats[0]
		}
		return out, nil
	case len(formats) == ncols:
		return formats, nil
	}
	return nil, pgerr.New(pgerr.ProtocolViolation, "bind message has %d result formats but query has %d columns", len(formats), ncols)
}

// stmtFields are the result columns of a prepared statement (nil: none).
func (s *Session) stmtFields(ps *prepared) ([]wire.Field, error) {
	switch x := ps.stmt.(type) {
	case *planner.Query:
		return fieldsOf(ps.bound), nil
	case *planner.ShowVar:
		return s.showFields(x)
	case *planner.Explain:
		return textFields("QUERY PLAN"), nil
	case *planner.Fetch:
		if x.Move {
			return nil, nil
		}
		if p, ok := s.portals[x.Name]; ok {
			return p.fields(), nil
		}
		return nil, nil
	case *planner.Execute:
		if inner, ok := s.stmts[x.Name]; ok && inner != ps {
			return s.stmtFields(inner)
		}
	}
	return nil, nil
}

// DescribeStatement implements wire.Session.
func (s *Session) DescribeStatement(ctx context.Context, name string) ([]uint32, []wire.Field, error) {
	s.beginImplicit(txSingle)
	oids, fields, err := s.describeStatement(name)
	if err != nil {
		s.fail()
	}
	return oids, fields, err
}

func (s *Session) describeStatement(name string) ([]uint32, []wire.Field, error) {
	ps, ok := s.stmts[name]
	if !ok {
		if name == "" {
			return nil, nil, pgerr.New(pgerr.InvalidSQLStatementName, "unnamed prepared statement does not exist")
		}
		return nil, nil, pgerr.New(pgerr.InvalidSQLStatementName, "prepared statement \"%s\" does not exist", name)
	}
	fields, err := s.stmtFields(ps)
	if err != nil {
		return nil, nil, err
	}
	if s.tx.mode == txFailed && fields != nil {
		return nil, nil, errInFailedTx()
	}
	types := ps.params()
	oids := make([]uint32, len(types))
	for i, t := range types {
		oids[i] = t.OID
		if t.OID == pgtype.UnknownOID {
			oids[i] = pgtype.TextOID // an unresolved parameter is text, as PostgreSQL decides
		}
	}
	return oids, fields, nil
}

// DescribePortal implements wire.Session.
func (s *Session) DescribePortal(ctx context.Context, name string) ([]wire.Field, []int16, error) {
	s.beginImplicit(txSingle)
	p, ok := s.portals[name]
	if !ok {
		err := pgerr.New(pgerr.InvalidCursorName, "portal \"%s\" does not exist", name)
		s.fail()
		return nil, nil, err
	}
	fields := p.described
	if p.rows != nil {
		fields = p.rows.fields
	}
	if s.tx.mode == txFailed && fields != nil {
		s.fail()
		return nil, nil, errInFailedTx()
	}
	formats := p.formats
	if p.cursor && p.binary {
		formats = []int16{pgtype.BinaryFormat}
	}
	return fields, formats, nil
}

// Execute implements wire.Session.
func (s *Session) Execute(ctx context.Context, name string, maxRows int, w wire.ResultWriter) error {
	s.beginImplicit(txSingle)
	start := time.Now()
	s.route = routeSession
	sql := ""
	if p, ok := s.portals[name]; ok {
		sql = p.sql
	}
	s.activityStart(sql)
	defer s.activityEnd()
	defer s.noticesTo(w)()
	sctx, cancel := s.statementContext(ctx)
	err := s.execute(sctx, name, maxRows, w)
	err = s.classify(ctx, sctx, err)
	cancel()
	s.finish(sql, start, err)
	if err != nil {
		s.fail()
	}
	s.reportChanged(w)
	return err
}

func (s *Session) execute(ctx context.Context, name string, maxRows int, w wire.ResultWriter) error {
	p, ok := s.portals[name]
	if !ok {
		return pgerr.New(pgerr.InvalidCursorName, "portal \"%s\" does not exist", name)
	}
	if p.stmt == nil && p.rows == nil {
		return w.EmptyQuery() // even in a failed block, as PostgreSQL answers
	}
	if s.tx.mode == txFailed && !(p.stmt != nil && isExitStmt(p.stmt)) {
		return errInFailedTx()
	}
	prev := s.active
	s.active = p
	defer func() { s.active = prev }()

	if p.rows == nil && maxRows > 0 && p.described != nil && !p.ran && !p.failed {
		// A utility statement with rows (FETCH, EXECUTE) under max_rows:
		// PostgreSQL runs it to its end into a store and serves that.
		if err := s.materialize(ctx, p, w); err != nil {
			return err
		}
	}
	if p.rows != nil {
		s.route = p.rows.route
		formats := p.formats
		if p.cursor && p.binary {
			formats = []int16{pgtype.BinaryFormat}
		}
		if err := w.Start(p.rows.fields, formats, s.encoding()); err != nil {
			return err
		}
		count := int64(maxRows)
		if maxRows <= 0 {
			count = fetchAll
			if p.src == nil && !p.cursor {
				p.oneShot = true // it ends in this call
			}
		}
		n, err := s.fetch(ctx, p, planner.FetchForward, count, w.WriteRows)
		if err != nil {
			return err
		}
		if !p.atEnd {
			return w.Suspended()
		}
		if p.rows.doneTag != "" {
			return w.Complete(p.rows.doneTag)
		}
		return w.Complete(completeTag(p.rows.tag, n))
	}
	if p.ran {
		return pgerr.New("55000", "portal \"%s\" cannot be run", name)
	}
	p.ran = true
	return s.runStatement(ctx, p.stmt, sink{w: w, formats: p.formats}, p.params)
}

// CloseStatement implements wire.Session.
func (s *Session) CloseStatement(name string) error {
	s.dropStatement(name)
	return nil
}

// ClosePortal implements wire.Session.
func (s *Session) ClosePortal(name string) error {
	s.closePortal(name)
	return nil
}

func (s *Session) dropStatement(name string) {
	delete(s.stmts, name)
}

// materialize runs a utility portal's statement into memory and makes the
// portal serve those rows.
func (s *Session) materialize(ctx context.Context, p *portal, w wire.ResultWriter) error {
	p.ran = true
	rec := &recorder{ResultWriter: w}
	defer rec.release()
	if err := s.runStatement(ctx, p.stmt, sink{w: rec, formats: p.formats}, p.params); err != nil {
		p.failed = true
		return err
	}
	batches := rec.batches
	rec.batches = nil
	p.rows = &rowSpec{fields: p.described, tag: "SELECT", doneTag: rec.tag, route: s.route,
		open: func(context.Context) (engine.Stream, error) { return &memStream{batches: batches}, nil }}
	return nil
}

// recorder is a ResultWriter that keeps rows and the tag instead of
// sending them; notices and parameter changes still go to the client.
type recorder struct {
	wire.ResultWriter
	batches []arrow.RecordBatch
	tag     string
}

func (r *recorder) Describe([]wire.Field, []int16) error                { return nil }
func (r *recorder) Start([]wire.Field, []int16, *pgtype.Settings) error { return nil }
func (r *recorder) Complete(tag string) error                           { r.tag = tag; return nil }
func (r *recorder) WriteRows(rec arrow.RecordBatch, lo, hi int) error {
	r.batches = append(r.batches, rec.NewSlice(int64(lo), int64(hi)))
	return nil
}

func (r *recorder) release() {
	for _, b := range r.batches {
		b.Release()
	}
	r.batches = nil
}
