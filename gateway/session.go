package gateway

import (
	"context"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Session is one client's SQL state. wire calls it from one goroutine, so
// it needs no locks; nothing else touches it.
type Session struct {
	g        *Gateway
	id       uint64
	user     string
	database string
	remote   net.Addr

	vals      *settingValues    // current parameter values
	resetVals map[string]string // what RESET returns to: defaults overlaid with startup values
	reported  map[string]string // GUC_REPORT values the client was last told, by canonical name
	repVals   *settingValues    // vals when reported was last brought up to date

	tx *txn // nil between transactions

	stmts     map[string]*prepared // prepared statements; "" is the unnamed one
	portals   map[string]*portal   // portals and cursors share PostgreSQL's namespace
	portalSeq uint64               // creation order, for rollbacks
	active    *portal              // the portal being executed, spared by CLOSE ALL

	// base outlives single calls: streams of suspended portals and cursors
	// run under it, and Close cancels it.
	base       context.Context
	cancelBase context.CancelFunc

	route string // the route of the statement being run, for metrics

	act *activity // what pg_stat_activity shows of this session

	temp *tempTables // temporary tables (temp.go); nil until the first

	notices wire.ResultWriter // where route notices go (notice.go); nil between messages

	cmemo *sessionCacheMemo // what a cache hit need not redo (cache_plans.go); nil until the first
}

func newSession(g *Gateway, info wire.StartupInfo, db string) *Session {
	reset := make(map[string]string, len(g.defaults)+2)
	for k, v := range g.defaults {
		reset[k] = v
	}
	reset["session_authorization"] = info.User
	base, cancel := context.WithCancel(context.Background())
	return &Session{
		g:          g,
		id:         g.nextID.Add(1),
		user:       info.User,
		database:   db,
		remote:     info.RemoteAddr,
		vals:       &settingValues{m: copyMap(reset)},
		resetVals:  reset,
		reported:   make(map[string]string),
		stmts:      make(map[string]*prepared),
		portals:    make(map[string]*portal),
		base:       base,
		cancelBase: cancel,
		act:        newActivity(info, db, time.Now()),
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// applyStartup sets a StartupMessage parameter, which also becomes the
// value RESET returns to, as PostgreSQL's PGC_S_CLIENT source does.
func (s *Session) applyStartup(name, value string) error {
	lower := strings.ToLower(name)
	p := lookupParam(lower)
	if p == nil {
		if validCustomName(lower) {
			s.resetVals[lower] = value
			s.vals = s.vals.with(lower, value)
			return nil
		}
		return errUnrecognized(lower)
	}
	if isTxParam(lower) {
		// A transaction's own characteristics cannot be preset.
		return nil
	}
	switch p.ctx {
	case ctxInternal, ctxPostmaster:
		return errCannotChange(p, lower)
	}
	if lower == "session_authorization" || lower == "role" {
		if err := s.checkRole(lower, value); err != nil {
			return err
		}
	}
	cur, _ := s.vals.get(lower)
	v, err := p.normalize(lower, value, cur)
	if err != nil {
		return err
	}
	s.resetVals[lower] = v
	s.vals = s.vals.with(lower, v)
	return nil
}

// --- planner.Env -----------------------------------------------------------

// SearchPath implements planner.Env: the schemas of search_path in order,
// "$user" left for the planner to resolve.
func (s *Session) SearchPath() []string { return s.vals.derive().searchPath }

// Setting implements planner.Env: a parameter as SHOW shows it.
func (s *Session) Setting(name string) (string, bool) {
	lower := strings.ToLower(name)
	if lookupParam(lower) == nil {
		v, ok := s.vals.get(lower)
		return v, ok
	}
	return s.showValue(lower), true
}

// Database implements planner.Env.
func (s *Session) Database() string { return s.database }

// User implements planner.Env.
func (s *Session) User() string { return s.user }

// encoding is how values are written for this session now.
func (s *Session) encoding() *pgtype.Settings { return s.vals.derive().enc }

// ValueSettings returns the session's DateStyle, IntervalStyle, TimeZone
// (already resolved, including the numeric and POSIX zones SET TIME ZONE
// accepts), extra_float_digits and bytea_output. The planner may use it
// instead of re-reading them through Setting; the result must not be
// modified.
func (s *Session) ValueSettings() *pgtype.Settings { return s.encoding() }

// showValue is a known parameter's current value (lower-cased name).
func (s *Session) showValue(lower string) string {
	switch lower {
	case "transaction_isolation":
		if s.tx != nil && s.tx.isolation != "" {
			return s.tx.isolation
		}
		v, _ := s.vals.get("default_transaction_isolation")
		return v
	case "transaction_read_only":
		if s.tx != nil && s.tx.readOnly != "" {
			return s.tx.readOnly
		}
		v, _ := s.vals.get("default_transaction_read_only")
		return v
	case "transaction_deferrable":
		if s.tx != nil && s.tx.deferrable != "" {
			return s.tx.deferrable
		}
		v, _ := s.vals.get("default_transaction_deferrable")
		return v
	}
	v, _ := s.vals.get(lower)
	return v
}

// customNames lists the custom placeholders set in this session.
func (s *Session) customNames() []string {
	var out []string
	for k := range s.vals.m {
		if lookupParam(k) == nil {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// reportChanged sends ParameterStatus for every GUC_REPORT parameter whose
// value differs from what the client was last told, as PostgreSQL 15 does
// before ReadyForQuery (so a rolled-back SET is reported back too).
func (s *Session) reportChanged(w wire.ResultWriter) {
	if s.repVals == s.vals || w == nil {
		return
	}
	for _, p := range params {
		if !p.report {
			continue
		}
		v := s.showValue(strings.ToLower(p.name))
		if s.reported[p.name] != v {
			if err := w.ParameterStatus(p.name, v); err != nil {
				return
			}
			s.reported[p.name] = v
		}
	}
	s.repVals = s.vals
}

// lakeState is the lake catalog a statement reads: the latest committed one,
// or, in a REPEATABLE READ or SERIALIZABLE transaction, the one its first
// query saw.
func (s *Session) lakeState() *catalog.State {
	if s.tx == nil {
		return s.g.catalog.Current()
	}
	s.tx.queried = true
	switch s.showValue("transaction_isolation") {
	case "repeatable read", "serializable":
		if s.tx.state == nil {
			s.tx.state = s.g.catalog.Current()
		}
		return s.tx.state
	}
	return s.g.catalog.Current()
}

// --- wire.Session ----------------------------------------------------------

// SimpleQuery implements wire.Session. Several statements run in one
// implicit transaction, as PostgreSQL runs them: an error stops the rest and
// undoes the ones before it, unless a BEGIN made the block explicit.
func (s *Session) SimpleQuery(ctx context.Context, sql string, w wire.ResultWriter) error {
	s.activityStart(sql)
	defer s.activityEnd()
	defer s.noticesTo(w)()
	// A Query message discards the unnamed statement and portal.
	s.dropStatement("")
	s.closePortal("")
	defer s.reportChanged(w)

	stmts, err := s.g.planner.Parse(sql)
	if err != nil {
		s.beginImplicit(txSingle)
		s.fail()
		s.g.metrics.observe("session", err, 0)
		return err
	}
	if len(stmts) == 0 {
		return w.EmptyQuery()
	}
	mode := txSingle
	if len(stmts) > 1 {
		mode = txMulti
	}
	for _, st := range stmts {
		s.beginImplicit(mode)
		if err := s.runLogged(ctx, st, sink{w: w, describe: true}, args{}); err != nil {
			s.fail()
			return err
		}
	}
	s.endImplicit()
	return nil
}

// TxStatus implements wire.Session.
func (s *Session) TxStatus() byte {
	if s.tx == nil {
		return wire.TxIdle
	}
	switch s.tx.mode {
	case txBlock:
		return wire.TxActive
	case txFailed:
		return wire.TxFailed
	}
	return wire.TxIdle
}

// Sync implements wire.Session: it ends the implicit transaction of an
// extended-protocol batch.
func (s *Session) Sync(ctx context.Context) byte {
	s.endImplicit()
	return s.TxStatus()
}

// Close implements wire.Session.
func (s *Session) Close() {
	for name := range s.portals {
		s.closePortal(name)
	}
	s.cancelBase()
	s.dropTemp()
	s.g.sessions.Delete(s.id)
	s.g.metrics.connectionsOpen.Dec()
	s.g.log.Debug("session closed", "session", s.id, "user", s.user)
}

// beginImplicit starts the implicit transaction a statement runs in when
// no transaction is open.
func (s *Session) beginImplicit(mode txMode) {
	if s.tx == nil {
		s.tx = &txn{mode: mode, before: s.vals, session: s.vals, firstPortal: s.portalSeq, start: time.Now(), temp: s.snapshotTemp()}
	}
}

// endImplicit commits an implicit transaction; an explicit block stays.
func (s *Session) endImplicit() {
	if s.tx != nil && (s.tx.mode == txSingle || s.tx.mode == txMulti) {
		s.endTx(true)
	}
}

// fail records an error: an explicit block becomes failed (25P02 from
// now on), an implicit transaction is rolled back.
func (s *Session) fail() {
	if s.tx == nil {
		return
	}
	switch s.tx.mode {
	case txBlock:
		s.tx.mode = txFailed
	case txSingle, txMulti:
		s.endTx(false)
	}
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// errCannotChange is PostgreSQL's refusal to SET a parameter that is not
// the session's to change.
func errCannotChange(p *param, name string) error {
	switch p.ctx {
	case ctxInternal:
		return pgerr.New(pgerr.CantChangeRuntimeParam, "parameter \"%s\" cannot be changed", name)
	case ctxPostmaster:
		return pgerr.New(pgerr.CantChangeRuntimeParam, "parameter \"%s\" cannot be changed without restarting the server", name)
	case ctxSuperuser:
		return pgerr.New(pgerr.InsufficientPrivilege, "permission denied to set parameter \"%s\"", name)
	}
	return nil
}

// checkRole allows SET ROLE and SET SESSION AUTHORIZATION only to the
// session's own user: Sluice has no role hierarchy to switch within.
func (s *Session) checkRole(name, value string) error {
	if value == s.user || (name == "role" && strings.EqualFold(value, "none")) {
		return nil
	}
	if name == "session_authorization" {
		return pgerr.New(pgerr.InsufficientPrivilege, "permission denied to set session authorization")
	}
	return pgerr.New(pgerr.InvalidParameterValue, "role \"%s\" does not exist", value)
}

// compile-time checks of the contracts.
var (
	_ wire.Handler = (*Gateway)(nil)
	_ wire.Session = (*Session)(nil)
	_ planner.Env  = (*Session)(nil)
)
