package expr

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// likeMatcher decides LIKE for one pattern. A case-sensitive pattern
// without _ is its literal pieces between the % wildcards, matched with
// prefix, suffix and substring searches (what TPC-H's
// '%special%requests%' is: a backtracking regexp spent most of Q13 there);
// byte searches are exact on UTF-8 because no character's encoding starts
// inside another's. Other patterns (with _, or ILIKE) run the regexp.
type likeMatcher struct {
	segs []string // literal pieces, len(segs)-1 wildcards between them
	re   *regexp.Regexp
}

func compileLike(pattern string, ci bool) (*likeMatcher, error) {
	var segs []string
	var cur strings.Builder
	simple := !ci
	for i := 0; i < len(pattern); {
		r, size := utf8.DecodeRuneInString(pattern[i:])
		i += size
		switch r {
		case '%':
			segs = append(segs, cur.String())
			cur.Reset()
			continue
		case '_':
			simple = false
		case '\\':
			if i >= len(pattern) {
				return nil, pgerr.New(pgerr.InvalidEscapeSequence, "LIKE pattern must not end with escape character")
			}
			r, size = utf8.DecodeRuneInString(pattern[i:])
			i += size
		}
		cur.WriteRune(r)
	}
	segs = append(segs, cur.String())
	if simple {
		return &likeMatcher{segs: segs}, nil
	}
	src, err := likeToRegexp(pattern)
	if err != nil {
		return nil, err
	}
	if ci {
		src = "(?i)" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, pgerr.New(pgerr.InvalidRegularExpression, "invalid regular expression: %s", err)
	}
	return &likeMatcher{re: re}, nil
}

func (l *likeMatcher) match(s string) bool {
	if l.re != nil {
		return l.re.MatchString(s)
	}
	n := len(l.segs)
	first, last := l.segs[0], l.segs[n-1]
	if n == 1 {
		return s == first
	}
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	// The leftmost place of each middle piece leaves the most room for
	// the pieces after it, so a greedy search decides the match.
	mid := s[len(first) : len(s)-len(last)]
	for _, seg := range l.segs[1 : n-1] {
		i := strings.Index(mid, seg)
		if i < 0 {
			return false
		}
		mid = mid[i+len(seg):]
	}
	return true
}

// likeCache keeps the last compiled pattern: the pattern is almost always
// a constant, so one entry suffices.
type likeCache struct {
	mu   sync.Mutex
	text string
	m    *likeMatcher
}

func (c *likeCache) get(pattern string, ci bool) (*likeMatcher, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m != nil && c.text == pattern {
		return c.m, nil
	}
	m, err := compileLike(pattern, ci)
	if err != nil {
		return nil, err
	}
	c.text, c.m = pattern, m
	return m, nil
}

// like recognises col [NOT] [I]LIKE 'literal' over a text column, decided
// per row from the column's bytes without boxing a value.
func (vc *vcompiler) like(x *plan.Call) vnode {
	col, ok := column(x.Args[0])
	if !ok || col.kind != kString {
		return nil
	}
	lit, ok := x.Args[1].(*plan.Const)
	if !ok {
		return nil
	}
	pat, ok := lit.Value.(string)
	if !ok {
		return nil
	}
	m, err := compileLike(pat, strings.Contains(x.Func, "ilike"))
	if err != nil {
		// The Datum path reports the error when a row reaches it.
		return nil
	}
	return &vLike{col: col.idx, m: m, neg: strings.HasPrefix(x.Func, "not_")}
}

// vLike is a text column matched against one LIKE pattern.
type vLike struct {
	col int
	m   *likeMatcher
	neg bool
}

func (v *vLike) eval(b arrow.RecordBatch, m *Mask) (bool, error) {
	s, ok := b.Column(v.col).(*array.String)
	if !ok {
		return false, nil
	}
	// ValueBytes starts at the first value of a slice; offsets do not.
	off, data := s.ValueOffsets(), s.ValueBytes()
	base := off[0]
	for i := range m.True {
		x := data[off[i]-base : off[i+1]-base]
		m.True[i] = v.m.match(bytesString(x)) != v.neg
	}
	applyNulls(s, m)
	return true, nil
}

// bytesString views b as a string without copying; the caller keeps b
// unchanged while the string is in use.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// likeKinds are the calls like() compiles.
var likeKinds = map[string]bool{"like": true, "not_like": true, "ilike": true, "not_ilike": true}
