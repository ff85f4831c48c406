package engine

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// joinChunkPairs bounds the candidate row pairs checked and emitted at once,
// so a nested-loop join's product never materialises whole.
const joinChunkPairs = 32 * 1024

// joinOp is a hash join: it reads the build input into a table keyed by the
// join keys (NULL keys never match), then streams the probe input through
// it, checking the residual condition on candidate pairs. With no keys
// every build row is a candidate: a nested-loop join. It handles every
// join kind; when the planner builds the left input, left and right roles
// swap between "probe" and "build" but the output is always left columns
// then right columns. A semi or anti join that builds its left input marks
// the build rows its probe rows match and, once every probe has ended,
// emits the marked rows (semi) or the others (anti), each once.
type joinOp struct {
	node      *plan.Join
	env       *expr.Env
	probe     operator
	buildLeft bool
	probeKeys []*expr.Evaluator
	on        *expr.Evaluator
	// The residual condition reads only onCols of the left-then-right
	// columns: candidate pairs gather those alone, into onSchema, and the
	// condition runs as typed loops when its shape allows (onVec).
	onCols   []int
	onSchema *arrow.Schema
	onVec    *expr.Predicate
	onMask   expr.Mask

	leftSchema, rightSchema *arrow.Schema
	outSchema               *arrow.Schema

	// The build side's table, shared by the probes of every worker of a
	// parallel pipeline (parallel.go), which then do not own it.
	*joinTable
	ownsTable bool
	built     bool
	// One integer key read straight from its column (no Datums): the
	// common foreign-key join. -1 when the keys need the general path.
	probeIntCol int
	// Several integer keys read straight from their columns (nil: not
	// that shape), and one probe row's key words.
	probeWordCols []int
	words         []int64
	keyBuf        []byte
	firsts        []int32 // probeInts' answers, reused per batch
	// nullAware is x NOT IN (subquery)'s anti join (plan.Join.NotIn): a NULL
	// in the subquery or, unless it is empty, in x drops the row.
	nullAware bool

	queue    []arrow.RecordBatch
	finished bool
}

// joinTable is a hash join's build side: read once, then only read by
// the probes.
type joinTable struct {
	once      sync.Once
	err       error
	env       *expr.Env
	build     operator
	buildKeys []*expr.Evaluator
	schema    *arrow.Schema // the build side's columns

	buildBatch arrow.RecordBatch // all build rows; nil when none
	buildRows  int
	// table maps a general key to the first and last build rows of its
	// chain, linked through chain (one entry per build row).
	table         map[string][2]int32
	chain         []int32
	buildIntCol   int // -1: the keys need the general path
	tableInt      *intTable
	buildWordCols []int // several integer keys (nil: not that shape)
	tableWords    *wordsTable

	// For joins that emit build rows after the probe (emitsBuild): one
	// bit per build row set when a probe row matched it, shared by the
	// probes of a parallel pipeline, and how many of those probes have
	// not ended yet; the last one to end emits the build rows.
	tracks  bool
	matched []uint32
	probers atomic.Int32
	// nullKeys records a build row with a NULL key.
	nullKeys bool
}

// mark records that build row r matched a probe row. Probes of several
// workers may mark the same word at once.
func (t *joinTable) mark(r int32) {
	w := &t.matched[r>>5]
	bit := uint32(1) << (r & 31)
	if atomic.LoadUint32(w)&bit == 0 {
		atomic.OrUint32(w, bit)
	}
}

// marked reports whether build row r matched a probe row.
func (t *joinTable) marked(r int32) bool {
	return atomic.LoadUint32(&t.matched[r>>5])&(1<<(r&31)) != 0
}

