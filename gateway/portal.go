package gateway

import (
	"context"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// fetchAll is PostgreSQL's FETCH_ALL count.
const fetchAll = math.MaxInt64

// prepared is a prepared statement: from the protocol's Parse or from SQL
// PREPARE, which share one namespace.
type prepared struct {
	name       string
	sql        string
	stmt       planner.Statement // nil: the empty query
	paramTypes []pgtype.Type     // as declared (Unknown where not)
	// query is the part of stmt with parameters and a plan (the statement
	// itself, or the query of DECLARE, EXPLAIN, COPY); nil for others.
	query *planner.Query
	bound *planner.Bound
	// What bound was bound against; a change binds again.
	boundCatalog uint64
	boundPath    string
}

// params are the resolved parameter types of the statement.
func (p *prepared) params() []pgtype.Type {
	if p.bound != nil {
		return p.bound.ParamTypes
	}
	return p.paramTypes
}

// rowSpec says what a row-returning portal produces.
type rowSpec struct {
	fields []wire.Field
	tag    string // CommandComplete verb: SELECT, SHOW, EXPLAIN
	// doneTag, if set, is the whole tag at the end (a materialized FETCH
	// reports its own count, not the rows of the last Execute).
	doneTag string
	route   string
	open    func(ctx context.Context) (engine.Stream, error)
}

// portal is a protocol portal or a SQL cursor; PostgreSQL keeps both in
// one namespace and FETCH works on either.
type portal struct {
	name    string
	seq     uint64
	cursor  bool // made by DECLARE
	hold    bool // WITH HOLD: survives COMMIT
	scroll  bool // SCROLL: may move backwards (rows read are kept)
	binary  bool // DECLARE BINARY: FETCH in the simple protocol sends binary
	formats []int16

	// A row-returning portal has rows; any other runs stmt once with
	// params. described is what Describe reports for it.
	rows      *rowSpec
	stmt      planner.Statement
	params    args
	described []wire.Field
	ran       bool
	sql       string

	src    *rowSource // nil until the first fetch
	cancel context.CancelFunc
	// oneShot portals run to their end within one call, so their stream
	// can live under that call's context (no context of their own).
	oneShot bool
	// failed is set by an error while running: PostgreSQL then refuses
	// to run the portal again but keeps its name until CLOSE or the end
	// of its transaction.
	failed bool
	// PostgreSQL's portal position: atStart, atEnd and the current row.
	atStart, atEnd bool
	pos            int64
}

func (p *portal) fields() []wire.Field {
	if p.rows == nil {
		return nil
	}
	return p.rows.fields
}

// newPortal registers a portal under name, replacing the unnamed one.
func (s *Session) newPortal(name string, p *portal) {
	if name == "" {
		s.closePortal("")
	}
	s.portalSeq++
	p.name, p.seq, p.atStart = name, s.portalSeq, true
	s.portals[name] = p
}

// closePortal drops a portal and releases its stream.
func (s *Session) closePortal(name string) {
	p, ok := s.portals[name]
	if !ok {
		return
	}
	delete(s.portals, name)
	p.release()
}

func (p *portal) release() {
	if p.src != nil {
		p.src.close()
		p.src = nil
	}
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
}

// start opens the portal's rows under a context that outlives this call
// (a suspended portal or a cursor is fetched from later), cancelled when
// the portal closes.
func (s *Session) start(ctx context.Context, p *portal) error {
	if p.src != nil {
		return nil
	}
	if p.oneShot {
		stream, err := p.rows.open(ctx)
		if err != nil {
			return err
		}
		p.src = &rowSource{stream: stream, scroll: p.scroll}
		return nil
	}
	pctx, cancel := context.WithCancel(s.base)
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	stream, err := p.rows.open(pctx)
	if err != nil {
		cancel()
		return err
	}
	p.cancel = cancel
	p.src = &rowSource{stream: stream, scroll: p.scroll}
	return nil
}

// emitFunc receives rows [lo, hi) of a batch, in order.
type emitFunc func(rec arrow.RecordBatch, lo, hi int) error

// fetch moves the portal as FETCH/MOVE does (PostgreSQL's
// DoPortalRunFetch) and returns the row count for the tag. emit nil is MOVE.
func (s *Session) fetch(ctx context.Context, p *portal, dir planner.FetchDirection, count int64, emit emitFunc) (int64, error) {
	if p.failed {
		return 0, pgerr.New("55000", "portal \"%s\" cannot be run", p.name)
	}
	n, err := s.doFetch(ctx, p, dir, count, emit)
	if err != nil {
		p.failed = true
		p.release() // its stream is in an unknown state
	}
	return n, err
}

func (s *Session) doFetch(ctx context.Context, p *portal, dir planner.FetchDirection, count int64, emit emitFunc) (int64, error) {
	if err := s.start(ctx, p); err != nil {
		return 0, err
	}
	// A cancel or timeout of this call must stop the stream's work too.
	if p.cancel != nil {
		stop := context.AfterFunc(ctx, p.cancel)
		defer stop()
	}

	isMove := emit == nil
	forward := true
	switch dir {
	case planner.FetchForward, planner.FetchBackward:
		forward = dir == planner.FetchForward
		if count < 0 {
			count = fetchAll
		}
	case planner.FetchAbsolute:
		switch {
		case count > 0:
			if count-1 <= p.pos/2 {
				if err := p.rewind(); err != nil {
					return 0, err
				}
				if count > 1 {
					if _, err := p.runSelect(ctx, true, count-1, nil); err != nil {
						return 0, err
					}
				}
			} else {
				pos := p.pos
				if p.atEnd {
					pos++
				}
				if count <= pos {
					if _, err := p.runSelect(ctx, false, pos-count+1, nil); err != nil {
						return 0, err
					}
				} else if count > pos+1 {
					if _, err := p.runSelect(ctx, true, count-pos-1, nil); err != nil {
						return 0, err
					}
				}
			}
			return p.runSelect(ctx, true, 1, emit)
		case count < 0:
			if _, err := p.runSelect(ctx, true, fetchAll, nil); err != nil {
				return 0, err
			}
			if count < -1 {
				if _, err := p.runSelect(ctx, false, -count-1, nil); err != nil {
					return 0, err
				}
			}
			return p.runSelect(ctx, false, 1, emit)
		default:
			if err := p.rewind(); err != nil {
				return 0, err
			}
			return p.runSelect(ctx, true, 0, emit)
		}
	case planner.FetchRelative:
		switch {
		case count > 0:
			if count > 1 {
				if _, err := p.runSelect(ctx, true, count-1, nil); err != nil {
					return 0, err
				}
			}
			return p.runSelect(ctx, true, 1, emit)
		case count < 0:
			if count < -1 {
				if _, err := p.runSelect(ctx, false, -count-1, nil); err != nil {
					return 0, err
				}
			}
			return p.runSelect(ctx, false, 1, emit)
		}
		// RELATIVE 0 is FORWARD 0: the current row again.
	}
	if count == 0 {
		onRow := !p.atStart && !p.atEnd
		if isMove {
			if onRow {
				return 1, nil
			}
			return 0, nil
		}
		if onRow {
			if _, err := p.runSelect(ctx, false, 1, nil); err != nil {
				return 0, err
			}
			count, forward = 1, true
		}
	}
	if !forward && count == fetchAll && isMove {
		n := p.pos
		if n > 0 && !p.atEnd {
			n--
		}
		if err := p.rewind(); err != nil {
			return 0, err
		}
		return n, nil
	}
	return p.runSelect(ctx, forward, count, emit)
}

func errNoScroll() error {
	return pgerr.New("55000", "cursor can only scan forward").
		WithHint("Declare it with SCROLL option to enable backward scan.")
}

// runSelect moves count rows forward or backward, keeping PostgreSQL's
// position bookkeeping (PortalRunSelect).
func (p *portal) runSelect(ctx context.Context, forward bool, count int64, emit emitFunc) (int64, error) {
	if forward {
		if p.atEnd || count <= 0 {
			return 0, nil
		}
		n, err := p.src.forward(ctx, count, emit)
		if err != nil {
			return n, err
		}
		if n > 0 {
			p.atStart = false
		}
		if n < count {
			p.atEnd = true
		}
		p.pos += n
		return n, nil
	}
	if !p.scroll {
		return 0, errNoScroll()
	}
	if p.atStart || count <= 0 {
		return 0, nil
	}
	n, err := p.src.backward(count, emit)
	if err != nil {
		return n, err
	}
	if n > 0 && p.atEnd {
		p.atEnd = false
		p.pos++
	}
	if n < count {
		p.atStart = true
		p.pos = 0
	} else {
		p.pos -= n
	}
	return n, nil
}

// rewind goes back before the first row (DoPortalRewind).
func (p *portal) rewind() error {
	if p.atStart && !p.atEnd {
		return nil
	}
	if !p.scroll {
		return errNoScroll()
	}
	p.src.exec = 0
	p.atStart, p.atEnd, p.pos = true, false, 0
	return nil
}

// rowSource reads a stream in order. A forward-only source holds one batch
// at a time, so a result of any size streams through; a scrollable one
// keeps every batch it has read so that it can go back.
type rowSource struct {
	stream engine.Stream
	scroll bool
	done   bool // the stream has ended

	// forward-only
	cur arrow.RecordBatch
	off int

	// scrollable: batches[i] holds rows starts[i]+1 ... (1-based)
	batches []arrow.RecordBatch
	starts  []int64
	loaded  int64
	exec    int64 // the executor's row: 0 before the first, loaded+1 past the end
}

func (r *rowSource) close() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for _, b := range r.batches {
		b.Release()
	}
	r.batches = nil
	if r.stream != nil {
		r.stream.Close()
		r.stream = nil
	}
}

