package wire

// A stand-in for the gateway: a Handler whose Sessions answer a few fixed
// statements with Arrow batches. The statements are valid PostgreSQL, so
// the protocol tests can send the same bytes to a real PostgreSQL and to
// Sluice and compare the answers.

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// seriesSQL is n rows of (n int8, s text), s NULL on every 7th row.
func seriesSQL(n int) string {
	return fmt.Sprintf("select n::int8 as n, case when n %% 7 = 0 then null else 'row ' || n end as s from generate_series(1, %d) n", n)
}

// weirdValues are texts that COPY must escape or quote; weirdSQL returns
// them (and a NULL) in PostgreSQL.
var weirdValues = []string{"plain", "tab\there", "new\nline", "cr\rhere", `back\slash`, "comma,here", `quote"here`, "", `\N`, `\.`, "pipe|here", "ünïcödé"}

func weirdSQL() string {
	var b strings.Builder
	b.WriteString("select v as \"wei,rd\" from (values ")
	for i, v := range weirdValues {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(%d, E'%s')", i, strings.NewReplacer(`\`, `\\`, "'", `\'`, "\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(v))
	}
	fmt.Fprintf(&b, ", (%d, null)) t(i, v) order by i", len(weirdValues))
	return b.String()
}

var (
	reSeries = regexp.MustCompile(`generate_series\(1, (\d+)\)`)
	reSleep  = regexp.MustCompile(`^select pg_sleep\(([\d.]+)\)$`)
	reCopy   = regexp.MustCompile(`(?is)^copy \((.*)\) to stdout(.*)$`)
	reSet    = regexp.MustCompile(`(?i)^set (\w+) (?:=|to) '?([^']*)'?$`)
	reEcho   = regexp.MustCompile(`^select \$1::(int8|text)$`)
	// reLiteral is what pgx's simple protocol makes of select $1::t.
	reLiteral = regexp.MustCompile(`^select\s*('(?:[^']|'')*'|-?\d+)\s*::(int8|text)$`)
)

type testHandler struct {
	// bounded refuses statements that wait or return many rows, so that
	// fuzzed input always finishes.
	bounded  bool
	produced atomic.Int64 // rows handed to WriteRows, for the backpressure test
	sessions atomic.Int64
	closed   atomic.Int64
}

func (h *testHandler) NewSession(ctx context.Context, info StartupInfo) (Session, []ParameterStatus, error) {
	if info.Database != "sluice" && info.Database != "postgres" && info.Database != info.User {
		return nil, nil, pgerr.Fatal(pgerr.InvalidCatalogName, "database \"%s\" does not exist", info.Database)
	}
	h.sessions.Add(1)
	return &testSession{h: h, tx: TxIdle, stmts: map[string]*testStmt{}, portals: map[string]*testPortal{}},
		[]ParameterStatus{
			{"server_version", "15.0 (Sluice test)"},
			{"server_encoding", "UTF8"},
			{"client_encoding", "UTF8"},
			{"DateStyle", "ISO, MDY"},
			{"TimeZone", "UTC"},
			{"integer_datetimes", "on"},
			{"standard_conforming_strings", "on"},
			{"application_name", info.Params["application_name"]},
		}, nil
}

// testResult is a statement's answer: a tag and maybe rows made on demand.
type testResult struct {
	fields  []Field
	rows    int
	batch   func(lo, hi int) arrow.RecordBatch
	tag     string
	wait    time.Duration // pg_sleep
	block   bool          // wait for cancellation
	panics  bool
	copy    *CopyOptions
	param   bool   // echo of $1
	literal []byte // the value to echo when it was inlined
}

type testStmt struct {
	sql    string
	params []uint32
	res    *testResult
}

type testPortal struct {
	res     *testResult
	formats []int16
	pos     int
	param   []byte
}

type testSession struct {
	h       *testHandler
	tx      byte
	stmts   map[string]*testStmt
	portals map[string]*testPortal
}

var alloc = memory.DefaultAllocator

func intBatch(name string, vals ...int32) func(lo, hi int) arrow.RecordBatch {
	return func(lo, hi int) arrow.RecordBatch {
		b := array.NewInt32Builder(alloc)
		defer b.Release()
		b.AppendValues(vals[lo:hi], nil)
		arr := b.NewArray()
		defer arr.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil)
		return array.NewRecordBatch(schema, []arrow.Array{arr}, int64(hi-lo))
	}
}