func (b *builder) join(j *plan.Join) (operator, error) {
	probeNode, buildNode := j.Left, j.Right
	probeKeys, buildKeys := j.LeftKeys, j.RightKeys
	on := j.On
	x, s, nullAware := j.NotIn()
	if nullAware {
		probeKeys, buildKeys, on = []plan.Expr{x}, []plan.Expr{s}, nil
	}
	if j.BuildLeft {
		probeNode, buildNode = j.Right, j.Left
		probeKeys, buildKeys = j.RightKeys, j.LeftKeys
	}
	var shared *joinTable
	if b.par != nil {
		shared = b.par.joins[j]
	}
	probe, err := b.build(probeNode)
	if err != nil {
		return nil, err
	}
	op := &joinOp{node: j, env: b.env, probe: probe, buildLeft: j.BuildLeft,
		leftSchema: arrowSchema(j.Left.Columns()), rightSchema: arrowSchema(j.Right.Columns()),
		outSchema: arrowSchema(j.Columns()), joinTable: shared, nullAware: nullAware}
	fail := func(err error) (operator, error) {
		op.close()
		return nil, err
	}
	if shared == nil {
		// The build side is not part of a parallel pipeline: it runs once,
		// on its own.
		par := b.par
		b.par = nil
		build, err := b.build(buildNode)
		b.par = par
		if err != nil {
			probe.close()
			return nil, err
		}
		op.joinTable = &joinTable{env: b.env, build: build, schema: arrowSchema(buildNode.Columns()), buildIntCol: -1, tracks: op.emitsBuild()}
		if par != nil {
			par.joins[j] = op.joinTable
			par.closers = append(par.closers, op.joinTable.close)
		} else {
			op.ownsTable = true
		}
		for _, k := range buildKeys {
			bk, err := expr.Compile(k, b.env)
			if err != nil {
				return fail(err)
			}
			op.buildKeys = append(op.buildKeys, bk)
		}
	}
	op.probers.Add(1)
	for _, k := range probeKeys {
		pk, err := expr.Compile(k, b.env)
		if err != nil {
			return fail(err)
		}
		op.probeKeys = append(op.probeKeys, pk)
	}
	if on != nil {
		both := append(append([]plan.Column(nil), j.Left.Columns()...), j.Right.Columns()...)
		on, cols, schema := compactRefs(on, both)
		if op.on, err = expr.Compile(on, b.env); err != nil {
			return fail(err)
		}
		op.onCols, op.onSchema = cols, schema
		op.onVec, _ = op.on.Predicate()
	}
	op.probeIntCol = -1
	if p, ok := intKeyColumn(probeKeys); ok {
		if b, ok := intKeyColumn(buildKeys); ok && sameSignedness(probeKeys, buildKeys) {
			op.probeIntCol, op.buildIntCol = p, b
		}
	}
	if p, ok := intKeyColumns(probeKeys); ok {
		if b, ok := intKeyColumns(buildKeys); ok && sameSignedness(probeKeys, buildKeys) {
			op.probeWordCols, op.buildWordCols = p, b
			op.words = make([]int64, len(p))
		}
	}
	return op, nil
}

// probeOuter and buildOuter say whose unmatched rows the join keeps.
func (j *joinOp) probeOuter() bool {
	switch j.node.Kind {
	case plan.JoinFull:
		return true
	case plan.JoinLeft:
		return !j.buildLeft
	case plan.JoinRight:
		return j.buildLeft
	}
	return false
}

func (j *joinOp) buildOuter() bool {
	switch j.node.Kind {
	case plan.JoinFull:
		return true
	case plan.JoinLeft:
		return j.buildLeft
	case plan.JoinRight:
		return !j.buildLeft
	}
	return false
}

// buildSemi reports a semi or anti join that builds its left input: the
// output is build rows, chosen by the marks the probe left.
func (j *joinOp) buildSemi() bool {
	return j.buildLeft && (j.node.Kind == plan.JoinSemi || j.node.Kind == plan.JoinAnti)
}

// emitsBuild reports whether build rows are emitted after the probe ends.
func (j *joinOp) emitsBuild() bool {
	return j.buildOuter() || j.buildSemi()
}

