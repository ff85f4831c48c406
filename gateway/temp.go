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
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// tempOIDBase numbers temporary tables above the lake's OIDs.
const tempOIDBase = 0x70000000

// tempTables are one session's temporary tables.
type tempTables struct {
	tables  map[string]*tempTable
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

// catalogState is the state this transaction reads (lakeState) with the
// session's temporary tables in pg_temp.
func (s *Session) catalogState() *catalog.State {
	base := s.lakeState()
	tt := s.temp
	if tt == nil || len(tt.tables) == 0 {
		return base
	}
	if tt.memoBase == base && tt.memoGen == tt.gen {
		return tt.memoState
	}
	sc := &catalog.Schema{Name: planner.TempSchema, OID: tempOIDBase}
	for _, t := range tt.tables {
		sc.Tables = append(sc.Tables, t.table())
	}
	slices.SortFunc(sc.Tables, func(a, b *catalog.Table) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	st := *base
	st.Schemas = slices.Clone(base.Schemas)
	i, _ := slices.BinarySearchFunc(st.Schemas, sc.Name, func(x *catalog.Schema, name string) int {
		if x.Name < name {
			return -1
		}
		if x.Name > name {
			return 1
		}
		return 0
	})
	st.Schemas = slices.Insert(st.Schemas, i, sc)
	tt.memoBase, tt.memoGen, tt.memoState = base, tt.gen, &st
	return &st
}

// table is the catalog table serving t's rows as of now: later writes make
// a new one, so a query reads the rows it was bound against.
func (t *tempTable) table() *catalog.Table {
	batches := slices.Clone(t.batches)
	return &catalog.Table{
		Schema: planner.TempSchema, Name: t.name, OID: t.oid, Columns: t.cols,
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

// dropTemp forgets every temporary table (session end, DISCARD).
func (s *Session) dropTemp() {
	if s.temp == nil {
		return
	}
	for _, t := range s.temp.tables {
		t.release()
	}
	s.temp = nil
}

// release forgets t's rows. They are not Released: a query bound before
// the drop (an open cursor) may still read them, and the engine's Go
// allocator leaves them to the garbage collector.
func (t *tempTable) release() {
	t.batches = nil
}

// isTempName says whether schema (possibly empty) can name a temporary
// table.
func isTempName(schema string) bool {
	return schema == "" || schema == planner.TempSchema
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
			if err := s.fillTemp(ctx, t, b); err != nil {
				t.release()
				return err
			}
		}
	}
	if s.temp == nil {
		s.temp = &tempTables{tables: map[string]*tempTable{}}
	}
	s.temp.nextOID++
	t.oid = tempOIDBase + s.temp.nextOID
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
func (s *Session) fillTemp(ctx context.Context, t *tempTable, b *planner.Bound) error {
	stream, err := s.open(ctx, b, nil, s.execOptions())
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

func (s *Session) execInsertTemp(ctx context.Context, st *planner.InsertTemp, w wire.ResultWriter) error {
	var t *tempTable
	if isTempName(st.Schema) {
		t = s.temp.get(st.Name)
	}
	if t == nil {
		if s.lakeTable(st.Schema, st.Name) != nil || !isTempName(st.Schema) && s.lakeState().Schema(st.Schema) != nil {
			return pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute INSERT in a read-only transaction")
		}
		if st.Schema != "" {
			return pgerr.New(pgerr.UndefinedTable, "relation \"%s.%s\" does not exist", st.Schema, st.Name)
		}
		return pgerr.New(pgerr.UndefinedTable, "relation \"%s\" does not exist", st.Name)
	}
	src, err := s.bind(st.SourceQuery(), nil)
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
	b, err := s.bind(q, nil)
	if err != nil {
		return err
	}
	before := t.rows
	if err := s.fillTemp(ctx, t, b); err != nil {
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
		if isTempName(n[0]) && s.temp.get(n[1]) != nil {
			anyTemp = true
		}
	}
	for _, n := range st.Names {
		schema, name := n[0], n[1]
		if isTempName(schema) && s.temp.get(name) != nil {
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
