package gateway

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire"
)

// activity is what pg_stat_activity shows of a session. Other sessions
// read it while this one runs, so it is guarded; the session updates it
// when a statement starts and ends.
type activity struct {
	mu sync.Mutex
	b  catalog.Backend
}

func newActivity(info wire.StartupInfo, db string, now time.Time) *activity {
	a := &activity{b: catalog.Backend{PID: info.ProcessID, Database: db, User: info.User, ClientPort: -1,
		BackendStart: now, StateChange: now, State: "idle", ApplicationName: info.Params["application_name"]}}
	if tcp, ok := info.RemoteAddr.(*net.TCPAddr); ok {
		a.b.ClientAddr, a.b.ClientPort = tcp.IP.String(), int32(tcp.Port)
	} else if info.RemoteAddr != nil && info.RemoteAddr.Network() != "unix" {
		if host, port, err := net.SplitHostPort(info.RemoteAddr.String()); err == nil {
			p, _ := strconv.Atoi(port)
			a.b.ClientAddr, a.b.ClientPort = host, int32(p)
		}
	}
	return a
}

// activityStart records that a statement began.
func (s *Session) activityStart(sql string) {
	now := time.Now()
	app, _ := s.Setting("application_name")
	s.act.mu.Lock()
	defer s.act.mu.Unlock()
	s.act.b.State, s.act.b.Query, s.act.b.QueryStart, s.act.b.StateChange = "active", sql, now, now
	s.act.b.ApplicationName = app
	s.act.b.XactStart = time.Time{}
	if s.tx != nil {
		s.act.b.XactStart = s.tx.start
	}
}

// activityEnd records that the statement ended, leaving the session idle,
// or idle in a transaction block.
func (s *Session) activityEnd() {
	state := "idle"
	var xact time.Time
	// Only an explicit block outlives the statement; an implicit
	// transaction of the extended protocol ends at Sync.
	if s.tx != nil && s.tx.mode != txSingle && s.tx.mode != txMulti {
		state, xact = "idle in transaction", s.tx.start
		if s.TxStatus() == wire.TxFailed {
			state = "idle in transaction (aborted)"
		}
	}
	app, _ := s.Setting("application_name")
	s.act.mu.Lock()
	defer s.act.mu.Unlock()
	s.act.b.State, s.act.b.StateChange, s.act.b.XactStart = state, time.Now(), xact
	s.act.b.ApplicationName = app
}

// Backends implements catalog.SessionView: every live session of the
// gateway, as pg_stat_activity lists them.
func (s *Session) Backends() []catalog.Backend {
	var out []catalog.Backend
	s.g.sessions.Range(func(_, v any) bool {
		o := v.(*Session)
		o.act.mu.Lock()
		out = append(out, o.act.b)
		o.act.mu.Unlock()
		return true
	})
	return out
}

// PGSetting implements catalog.SessionView: SHOW's value, except that a
// number with a unit is written in the parameter's base unit, as
// pg_settings shows it.
func (s *Session) PGSetting(name string) (string, bool) {
	v, ok := s.Setting(name)
	if !ok {
		return v, false
	}
	if p := lookupParam(strings.ToLower(name)); p != nil && p.kind == kindInt && p.unit != "" {
		if n, err := parseIntWithUnit(v, p.unit); err == nil {
			return strconv.FormatInt(n, 10), true
		}
	}
	return v, true
}

// BackendPID is the process ID of the connection (pg_backend_pid()).
func (s *Session) BackendPID() int32 { return s.act.b.PID }
