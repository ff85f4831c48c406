package gateway

import (
	"strings"

	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// execSet runs SET, SET LOCAL, SET ... TO DEFAULT, SET TRANSACTION and
// SET SESSION CHARACTERISTICS.
func (s *Session) execSet(st *planner.SetVar, w wire.ResultWriter) error {
	switch st.Name {
	case "transaction":
		if !s.inBlock() {
			if err := w.Notice(pgerr.SeverityWarning, pgerr.NoActiveSQLTransaction, "SET TRANSACTION can only be used in transaction blocks"); err != nil {
				return err
			}
		}
		for _, kv := range st.Values {
			name, value, _ := strings.Cut(kv, "=")
			if err := s.setTxParam(name, value); err != nil {
				return err
			}
		}
		return w.Complete("SET")
	case "session characteristics":
		for _, kv := range st.Values {
			name, value, _ := strings.Cut(kv, "=")
			if err := s.setParam("default_"+name, []string{value}, false, false); err != nil {
				return err
			}
		}
		return w.Complete("SET")
	}
	if st.Local && !s.inBlock() {
		if err := w.Notice(pgerr.SeverityWarning, pgerr.NoActiveSQLTransaction, "SET LOCAL can only be used in transaction blocks"); err != nil {
			return err
		}
	}
	if err := s.setParam(st.Name, st.Values, st.Default, st.Local); err != nil {
		return err
	}
	return w.Complete("SET")
}

// setParam validates and sets one parameter. values are SET's arguments;
// toDefault sets the value RESET would.
func (s *Session) setParam(name string, values []string, toDefault, local bool) error {
	name = strings.ToLower(name)
	p := lookupParam(name)
	if p == nil {
		if !strings.Contains(name, ".") {
			return errUnrecognized(name)
		}
		if !validCustomName(name) {
			return pgerr.New("42602", "invalid configuration parameter name \"%s\"", name).
				WithDetail("Custom parameter names must be two or more simple identifiers separated by dots.")
		}
		v := ""
		if !toDefault {
			if len(values) > 1 {
				return pgerr.New(pgerr.InvalidParameterValue, "SET %s takes only one argument", name)
			}
			if len(values) == 1 {
				v = values[0]
			}
		}
		s.setValue(name, v, local)
		return nil
	}
	if err := errCannotChange(p, name); err != nil {
		return err
	}
	if isTxParam(name) {
		v := ""
		if !toDefault {
			if len(values) != 1 {
				return pgerr.New(pgerr.InvalidParameterValue, "SET %s takes only one argument", name)
			}
			v = values[0]
		} else {
			v = s.showValue("default_" + name)
		}
		return s.setTxParam(name, v)
	}
	var value string
	if toDefault {
		value = s.resetVals[name]
	} else {
		if len(values) > 1 && !p.list {
			return pgerr.New(pgerr.InvalidParameterValue, "SET %s takes only one argument", name)
		}
		if p.quote {
			quoted := make([]string, len(values))
			for i, v := range values {
				quoted[i] = quoteIdentifier(v)
			}
			value = strings.Join(quoted, ", ")
		} else {
			value = strings.Join(values, ", ")
		}
	}
	if name == "session_authorization" || name == "role" {
		if err := s.checkRole(name, value); err != nil {
			return err
		}
	}
	cur, _ := s.vals.get(name)
	v, err := p.normalize(name, value, cur)
	if err != nil {
		return err
	}
	s.setValue(name, v, local)
	return nil
}

// execReset runs RESET name and RESET ALL.
func (s *Session) execReset(st *planner.ResetVar, w wire.ResultWriter) error {
	if st.All {
		s.replaceValues(s.resetAll())
		return w.Complete("RESET")
	}
	if err := s.setParam(st.Name, nil, true, false); err != nil {
		return err
	}
	return w.Complete("RESET")
}

// resetAll is every parameter at its reset value; custom placeholders stay
// defined but empty, as in PostgreSQL.
func (s *Session) resetAll() *settingValues {
	m := copyMap(s.resetVals)
	for _, c := range s.customNames() {
		if _, ok := m[c]; !ok {
			m[c] = ""
		}
	}
	return &settingValues{m: m}
}

// showFields are the columns of SHOW name (one text column named after
// the parameter) and SHOW ALL.
func (s *Session) showFields(st *planner.ShowVar) ([]wire.Field, error) {
	if st.All {
		return textFields("name", "setting", "description"), nil
	}
	name := strings.ToLower(st.Name)
	if p := lookupParam(name); p != nil {
		return textFields(p.name), nil
	}
	if _, ok := s.vals.get(name); ok {
		return textFields(name), nil
	}
	return nil, errUnrecognized(name)
}

// showRows are SHOW's rows.
func (s *Session) showRows(st *planner.ShowVar) ([][]string, error) {
	if st.All {
		rows := showAllRows(func(n string) (string, bool) { return s.showValue(n), true }, s.customNames())
		out := make([][]string, len(rows))
		for i, r := range rows {
			out[i] = []string{r[0], r[1], r[2]}
		}
		return out, nil
	}
	name := strings.ToLower(st.Name)
	if lookupParam(name) != nil {
		return [][]string{{s.showValue(name)}}, nil
	}
	if v, ok := s.vals.get(name); ok {
		return [][]string{{v}}, nil
	}
	return nil, errUnrecognized(name)
}

// execDiscard runs DISCARD ALL (and the no-op DISCARD PLANS, SEQUENCES,
// TEMP: Sluice keeps neither cached plans of its own nor temporary objects).
func (s *Session) execDiscard(st *planner.Discard, w wire.ResultWriter) error {
	if st.What == "ALL" {
		if s.inBlock() {
			return pgerr.New(pgerr.ActiveSQLTransaction, "DISCARD ALL cannot run inside a transaction block")
		}
		for name, p := range s.portals {
			if p != s.active {
				s.closePortal(name)
			}
		}
		for name := range s.stmts {
			if name != "" {
				delete(s.stmts, name)
			}
		}
		s.replaceValues(s.resetAll())
	}
	return w.Complete(st.Tag())
}
