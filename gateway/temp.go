package gateway

// Session-scoped temporary tables (CREATE TEMP TABLE, INSERT, DROP TABLE):
// Tableau stages filter sets and extracts in them. Their rows are Arrow
// batches held by the session and gone with it. Queries see them through
// the catalog state the session binds against: a copy of the lake's state
// with a pg_temp schema whose tables serve the session's batches, so
// binding and scanning need no special case. Those tables are session
// dependent, so the result cache never answers a query reading them.

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// tempOIDBase numbers temporary tables above the lake's OIDs; it is the
// OID of the session's pg_temp_N schema, and the one below it the OID of
// its pg_toast_temp_N.
const tempOIDBase = 0x70000000

// tempTables are one session's temporary tables.
type tempTables struct {
	tables map[string]*tempTable
	// created says the session's temporary schema exists: PostgreSQL
	// creates pg_temp_N with the first temporary table and keeps it when
	// the tables are dropped, unless the transaction creating it aborts.
	created bool
	nextOID uint32
	gen     uint64 // changes with every write, for the overlay's memo

	memoBase  *catalog.State
	memoGen   uint64
	memoState *catalog.State
}

// tempTable is one temporary table: its columns and rows.
type tempTable struct {
	name    string
	oid     uint32
	cols    []catalog.Column
	batches []arrow.RecordBatch
	rows    int64
	version uint64
}

func (tt *tempTables) get(name string) *tempTable {
	if tt == nil {
		return nil
	}
	return tt.tables[name]
}

// tempSchemaName is the session's temporary schema as PostgreSQL names it,
// pg_temp_N with N the backend's number (here the session's id).
func (s *Session) tempSchemaName() string {
	return "pg_temp_" + strconv.FormatUint(s.id, 10)
}

// catalogState is the state this transaction reads (lakeState) with the
// session's temporary schema pg_temp_N (and PostgreSQL's companion
// pg_toast_temp_N) holding its temporary tables. Its Version is its own,
// so that nothing keyed by a state's Version (prepared statements' binds,
// the result cache's catalog answers) mixes the session's catalog with the
// lake's or another session's.
func (s *Session) catalogState() *catalog.State {
	base := s.lakeState()
	tt := s.temp
	if tt == nil || !tt.created {
		return base
	}
	if tt.memoBase == base && tt.memoGen == tt.gen {
		return tt.memoState
	}
	n := strconv.FormatUint(s.id, 10)
	sc := &catalog.Schema{Name: "pg_temp_" + n, OID: tempOIDBase, Temp: true}
	toast := &catalog.Schema{Name: "pg_toast_temp_" + n, OID: tempOIDBase - 1}
	for _, t := range tt.tables {
		sc.Tables = append(sc.Tables, t.table(sc.Name))
	}
	slices.SortFunc(sc.Tables, func(a, b *catalog.Table) int { return strings.Compare(a.Name, b.Name) })
	// The top bit keeps the version apart from the lake's counted ones.
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/%d", base.Version, s.id, tt.gen)
	st := base.WithSessionSchemas(h.Sum64()|1<<63, sc, toast)
	tt.memoBase, tt.memoGen, tt.memoState = base, tt.gen, st
	return st
}

// catalogSearchPath is the search path the catalog functions
// (pg_table_is_visible, regclass output, ...) see: once the temporary
// schema exists, where the path names pg_temp, else first, before even the
// implicit pg_catalog (which is then listed after it), as PostgreSQL
// searches pg_temp first for relations.
func (s *Session) catalogSearchPath() []string {
	path := s.SearchPath()
	if s.temp == nil || !s.temp.created {
		return path
	}
	out := make([]string, 0, len(path)+2)
	listed, catalogListed := false, false
	for _, p := range path {
		switch p {
		case planner.TempSchema:
			p, listed = s.tempSchemaName(), true
		case "pg_catalog":
			catalogListed = true
		}
		out = append(out, p)
	}
	if listed {
		return out
	}
	if !catalogListed {
		out = append([]string{"pg_catalog"}, out...)
	}
	return append([]string{s.tempSchemaName()}, out...)
}

// tempSnapshot is the session's temporary tables as a transaction or
// savepoint began, for ROLLBACK to restore: temporary tables, their rows
// and their schema are transactional in PostgreSQL.
type tempSnapshot struct {
	tables  map[string]tempTable // copies: later writes change the live ones
	created bool
}

