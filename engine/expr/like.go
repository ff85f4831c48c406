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
	"github.com/sluicesql/sluice/wire/pgtype"
)

// likeMatcher decides LIKE for one pattern. A case-sensitive pattern
// without _ is its literal pieces between the % wildcards, matched with
// prefix, suffix and substring searches (what TPC-H's
// '%special%requests%' is: a backtracking regexp spent most of Q13 there);
// byte searches are exact on UTF-8 because no character's encoding starts
// inside another's. Other patterns (with _, or ILIKE) run the regexp. A
// pattern ending in an unpaired escape runs PostgreSQL's own matching
// walk, which fails only when it reaches that escape.
type likeMatcher struct {
	segs []string // literal pieces, len(segs)-1 wildcards between them
	re   *regexp.Regexp
	// dangling is the pattern when it ends in an unpaired escape
	// character (ci: lower-cased as ILIKE compares); match is then not
	// used, only test.
	dangling *string
	ci       bool
}

func compileLike(pattern string, ci bool) (*likeMatcher, error) {
	if danglingEscape(pattern) {
		p := pattern
		if ci {
			p = asciiMap(p, lowerByte)
		}
		return &likeMatcher{dangling: &p, ci: ci}, nil
	}
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
	src, err := likeRegexp(pattern, ci)
	if err != nil {
		return nil, err
	}
	re, err := compileRegexp(src, false)
	if err != nil {
		return nil, err
	}
	return &likeMatcher{re: re}, nil
}

// likeRegexp translates a LIKE pattern (% _ and backslash escapes) into an
// anchored regular expression; ci makes each ASCII letter match either
// case and nothing else.
func likeRegexp(pattern string, ci bool) (string, error) {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	lit := func(r rune) {
		if ci && r < utf8.RuneSelf && (r|0x20) >= 'a' && (r|0x20) <= 'z' {
			b.WriteByte('[')
			b.WriteRune(r | 0x20)
			b.WriteRune(r &^ 0x20)
			b.WriteByte(']')
			return
		}
		b.WriteString(regexp.QuoteMeta(string(r)))
	}
	for i := 0; i < len(pattern); {
		r, size := utf8.DecodeRuneInString(pattern[i:])
		i += size
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		case '\\':
			if i >= len(pattern) {
				return "", errLikeEscape()
			}
			r, size = utf8.DecodeRuneInString(pattern[i:])
			i += size
			lit(r)
		default:
			lit(r)
		}
	}
	b.WriteString(`\z`)
	return b.String(), nil
}