func seriesBatch(lo, hi int) arrow.RecordBatch {
	nb := array.NewInt64Builder(alloc)
	defer nb.Release()
	sb := array.NewStringBuilder(alloc)
	defer sb.Release()
	for i := lo + 1; i <= hi; i++ {
		nb.Append(int64(i))
		if i%7 == 0 {
			sb.AppendNull()
		} else {
			sb.Append("row " + strconv.Itoa(i))
		}
	}
	n, s := nb.NewArray(), sb.NewArray()
	defer n.Release()
	defer s.Release()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{n, s}, int64(hi-lo))
}

func weirdBatch(lo, hi int) arrow.RecordBatch {
	sb := array.NewStringBuilder(alloc)
	defer sb.Release()
	for i := lo; i < hi; i++ {
		if i == len(weirdValues) {
			sb.AppendNull()
		} else {
			sb.Append(weirdValues[i])
		}
	}
	s := sb.NewArray()
	defer s.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "wei,rd", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{s}, int64(hi-lo))
}

// answer maps one statement to its result.
func answer(sql string) (*testResult, error) {
	sql = strings.TrimSpace(sql)
	lower := strings.ToLower(sql)
	switch {
	case sql == "":
		return nil, nil
	case lower == "select 1":
		return &testResult{fields: []Field{{Name: "?column?", Type: pgtype.Int4}}, rows: 1, batch: intBatch("?column?", 1), tag: "SELECT 1"}, nil
	case lower == "select 1/0":
		return nil, pgerr.New(pgerr.DivisionByZero, "division by zero")
	case lower == "select 'boom'::text as panic":
		return &testResult{panics: true}, nil
	case lower == "begin":
		return &testResult{tag: "BEGIN"}, nil
	case lower == "commit":
		return &testResult{tag: "COMMIT"}, nil
	case sql == weirdSQL():
		return &testResult{fields: []Field{{Name: "wei,rd", Type: pgtype.Text}}, rows: len(weirdValues) + 1, batch: weirdBatch, tag: fmt.Sprintf("SELECT %d", len(weirdValues)+1)}, nil
	}
	if m := reLiteral.FindStringSubmatch(sql); m != nil {
		// pgx's simple protocol inlines the parameter of select $1::t.
		lit := strings.TrimSpace(m[1])
		if strings.HasPrefix(lit, "'") {
			lit = strings.ReplaceAll(lit[1:len(lit)-1], "''", "'")
		}
		t := pgtype.Int8
		if m[2] == "text" {
			t = pgtype.Text
		}
		return &testResult{fields: []Field{{Name: m[2], Type: t}}, rows: 1, param: true, literal: []byte(lit)}, nil
	}
	if m := reEcho.FindStringSubmatch(sql); m != nil {
		t := pgtype.Int8
		if m[1] == "text" {
			t = pgtype.Text
		}
		return &testResult{fields: []Field{{Name: m[1], Type: t}}, rows: 1, param: true}, nil
	}
	if m := reSleep.FindStringSubmatch(sql); m != nil {
		secs, _ := strconv.ParseFloat(m[1], 64)
		// pg_sleep(1000) or more waits for cancellation.
		return &testResult{
			fields: []Field{{Name: "?column?", Type: pgtype.Int4}}, rows: 1, batch: intBatch("?column?", 1), tag: "SELECT 1",
			wait: time.Duration(secs * float64(time.Second)), block: secs >= 1000,
		}, nil
	}
	if m := reCopy.FindStringSubmatch(sql); m != nil {
		inner, err := answer(m[1])
		if err != nil || inner == nil || inner.fields == nil {
			return nil, pgerr.New(pgerr.SyntaxError, "syntax error in COPY")
		}
		opts := strings.ToLower(m[2])
		inner.copy = &CopyOptions{CSV: strings.Contains(opts, "csv"), Header: strings.Contains(opts, "header")}
		if strings.Contains(opts, "force_quote *") {
			inner.copy.ForceQuoteAll = true
		}
		if strings.Contains(opts, "delimiter '|'") {
			inner.copy.Delimiter = "|"
		}
		return inner, nil
	}
	if m := reSeries.FindStringSubmatch(sql); m != nil && sql == seriesSQL(atoi(m[1])) {
		n := atoi(m[1])
		return &testResult{
			fields: []Field{{Name: "n", Type: pgtype.Int8}, {Name: "s", Type: pgtype.Text}},
			rows:   n, batch: seriesBatch, tag: fmt.Sprintf("SELECT %d", n),
		}, nil
	}
	if reSet.MatchString(sql) {
		return &testResult{tag: "SET"}, nil
	}
	return nil, pgerr.New(pgerr.SyntaxError, "syntax error at or near \"%s\"", strings.Fields(sql + " x")[0]).WithPosition(1)
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func (s *testSession) answer(sql string) (*testResult, error) {
	r, err := answer(sql)
	if err == nil && r != nil && s.h.bounded && (r.block || r.wait > 0 || r.rows > 10000 || r.panics) {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "not in a bounded test")
	}
	return r, err
}

