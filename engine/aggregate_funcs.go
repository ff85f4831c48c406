package engine

import (
	"math"
	"math/big"
	"sort"
	"strings"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// orderSpec is one ORDER BY key of an ordered aggregate.
type orderSpec struct {
	desc, nullsFirst bool
}

// compareKey orders two key values with NULL placement.
func (o orderSpec) compare(a, b pgtype.Datum) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		if o.nullsFirst {
			return -1
		}
		return 1
	case b == nil:
		if o.nullsFirst {
			return 1
		}
		return -1
	}
	c := expr.Compare(a, b)
	if o.desc {
		return -c
	}
	return c
}

// orderedState buffers a group's rows and feeds them to the inner state
// sorted by the ORDER BY keys (string_agg(x, ',' ORDER BY y)).
type orderedState struct {
	inner  aggState
	nargs  int
	keys   []orderSpec
	keyIdx []int // the argument each key reads
	rows   [][]pgtype.Datum
}

func (s *orderedState) add(args []pgtype.Datum) error {
	s.rows = append(s.rows, append([]pgtype.Datum(nil), args...))
	return nil
}

func (s *orderedState) result() (pgtype.Datum, error) {
	sort.SliceStable(s.rows, func(i, j int) bool {
		for k, spec := range s.keys {
			if c := spec.compare(s.rows[i][s.keyIdx[k]], s.rows[j][s.keyIdx[k]]); c != 0 {
				return c < 0
			}
		}
		return false
	})
	for _, r := range s.rows {
		if err := s.inner.add(r[:s.nargs]); err != nil {
			return nil, err
		}
	}
	s.rows = nil
	return s.inner.result()
}

type bitState struct {
	and bool
	any bool
	v   int64
}

func (s *bitState) add(args []pgtype.Datum) error {
	v := first(args)
	if v == nil {
		return nil
	}
	x := v.(int64)
	switch {
	case !s.any:
		s.any, s.v = true, x
	case s.and:
		s.v &= x
	default:
		s.v |= x
	}
	return nil
}

func (s *bitState) result() (pgtype.Datum, error) {
	if !s.any {
		return nil, nil
	}
	return s.v, nil
}

// varianceState is stddev and variance: over floats with the Youngs-Cramer
// updates PostgreSQL's float8_accum uses, over integers and numerics with
// exact sums (numeric_accum), finished at PostgreSQL's result scale.
type varianceState struct {
	sample, stddev, float bool

	n       float64 // float path
	sx, sxx float64

	count   int64 // numeric path
	scale   int32
	sum     *big.Int
	sumSq   *big.Int
	special bool
}

func (s *varianceState) add(args []pgtype.Datum) error {
	v := first(args)
	if v == nil {
		return nil
	}
	if s.float {
		x := v.(float64)
		old := s.n
		s.n++
		s.sx += x
		if old > 0 {
			tmp := x*s.n - s.sx
			s.sxx += tmp * tmp / (s.n * old)
		} else if math.IsNaN(x) || math.IsInf(x, 0) {
			s.sxx = math.NaN()
		}
		return nil
	}
	var x pgtype.NumericValue
	switch t := v.(type) {
	case int64:
		x = pgtype.NumericValue{Coef: big.NewInt(t)}
	case pgtype.NumericValue:
		x = t
	}
	if x.Special != pgtype.NumericFinite {
		s.special = true
		s.count++
		return nil
	}
	if s.sum == nil {
		s.sum, s.sumSq = new(big.Int), new(big.Int)
	}
	if x.Scale > s.scale {
		d := x.Scale - s.scale
		s.sum.Mul(s.sum, pow10(d))
		s.sumSq.Mul(s.sumSq, pow10(2*d))
		s.scale = x.Scale
	}
	c := new(big.Int).Mul(x.Coef, pow10(s.scale-x.Scale))
	s.sum.Add(s.sum, c)
	s.sumSq.Add(s.sumSq, new(big.Int).Mul(c, c))
	s.count++
	return nil
}

func pow10(n int32) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

func (s *varianceState) result() (pgtype.Datum, error) {
	if s.float {
		if s.n == 0 || s.sample && s.n <= 1 {
			return nil, nil
		}
		d := s.n
		if s.sample {
			d = s.n - 1
		}
		r := s.sxx / d
		if s.stddev {
			r = math.Sqrt(r)
		}
		return r, nil
	}
	if s.count == 0 || s.sample && s.count <= 1 {
		return nil, nil
	}
	if s.special {
		return pgtype.NumericValue{Special: pgtype.NumericNaN}, nil
	}
	n := big.NewInt(s.count)
	// N·Σx² − (Σx)², at scale 2·scale.
	num := new(big.Int).Sub(new(big.Int).Mul(n, s.sumSq), new(big.Int).Mul(s.sum, s.sum))
	if num.Sign() <= 0 {
		return pgtype.NumericValue{Coef: new(big.Int)}, nil
	}
	den := new(big.Int).Mul(n, n)
	if s.sample {
		den = new(big.Int).Mul(n, big.NewInt(s.count-1))
	}
	v, err := expr.NumericDiv(pgtype.NumericValue{Coef: num, Scale: 2 * s.scale}, pgtype.NumericValue{Coef: den})
	if err != nil || !s.stddev {
		return v, err
	}
	nv := v.(pgtype.NumericValue)
	return expr.NumericSqrt(nv, nv.Scale)
}