func (j *joinOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	if !j.built {
		j.built = true
		j.once.Do(func() { j.err = j.buildTable(ctx) })
		if j.err != nil {
			return nil, j.err
		}
	}
	for len(j.queue) == 0 {
		if j.finished {
			return nil, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var b arrow.RecordBatch
		var sel []int32
		var err error
		if src, ok := j.probe.(selSource); ok && (j.probeIntCol >= 0 || j.probeWordCols != nil) && j.node.Kind != plan.JoinMark {
			// Typed keys are read by row index: a filter's selection
			// needs no copy of the rows it keeps.
			b, sel, err = src.nextSel(ctx)
		} else {
			b, err = j.probe.next(ctx)
		}
		if err != nil {
			return nil, err
		}
		if b == nil {
			j.finished = true
			// Every probe sharing the table has marked its matches once
			// the last of them ends: that one emits the build rows.
			if j.emitsBuild() && j.probers.Add(-1) == 0 {
				if err := j.emitBuild(); err != nil {
					return nil, err
				}
			}
			continue
		}
		err = j.probeBatch(ctx, b, sel)
		b.Release()
		if err != nil {
			return nil, err
		}
	}
	out := j.queue[0]
	j.queue = j.queue[1:]
	return out, nil
}

func (j *joinTable) buildTable(ctx context.Context) error {
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	j.table = map[string][2]int32{}
	var keyBuf []byte
	for {
		b, err := j.build.next(ctx)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		batches = append(batches, b)
		// The build side is held whole: its batches count through the
		// allocator, the table's links and keys are reserved here.
		perRow := int64(8)
		if j.buildIntCol < 0 && j.buildWordCols == nil {
			perRow = 64
		}
		if err := checkMemory(j.env, perRow*b.NumRows(), "building a hash join's table"); err != nil {
			return err
		}
		if j.buildIntCol >= 0 {
			if j.tableInt == nil {
				j.tableInt = newIntTable()
			}
			col := b.Column(j.buildIntCol)
			j.nullKeys = j.nullKeys || col.NullN() > 0
			if err := insertInts(j.tableInt, col, j.buildRows); err != nil {
				return err
			}
			j.buildRows += int(b.NumRows())
			continue
		}
		if j.buildWordCols != nil {
			if j.tableWords == nil {
				j.tableWords = newWordsTable(len(j.buildWordCols))
			}
			for _, c := range j.buildWordCols {
				j.nullKeys = j.nullKeys || b.Column(c).NullN() > 0
			}
			if err := insertWords(j.tableWords, b, j.buildWordCols, j.buildRows); err != nil {
				return err
			}
			j.buildRows += int(b.NumRows())
			continue
		}
		keys, err := evalAll(j.buildKeys, b)
		if err != nil {
			return err
		}
		for r := 0; r < int(b.NumRows()); r++ {
			row := int32(j.buildRows + r)
			j.chain = append(j.chain, -1)
			buf, ok := appendJoinKey(keyBuf[:0], keys, r)
			keyBuf = buf
			if !ok {
				j.nullKeys = true
				continue
			}
			if ht, found := j.table[string(buf)]; found {
				j.chain[ht[1]] = row
				j.table[string(buf)] = [2]int32{ht[0], row}
			} else {
				j.table[string(buf)] = [2]int32{row, row}
			}
		}
		j.buildRows += int(b.NumRows())
	}
	if len(batches) == 0 {
		return nil
	}
	schema := j.schema
	cols := make([]arrow.Array, schema.NumFields())
	for c := range cols {
		parts := make([]arrow.Array, len(batches))
		for i, b := range batches {
			parts[i] = b.Column(c)
		}
		all, err := array.Concatenate(parts, j.env.Mem)
		if err != nil {
			for _, x := range cols[:c] {
				x.Release()
			}
			return err
		}
		cols[c] = all
	}
	j.buildBatch = array.NewRecordBatch(schema, cols, int64(j.buildRows))
	for _, c := range cols {
		c.Release()
	}
	if j.tracks {
		j.matched = make([]uint32, (j.buildRows+31)/32)
	}
	return checkMemory(j.env, 0, "building a hash join's table")
}

func evalAll(evs []*expr.Evaluator, b arrow.RecordBatch) ([][]pgtype.Datum, error) {
	out := make([][]pgtype.Datum, len(evs))
	for i, ev := range evs {
		v, err := ev.Datums(b)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// key is row r's hash key; false when a key is NULL (it matches nothing).
func (j *joinOp) key(keys [][]pgtype.Datum, r int) (string, bool) {
	buf, ok := appendJoinKey(j.keyBuf[:0], keys, r)
	j.keyBuf = buf
	return string(buf), ok
}

// appendJoinKey appends row r's hash key; false when a key is NULL (it
// matches nothing).
func appendJoinKey(buf []byte, keys [][]pgtype.Datum, r int) ([]byte, bool) {
	for _, k := range keys {
		if k[r] == nil {
			return buf, false
		}
		buf = appendKey(buf, k[r])
	}
	return buf, true
}

// probeBatch joins one probe batch against the table: its rows sel, or
// all when sel is nil (only the typed key paths get a selection).
func (j *joinOp) probeBatch(ctx context.Context, b arrow.RecordBatch, sel []int32) error {
	n := int(b.NumRows())
	rowsIn := n
	if sel != nil {
		rowsIn = len(sel)
	}
	if j.nullAware {
		// x NOT IN S: with S empty every row qualifies, a NULL x too;
		// with a NULL in S none does (x differs from it is not known).
		switch {
		case j.buildRows == 0:
			rows := sel
			if rows == nil {
				rows = make([]int32, n)
				for r := range rows {
					rows[r] = int32(r)
				}
			}
			return j.emit(b, rows, nil, true)
		case j.nullKeys:
			return nil
		}
	}
	// rowsWhere lists the rows (of those probed) whose matched is want.
	rowsWhere := func(matched []bool, want bool) []int32 {
		var rows []int32
		if sel != nil {
			for _, r := range sel {
				if matched[r] == want {
					rows = append(rows, r)
				}
			}
			return rows
		}
		for r, m := range matched {
			if m == want {
				rows = append(rows, int32(r))
			}
		}
		return rows
	}
	var keys [][]pgtype.Datum
	var intCol arrow.Array
	var ints []int64
	var wordCols []arrow.Array
	var words [][]int64
	wordNulls := false
	if j.probeWordCols != nil {
		for _, c := range j.probeWordCols {
			col := b.Column(c)
			vals, err := int64s(col)
			if err != nil {
				return err
			}
			wordCols = append(wordCols, col)
			words = append(words, vals)
			wordNulls = wordNulls || col.NullN() > 0
		}
	} else if j.probeIntCol >= 0 {
		intCol = b.Column(j.probeIntCol)
		var err error
		if ints, err = int64s(intCol); err != nil {
			return err
		}
	} else {
		var err error
		if keys, err = evalAll(j.probeKeys, b); err != nil {
			return err
		}
	}
	matched := make([]bool, n)
	var pr, br []int32
	flush := func() error {
		if len(pr) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err // a large product stops promptly when cancelled
		}
		err := j.pairs(b, pr, br, matched)
		pr, br = pr[:0], br[:0]
		return err
	}
	semi := j.node.Kind == plan.JoinSemi || j.node.Kind == plan.JoinAnti || j.node.Kind == plan.JoinMark
	// Without a residual condition one candidate decides a probe row of
	// a semi, anti or mark join, and a semi or anti join building its
	// left input only marks the candidates; with one, a build row that
	// some probe row already matched need not be checked again.
	probeDecides := j.on == nil && semi && !j.buildLeft
	buildMarks := j.on == nil && j.buildSemi()
	skipMarked := j.buildSemi()
	if len(j.probeKeys) == 0 {
		// A nested loop: every build row is a candidate.
		for r := 0; r < n; r++ {
			for c := 0; c < j.buildRows; c++ {
				if skipMarked && j.marked(int32(c)) {
					continue
				}
				pr = append(pr, int32(r))
				br = append(br, int32(c))
				if len(pr) >= joinChunkPairs {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
	}
	nullable := intCol != nil && intCol.NullN() > 0
	var firsts []int32
	if intCol != nil && j.tableInt != nil {
		firsts = j.probeInts(ints, sel, rowsIn)
	}
	for i := 0; i < rowsIn && len(j.probeKeys) > 0; i++ {
		r := i
		if sel != nil {
			r = int(sel[i])
		}
		c := int32(-1)
		if words != nil {
			if wordNulls && rowHasNull(wordCols, r) {
				matched[r] = j.nullAware // a NULL x is not known to differ
				continue
			}
			for i, w := range words {
				j.words[i] = w[r]
			}
			if j.tableWords != nil {
				c = j.tableWords.first(j.words)
			}
		} else if intCol != nil {
			if nullable && intCol.IsNull(r) {
				matched[r] = j.nullAware
				continue
			}
			if firsts != nil {
				c = firsts[i]
			}
		} else {
			k, ok := j.key(keys, r)
			if !ok {
				matched[r] = j.nullAware
				continue
			}
			if ht, found := j.table[k]; found {
				c = ht[0]
			}
		}
		switch {
		case c < 0:
			continue
		case probeDecides:
			matched[r] = true
			continue
		case buildMarks:
			for ; c >= 0; c = j.nextRow(c) {
				j.mark(c)
			}
			continue
		}
		for ; c >= 0; c = j.nextRow(c) {
			if skipMarked && j.marked(c) {
				continue
			}
			pr = append(pr, int32(r))
			br = append(br, c)
			if len(pr) >= joinChunkPairs {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	switch j.node.Kind {
	case plan.JoinMark:
		return j.emitMarked(b, matched)
	case plan.JoinSemi, plan.JoinAnti:
		if j.buildLeft {
			return nil // the build rows are emitted at the end
		}
		return j.emit(b, rowsWhere(matched, j.node.Kind == plan.JoinSemi), nil, true)
	}
	if j.probeOuter() {
		rows := rowsWhere(matched, false)
		return j.emit(b, rows, nulls(len(rows)), false)
	}
	return nil
}

// probeInts looks up the first build row of each probed row's key (rows
// sel, or all when nil; a NULL key's garbage finds whatever it finds, the
// caller skips it), in one loop of independent lookups apart from the
// rest of the probe, so the processor overlaps their cache misses; a key
// equal to the row before's (a probe side sorted by the key, as lineitem
// by l_orderkey) reuses its answer.
func (j *joinOp) probeInts(ints []int64, sel []int32, n int) []int32 {
	if cap(j.firsts) < n {
		j.firsts = make([]int32, n)
	}
	out := j.firsts[:n]
	t := j.tableInt
	last, lastRow := int64(0), int32(-1)
	if n > 0 {
		r := 0
		if sel != nil {
			r = int(sel[0])
		}
		last = ints[r] + 1 // differs from the first key
	}
	if sel == nil {
		for i, k := range ints[:n] {
			if k != last {
				last, lastRow = k, t.first(k)
			}
			out[i] = lastRow
		}
		return out
	}
	for i, r := range sel[:n] {
		if k := ints[r]; k != last {
			last, lastRow = k, t.first(k)
		}
		out[i] = lastRow
	}
	return out
}

// pairs checks candidate pairs against the residual condition, records
// matches, and emits matched pairs for the joins that output them.
func (j *joinOp) pairs(b arrow.RecordBatch, pr, br []int32, matched []bool) error {
	keep := make([]bool, len(pr))
	for i := range keep {
		keep[i] = true
	}
	if j.on != nil {
		both, err := j.gatherOn(b, pr, br)
		if err != nil {
			return err
		}
		ok := false
		if j.onVec != nil {
			if ok, err = j.onVec.Eval(both, &j.onMask); err == nil && ok {
				copy(keep, j.onMask.True)
			}
		}
		if !ok && err == nil {
			var vals []pgtype.Datum
			if vals, err = j.on.Datums(both); err == nil {
				for i, v := range vals {
					keep[i] = v == true
				}
			}
		}
		both.Release()
		if err != nil {
			return err
		}
	}
	var kp, kb []int32
	for i, k := range keep {
		if k {
			if j.node.Single && matched[pr[i]] {
				return pgerr.New(pgerr.CardinalityViolation, "more than one row returned by a subquery used as an expression")
			}
			matched[pr[i]] = true
			if j.tracks {
				j.mark(br[i])
			}
			kp = append(kp, pr[i])
			kb = append(kb, br[i])
		}
	}
	if j.node.Kind == plan.JoinSemi || j.node.Kind == plan.JoinAnti || j.node.Kind == plan.JoinMark || len(kp) == 0 {
		return nil
	}
	return j.emit(b, kp, kb, false)
}

// emit queues rows made of probe rows pr and build rows br (-1: NULLs);
// probeOnly emits the probe (left) columns alone.
func (j *joinOp) emit(b arrow.RecordBatch, pr, br []int32, probeOnly bool) error {
	if len(pr) == 0 && len(br) == 0 {
		return nil
	}
	if probeOnly {
		cols, err := gather(j.env, b, pr, j.leftSchema)
		if err != nil {
			return err
		}
		j.queue = append(j.queue, record(j.outSchema, cols, len(pr)))
		return nil
	}
	out, err := j.combine(b, pr, br, j.outSchema)
	if err != nil {
		return err
	}
	j.queue = append(j.queue, out)
	return nil
}

// combine builds left-then-right rows from probe rows pr of b and build
// rows br (-1 in either: NULLs).
func (j *joinOp) combine(b arrow.RecordBatch, pr, br []int32, schema *arrow.Schema) (arrow.RecordBatch, error) {
	n := max(len(pr), len(br))
	if pr == nil {
		pr = nulls(n)
	}
	if br == nil {
		br = nulls(n)
	}
	probeCols, err := gather(j.env, b, pr, j.probeSchema())
	if err != nil {
		return nil, err
	}
	buildCols, err := gather(j.env, j.buildBatch, br, j.buildSchema())
	if err != nil {
		releaseAll(probeCols)
		return nil, err
	}
	cols := append(probeCols, buildCols...)
	if j.buildLeft {
		cols = append(buildCols, probeCols...)
	}
	return record(schema, cols, n), nil
}

func (j *joinOp) probeSchema() *arrow.Schema {
	if j.buildLeft {
		return j.rightSchema
	}
	return j.leftSchema
}

func (j *joinOp) buildSchema() *arrow.Schema {
	if j.buildLeft {
		return j.leftSchema
	}
	return j.rightSchema
}

// emitBuild queues, once every probe has ended, the build rows the join
// emits after its probe: the unmatched ones with NULLs for an outer join,
// the matched (semi) or unmatched (anti) ones alone for a semi or anti
// join building its left input.
func (j *joinOp) emitBuild() error {
	want := j.buildSemi() && j.node.Kind == plan.JoinSemi
	var br []int32
	for i := range int32(j.buildRows) {
		if j.marked(i) == want {
			br = append(br, i)
		}
	}
	for lo := 0; lo < len(br); lo += joinChunkPairs {
		part := br[lo:min(lo+joinChunkPairs, len(br))]
		if j.buildSemi() {
			cols, err := gather(j.env, j.buildBatch, part, j.leftSchema)
			if err != nil {
				return err
			}
			j.queue = append(j.queue, record(j.outSchema, cols, len(part)))
			continue
		}
		if err := j.emit(nil, nulls(len(part)), part, false); err != nil {
			return err
		}
	}
	return nil
}

func nulls(n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = -1
	}
	return out
}

// record makes a batch from arrays it takes ownership of.
func record(schema *arrow.Schema, cols []arrow.Array, rows int) arrow.RecordBatch {
	out := array.NewRecordBatch(schema, cols, int64(rows))
	releaseAll(cols)
	return out
}

func releaseAll(cols []arrow.Array) {
	for _, c := range cols {
		c.Release()
	}
}

// gather takes rows idx (-1: NULL) of every column of b (nil b: no rows,
// all NULL) as new arrays of schema's types.
func gather(env *expr.Env, b arrow.RecordBatch, idx []int32, schema *arrow.Schema) ([]arrow.Array, error) {
	cols := make([]arrow.Array, schema.NumFields())
	allNull := true
	for _, i := range idx {
		if i >= 0 {
			allNull = false
			break
		}
	}
	if allNull || b == nil {
		for c := range cols {
			cols[c] = array.MakeArrayOfNull(env.Mem, schema.Field(c).Type, len(idx))
		}
		return cols, nil
	}
	for c := range cols {
		taken, err := parquet.Take(env.Mem, b.Column(c), idx)
		if err != nil {
			releaseAll(cols[:c])
			return nil, err
		}
		cols[c] = taken
	}
	return cols, nil
}

func (j *joinOp) close() {
	for _, b := range j.queue {
		b.Release()
	}
	j.queue = nil
	j.probe.close()
	if j.ownsTable {
		j.joinTable.close()
	}
}

func (j *joinTable) close() {
	if j.buildBatch != nil {
		j.buildBatch.Release()
		j.buildBatch = nil
	}
	if j.build != nil {
		j.build.close()
		j.build = nil
	}
}

// emitMarked queues every probe row with its match flag.
func (j *joinOp) emitMarked(b arrow.RecordBatch, matched []bool) error {
	rows := make([]int32, len(matched))
	for i := range rows {
		rows[i] = int32(i)
	}
	cols, err := gather(j.env, b, rows, j.leftSchema)
	if err != nil {
		return err
	}
	mb := array.NewBooleanBuilder(j.env.Mem)
	mb.AppendValues(matched, nil)
	cols = append(cols, mb.NewArray())
	mb.Release()
	j.queue = append(j.queue, record(j.outSchema, cols, len(matched)))
	return nil
}

// intKeyColumn reports the column of a single join key that is a plain
// column stored as 32- or 64-bit integers (int2/int4/int8, date).
func intKeyColumn(keys []plan.Expr) (int, bool) {
	if len(keys) != 1 {
		return -1, false
	}
	c, ok := keys[0].(*plan.ColumnRef)
	if !ok {
		return -1, false
	}
	switch c.Typ.ArrowType().ID() {
	// UINT32 is oid and the reg* types: the catalog joins on them (psql's
	// reltoastrelid = oid), and an int64 holds every value exactly.
	case arrow.INT32, arrow.INT64, arrow.DATE32, arrow.INT16, arrow.UINT32:
		return c.Index, true
	}
	return -1, false
}

// sameSignedness reports whether each pair of integer keys compares as the
// same int64s: an oid key (unsigned) against a signed one would not match
// -1 to 4294967295 as PostgreSQL's int4-to-oid coercion does, so such keys
// keep the general path.
func sameSignedness(a, b []plan.Expr) bool {
	for i := range a {
		if (a[i].Type().ArrowType().ID() == arrow.UINT32) != (b[i].Type().ArrowType().ID() == arrow.UINT32) {
			return false
		}
	}
	return true
}

// intKeyColumns reports the columns of two or more join keys that are
// all plain columns stored as integers (intKeyColumn's types).
func intKeyColumns(keys []plan.Expr) ([]int, bool) {
	if len(keys) < 2 {
		return nil, false
	}
	cols := make([]int, len(keys))
	for i, k := range keys {
		c, ok := intKeyColumn([]plan.Expr{k})
		if !ok {
			return nil, false
		}
		cols[i] = c
	}
	return cols, true
}

// compactRefs rewrites e over cols to read only the columns it references,
// renumbered in order; it returns the new expression, the original indexes
// of those columns and their schema.
func compactRefs(e plan.Expr, cols []plan.Column) (plan.Expr, []int, *arrow.Schema) {
	used := make([]bool, len(cols))
	plan.Walk(e, func(x plan.Expr) bool {
		if c, ok := x.(*plan.ColumnRef); ok {
			used[c.Index] = true
		}
		return true
	})
	remap := make([]int, len(cols))
	var idx []int
	var sub []plan.Column
	for i, u := range used {
		if u {
			remap[i] = len(idx)
			idx = append(idx, i)
			sub = append(sub, cols[i])
		}
	}
	out := plan.Map(e, func(x plan.Expr) plan.Expr {
		if c, ok := x.(*plan.ColumnRef); ok {
			cc := *c
			cc.Index = remap[c.Index]
			return &cc
		}
		return x
	})
	return out, idx, arrowSchema(sub)
}

// gatherOn builds the columns the residual condition reads for candidate
// pairs of probe rows pr (of b) and build rows br.
func (j *joinOp) gatherOn(b arrow.RecordBatch, pr, br []int32) (arrow.RecordBatch, error) {
	nl := j.leftSchema.NumFields()
	cols := make([]arrow.Array, len(j.onCols))
	for i, c := range j.onCols {
		left := c < nl
		col := c
		if !left {
			col = c - nl
		}
		src, idx := b, pr
		if left == j.buildLeft {
			src, idx = j.buildBatch, br
		}
		arr, err := parquet.Take(j.env.Mem, src.Column(col), idx)
		if err != nil {
			releaseAll(cols[:i])
			return nil, err
		}
		cols[i] = arr
	}
	return record(j.onSchema, cols, len(pr)), nil
}

// nextRow follows a key's chain of build rows.
func (j *joinOp) nextRow(r int32) int32 {
	if j.tableInt != nil {
		return j.tableInt.next[r]
	}
	if j.tableWords != nil {
		return j.tableWords.next[r]
	}
	return j.chain[r]
}

// int64s reads an integer-stored key column's values as int64 (NULL slots
// hold garbage: callers check validity).
func int64s(col arrow.Array) ([]int64, error) {
	switch a := col.(type) {
	case *array.Int64:
		return a.Int64Values(), nil
	case *array.Int32:
		out := make([]int64, a.Len())
		for i, v := range a.Int32Values() {
			out[i] = int64(v)
		}
		return out, nil
	case *array.Int16:
		out := make([]int64, a.Len())
		for i, v := range a.Int16Values() {
			out[i] = int64(v)
		}
		return out, nil
	case *array.Date32:
		out := make([]int64, a.Len())
		for i, v := range a.Date32Values() {
			out[i] = int64(v)
		}
		return out, nil
	case *array.Uint32:
		out := make([]int64, a.Len())
		for i, v := range a.Uint32Values() {
			out[i] = int64(v)
		}
		return out, nil
	}
	return nil, pgerr.New(pgerr.InternalError, "join key column is stored as %s", col.DataType())
}

// insertInts adds the non-NULL keys of col, rows base+i, to t.
func insertInts(t *intTable, col arrow.Array, base int) error {
	vals, err := int64s(col)
	if err != nil {
		return err
	}
	nullable := col.NullN() > 0
	t.reserve(len(vals), base+len(vals)-1)
	for r, k := range vals {
		if nullable && col.IsNull(r) {
			if base+r >= len(t.next) {
				t.next = append(t.next, make([]int32, base+r+1-len(t.next))...)
			}
			t.next[base+r] = -1
			continue
		}
		t.insert(k, int32(base+r))
	}
	return nil
}

// insertWords adds the keys of b's columns cols, rows base+i, to t; a row
// with a NULL key matches nothing and is left out.
func insertWords(t *wordsTable, b arrow.RecordBatch, cols []int, base int) error {
	arrs := make([]arrow.Array, len(cols))
	vals := make([][]int64, len(cols))
	nullable := false
	for i, c := range cols {
		arrs[i] = b.Column(c)
		v, err := int64s(arrs[i])
		if err != nil {
			return err
		}
		vals[i] = v
		nullable = nullable || arrs[i].NullN() > 0
	}
	key := make([]int64, len(cols))
	for r := 0; r < int(b.NumRows()); r++ {
		if nullable && rowHasNull(arrs, r) {
			continue
		}
		for i, v := range vals {
			key[i] = v[r]
		}
		t.insert(key, int32(base+r))
	}
	return nil
}
