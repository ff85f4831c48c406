package wire

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
)

// peerCheckInterval is how often a running message looks whether its
// client is still connected. A client that goes away while its query
// computes is otherwise noticed only at the first write of a row: for a
// query forwarded to Trino that can be minutes of a cluster's work for
// nobody. PostgreSQL's client_connection_check_interval does the same
// (there off by default, since a backend's query costs nobody else).
const peerCheckInterval = 250 * time.Millisecond

// watchPeer cancels a message's context once the client has closed its end
// of raw (or reset it), checked every peerCheckInterval while the message
// runs; stop ends the watch. A message that ends within the interval
// costs one timer. Connections that are not sockets are not watched.
func watchPeer(raw net.Conn, cancel context.CancelFunc) (stop func()) {
	sc, ok := raw.(syscall.Conn)
	if !ok {
		return func() {}
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return func() {}
	}
	var mu sync.Mutex
	stopped := false
	var timer *time.Timer
	check := func() {
		if peerGone(rc) {
			cancel()
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			timer.Reset(peerCheckInterval)
		}
	}
	mu.Lock()
	timer = time.AfterFunc(peerCheckInterval, check)
	mu.Unlock()
	return func() {
		mu.Lock()
		stopped = true
		mu.Unlock()
		timer.Stop()
	}
}

// peerGone peeks at the socket without blocking or consuming anything:
// end of stream (the client closed) or a reset means gone; bytes waiting
// (a pipelined message) or nothing yet mean alive.
func peerGone(rc syscall.RawConn) bool {
	gone := false
	var buf [1]byte
	err := rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil:
			gone = n == 0
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		default:
			gone = true // ECONNRESET, ETIMEDOUT, ...
		}
		return true // never wait for readability
	})
	if err != nil {
		return errors.Is(err, net.ErrClosed)
	}
	return gone
}
