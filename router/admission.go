package router

import (
	"context"
	"sync"
	"time"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// admission is a tier's gate: at most max queries run at once; others wait
// in a queue of at most qlen. A freed slot goes to the waiter whose user
// has the fewest queries running in the tier, the earliest first among
// equals: FIFO for one user, and no user can crowd the others out.
type admission struct {
	tier    string
	max     int // 0: no limit
	qlen    int
	timeout time.Duration

	mu      sync.Mutex
	running int
	perUser map[string]int
	waiting []*waiter // in arrival order
	seq     uint64
}

type waiter struct {
	user    string
	seq     uint64
	granted chan struct{} // closed when the slot is this waiter's
	pos     chan int      // latest queue position, for the notice
	lastPos int
}

func newAdmission(tier string, max, qlen int, timeout time.Duration) *admission {
	return &admission{tier: tier, max: max, qlen: qlen, timeout: timeout, perUser: map[string]int{}}
}

// acquire waits for a slot. onPosition is called on the caller's goroutine
// each time the query's place in the queue changes. The returned release
// frees the slot; it may be called more than once.
func (a *admission) acquire(ctx context.Context, user string, onPosition func(pos, waiting int)) (func(), error) {
	a.mu.Lock()
	if a.max == 0 || (a.running < a.max && len(a.waiting) == 0) {
		a.grantLocked(user)
		a.mu.Unlock()
		return a.releaser(user), nil
	}
	if len(a.waiting) >= a.qlen {
		running, waiting := a.running, len(a.waiting)
		a.mu.Unlock()
		return nil, pgerr.New(codeTooManyQueued, "Trino tier %q is full: %d queries running, %d waiting (max_concurrency %d, queue_length %d)",
			a.tier, running, waiting, a.max, a.qlen)
	}
	a.seq++
	w := &waiter{user: user, seq: a.seq, granted: make(chan struct{}), pos: make(chan int, 1)}
	a.waiting = append(a.waiting, w)
	a.announceLocked()
	a.mu.Unlock()

	var timeout <-chan time.Time
	if a.timeout > 0 {
		t := time.NewTimer(a.timeout)
		defer t.Stop()
		timeout = t.C
	}
	for {
		select {
		case <-w.granted:
			return a.releaser(user), nil
		case p := <-w.pos:
			if onPosition != nil {
				a.mu.Lock()
				n := len(a.waiting)
				a.mu.Unlock()
				onPosition(p, n)
			}
		case <-ctx.Done():
			if !a.leave(w) {
				a.release(user) // granted meanwhile: give the slot back
			}
			return nil, ctx.Err()
		case <-timeout:
			if a.leave(w) {
				return nil, pgerr.New(pgerr.QueryCanceled, "canceling statement: it waited %s in the queue of Trino tier %q (queue_timeout)", a.timeout, a.tier)
			}
			return a.releaser(user), nil
		}
	}
}

// leave removes a waiter that gave up; false when it was granted already.
func (a *admission) leave(w *waiter) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case <-w.granted:
		return false
	default:
	}
	for i, x := range a.waiting {
		if x == w {
			a.waiting = append(a.waiting[:i], a.waiting[i+1:]...)
			break
		}
	}
	a.announceLocked()
	return true
}

func (a *admission) grantLocked(user string) {
	a.running++
	a.perUser[user]++
}

func (a *admission) releaser(user string) func() {
	var once sync.Once
	return func() { once.Do(func() { a.release(user) }) }
}

func (a *admission) release(user string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.running--
	if a.perUser[user]--; a.perUser[user] <= 0 {
		delete(a.perUser, user)
	}
	for len(a.waiting) > 0 && (a.max == 0 || a.running < a.max) {
		i := a.nextLocked()
		w := a.waiting[i]
		a.waiting = append(a.waiting[:i], a.waiting[i+1:]...)
		a.grantLocked(w.user)
		close(w.granted)
	}
	a.announceLocked()
}

// before reports whether x is served before y.
func (a *admission) before(x, y *waiter) bool {
	rx, ry := a.perUser[x.user], a.perUser[y.user]
	if rx != ry {
		return rx < ry
	}
	return x.seq < y.seq
}

func (a *admission) nextLocked() int {
	best := 0
	for i := 1; i < len(a.waiting); i++ {
		if a.before(a.waiting[i], a.waiting[best]) {
			best = i
		}
	}
	return best
}

// announceLocked tells each waiter whose position changed its new one
// (1 = next to run).
func (a *admission) announceLocked() {
	for _, w := range a.waiting {
		p := 1
		for _, o := range a.waiting {
			if o != w && a.before(o, w) {
				p++
			}
		}
		if p == w.lastPos {
			continue
		}
		w.lastPos = p
		select {
		case <-w.pos: // drop the stale one: only the latest matters
		default:
		}
		w.pos <- p
	}
}

// stats is the tier's running and waiting counts.
func (a *admission) stats() (running, waiting int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running, len(a.waiting)
}
