package gateway

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/sluicesql/sluice/cache"
	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner"
)

// icebergTable creates ice.orders (order_id, amount) in the lake's
// embedded Iceberg catalog.
func icebergTable(t *testing.T, lake string) *icetable.Table {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.LoadIcebergCatalog(ctx, catalog.EmbeddedIcebergCatalog(lake))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { catalog.CloseIcebergCatalog(cat) })
	if err := cat.CreateNamespace(ctx, icetable.Identifier{"ice"}, nil); err != nil {
		t.Fatal(err)
	}
	sc := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "order_id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 2, Name: "amount", Type: iceberg.PrimitiveTypes.Int64})
	tbl, err := cat.CreateTable(ctx, icetable.Identifier{"ice", "orders"}, sc)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// appendOrders commits orders [from, to) with amount = 10 × order_id as
// one Iceberg snapshot (iceberg-go's append, as an ingestion job does).
func appendOrders(t *testing.T, tbl *icetable.Table, from, to int) *icetable.Table {
	t.Helper()
	sc, err := icetable.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for i := from; i < to; i++ {
		rows = append(rows, fmt.Sprintf(`{"order_id": %d, "amount": %d}`, i, 10*i))
	}
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader("["+strings.Join(rows, ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	at := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	defer at.Release()
	next, err := tbl.AppendTable(context.Background(), at, 1024, nil)
	if err != nil {
		t.Fatal(err)
	}
	return next
}

// The key holds an Iceberg table's snapshot (current, or the one
// sluice.as_of names by id or by time), and an iceberg-go append published
// by the catalog drops the entries that read the table.
func TestCacheIceberg(t *testing.T) {
	lake := privateLake(t)
	tbl := icebergTable(t, lake)
	tbl = appendOrders(t, tbl, 1, 11)
	first := tbl.CurrentSnapshot()
	cs := startCacheServer(t, lake, cache.Config{}, CacheConfig{})
	ctx := testCtx(t)
	s := sessionFor(t, cs, "sluice")
	const q = "SELECT count(*), sum(amount) FROM ice.orders"
	bind := func() *planner.Bound {
		stmts, err := s.g.planner.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.bind(stmts[0].(*planner.Query), nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tableVersions := func(k cache.Key) string {
		var out []string
		for _, tv := range k.Tables {
			out = append(out, tv.Table+"@"+tv.Version)
		}
		return strings.Join(out, ",")
	}
	firstKey := s.planCache(bind(), nil).key
	if got, want := tableVersions(firstKey), fmt.Sprintf("ice.orders@%d", first.SnapshotID); got != want {
		t.Fatalf("key tables %s, want %s", got, want)
	}
	// Seed an entry under that key, as a run would.
	st, _, err := cs.cache.Open(ctx, cache.Request{Key: firstKey, Exec: func(context.Context) (cache.Stream, error) {
		return &memStream{}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	time.Sleep(20 * time.Millisecond) // snapshot times are milliseconds
	tbl = appendOrders(t, tbl, 11, 16)
	second := tbl.CurrentSnapshot()
	if changed, err := cs.lake.Refresh(ctx); err != nil || !changed {
		t.Fatalf("refresh: %v %v", changed, err)
	}
	if o, _ := cs.cache.Peek(firstKey, 0); o != cache.Miss {
		t.Fatalf("the append left the entry: %v", o)
	}
	now := s.planCache(bind(), nil).key
	if got, want := tableVersions(now), fmt.Sprintf("ice.orders@%d", second.SnapshotID); got != want {
		t.Fatalf("after the append: key tables %s, want %s", got, want)
	}

	// sluice.as_of, by id and by time, binds the first snapshot's table.
	for _, set := range []string{
		fmt.Sprintf("snapshot:%d", first.SnapshotID),
		time.UnixMilli(first.TimestampMs).UTC().Format("2006-01-02 15:04:05.000Z07:00"),
	} {
		v, err := checkAsOf(set, "")
		if err != nil {
			t.Fatal(err)
		}
		s.vals = s.vals.with(settingAsOf, v)
		b, err := s.timeTravel(ctx, bind())
		if err != nil {
			t.Fatalf("as of %s: %v", set, err)
		}
		if b.Tables[0].SnapshotID != first.SnapshotID || b.Tables[0].Version != fmt.Sprint(first.SnapshotID) {
			t.Fatalf("as of %s: snapshot %d", set, b.Tables[0].SnapshotID)
		}
		k := s.planCache(b, nil).key
		if tableVersions(k) != tableVersions(firstKey) || k.Digest() == firstKey.Digest() {
			t.Fatalf("as of %s: key %s (the setting must be in it too)", set, tableVersions(k))
		}
	}
	s.vals = s.vals.with(settingAsOf, "snapshot:12345")
	if _, err := s.timeTravel(ctx, bind()); err == nil || !strings.Contains(err.Error(), "ice.orders") {
		t.Fatalf("an unknown snapshot: %v", err)
	}
}

// End to end through a real client: a cached dashboard query over an
// Iceberg table; an iceberg-go append; once the catalog publishes it, the
// next run returns the new rows, never the cached ones. sluice.as_of reads
// the first snapshot again, by id and by time, each cached under its own
// key; a Hive-style table under it is an error naming the table.
func TestCacheIcebergRows(t *testing.T) {
	lake := privateLake(t)
	tbl := icebergTable(t, lake)
	tbl = appendOrders(t, tbl, 1, 11)
	first := tbl.CurrentSnapshot()
	cs := startCacheServer(t, lake, cache.Config{}, CacheConfig{})
	c := connectX(t, cs.dsn("sluice", "sluice"))
	const q = "SELECT count(*), sum(amount)::int8 FROM ice.orders"
	if got := rowsText(t, c, q); got != "[10 550];" {
		t.Fatalf("first snapshot: %s", got)
	}
	runs := cs.engine.runs.Load()
	if got := rowsText(t, c, q); got != "[10 550];" || cs.engine.runs.Load() != runs {
		t.Fatalf("second run: %s, %d executions", got, cs.engine.runs.Load()-runs)
	}
	time.Sleep(20 * time.Millisecond) // snapshot times are milliseconds
	tbl = appendOrders(t, tbl, 11, 16)
	if got := rowsText(t, c, q); got != "[10 550];" {
		t.Fatalf("before the catalog saw the append: %s", got)
	}
	if changed, err := cs.lake.Refresh(testCtx(t)); err != nil || !changed {
		t.Fatalf("refresh: %v %v", changed, err)
	}
	if got := rowsText(t, c, q); got != "[15 1200];" {
		t.Fatalf("after the append: %s", got)
	}

	runs = cs.engine.runs.Load()
	for i, set := range []string{
		fmt.Sprintf("snapshot:%d", first.SnapshotID),
		time.UnixMilli(first.TimestampMs).UTC().Format("2006-01-02 15:04:05.000Z07:00"),
	} {
		if _, err := c.Exec(testCtx(t), "SET sluice.as_of = '"+set+"'"); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 2; j++ {
			binds := cs.planner.binds.Load()
			if got := rowsText(t, c, q); got != "[10 550];" {
				t.Fatalf("as of %s: %s", set, got)
			}
			// A hit under time travel binds nothing either.
			if n := cs.planner.binds.Load() - binds; j == 1 && n != 0 {
				t.Fatalf("as of %s, second run: %d binds", set, n)
			}
		}
		// The setting is in the key: each spelling runs once, then hits.
		if got := cs.engine.runs.Load() - runs; got != int64(i+1) {
			t.Fatalf("as of %s: %d executions, want %d", set, got, i+1)
		}
	}
	if e := explainText(t, c, q); !strings.Contains(e, "Cache: hit") {
		t.Fatalf("EXPLAIN under as_of: %s", e)
	}
	_, err := c.Exec(testCtx(t), "SELECT count(*) FROM gold.orders")
	if err == nil || !strings.Contains(err.Error(), "gold.orders") || !strings.Contains(err.Error(), "0A000") {
		t.Fatalf("as_of over a Hive table: %v", err)
	}
	if _, err := c.Exec(testCtx(t), "RESET sluice.as_of"); err != nil {
		t.Fatal(err)
	}
	if got := rowsText(t, c, q); got != "[15 1200];" {
		t.Fatalf("after RESET: %s", got)
	}

	// Through the catalog's poller, as a server runs: an append is seen
	// by the first query after the catalog publishes it; until then every
	// answer is the cached snapshot's.
	ctx, stop := context.WithCancel(testCtx(t))
	defer stop()
	published := make(chan time.Time, 1)
	cancel := cs.lake.Subscribe(func(catalog.Commit) {
		select {
		case published <- time.Now():
		default:
		}
	})
	defer cancel()
	const interval = 100 * time.Millisecond
	go cs.lake.Poll(ctx, interval)
	time.Sleep(20 * time.Millisecond)
	appendOrders(t, tbl, 16, 21)
	committed := time.Now() // the append's commit returned
	var at time.Time
	for at.IsZero() {
		select {
		case at = <-published:
		case <-time.After(30 * time.Second):
			t.Fatal("the poller never published the append")
		default:
			if got := rowsText(t, c, q); got != "[15 1200];" && got != "[20 2100];" {
				t.Fatalf("while the append is published: %s", got)
			}
		}
	}
	if got := rowsText(t, c, q); got != "[20 2100];" {
		t.Fatalf("after the poller published the append: %s", got)
	}
	t.Logf("append to visible: %s (poll interval %s)", at.Sub(committed).Round(time.Millisecond), interval)
}
