package engine

import (
	"math/rand/v2"
	"testing"
)

// TestIntTableChains checks the join table against a map of slices: every
// key's rows in row order, absent keys none, through growth.
func TestIntTableChains(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tab := newIntTable()
	want := map[int64][]int32{}
	for row := range int32(50000) {
		k := r.Int64N(9000) - 4500
		if row%3 == 0 {
			k = r.Int64() // mostly unique keys, including negative ones
		}
		tab.insert(k, row)
		want[k] = append(want[k], row)
	}
	for k, rows := range want {
		var got []int32
		for c := tab.first(k); c >= 0; c = tab.next[c] {
			got = append(got, c)
		}
		if len(got) != len(rows) {
			t.Fatalf("key %d: rows %v, want %v", k, got, rows)
		}
		for i := range rows {
			if got[i] != rows[i] {
				t.Fatalf("key %d: rows %v, want %v", k, got, rows)
			}
		}
	}
	if c := tab.first(1 << 62); c >= 0 {
		if _, ok := want[1<<62]; !ok {
			t.Fatalf("absent key found at row %d", c)
		}
	}
}