// snapshotTemp records the temporary tables as they are now.
func (s *Session) snapshotTemp() tempSnapshot {
	if s.temp == nil {
		return tempSnapshot{}
	}
	snap := tempSnapshot{tables: make(map[string]tempTable, len(s.temp.tables)), created: s.temp.created}
	for name, t := range s.temp.tables {
		snap.tables[name] = *t
	}
	return snap
}

// restoreTemp puts back the temporary tables a snapshot recorded. OIDs
// given out since are not reused, as PostgreSQL's are not.
func (s *Session) restoreTemp(snap tempSnapshot) {
	if s.temp == nil {
		if !snap.created {
			return
		}
		s.temp = &tempTables{}
	}
	s.temp.tables = make(map[string]*tempTable, len(snap.tables))
	for name, t := range snap.tables {
		c := t
		// Appends after the restore must not write into the slice the
		// snapshot (or an earlier table()) still shares.
		c.batches = slices.Clip(c.batches)
		s.temp.tables[name] = &c
	}
	s.temp.created = snap.created
	s.temp.gen++
}

// table is the catalog table serving t's rows as of now: later writes make
// a new one, so a query reads the rows it was bound against.
func (t *tempTable) table(schema string) *catalog.Table {
	batches := slices.Clone(t.batches)
	return &catalog.Table{
		Schema: schema, Name: t.name, OID: t.oid, Columns: t.cols,
		RowTypeOID: t.oid + 1, ArrayTypeOID: t.oid + 2,
		Format: catalog.FormatSystem, SessionDependent: true,
		Version: strconv.FormatUint(t.version, 10), RowCount: t.rows, SizeBytes: -1,
		Rows: func(context.Context) ([]arrow.RecordBatch, error) {
			out := make([]arrow.RecordBatch, len(batches))
			for i, b := range batches {
				b.Retain()
				out[i] = b
			}
			return out, nil
		},
	}
}

// dropTemp forgets every temporary table (session end, DISCARD). The
// temporary schema stays, as PostgreSQL's pg_temp_N does.
func (s *Session) dropTemp() {
	if s.temp == nil {
		return
	}
	for _, t := range s.temp.tables {
		t.release()
	}
	s.temp.tables = map[string]*tempTable{}
	s.temp.gen++
}

// release forgets t's rows. They are not Released: a query bound before
// the drop (an open cursor) may still read them, and the engine's Go
// allocator leaves them to the garbage collector.
func (t *tempTable) release() {
	t.batches = nil
}

// isTempName says whether schema (possibly empty) can name a temporary
// table: pg_temp or the session's own pg_temp_N.
func (s *Session) isTempName(schema string) bool {
	return schema == "" || schema == planner.TempSchema || schema == s.tempSchemaName()
}

// lakeTable finds the lake table an unqualified or qualified name means,
// for the read-only error of writing it; nil if there is none.
func (s *Session) lakeTable(schema, name string) *catalog.Table {
	st := s.lakeState()
	if schema != "" {
		t, _ := st.Table(schema, name)
		return t
	}
	for _, sc := range append([]string{"pg_catalog"}, s.SearchPath()...) {
		if t, err := st.Table(sc, name); err == nil {
			return t
		}
	}
	return nil
}

func (s *Session) execCreateTemp(ctx context.Context, st *planner.CreateTemp, w wire.ResultWriter) error {
	if s.temp.get(st.Name) != nil {
		if st.IfNotExists {
			if err := w.Notice("NOTICE", "42P07", fmt.Sprintf("relation \"%s\" already exists, skipping", st.Name)); err != nil {
				return err
			}
			if st.Query != nil {
				return w.Complete("CREATE TABLE AS")
			}
			return w.Complete("CREATE TABLE")
		}
		return pgerr.New("42P07", "relation \"%s\" already exists", st.Name)
	}
	t := &tempTable{name: st.Name, cols: st.Columns}
	if st.Query != nil {
		b, err := s.bind(st.Query, nil)
		if err != nil {
			return err
		}
		if len(st.ColumnNames) > len(b.Columns) {
			return pgerr.New(pgerr.SyntaxError, "too many column names were specified")
		}
		for i, c := range b.Columns {
			name := c.Name
			if i < len(st.ColumnNames) {
				name = st.ColumnNames[i]
			}
			typ := c.Type
			if typ.OID == pgtype.Unknown.OID {
				typ = pgtype.Text
			}
			for _, prev := range t.cols {
				if prev.Name == name {
					return pgerr.New("42701", "column \"%s\" specified more than once", name)
				}
			}
			t.cols = append(t.cols, catalog.Column{Name: name, Type: typ})
		}
		if !st.WithNoData {
			if err := s.fillTemp(ctx, t, b, nil); err != nil {
				t.release()
				return err
			}
		}
	}
	if s.temp == nil {
		s.temp = &tempTables{tables: map[string]*tempTable{}}
	}
	s.temp.created = true
	// The table, its row type and the row type's array type.
	t.oid = tempOIDBase + s.temp.nextOID + 1
	s.temp.nextOID += 3
	s.temp.tables[t.name] = t
	s.temp.gen++
	if st.Query == nil {
		return w.Complete("CREATE TABLE")
	}
	if st.WithNoData {
		return w.Complete("CREATE TABLE AS")
	}
	return w.Complete(fmt.Sprintf("SELECT %d", t.rows))
}

