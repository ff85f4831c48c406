package catalog

import (
	"slices"
	"strings"
	"sync"
)

// Commit is what one published state changed: the tables whose committed
// version moved, appeared or disappeared since the previous state. The cache
// drops exactly the entries that read one of them.
type Commit struct {
	// Version is the new State's Version.
	Version uint64
	// Changed lists schema-qualified tables, sorted; a table that was
	// dropped or newly appeared is listed too.
	Changed []TableRef
}

// TableRef names one table.
type TableRef struct {
	Schema, Name string
}

func (r TableRef) String() string { return r.Schema + "." + r.Name }

// Touches reports whether the commit changed schema.name.
func (c Commit) Touches(schema, name string) bool {
	_, found := slices.BinarySearchFunc(c.Changed, TableRef{schema, name}, compareRefs)
	return found
}

func compareRefs(a, b TableRef) int {
	if c := strings.Compare(a.Schema, b.Schema); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// subscribers delivers commits to callbacks. Delivery is synchronous, in
// publication order, after the new state is visible through Current: a
// subscriber that looks at Current from its callback sees the committed
// state, and no commit is ever dropped (a lossy channel would let a cache
// keep serving a stale entry).
type subscribers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(Commit)
}

// Subscribe calls fn with every commit published from now on, until the
// returned cancel is called. fn runs on the refreshing goroutine: it must be
// quick and must not call Refresh.
func (l *Lake) Subscribe(fn func(Commit)) (cancel func()) {
	s := &l.subs
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fns == nil {
		s.fns = map[int]func(Commit){}
	}
	id := s.next
	s.next++
	s.fns[id] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.fns, id)
	}
}

func (s *subscribers) publish(c Commit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.fns))
	for id := range s.fns {
		ids = append(ids, id)
	}
	slices.Sort(ids) // subscription order, so delivery is deterministic
	for _, id := range ids {
		s.fns[id](c)
	}
}

// diffStates lists the tables whose Version differs between two states,
// including tables only one of them has. System tables are computed from
// the state itself and are not listed: their version is the State's.
func diffStates(prev, next *State) []TableRef {
	versions := func(s *State) map[TableRef]string {
		m := map[TableRef]string{}
		if s == nil {
			return m
		}
		for _, sc := range s.Schemas {
			for _, t := range sc.Tables {
				if t.Format != FormatSystem {
					m[TableRef{sc.Name, t.Name}] = t.Version
				}
			}
		}
		return m
	}
	a, b := versions(prev), versions(next)
	var out []TableRef
	for r, v := range a {
		if w, ok := b[r]; !ok || w != v {
			out = append(out, r)
		}
	}
	for r := range b {
		if _, ok := a[r]; !ok {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, compareRefs)
	return out
}
