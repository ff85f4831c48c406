package router

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/trinodb/trino-go-client/trino"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// item is what the reading goroutine hands the caller: a batch, the end, or
// an error.
type item struct {
	rec arrow.RecordBatch
	err error
	end bool
}

// query is one attempt of a statement on one cluster. A goroutine reads
// Trino's pages and builds batches; the channel between it and the caller
// holds one batch, so at most about two batches and the client's one
// prefetched page are in memory whatever the result's size (backpressure:
// Trino is asked for the next page only when the caller reads on).
type query struct {
	r    *Router
	t    *tier
	c    *cluster
	req  *Request
	user string

	ctx    context.Context // the attempt's life: ended by Close, the caller's ctx or the end
	cancel context.CancelFunc
	unhook func() bool // stops following the caller's ctx
	sink   *queryIDSink
	out    chan item
	done   chan struct{} // closed when the reading goroutine has finished
	notes  *mailbox

	mu        sync.Mutex
	schema    *arrow.Schema
	completed bool // Trino reported the end of the result
	killed    sync.Once
	started   time.Time
}

// start begins an attempt: the statement is submitted on the cluster from a
// new goroutine.
func (r *Router) start(ctx context.Context, t *tier, c *cluster, req *Request, sqlText string, notes *mailbox) *query {
	qctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sink := &queryIDSink{}
	qctx = context.WithValue(qctx, queryIDKey{}, sink)
	q := &query{
		r: r, t: t, c: c, req: req, user: r.userOf(c, req),
		ctx: qctx, cancel: cancel, sink: sink,
		out: make(chan item, 1), done: make(chan struct{}), notes: notes, started: time.Now(),
	}
	// The caller's ctx and the router's Close both end the query.
	unhookCaller := context.AfterFunc(ctx, cancel)
	unhookRouter := context.AfterFunc(r.life, cancel)
	q.unhook = func() bool {
		a, b := unhookCaller(), unhookRouter()
		return a && b
	}
	c.inflight.Add(1)
	c.attempts.Add(1)
	r.wg.Add(1)
	go q.run(sqlText)
	return q
}

func (r *Router) userOf(c *cluster, req *Request) string {
	switch {
	case req.User != "":
		return req.User
	case c.cfg.User != "":
		return c.cfg.User
	}
	return "sluice"
}

func (q *query) run(sqlText string) {
	defer q.r.wg.Done()
	defer close(q.done)
	err := q.stream(sqlText)
	q.c.inflight.Add(-1)
	if q.ctx.Err() != nil {
		// Stopped before the end (Close, the caller's cancel, the router's
		// Close): make sure Trino stops too, whatever the client library
		// managed to send.
		q.killIfRunning()
	}
	if err != nil {
		q.send(item{err: err})
	} else {
		q.send(item{end: true})
	}
	if q.ctx.Err() != nil {
		// Nobody will read what is left: release it.
		for {
			select {
			case it := <-q.out:
				if it.rec != nil {
					it.rec.Release()
				}
			default:
				return
			}
		}
	}
}

// abort ends the attempt without waiting for its reader: the Trino query is
// killed at once (the client library's own cleanup can take seconds on a
// busy cluster) and the reader finishes in the background.
func (q *query) abort() {
	q.cancel()
	q.unhook()
	q.killIfRunning()
}

// killIfRunning sends DELETE /v1/query/{id}, once, unless Trino already
// reported the end of the result.
func (q *query) killIfRunning() {
	q.mu.Lock()
	completed := q.completed
	q.mu.Unlock()
	id := q.sink.get()
	if completed || id == "" {
		return
	}
	q.killed.Do(func() {
		q.r.wg.Add(1) // the reader is still counted, so the group is not at zero
		go func() {
			defer q.r.wg.Done()
			_ = q.c.kill(id, q.user, 2*time.Second)
		}()
	})
}

// send hands an item to the caller unless the attempt has ended.
func (q *query) send(it item) bool {
	select {
	case q.out <- it:
		return true
	case <-q.ctx.Done():
		if it.rec != nil {
			it.rec.Release()
		}
		return false
	}
}