// run writes rows [p.pos, p.pos+limit) of a result.
// It returns how many rows it wrote; the portal is done when p.pos reaches
// r.rows.
func (s *testSession) run(ctx context.Context, r *testResult, p *testPortal, maxRows int, w ResultWriter, st *pgtype.Settings) (int, error) {
	if r.panics {
		panic("boom")
	}
	if r.block {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	if r.wait > 0 {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(r.wait):
		}
	}
	if r.param {
		var arr arrow.Array
		if r.fields[0].Type == pgtype.Int8 {
			v, err := strconv.ParseInt(string(p.param), 10, 64)
			if err != nil {
				return 0, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type bigint: \"%s\"", p.param)
			}
			b := array.NewInt64Builder(alloc)
			defer b.Release()
			b.Append(v)
			arr = b.NewArray()
		} else {
			b := array.NewStringBuilder(alloc)
			defer b.Release()
			b.Append(string(p.param))
			arr = b.NewArray()
		}
		defer arr.Release()
		rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: r.fields[0].Name, Type: arr.DataType()}}, nil), []arrow.Array{arr}, 1)
		defer rec.Release()
		if err := w.Start(r.fields, p.formats, st); err != nil {
			return 0, err
		}
		return 1, w.WriteRows(rec, 0, 1)
	}
	if r.copy != nil {
		if err := w.CopyStart(r.fields, *r.copy, st); err != nil {
			return 0, err
		}
	} else if err := w.Start(r.fields, p.formats, st); err != nil {
		return 0, err
	}
	start, end := p.pos, r.rows
	if maxRows > 0 && p.pos+maxRows < end {
		end = p.pos + maxRows
	}
	const batch = 1000
	for p.pos < end {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		hi := min(p.pos+batch, end)
		rec := r.batch(p.pos, hi)
		var err error
		if r.copy != nil {
			err = w.CopyRows(rec, 0, hi-p.pos)
		} else {
			err = w.WriteRows(rec, 0, hi-p.pos)
		}
		rec.Release()
		if err != nil {
			return 0, err
		}
		s.h.produced.Add(int64(hi - p.pos))
		p.pos = hi
	}
	if r.copy != nil {
		return p.pos - start, w.CopyDone(int64(r.rows))
	}
	return p.pos - start, nil
}

func (s *testSession) SimpleQuery(ctx context.Context, sql string, w ResultWriter) error {
	st := pgtype.DefaultSettings()
	if strings.TrimSpace(sql) == "" {
		return w.EmptyQuery()
	}
	for _, one := range strings.Split(sql, ";") {
		if strings.TrimSpace(one) == "" {
			continue
		}
		r, err := s.answer(one)
		if err != nil {
			return err
		}
		if m := reSet.FindStringSubmatch(strings.TrimSpace(one)); m != nil {
			if err := w.ParameterStatus(m[1], m[2]); err != nil {
				return err
			}
		}
		s.txFor(r.tag)
		if r.fields != nil && r.copy == nil && !r.panics {
			if err := w.Describe(r.fields, nil); err != nil {
				return err
			}
		}
		tag := r.tag
		if r.fields != nil || r.panics {
			n, err := s.run(ctx, r, &testPortal{res: r, param: r.literal}, 0, w, st)
			if err != nil {
				return err
			}
			if r.copy != nil {
				continue
			}
			tag = fmt.Sprintf("SELECT %d", n)
		}
		if err := w.Complete(tag); err != nil {
			return err
		}
	}
	return nil
}

