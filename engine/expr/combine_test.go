package expr

import (
	"math/rand/v2"
	"testing"
)

// TestCombineWords checks the word-at-a-time AND/OR of masks against
// three-valued logic row by row, on lengths that leave a byte tail and on
// every combination of true, false and NULL.
func TestCombineWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 1000, 1027} {
		for _, and := range []bool{true, false} {
			m, o := randomMask(rng, n), randomMask(rng, n)
			want := make([]int, n)
			for i := range n {
				want[i] = logic3(and, tri(m, i), tri(o, i))
			}
			combine(and, &m, &o)
			for i := range n {
				if got := tri(m, i); got != want[i] {
					t.Fatalf("n=%d and=%v row %d: got %d, want %d", n, and, i, got, want[i])
				}
				if m.True[i] && m.Null[i] {
					t.Fatalf("n=%d and=%v row %d: both true and NULL", n, and, i)
				}
			}
		}
	}
}

func randomMask(rng *rand.Rand, n int) Mask {
	m := Mask{True: make([]bool, n), Null: make([]bool, n)}
	for i := range n {
		switch rng.IntN(3) {
		case 0:
			m.True[i] = true
		case 1:
			m.Null[i] = true
		}
	}
	return m
}

// tri is row i of m as 1 (true), 0 (false) or -1 (NULL).
func tri(m Mask, i int) int {
	switch {
	case m.True[i]:
		return 1
	case m.Null[i]:
		return -1
	}
	return 0
}

// logic3 is SQL's AND or OR of two three-valued operands.
func logic3(and bool, a, b int) int {
	if and {
		if a == 0 || b == 0 {
			return 0
		}
		if a == -1 || b == -1 {
			return -1
		}
		return 1
	}
	if a == 1 || b == 1 {
		return 1
	}
	if a == -1 || b == -1 {
		return -1
	}
	return 0
}