// danglingEscape reports whether pattern ends in an escape character that
// escapes nothing (an odd run of backslashes at its end).
func danglingEscape(pattern string) bool {
	n := 0
	for i := len(pattern) - 1; i >= 0 && pattern[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// test decides s LIKE pattern, or fails as PostgreSQL does when its walk
// reaches a dangling escape (22025): 'x' LIKE 'abc\' is false, 'abcd'
// LIKE 'abc\' an error.
func (l *likeMatcher) test(s string) (bool, error) {
	if l.dangling == nil {
		return l.match(s), nil
	}
	if l.ci {
		// ILIKE lower-cases both sides first (PostgreSQL under the C
		// collation lower-cases ASCII only).
		s = asciiMap(s, lowerByte)
	}
	r, err := likeWalk(s, *l.dangling)
	return r == likeTrue, err
}

// The outcomes of likeWalk: likeAbort says no later start in the text can
// match either, so the % above stops trying.
const (
	likeFalse = iota
	likeTrue
	likeAbort
)

// likeWalk matches text t against LIKE pattern p the way PostgreSQL's
// like_match.c does (byte-wise literals, _ one UTF-8 character, % a search
// for where the rest matches), so that an escape at the pattern's end
// fails exactly when PostgreSQL's does: only once the walk gets there.
func likeWalk(t, p string) (int, error) {
	if p == "%" {
		return likeTrue, nil
	}
	for len(t) > 0 && len(p) > 0 {
		switch p[0] {
		case '\\':
			p = p[1:]
			if len(p) == 0 {
				return 0, errLikeEscape()
			}
			if p[0] != t[0] {
				return likeFalse, nil
			}
		case '%':
			p = p[1:]
			// Any run of % and _ is "at least as many characters as _s".
			for len(p) > 0 {
				if p[0] == '%' {
					p = p[1:]
				} else if p[0] == '_' {
					if len(t) == 0 {
						return likeAbort, nil
					}
					t = t[charLen(t):]
					p = p[1:]
				} else {
					break
				}
			}
			if len(p) == 0 {
				return likeTrue, nil
			}
			first := p[0]
			if first == '\\' {
				if len(p) < 2 {
					return 0, errLikeEscape()
				}
				first = p[1]
			}
			for len(t) > 0 {
				if t[0] == first {
					r, err := likeWalk(t, p)
					if err != nil || r != likeFalse {
						return r, err
					}
				}
				t = t[charLen(t):]
			}
			return likeAbort, nil
		case '_':
			t = t[charLen(t):]
			p = p[1:]
			continue
		default:
			if p[0] != t[0] {
				return likeFalse, nil
			}
		}
		t, p = t[1:], p[1:]
	}
	if len(t) > 0 {
		return likeFalse, nil
	}
	for len(p) > 0 && p[0] == '%' {
		p = p[1:]
	}
	if len(p) == 0 {
		return likeTrue, nil
	}
	return likeAbort, nil
}

// charLen is the length of t's first UTF-8 character (1 for a stray byte).
func charLen(t string) int {
	_, n := utf8.DecodeRuneInString(t)
	return n
}

func errLikeEscape() error {
	return pgerr.New(pgerr.InvalidEscapeSequence, "LIKE pattern must not end with escape character")
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
	pat, ok := constPattern(x.Args[1])
	if !ok {
		return nil
	}
	m, err := compileLike(pat, strings.Contains(x.Func, "ilike"))
	if err != nil || m.dangling != nil {
		// The Datum path reports the error when a row reaches it.
		return nil
	}
	return &vLike{col: col.idx, m: m, neg: strings.HasPrefix(x.Func, "not_")}
}

// constPattern is a LIKE pattern known before any row: a constant, or a
// constant written with a constant ESCAPE (like_escape of two constants;
// a bad escape is left to the Datum path to report).
func constPattern(e plan.Expr) (string, bool) {
	if c, ok := e.(*plan.Call); ok && c.Func == "like_escape" && len(c.Args) == 2 {
		p, ok1 := constPattern(c.Args[0])
		esc, ok2 := constPattern(c.Args[1])
		if !ok1 || !ok2 {
			return "", false
		}
		s, err := likeEscape(p, esc)
		return s, err == nil
	}
	c, ok := e.(*plan.Const)
	if !ok {
		return "", false
	}
	s, ok := c.Value.(string)
	return s, ok
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

// likeFunc returns the row functions that rewrite a pattern written with
// an ESCAPE clause into the backslash form the matchers read, as
// PostgreSQL's parser does (a LIKE b ESCAPE c is a ~~ like_escape(b, c),
// a SIMILAR TO b [ESCAPE c] is a ~ similar_to_escape(b[, c])).
func likeFunc(name string) (rowFn, bool) {
	switch name {
	case "like_escape":
		return func(a []pgtype.Datum) (pgtype.Datum, error) { return likeEscape(a[0].(string), a[1].(string)) }, true
	case "similar_to_escape":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			esc := `\`
			if len(a) > 1 {
				esc = a[1].(string)
			}
			return similarEscape(a[0].(string), esc)
		}, true
	}
	return nil, false
}

func errEscapeString() error {
	return pgerr.New(pgerr.InvalidEscapeSequence, "invalid escape string").
		WithHint("Escape string must be empty or one character.")
}

// likeEscape is PostgreSQL's like_escape: with no escape character every
// backslash is doubled (a literal); with escape e, each e not itself
// escaped becomes a backslash and each other backslash is doubled. An
// escape of more than one character is 22025.
func likeEscape(pattern, esc string) (string, error) {
	if esc == "" {
		return strings.ReplaceAll(pattern, `\`, `\\`), nil
	}
	e, n := utf8.DecodeRuneInString(esc)
	if n != len(esc) {
		return "", errEscapeString()
	}
	if e == '\\' {
		return pattern, nil
	}
	var b strings.Builder
	after := false
	for _, r := range pattern {
		switch {
		case r == e && !after:
			b.WriteByte('\\')
			after = true
			continue
		case r == '\\':
			b.WriteByte('\\')
			if !after {
				b.WriteByte('\\')
			}
		default:
			b.WriteRune(r)
		}
		after = false
	}
	return b.String(), nil
}

// similarEscape is PostgreSQL's similar_to_escape: a SQL regular
// expression (SIMILAR TO) as an anchored POSIX one, % as .*, _ as .,
// groups non-capturing, . ^ $ and backslash literal, bracket expressions
// as they are, the escape character quoting the next one; an escaped
// double quote marks the parts substring() returns (at most two, 2200B).
func similarEscape(pattern, esc string) (string, error) {
	e, n := utf8.DecodeRuneInString(esc)
	switch {
	case esc == "":
		e = -1
	case n != len(esc):
		return "", errEscapeString()
	}
	var b strings.Builder
	b.WriteString("^(?:")
	after, inClass, quotes := false, false, 0
	for _, r := range pattern {
		switch {
		case after:
			after = false
			if r == '"' && !inClass {
				switch quotes {
				case 0:
					b.WriteString("){1,1}?(")
				case 1:
					b.WriteString("){1,1}(?:")
				default:
					return "", pgerr.New("2200B", "SQL regular expression may not contain more than two escape-double-quote separators")
				}
				quotes++
				continue
			}
			if r < utf8.RuneSelf {
				// Letters stay escapes (\d, \s, \w are classes); other
				// ASCII is quoted.
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case r == e:
			after = true
		case inClass:
			if r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
			inClass = r != ']'
		case r == '[':
			b.WriteRune(r)
			inClass = true
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteByte('.')
		case r == '(':
			b.WriteString("(?:")
		case r == '\\' || r == '.' || r == '^' || r == '$':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(")$")
	return b.String(), nil
}