// next reads the next non-empty batch; nil at the end.
func (r *rowSource) next(ctx context.Context) (arrow.RecordBatch, error) {
	for !r.done {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := r.stream.Next(ctx)
		if err != nil {
			return nil, err
		}
		if rec == nil {
			r.done = true
			return nil, nil
		}
		if rec.NumRows() == 0 {
			rec.Release()
			continue
		}
		return rec, nil
	}
	return nil, nil
}

// forward passes up to count rows after the current one to emit (nil:
// skip them) and reports how many there were.
func (r *rowSource) forward(ctx context.Context, count int64, emit emitFunc) (int64, error) {
	var n int64
	if !r.scroll {
		for n < count {
			if r.cur == nil || r.off >= int(r.cur.NumRows()) {
				if r.cur != nil {
					r.cur.Release()
					r.cur = nil
				}
				rec, err := r.next(ctx)
				if err != nil {
					return n, err
				}
				if rec == nil {
					break
				}
				r.cur, r.off = rec, 0
			}
			k := int(min(count-n, r.cur.NumRows()-int64(r.off)))
			if emit != nil {
				if err := emit(r.cur, r.off, r.off+k); err != nil {
					return n, err
				}
			}
			r.off += k
			n += int64(k)
		}
		return n, nil
	}
	for n < count {
		row := r.exec + 1
		if row > r.loaded {
			if r.done {
				break
			}
			rec, err := r.next(ctx)
			if err != nil {
				return n, err
			}
			if rec == nil {
				break
			}
			r.batches = append(r.batches, rec)
			r.starts = append(r.starts, r.loaded)
			r.loaded += rec.NumRows()
			continue
		}
		i := r.batchOf(row)
		lo := int(row - 1 - r.starts[i])
		k := int(min(count-n, r.batches[i].NumRows()-int64(lo)))
		if emit != nil {
			if err := emit(r.batches[i], lo, lo+k); err != nil {
				return n, err
			}
		}
		r.exec += int64(k)
		n += int64(k)
	}
	if n < count {
		r.exec = r.loaded + 1
	}
	return n, nil
}