func (s *testSession) txFor(tag string) {
	switch tag {
	case "BEGIN":
		s.tx = TxActive
	case "COMMIT":
		s.tx = TxIdle
	}
}

func (s *testSession) Parse(ctx context.Context, name, sql string, paramTypes []uint32) error {
	r, err := s.answer(sql)
	if err != nil {
		return err
	}
	if _, dup := s.stmts[name]; dup && name != "" {
		return pgerr.New(pgerr.DuplicatePreparedStatement, "prepared statement \"%s\" already exists", name)
	}
	st := &testStmt{sql: sql, res: r}
	if r != nil && r.param {
		st.params = []uint32{r.fields[0].Type.OID}
	}
	s.stmts[name] = st
	return nil
}

func (s *testSession) Bind(ctx context.Context, portal, stmt string, paramFormats []int16, params [][]byte, resultFormats []int16) error {
	st, ok := s.stmts[stmt]
	if !ok {
		return pgerr.New(pgerr.InvalidSQLStatementName, "prepared statement \"%s\" does not exist", stmt)
	}
	if len(params) != len(st.params) {
		return pgerr.New(pgerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement \"%s\" requires %d", len(params), stmt, len(st.params))
	}
	p := &testPortal{res: st.res, formats: resultFormats}
	if st.res != nil && st.res.literal != nil {
		p.param = st.res.literal
	}
	if len(params) == 1 {
		p.param = params[0]
		if len(paramFormats) > 0 && paramFormats[0] == 1 && st.params[0] == pgtype.Int8OID && len(params[0]) == 8 {
			var v int64
			for _, b := range params[0] {
				v = v<<8 | int64(b)
			}
			p.param = []byte(strconv.FormatInt(v, 10))
		}
	}
	s.portals[portal] = p
	return nil
}

func (s *testSession) DescribeStatement(ctx context.Context, name string) ([]uint32, []Field, error) {
	st, ok := s.stmts[name]
	if !ok {
		return nil, nil, pgerr.New(pgerr.InvalidSQLStatementName, "prepared statement \"%s\" does not exist", name)
	}
	if st.res == nil || st.res.copy != nil {
		return st.params, nil, nil
	}
	return st.params, st.res.fields, nil
}

func (s *testSession) DescribePortal(ctx context.Context, name string) ([]Field, []int16, error) {
	p, ok := s.portals[name]
	if !ok {
		return nil, nil, pgerr.New(pgerr.InvalidCursorName, "portal \"%s\" does not exist", name)
	}
	if p.res == nil {
		return nil, nil, nil
	}
	return p.res.fields, p.formats, nil
}

func (s *testSession) Execute(ctx context.Context, portal string, maxRows int, w ResultWriter) error {
	p, ok := s.portals[portal]
	if !ok {
		return pgerr.New(pgerr.InvalidCursorName, "portal \"%s\" does not exist", portal)
	}
	if p.res == nil {
		return w.EmptyQuery()
	}
	s.txFor(p.res.tag)
	if p.res.fields == nil && !p.res.panics && !p.res.block {
		return w.Complete(p.res.tag)
	}
	n, err := s.run(ctx, p.res, p, maxRows, w, pgtype.DefaultSettings())
	if err != nil {
		return err
	}
	if p.res.copy != nil {
		return nil
	}
	if !p.res.param && p.pos < p.res.rows {
		return w.Suspended()
	}
	return w.Complete(fmt.Sprintf("SELECT %d", n))
}

func (s *testSession) CloseStatement(name string) error { delete(s.stmts, name); return nil }
func (s *testSession) ClosePortal(name string) error    { delete(s.portals, name); return nil }
func (s *testSession) Sync(ctx context.Context) byte {
	delete(s.portals, "")
	return s.tx
}
func (s *testSession) TxStatus() byte { return s.tx }
func (s *testSession) Close()         { s.h.closed.Add(1) }
