package gateway

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/cache"
	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// cacheSchema is the schema of Sluice's own tables, where cache_entries
// joins the catalog's sluice.tables and sluice.freshness.
const cacheSchema = catalog.SluiceSchemaName

// cacheEntriesOID is next to the catalog's sluice tables' OIDs: below
// PostgreSQL's first user OID and unused by PostgreSQL 15.
const cacheEntriesOID = catalog.SluiceNamespaceOID + 3

// cacheSource serves the catalog's states with sluice.cache_entries added
// to the sluice schema: it lists the result cache. Cache entries are server
// state, not catalog state, so the table lives here and the catalog never
// learns of the cache; its rows are read live at each scan.
type cacheSource struct {
	src     catalog.Source
	entries *catalog.Table
	last    atomic.Pointer[[2]*catalog.State] // the last state and its extended copy
}

func newCacheSource(src catalog.Source, c *cache.Cache) *cacheSource {
	t := &catalog.Table{
		Schema: cacheSchema, Name: "cache_entries", OID: cacheEntriesOID, Format: catalog.FormatSystem,
		Comment: "Results held by the result cache, most recently used first.",
		Columns: []catalog.Column{
			{Name: "key", Type: pgtype.Text, NotNull: true},
			{Name: "tables", Type: pgtype.Text, NotNull: true},
			{Name: "bytes", Type: pgtype.Int8, NotNull: true},
			{Name: "rows", Type: pgtype.Int8, NotNull: true},
			{Name: "hits", Type: pgtype.Int8, NotNull: true},
			{Name: "created", Type: pgtype.Timestamptz, NotNull: true},
			{Name: "stale_since", Type: pgtype.Timestamptz},
			{Name: "age", Type: pgtype.Interval, NotNull: true},
		},
		// Never equal between two reads: nothing may cache these rows.
		Version:          "live",
		SessionDependent: true,
		RowCount:         -1, SizeBytes: -1,
	}
	t.Rows = func(ctx context.Context) ([]arrow.RecordBatch, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return []arrow.RecordBatch{cacheEntriesBatch(t.ArrowSchema(), c.Entries(), time.Now())}, nil
	}
	return &cacheSource{src: src, entries: t}
}

// Current implements catalog.Source: the source's state with the sluice
// schema, made once per state.
func (c *cacheSource) Current() *catalog.State {
	st := c.src.Current()
	if st == nil {
		return nil
	}
	if p := c.last.Load(); p != nil && p[0] == st {
		return p[1]
	}
	ext := *st
	i := slices.IndexFunc(st.Schemas, func(sc *catalog.Schema) bool { return sc.Name == cacheSchema })
	if i < 0 || st.Schemas[i].OID != catalog.SluiceNamespaceOID {
		return st // a lake layer of that name took the schema's place: it wins
	}
	sc := *st.Schemas[i]
	sc.Tables = append(slices.Clone(sc.Tables), c.entries)
	slices.SortFunc(sc.Tables, func(a, b *catalog.Table) int { return strings.Compare(a.Name, b.Name) })
	ext.Schemas = slices.Clone(st.Schemas)
	ext.Schemas[i] = &sc
	c.last.Store(&[2]*catalog.State{st, &ext})
	return &ext
}

func cacheEntriesBatch(sc *arrow.Schema, es []cache.EntryInfo, now time.Time) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	micros := func(t time.Time) arrow.Timestamp { return arrow.Timestamp(t.UnixMicro()) }
	for _, e := range es {
		tables := make([]string, 0, len(e.Tables))
		for _, t := range e.Tables {
			name := t.Table
			if name == "" {
				name = "(catalog)"
			}
			tables = append(tables, name+"@"+t.Version)
		}
		b.Field(0).(*array.StringBuilder).Append(e.Digest)
		b.Field(1).(*array.StringBuilder).Append(strings.Join(tables, ", "))
		b.Field(2).(*array.Int64Builder).Append(e.Bytes)
		b.Field(3).(*array.Int64Builder).Append(e.Rows)
		b.Field(4).(*array.Int64Builder).Append(e.Hits)
		b.Field(5).(*array.TimestampBuilder).Append(micros(e.Created))
		if e.StaleSince.IsZero() {
			b.Field(6).AppendNull()
		} else {
			b.Field(6).(*array.TimestampBuilder).Append(micros(e.StaleSince))
		}
		age := now.Sub(e.Created).Truncate(time.Microsecond)
		b.Field(7).(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Nanoseconds: age.Nanoseconds()})
	}
	return b.NewRecordBatch()
}

// committer is a catalog source that reports commits (catalog.Lake).
type committer interface {
	Subscribe(fn func(catalog.Commit)) (cancel func())
}

// useCache wires the result cache to a catalog source: commits invalidate
// the entries that read the changed tables, the cache's counters join the
// metrics, and the source gains sluice.cache_entries.
func useCache(c *cache.Cache, source catalog.Source, m *Metrics) catalog.Source {
	if l, ok := source.(committer); ok {
		l.Subscribe(func(cm catalog.Commit) {
			names := make([]string, len(cm.Changed))
			for i, r := range cm.Changed {
				names[i] = r.String()
			}
			c.Invalidate(names)
		})
	}
	if m.reg != nil {
		m.reg.MustRegister(newCacheCollector(c))
	}
	return newCacheSource(source, c)
}