func (q *query) config() *trino.Config {
	u, _ := url.Parse(q.c.base)
	if q.c.cfg.Password != "" && u.Scheme == "https" {
		u.User = url.UserPassword(q.user, q.c.cfg.Password)
	} else {
		u.User = url.User(q.user)
	}
	tz := q.req.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	retryTimeout := q.r.cfg.RequestTimeout
	attempts := 3
	return &trino.Config{
		ServerURI:               u.String(),
		Source:                  q.req.Source,
		Catalog:                 q.req.Catalog,
		Schema:                  q.req.Schema,
		SessionProperties:       q.req.Session,
		ClientTags:              q.req.ClientTags,
		TimeZone:                tz,
		HTTPClient:              q.c.client,
		DisableExplicitPrepare:  true,
		RequestRetryTimeout:     &retryTimeout,
		RequestRetryMaxAttempts: &attempts,
	}
}

// stream runs the statement and sends its rows as batches.
func (q *query) stream(sqlText string) error {
	connector, err := trino.NewConnector(q.config())
	if err != nil {
		return pgerr.New(pgerr.InvalidParameterValue, "Trino cluster %q: %v", q.c.cfg.Name, err)
	}
	dc, err := connector.Connect(q.ctx)
	if err != nil {
		return &clusterError{q.c.cfg.Name, err}
	}
	defer dc.Close()
	stmt, err := dc.(driver.ConnPrepareContext).PrepareContext(q.ctx, sqlText)
	if err != nil {
		return q.wrap(err)
	}
	defer stmt.Close()
	args := []driver.NamedValue{
		{Name: "X-Trino-Progress-Callback", Value: trino.ProgressUpdater(progressSink{q})},
		{Name: "X-Trino-Progress-Callback-Period", Value: q.r.cfg.ProgressInterval},
	}
	rows, err := stmt.(driver.StmtQueryContext).QueryContext(q.ctx, args)
	if err != nil {
		return q.wrap(err)
	}
	defer rows.Close()

	names := rows.Columns()
	typed, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
	trinoTypes := make([]string, len(names))
	for i := range names {
		trinoTypes[i] = "unknown"
		if typed != nil {
			trinoTypes[i] = typed.ColumnTypeDatabaseTypeName(i)
		}
	}
	schema, types, err := q.resultSchema(names, trinoTypes)
	if err != nil {
		return err
	}
	q.mu.Lock()
	q.schema = schema
	q.mu.Unlock()
	cols := make([]column, len(names))
	for i := range names {
		cols[i] = newColumn(names[i], trinoTypes[i], types[i])
	}
	if len(cols) == 0 {
		// A statement without a result (DDL, CALL): drain to the end.
		for {
			if err := rows.Next(nil); err != nil {
				if err == io.EOF || errors.Is(err, sql.ErrNoRows) {
					q.markCompleted()
					return nil
				}
				return q.wrap(err)
			}
		}
	}

	b := array.NewRecordBuilder(q.r.mem, schema)
	defer b.Release()
	dest := make([]driver.Value, len(cols))
	n := 0
	for {
		err := rows.Next(dest)
		if err == io.EOF || errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return q.wrap(err)
		}
		for i := range cols {
			if err := cols[i].appendValue(b.Field(i), dest[i]); err != nil {
				return err
			}
		}
		if n++; n == q.r.cfg.BatchRows {
			if !q.send(item{rec: b.NewRecordBatch()}) {
				return context.Canceled
			}
			n = 0
		}
	}
	q.markCompleted()
	if n > 0 && !q.send(item{rec: b.NewRecordBatch()}) {
		return context.Canceled
	}
	return nil
}

func (q *query) markCompleted() {
	q.mu.Lock()
	q.completed = true
	q.mu.Unlock()
}

// wrap marks failures of the cluster (not Trino's answer about the query)
// so that they are retried elsewhere and counted by the breaker.
func (q *query) wrap(err error) error {
	if q.ctx.Err() != nil {
		return context.Canceled
	}
	if classify(err) == kindCluster {
		var ce *clusterError
		if !errors.As(err, &ce) {
			return &clusterError{q.c.cfg.Name, err}
		}
	}
	return err
}