// fillTemp runs a bound query and appends its rows to t, all or none.
func (s *Session) fillTemp(ctx context.Context, t *tempTable, b *planner.Bound, params []pgtype.Datum) error {
	stream, err := s.open(ctx, b, params, s.execOptions())
	if err != nil {
		return err
	}
	defer stream.Close()
	schema := arrow.NewSchema(nil, nil)
	{
		fields := make([]arrow.Field, len(t.cols))
		for i, c := range t.cols {
			fields[i] = arrow.Field{Name: c.Name, Type: c.Type.ArrowType(), Nullable: true}
		}
		schema = arrow.NewSchema(fields, nil)
	}
	var added []arrow.RecordBatch
	var n int64
	for {
		rec, err := stream.Next(ctx)
		if err != nil {
			for _, a := range added {
				a.Release()
			}
			return err
		}
		if rec == nil {
			break
		}
		if rec.NumRows() == 0 {
			rec.Release()
			continue
		}
		for i, f := range schema.Fields() {
			if !arrow.TypeEqual(rec.Column(i).DataType(), f.Type) {
				rec.Release()
				for _, a := range added {
					a.Release()
				}
				return pgerr.New(pgerr.InternalError, "temporary table %s: column %s arrives as %s, not %s", t.name, f.Name, rec.Column(i).DataType(), f.Type)
			}
		}
		added = append(added, array.NewRecordBatch(schema, rec.Columns(), rec.NumRows()))
		n += rec.NumRows()
		rec.Release()
	}
	t.batches = append(t.batches, added...)
	t.rows += n
	t.version++
	return nil
}

// insertTempParams are the parameter types of INSERT's $n, for a prepared
// INSERT (declared: the types Parse gave, Unknown where none). As
// PostgreSQL does, a parameter standing alone as a value of a column
// takes the column's type; the rest are typed as the source query types
// them. The source query bound with those types is what the prepared
// statement keeps (prepared.bound): its ParamTypes are the statement's.
// A table that does not exist fails here, at Parse, as in PostgreSQL.
func (s *Session) insertTempParams(st *planner.InsertTemp, declared []pgtype.Type) (*planner.Bound, error) {
	types := slices.Clone(declared)
	var t *tempTable
	if s.isTempName(st.Schema) {
		t = s.temp.get(st.Name)
	}
	if t == nil {
		if s.lakeTable(st.Schema, st.Name) == nil && (s.isTempName(st.Schema) || s.lakeState().Schema(st.Schema) == nil) {
			if st.Schema != "" {
				return nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s.%s\" does not exist", st.Schema, st.Name)
			}
			return nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s\" does not exist", st.Name)
		}
	} else {
		targets := st.Columns
		if len(targets) == 0 {
			for _, c := range t.cols {
				targets = append(targets, c.Name)
			}
		}
		for _, row := range valueRows(st.Select) {
			for i, v := range row {
				p := v.GetParamRef()
				if p == nil || i >= len(targets) || p.Number < 1 {
					continue
				}
				for len(types) < int(p.Number) {
					types = append(types, pgtype.Unknown)
				}
				if types[p.Number-1].OID != pgtype.UnknownOID {
					continue
				}
				for _, c := range t.cols {
					if c.Name == targets[i] {
						types[p.Number-1] = pgtype.Type{OID: c.Type.OID, Typmod: -1}
					}
				}
			}
		}
	}
	return s.bind(st.SourceQuery(), types)
}

