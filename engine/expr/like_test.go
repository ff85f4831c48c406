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
		src, err := likeToRegexp(pat)
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
	if _, err := compileLike(`ab\`, false); err == nil {
		t.Fatalf("a pattern ending in the escape character compiles")
	}
}
