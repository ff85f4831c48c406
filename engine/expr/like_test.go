package expr

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The literal-piece matcher decides what the anchored regexp the Datum path
// used before decides, on random patterns and strings over a small
// alphabet (so that pieces overlap, repeat and straddle prefix and suffix),
// with multi-byte characters and escapes.
func TestLikeMatcherMatchesRegexp(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	alpha := []string{"a", "b", "é", "%", `\%`, `\_`, `\\`, "_"}
	text := []string{"a", "b", "é", "%", "_", `\`}
	for range 20000 {
		var p, s strings.Builder
		for range r.IntN(7) {
			p.WriteString(alpha[r.IntN(len(alpha))])
		}
		for range r.IntN(9) {
			s.WriteString(text[r.IntN(len(text))])
		}
		pat, str := p.String(), s.String()
		m, err := compileLike(pat, false)
		if err != nil {
			t.Fatalf("%q: %v", pat, err)
		}
		src, err := likeRegexp(pat, false)
		if err != nil {
			t.Fatal(err)
		}
		want := regexp.MustCompile(src).MatchString(str)
		if got := m.match(str); got != want {
			t.Fatalf("%q LIKE %q: %v, the regexp says %v", str, pat, got, want)
		}
	}
	if m, _ := compileLike("%special%requests%", false); m.re != nil {
		t.Fatalf("a pattern of pieces and %% runs the regexp")
	}
}

// PostgreSQL's walk, which decides patterns ending in a dangling escape,
// agrees with the anchored regexp on every pattern both accept; with the
// dangling escape appended it fails exactly when the walk reaches the end
// of the pattern with text left, or a % must search for the escape.
func TestLikeWalkMatchesRegexp(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	alpha := []string{"a", "b", "é", "%", `\%`, `\_`, `\\`, "_"}
	text := []string{"a", "b", "é", "%", "_", `\`}
	errs := 0
	for range 20000 {
		var p, s strings.Builder
		for range r.IntN(7) {
			p.WriteString(alpha[r.IntN(len(alpha))])
		}
		for range r.IntN(9) {
			s.WriteString(text[r.IntN(len(text))])
		}
		pat, str := p.String(), s.String()
		src, err := likeRegexp(pat, false)
		if err != nil {
			t.Fatal(err)
		}
		want := regexp.MustCompile(src).MatchString(str)
		if got, err := likeWalk(str, pat); err != nil || (got == likeTrue) != want {
			t.Fatalf("%q LIKE %q: walk %v %v, the regexp says %v", str, pat, got, err, want)
		}
		// pat + `\` can only ever match a text that pat's prefix walk
		// leaves nothing of; it never matches, and errs unless it stops
		// early.
		m, err := compileLike(pat+`\`, false)
		if err != nil || m.dangling == nil {
			t.Fatalf("%q: compiled %v, %v", pat+`\`, m, err)
		}
		ok, err := m.test(str)
		if ok {
			t.Fatalf("%q LIKE %q matched", str, pat+`\`)
		}
		if err != nil {
			errs++
		}
	}
	if errs == 0 || errs == 20000 {
		t.Fatalf("%d of 20000 dangling patterns failed: the walk is not lazy", errs)
	}
	for _, c := range []struct {
		s, p string
		err  bool
	}{
		{"x", `abc\`, false},   // fails at a before the escape
		{"abc", `abc\`, false}, // the text ends first
		{"abcd", `abc\`, true},
		{"", `%\`, false}, // the text ends before the % is walked
		{"a", `%\`, true}, // % looks for the escaped character
		{"ab", `a%\`, true},
		{"b", `a%\`, false},
	} {
		m, _ := compileLike(c.p, false)
		if _, err := m.test(c.s); (err != nil) != c.err {
			t.Errorf("%q LIKE %q: error %v", c.s, c.p, err)
		}
	}
}