// rebindInsertTemp types a prepared INSERT's parameters when it is
// prepared, and checks its target again when the session's catalog changed
// since, as PostgreSQL revalidates a cached plan at Bind (a dropped table
// is 42P01 there). The parameter types stay those of Parse.
func (s *Session) rebindInsertTemp(ps *prepared, st *planner.InsertTemp) error {
	state := s.catalogState()
	if ps.bound != nil && ps.boundCatalog == state.Version {
		return nil
	}
	declared := ps.paramTypes
	if ps.bound != nil {
		declared = ps.bound.ParamTypes
	}
	b, err := s.insertTempParams(st, declared)
	if err != nil {
		return err
	}
	ps.bound, ps.boundCatalog = b, state.Version
	return nil
}

// valueRows are the rows of value expressions of INSERT's source: each
// VALUES row, or a plain SELECT's target list.
func valueRows(n *pg_query.Node) [][]*pg_query.Node {
	sel := n.GetSelectStmt()
	if sel == nil || sel.Op != pg_query.SetOperation_SETOP_NONE {
		return nil
	}
	var rows [][]*pg_query.Node
	for _, l := range sel.ValuesLists {
		rows = append(rows, l.GetList().GetItems())
	}
	if len(rows) == 0 && len(sel.FromClause) == 0 {
		var row []*pg_query.Node
		for _, t := range sel.TargetList {
			row = append(row, t.GetResTarget().GetVal())
		}
		rows = append(rows, row)
	}
	return rows
}

// execInsertTemp runs INSERT into a temporary table; a prepared INSERT
// brings its parameters and, as a.bound, its source query bound with their
// types (insertTempParams).
func (s *Session) execInsertTemp(ctx context.Context, st *planner.InsertTemp, w wire.ResultWriter, a args) error {
	var t *tempTable
	if s.isTempName(st.Schema) {
		t = s.temp.get(st.Name)
	}
	if t == nil {
		if s.lakeTable(st.Schema, st.Name) != nil || !s.isTempName(st.Schema) && s.lakeState().Schema(st.Schema) != nil {
			return pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute INSERT in a read-only transaction")
		}
		if st.Schema != "" {
			return pgerr.New(pgerr.UndefinedTable, "relation \"%s.%s\" does not exist", st.Schema, st.Name)
		}
		return pgerr.New(pgerr.UndefinedTable, "relation \"%s\" does not exist", st.Name)
	}
	var paramTypes []pgtype.Type
	if a.bound != nil {
		paramTypes = a.bound.ParamTypes
	}
	src, err := s.bind(st.SourceQuery(), paramTypes)
	if err != nil {
		return err
	}
	types := make([]pgtype.Type, len(src.Columns))
	for i, c := range src.Columns {
		types[i] = c.Type
	}
	q, err := st.InsertQuery(t.cols, types)
	if err != nil {
		return err
	}
	b, err := s.bind(q, paramTypes)
	if err != nil {
		return err
	}
	before := t.rows
	if err := s.fillTemp(ctx, t, b, a.params); err != nil {
		return err
	}
	s.temp.gen++
	return w.Complete(fmt.Sprintf("INSERT 0 %d", t.rows-before))
}

func (s *Session) execDropTables(st *planner.DropTables, w wire.ResultWriter) error {
	// Every name is checked before any table is dropped, as PostgreSQL
	// drops all or none.
	var drop []string
	var notices []string
	anyTemp := false
	for _, n := range st.Names {
		if s.isTempName(n[0]) && s.temp.get(n[1]) != nil {
			anyTemp = true
		}
	}
	for _, n := range st.Names {
		schema, name := n[0], n[1]
		if s.isTempName(schema) && s.temp.get(name) != nil {
			drop = append(drop, name)
			continue
		}
		// Dropping what is not a temporary table is a write to the
		// read-only lake, as PostgreSQL's read-only transactions refuse
		// DROP before looking for the table; a name missing beside a
		// temporary table is PostgreSQL's missing table.
		if !anyTemp || s.lakeTable(schema, name) != nil {
			return pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute DROP TABLE in a read-only transaction")
		}
		what := name
		if schema != "" {
			what = schema + "." + name
		}
		if !st.IfExists {
			return pgerr.New(pgerr.UndefinedTable, "table \"%s\" does not exist", what)
		}
		notices = append(notices, fmt.Sprintf("table \"%s\" does not exist, skipping", what))
	}
	for _, m := range notices {
		if err := w.Notice("NOTICE", "00000", m); err != nil {
			return err
		}
	}
	for _, name := range drop {
		if t := s.temp.get(name); t != nil {
			t.release()
			delete(s.temp.tables, name)
			s.temp.gen++
		}
	}
	return w.Complete("DROP TABLE")
}