// backward passes up to count rows before the current one, nearest
// first (scrollable sources only).
func (r *rowSource) backward(count int64, emit emitFunc) (int64, error) {
	var n int64
	for n < count && r.exec-1 >= 1 {
		row := r.exec - 1
		if emit != nil {
			i := r.batchOf(row)
			lo := int(row - 1 - r.starts[i])
			if err := emit(r.batches[i], lo, lo+1); err != nil {
				return n, err
			}
		}
		r.exec--
		n++
	}
	if n < count {
		r.exec = 0
	}
	return n, nil
}

// batchOf finds the batch holding 1-based row.
func (r *rowSource) batchOf(row int64) int {
	lo, hi := 0, len(r.starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if r.starts[mid] < row {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// memStream is a stream of batches already made (SHOW, EXPLAIN).
type memStream struct{ batches []arrow.RecordBatch }

func (m *memStream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if len(m.batches) == 0 {
		return nil, nil
	}
	b := m.batches[0]
	m.batches = m.batches[1:]
	return b, nil
}

func (m *memStream) Close() {
	for _, b := range m.batches {
		b.Release()
	}
	m.batches = nil
}

// textFields are result columns of type text.
func textFields(names ...string) []wire.Field {
	out := make([]wire.Field, len(names))
	for i, n := range names {
		out[i] = wire.Field{Name: n, Type: pgtype.Text}
	}
	return out
}

// textBatch builds one batch of text columns.
func textBatch(fields []wire.Field, rows [][]string) arrow.RecordBatch {
	afs := make([]arrow.Field, len(fields))
	for i, f := range fields {
		afs[i] = arrow.Field{Name: f.Name, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(afs, nil))
	defer b.Release()
	for _, row := range rows {
		for i, v := range row {
			b.Field(i).(*array.StringBuilder).Append(v)
		}
	}
	return b.NewRecordBatch()
}

// textRows is a rowSpec of literal text rows, computed when opened.
func textRows(fields []wire.Field, tag string, rows func() ([][]string, error)) *rowSpec {
	return &rowSpec{fields: fields, tag: tag, route: routeSession, open: func(context.Context) (engine.Stream, error) {
		r, err := rows()
		if err != nil {
			return nil, err
		}
		return &memStream{batches: []arrow.RecordBatch{textBatch(fields, r)}}, nil
	}}
}

// fieldsOf converts plan columns to RowDescription fields.
func fieldsOf(b *planner.Bound) []wire.Field {
	out := make([]wire.Field, len(b.Columns))
	for i, c := range b.Columns {
		out[i] = wire.Field{Name: c.Name, Type: c.Type, TableOID: c.TableOID, AttNum: c.AttNum}
	}
	return out
}