type stringAggState struct {
	b   strings.Builder
	any bool
}

func (s *stringAggState) add(args []pgtype.Datum) error {
	if args[0] == nil {
		return nil
	}
	if s.any && args[1] != nil {
		s.b.WriteString(args[1].(string))
	}
	s.any = true
	s.b.WriteString(args[0].(string))
	return nil
}

func (s *stringAggState) result() (pgtype.Datum, error) {
	if !s.any {
		return nil, nil
	}
	return s.b.String(), nil
}

type arrayAggState struct {
	elem pgtype.Type
	vals []pgtype.Datum
	any  bool
}

func (s *arrayAggState) add(args []pgtype.Datum) error {
	s.any = true
	s.vals = append(s.vals, first(args))
	return nil
}

func (s *arrayAggState) result() (pgtype.Datum, error) {
	if !s.any {
		return nil, nil
	}
	return pgtype.Array{Elem: s.elem, Elements: s.vals, Lower: 1}, nil
}

// directArgState takes an ordered-set aggregate's direct argument (the
// fraction of percentile_cont) from the group's first row.
type directArgState struct {
	inner *percentileState
	set   bool
}

func (s *directArgState) add(args []pgtype.Datum) error {
	if !s.set {
		s.inner.frac, s.set = args[0], true
	}
	return s.inner.add(args[1:])
}

func (s *directArgState) result() (pgtype.Datum, error) { return s.inner.result() }

// percentileState is percentile_cont, percentile_disc and mode: it keeps
// the group's non-NULL values and reads the answer off them sorted.
type percentileState struct {
	fn        string
	key       orderSpec
	resType   pgtype.Type
	frac      pgtype.Datum
	fracKnown bool // frac is a constant, checked even with no rows
	vals      []pgtype.Datum
}

func (s *percentileState) add(args []pgtype.Datum) error {
	if v := args[len(args)-1]; v != nil {
		s.vals = append(s.vals, v)
	}
	return nil
}

func (s *percentileState) result() (pgtype.Datum, error) {
	if s.fracKnown {
		if f, ok := s.frac.(float64); ok {
			if _, err := s.check(f); err != nil {
				return nil, err
			}
		}
	}
	if len(s.vals) == 0 {
		return nil, nil
	}
	sort.SliceStable(s.vals, func(i, j int) bool { return s.key.compare(s.vals[i], s.vals[j]) < 0 })
	if s.fn == "mode" {
		var best pgtype.Datum
		bestN := 0
		for i := 0; i < len(s.vals); {
			j := i + 1
			for j < len(s.vals) && expr.Compare(s.vals[i], s.vals[j]) == 0 {
				j++
			}
			if j-i > bestN {
				best, bestN = s.vals[i], j-i
			}
			i = j
		}
		return best, nil
	}
	if s.frac == nil {
		return nil, nil
	}
	if arr, ok := s.frac.(pgtype.Array); ok {
		out := pgtype.Array{Elem: s.resType.Elem(), Lower: 1, Elements: make([]pgtype.Datum, len(arr.Elements))}
		for i, f := range arr.Elements {
			if f == nil {
				continue
			}
			v, err := s.one(f.(float64))
			if err != nil {
				return nil, err
			}
			out.Elements[i] = v
		}
		return out, nil
	}
	return s.one(s.frac.(float64))
}

func (s *percentileState) check(p float64) (float64, error) {
	if p < 0 || p > 1 || math.IsNaN(p) {
		return p, pgerr.New(pgerr.NumericValueOutOfRange, "percentile value %s is not between 0 and 1", formatG(p))
	}
	return p, nil
}

func (s *percentileState) one(p float64) (pgtype.Datum, error) {
	if _, err := s.check(p); err != nil {
		return nil, err
	}
	n := len(s.vals)
	if s.fn == "percentile_disc" {
		row := int(math.Ceil(p * float64(n)))
		if row < 1 {
			row = 1
		}
		return s.vals[row-1], nil
	}
	pos := p * float64(n-1)
	lo, hi := math.Floor(pos), math.Ceil(pos)
	a, b := s.vals[int(lo)], s.vals[int(hi)]
	if lo == hi {
		return a, nil
	}
	pct := pos - lo
	switch x := a.(type) {
	case float64:
		return x + pct*(b.(float64)-x), nil
	case pgtype.IntervalValue:
		y := b.(pgtype.IntervalValue)
		d := pgtype.IntervalValue{Months: y.Months - x.Months, Days: y.Days - x.Days, Micros: y.Micros - x.Micros}
		m := expr.ScaleInterval(d, pct)
		return pgtype.IntervalValue{Months: m.Months + x.Months, Days: m.Days + x.Days, Micros: m.Micros + x.Micros}, nil
	}
	return a, nil
}

// formatG prints a float as C's %g does, for PostgreSQL's messages.
func formatG(f float64) string {
	s := big.NewFloat(f).Text('g', 6)
	if strings.Contains(s, "e") {
		mant, exp, _ := strings.Cut(s, "e")
		if len(exp) == 2 {
			exp = exp[:1] + "0" + exp[1:]
		}
		s = mant + "e" + exp
	}
	return s
}
