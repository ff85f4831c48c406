package gateway

import (
	"github.com/sluicesql/sluice/router"
	"github.com/sluicesql/sluice/wire"
)

// Notices of a route (a place in a Trino tier's queue, a retry on another
// cluster, a long query's progress) reach the client as NoticeResponses
// while its statement runs. The router calls back on the session's
// goroutine, from Execute and from a stream's Next; a stream read later
// (a cursor, a suspended portal) reports to whatever message reads it.

// noticesTo makes w the writer of route notices until the returned func
// restores the previous one. SimpleQuery and Execute call it: they are
// the messages during which a stream is read.
func (s *Session) noticesTo(w wire.ResultWriter) (restore func()) {
	prev := s.notices
	s.notices = w
	return func() { s.notices = prev }
}

// routeNotice sends a router notice to the client of the running message;
// between messages (nobody to tell) it is dropped. A client that cannot
// take it fails on the message's next write anyway.
func (s *Session) routeNotice(n router.Notice) {
	if s.notices == nil || n.Message == "" {
		return
	}
	_ = s.notices.Notice("NOTICE", "00000", n.Message)
}