// resultSchema is the caller's schema (checked against Trino's columns) or,
// when the caller gave none, one derived from Trino's types.
func (q *query) resultSchema(names, trinoTypes []string) (*arrow.Schema, []pgtype.Type, error) {
	if q.req.Columns == nil {
		fields := make([]arrow.Field, len(names))
		types := make([]pgtype.Type, len(names))
		for i := range names {
			types[i] = pgTypeOf(strings.ToLower(trinoTypes[i]))
			fields[i] = arrow.Field{Name: names[i], Type: types[i].ArrowType(), Nullable: true}
		}
		return arrow.NewSchema(fields, nil), types, nil
	}
	fields := q.req.Columns.Fields()
	if len(fields) != len(names) {
		return nil, nil, pgerr.New(pgerr.InternalError, "Trino returned %d columns where %d were expected (cluster %q)", len(names), len(fields), q.c.cfg.Name)
	}
	types := make([]pgtype.Type, len(fields))
	for i, f := range fields {
		if i < len(q.req.Types) {
			types[i] = q.req.Types[i]
			continue
		}
		t, err := pgtype.FromArrow(f.Type)
		if err != nil {
			return nil, nil, err
		}
		types[i] = t
	}
	return q.req.Columns, types, nil
}

// pgTypeOf is the PostgreSQL type closest to a Trino type.
func pgTypeOf(t string) pgtype.Type {
	base := baseType(t)
	switch base {
	case "boolean":
		return pgtype.Bool
	case "tinyint", "smallint":
		return pgtype.Int2
	case "integer":
		return pgtype.Int4
	case "bigint":
		return pgtype.Int8
	case "real":
		return pgtype.Float4
	case "double":
		return pgtype.Float8
	case "decimal":
		if i := strings.IndexByte(t, '('); i >= 0 {
			ps := strings.Split(strings.TrimSuffix(t[i+1:], ")"), ",")
			if len(ps) == 2 {
				p, err1 := strconv.Atoi(strings.TrimSpace(ps[0]))
				s, err2 := strconv.Atoi(strings.TrimSpace(ps[1]))
				if err1 == nil && err2 == nil {
					return pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(p, s)}
				}
			}
		}
		return pgtype.Numeric
	case "varchar", "char":
		return pgtype.Text
	case "varbinary":
		return pgtype.Bytea
	case "date":
		return pgtype.Date
	case "time", "time with time zone":
		return pgtype.Time
	case "timestamp":
		return pgtype.Timestamp
	case "timestamp with time zone":
		return pgtype.Timestamptz
	case "interval day to second", "interval year to month":
		return pgtype.Interval
	case "uuid":
		return pgtype.UUID
	case "json":
		return pgtype.JSON
	case "array":
		if at, ok := pgtype.ArrayOf(pgTypeOf(elemType(t))); ok {
			return at
		}
	}
	return pgtype.Text
}

// progressSink receives the client's progress callbacks (on the client's
// goroutine) and leaves the latest in the mailbox for the caller.
type progressSink struct{ q *query }

func (p progressSink) Update(info trino.QueryProgressInfo) {
	s := info.QueryStats
	if s.State == "" || s.State == "FINISHED" || s.State == "FAILED" {
		return
	}
	elapsed := time.Duration(s.ElapsedTimeMillis) * time.Millisecond
	if elapsed < p.q.r.cfg.ProgressInterval {
		return // short queries say nothing
	}
	p.q.notes.setProgress(Notice{
		Kind: NoticeProgress, Tier: p.q.t.cfg.Name, Cluster: p.q.c.cfg.Name, QueryID: info.QueryId,
		State: s.State, Percent: float64(s.ProgressPercentage), Rows: s.ProcessedRows, Bytes: s.ProcessedBytes,
		Elapsed: elapsed,
		Message: fmt.Sprintf("Trino query %s on cluster %q: %s, %.0f%% done, %d rows and %s read in %s",
			info.QueryId, p.q.c.cfg.Name, s.State, float64(s.ProgressPercentage), s.ProcessedRows,
			byteSize(s.ProcessedBytes), elapsed.Round(time.Second)),
	})
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
