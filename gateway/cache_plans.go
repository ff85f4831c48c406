package gateway

import (
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/sluicesql/sluice/cache"
	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// A cache hit must cost little more than writing the rows: a dashboard
// tile sent as a simple Query would otherwise be bound again (name
// resolution, type checking, the optimiser) on every run only to find its
// result in the cache. So bound plans are shared by every session, by
// parsed statement and the session facts binding reads, and valid for one
// catalog state; and what the result cache derives from a bound plan (its
// statement text, volatility, tables) is worked out once per plan.

// planMemoSize bounds the bound plans kept. Dashboards and drivers send
// the same few hundred statements all day (the planner keeps 4,096 parsed
// texts); a plan is a few kB.
const planMemoSize = 2048

// planMemo keeps bound plans for every session. Safe for concurrent use;
// a kept plan is immutable and run by any number of sessions at once.
type planMemo struct {
	mu  sync.Mutex
	lru *simplelru.LRU[planMemoKey, *memoPlan]
}

// planMemoKey is what a bound plan depends on besides the catalog state:
// the parsed statement (the planner keeps one per text, so its identity is
// the text's) and bindEnv's facts of the session, with the parameter types
// the client declared.
type planMemoKey struct {
	q   *planner.Query
	env string
}

// memoPlan is a bound plan and the catalog state it was bound against;
// a lookup against any other state (a commit since, a transaction's
// older snapshot) binds again and replaces it.
type memoPlan struct {
	state *catalog.State
	bound *planner.Bound
}

func newPlanMemo() *planMemo {
	l, _ := simplelru.NewLRU[planMemoKey, *memoPlan](planMemoSize, nil)
	return &planMemo{lru: l}
}

func (m *planMemo) get(k planMemoKey, state *catalog.State) *planner.Bound {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.lru.Get(k); ok && p.state == state {
		return p.bound
	}
	return nil
}

func (m *planMemo) put(k planMemoKey, p *memoPlan) {
	m.mu.Lock()
	m.lru.Add(k, p)
	m.mu.Unlock()
}

// memoBind binds q against state as planner.Bind does, sharing the bound
// plan with every session whose binding facts are the same. A statement
// whose binding read anything else of the session (current_setting(),
// pg_backend_pid()) is bound afresh each time; so is any statement of a
// session with temporary tables, whose catalog is its own.
func (s *Session) memoBind(q *planner.Query, state *catalog.State, paramTypes []pgtype.Type) (*planner.Bound, error) {
	m := s.g.plans
	if m == nil || (s.temp != nil && len(s.temp.tables) > 0) {
		return s.g.planner.Bind(q, state, s, paramTypes)
	}
	k := planMemoKey{q: q, env: s.bindEnv(paramTypes)}
	if b := m.get(k, state); b != nil {
		return b, nil
	}
	env := &trackingEnv{Session: s}
	b, err := s.g.planner.Bind(q, state, env, paramTypes)
	if err != nil || env.private {
		return b, err
	}
	m.put(k, &memoPlan{state: state, bound: b})
	return b, nil
}

// bindEnv is the part of planMemoKey that comes from the session: every
// fact of planner.Env but Setting (trackingEnv watches that one), and the
// declared parameter types.
func (s *Session) bindEnv(paramTypes []pgtype.Type) string {
	memo := s.cacheMemo()
	if memo.bindVals != s.vals {
		enc := s.encoding()
		memo.bindVals = s.vals
		memo.bindEnv = strings.Join([]string{s.user, s.database, s.showValue("search_path"),
			enc.DateStyle, enc.IntervalStyle, enc.TimeZone.String(), s.showValue("timezone"),
			fmt.Sprint(enc.ExtraFloatDigits), enc.ByteaOutput}, "\x00")
	}
	if len(paramTypes) == 0 {
		return memo.bindEnv
	}
	var sb strings.Builder
	sb.WriteString(memo.bindEnv)
	for _, t := range paramTypes {
		fmt.Fprintf(&sb, "\x00%d/%d", t.OID, t.Typmod)
	}
	return sb.String()
}

// trackingEnv is the session as the binder sees it, noting whether the
// binding read a setting or the connection's process ID: such a plan holds
// this session's own values and is never shared.
type trackingEnv struct {
	*Session
	private bool
}

func (e *trackingEnv) Setting(name string) (string, bool) {
	// server_version (version()) is the server's, the same in every
	// session.
	if !strings.EqualFold(name, "server_version") {
		e.private = true
	}
	return e.Session.Setting(name)
}

func (e *trackingEnv) BackendPID() int32 {
	e.private = true
	return e.Session.BackendPID()
}

// sessionCacheMemo is what a session remembers between queries so that a
// cache hit redoes nothing: bindEnv's facts and the cache key's session
// part, both for one settingValues (SET makes new ones), the cache's view
// of the plans it ran lately, and the plans time travel bound.
type sessionCacheMemo struct {
	bindVals *settingValues
	bindEnv  string

	keyVals *settingValues
	keyEnv  string

	infos map[*planner.Bound]*boundInfo
	asOf  map[asOfKey]*planner.Bound // timeTravel's plans
}

// boundInfosSize bounds a session's remembered plan infos: a dashboard's
// tiles, a driver's prepared statements.
const boundInfosSize = 256

func (s *Session) cacheMemo() *sessionCacheMemo {
	if s.cmemo == nil {
		s.cmemo = &sessionCacheMemo{}
	}
	return s.cmemo
}

// keyEnv is the session's part of every cache key: the settings that
// change results and the access scope.
func (s *Session) keyEnv() string {
	memo := s.cacheMemo()
	if memo.keyVals == s.vals {
		return memo.keyEnv
	}
	var sb strings.Builder
	for _, name := range keySettings {
		sb.WriteString(name)
		sb.WriteByte('=')
		sb.WriteString(s.showValue(name))
		sb.WriteByte(0)
	}
	sb.WriteString("scope=")
	sb.WriteString(s.accessScope())
	memo.keyVals, memo.keyEnv = s.vals, sb.String()
	return memo.keyEnv
}

// accessScope is who is asking, as far as what they may see goes: the
// user, the role they act as, and the database. Two sessions share cached
// results only within one scope. (Routing rules that deny are kept out of
// the cache altogether: planCache.)
func (s *Session) accessScope() string {
	return s.user + "\x00" + s.showValue("role") + "\x00" + s.database
}

// boundInfo is what the cache needs from a bound plan and is the same on
// every run of it: the statement's key text, why it is not cacheable, the
// tables and versions it reads, whether it reads the whole catalog.
type boundInfo struct {
	text    string
	reason  string
	tables  []cache.TableVersion
	catalog bool
}

// boundInfo works out b's boundInfo, once per plan per session.
func (s *Session) boundInfo(b *planner.Bound) *boundInfo {
	memo := s.cacheMemo()
	if info, ok := memo.infos[b]; ok {
		return info
	}
	info := newBoundInfo(b)
	if memo.infos == nil || len(memo.infos) >= boundInfosSize {
		memo.infos = make(map[*planner.Bound]*boundInfo)
	}
	memo.infos[b] = info
	return info
}

func newBoundInfo(b *planner.Bound) *boundInfo {
	if b.Query == nil {
		return &boundInfo{reason: "not cacheable: no statement text"}
	}
	text, funcs, ok := b.Query.CacheText()
	if !ok {
		return &boundInfo{reason: "not cacheable: the statement does not deparse"}
	}
	for _, f := range funcs {
		switch f {
		case "pg_backend_pid", "current_setting":
			// The session's own values: keying every setting would make
			// the entry useless to anyone else.
			return &boundInfo{reason: fmt.Sprintf("not cacheable: calls %s()", f)}
		}
		// current_user, session_user, user, current_role: the scope is in
		// the key. current_schema(s): search_path and the user are.
		// version, current_database, current_catalog: one server.
	}
	dep := planDependencies(b.Root)
	if dep.volatile != "" {
		return &boundInfo{reason: fmt.Sprintf("not cacheable: calls %s()", dep.volatile)}
	}
	info := &boundInfo{text: text, catalog: dep.catalog}
	for _, t := range b.Tables {
		if t.Format == catalog.FormatSystem {
			if t.SessionDependent {
				return &boundInfo{reason: "not cacheable: reads server state (" + t.Schema + "." + t.Name + ")"}
			}
			info.catalog = true
		}
		info.tables = append(info.tables, cache.TableVersion{Table: t.Schema + "." + t.Name, Version: t.Version})
	}
	return info
}
