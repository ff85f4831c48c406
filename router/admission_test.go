package router

import (
	"context"
	"sync"
	"testing"
	"time"
)

// A freed slot goes to the waiting user with the fewest running queries,
// the earliest first among equals, and positions follow that order.
func TestAdmissionFairAcrossUsers(t *testing.T) {
	a := newAdmission("etl", 2, 10, 0)
	ctx := context.Background()
	relA1, _ := a.acquire(ctx, "alice", nil)
	relA2, _ := a.acquire(ctx, "alice", nil)

	var mu sync.Mutex
	var order []string
	positions := map[string]int{}
	rels := map[string]func(){}
	var wg sync.WaitGroup
	enqueue := func(user, name string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rel, err := a.acquire(ctx, user, func(pos, _ int) {
				mu.Lock()
				positions[name] = pos
				mu.Unlock()
			})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, name)
			rels[name] = rel
			mu.Unlock()
		}()
		waitFor(t, func() bool { _, w := a.stats(); mu.Lock(); defer mu.Unlock(); return w > 0 && positions[name] > 0 })
	}
	enqueue("alice", "a3")
	enqueue("alice", "a4")
	enqueue("bob", "b1")
	mu.Lock()
	// Alice runs two, Bob none: Bob's query is next although it came last.
	if positions["b1"] != 1 || positions["a3"] != 2 || positions["a4"] != 3 {
		t.Errorf("positions %v", positions)
	}
	mu.Unlock()
	relA1()
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == 1 })
	relA2()
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == 2 })
	mu.Lock()
	rels["b1"]()
	mu.Unlock()
	wg.Wait()
	if len(order) != 3 || order[0] != "b1" || order[1] != "a3" || order[2] != "a4" {
		t.Errorf("served in order %v, want b1 a3 a4", order)
	}
	for _, n := range []string{"a3", "a4"} {
		rels[n]()
		rels[n]() // twice: no harm
	}
	if run, wait := a.stats(); run != 0 || wait != 0 {
		t.Errorf("after all released: running %d waiting %d", run, wait)
	}
}

// No limit: nobody waits.
func TestAdmissionUnlimited(t *testing.T) {
	a := newAdmission("etl", 0, 0, 0)
	for i := 0; i < 100; i++ {
		if _, err := a.acquire(context.Background(), "u", nil); err != nil {
			t.Fatal(err)
		}
	}
	if run, _ := a.stats(); run != 100 {
		t.Errorf("running %d", run)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 5 s")
}
