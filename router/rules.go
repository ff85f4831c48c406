package router

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// RouteLocal is the route of the in-process engine.
const RouteLocal = "local"

// Query is what routing rules see of one query: who asks and what it
// reads, described without sessions or plans so the rules stay plain data.
type Query struct {
	User        string
	Roles       []string // the roles the user acts as (the user's own name first)
	Application string   // application_name
	ClientTags  []string // SET sluice.client_tags
	Tables      []string // "layer.table"
	Layers      []string
	// Bytes and Rows estimate what the query reads after partition
	// pruning, from lake metadata.
	Bytes, Rows int64
	// Features the statement uses ("join", "aggregate", "window", ...).
	Features []string
	// Functions the statement calls.
	Functions []string
}

// Rule is one routing rule: when every condition given holds, the query
// goes to Route, or is denied with Deny. Rules are tried in order and the
// first match wins.
type Rule struct {
	Name string `yaml:"name"`
	// Conditions: a list matches when any of its entries does (entries
	// are path.Match patterns: "bi-*", "gold.*"); all given lists must
	// match.
	Users        []string `yaml:"users"`
	Roles        []string `yaml:"roles"`
	Applications []string `yaml:"applications"`
	ClientTags   []string `yaml:"client_tags"` // any one tag of the query
	Tables       []string `yaml:"tables"`      // any table read
	Layers       []string `yaml:"layers"`      // any layer read
	Features     []string `yaml:"features"`    // any feature used
	Functions    []string `yaml:"functions"`   // any function called
	// Estimates after pruning; zero means no bound. Sizes accept KB, MB,
	// GB, TB suffixes (powers of 1024).
	MinBytes Size  `yaml:"min_bytes"`
	MaxBytes Size  `yaml:"max_bytes"`
	MinRows  int64 `yaml:"min_rows"`
	MaxRows  int64 `yaml:"max_rows"`

	// Actions: exactly one of Route (a tier or "local") and Deny.
	Route string `yaml:"route"`
	Deny  string `yaml:"deny"`
	// Code is the SQLSTATE of a denial: 42501 (insufficient_privilege,
	// the default) or 0A000 (feature_not_supported).
	Code string `yaml:"code"`
}

// Size is a byte count written as a number or with a unit ("10GB").
type Size int64

// UnmarshalYAML reads 1048576, "1MB", "1.5 GB".
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*s = Size(v)
	return nil
}

// ParseSize reads a byte count with an optional KB/MB/GB/TB suffix.
func ParseSize(text string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(text))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			mult = u.m
			t = strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q is not a size (e.g. 512MB, 10GB)", text)
	}
	return int64(f * float64(mult)), nil
}

// Decision is where a query goes and why.
type Decision struct {
	Route string // a tier name or RouteLocal; empty with Deny
	Rule  string // the rule that chose it; empty for the default
	Deny  string // the denial's message
	Code  string // the denial's SQLSTATE
}

// Rules is an ordered rule list.
type Rules []Rule

// Validate checks every rule against the known routes (tiers and local).
func (rs Rules) Validate(routes []string) error {
	known := map[string]bool{RouteLocal: true}
	for _, r := range routes {
		known[r] = true
	}
	names := map[string]bool{}
	for i, r := range rs {
		label := r.Name
		if label == "" {
			label = fmt.Sprintf("rule %d", i+1)
		}
		if r.Name != "" && names[r.Name] {
			return fmt.Errorf("routing rule %q is defined twice", r.Name)
		}
		names[r.Name] = true
		if (r.Route == "") == (r.Deny == "") {
			return fmt.Errorf("%s: give exactly one of route and deny", label)
		}
		if r.Route != "" && !known[r.Route] {
			return fmt.Errorf("%s: route %q is neither local nor a configured tier", label, r.Route)
		}
		switch r.Code {
		case "", "42501", "0A000":
		default:
			return fmt.Errorf("%s: code %q: a denial is 42501 or 0A000", label, r.Code)
		}
		for _, lists := range [][]string{r.Users, r.Roles, r.Applications, r.ClientTags, r.Tables, r.Layers, r.Features, r.Functions} {
			for _, p := range lists {
				if _, err := path.Match(p, ""); err != nil {
					return fmt.Errorf("%s: bad pattern %q", label, p)
				}
			}
		}
	}
	return nil
}

// Decide returns the first matching rule's decision, or local when none
// matches.
func (rs Rules) Decide(q Query) Decision {
	for i := range rs {
		r := &rs[i]
		if !r.matches(q) {
			continue
		}
		name := r.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		if r.Deny != "" {
			code := r.Code
			if code == "" {
				code = "42501"
			}
			return Decision{Rule: name, Deny: r.Deny, Code: code}
		}
		return Decision{Route: r.Route, Rule: name}
	}
	return Decision{Route: RouteLocal}
}

func (r *Rule) matches(q Query) bool {
	if !anyMatch(r.Users, []string{q.User}) ||
		!anyMatch(r.Roles, q.Roles) ||
		!anyMatch(r.Applications, []string{q.Application}) ||
		!anyMatch(r.ClientTags, q.ClientTags) ||
		!anyMatch(r.Tables, q.Tables) ||
		!anyMatch(r.Layers, q.Layers) ||
		!anyMatch(r.Features, q.Features) ||
		!anyMatch(r.Functions, q.Functions) {
		return false
	}
	if r.MinBytes > 0 && q.Bytes < int64(r.MinBytes) || r.MaxBytes > 0 && q.Bytes > int64(r.MaxBytes) {
		return false
	}
	if r.MinRows > 0 && q.Rows < r.MinRows || r.MaxRows > 0 && q.Rows > r.MaxRows {
		return false
	}
	return true
}

// anyMatch: an empty pattern list matches everything; otherwise some
// value must match some pattern.
func anyMatch(patterns, values []string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		for _, v := range values {
			if ok, _ := path.Match(p, v); ok {
				return true
			}
		}
	}
	return false
}

// ParseRules reads a rules file: a YAML list of rules, or a mapping with a
// "rules:" list.
func ParseRules(data []byte) (Rules, error) {
	var rs Rules
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if trimmed[0] == '-' || trimmed[0] == '[' {
		if err := dec.Decode(&rs); err != nil {
			return nil, err
		}
		return rs, nil
	}
	var doc struct {
		Rules Rules `yaml:"rules"`
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return doc.Rules, nil
}

// RuleSet is the rules in force: those of the configuration followed by
// those of a rules file, which is read again whenever it changes (checked
// at most once per CheckEvery), so rules change without a restart. A file
// that fails to parse or validate keeps the previous rules in force and
// its error is reported by Err.
type RuleSet struct {
	base       Rules
	file       string
	routes     []string
	checkEvery time.Duration
	now        func() time.Time
	log        *slog.Logger

	mu       sync.Mutex
	fromFile Rules
	checked  time.Time
	modTime  time.Time
	size     int64
	err      error
}

// NewRuleSet makes the rules in force from the configuration's rules and
// an optional rules file (empty: none). routes are the configured tiers.
// The file must load now; later failures keep the last good rules.
func NewRuleSet(base Rules, file string, routes []string) (*RuleSet, error) {
	if err := base.Validate(routes); err != nil {
		return nil, err
	}
	rs := &RuleSet{base: base, file: file, routes: routes, checkEvery: time.Second, now: time.Now, log: slog.New(slog.DiscardHandler)}
	if file != "" {
		if err := rs.reload(true); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// SetLogger names where reloads of the rules file and their failures are
// logged.
func (s *RuleSet) SetLogger(l *slog.Logger) {
	s.mu.Lock()
	s.log = l
	s.mu.Unlock()
}

// SetCheckInterval changes how often the rules file's modification time is
// looked at (tests use a short one).
func (s *RuleSet) SetCheckInterval(d time.Duration) {
	s.mu.Lock()
	s.checkEvery = d
	s.mu.Unlock()
}

// Rules returns the rules in force, reading the rules file again if it
// changed.
func (s *RuleSet) Rules() Rules {
	if s == nil {
		return nil
	}
	if s.file != "" {
		s.mu.Lock()
		due := s.now().Sub(s.checked) >= s.checkEvery
		s.mu.Unlock()
		if due {
			_ = s.reload(false)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.fromFile) == 0 {
		return s.base
	}
	return append(append(Rules(nil), s.base...), s.fromFile...)
}

// Decide applies the rules in force.
func (s *RuleSet) Decide(q Query) Decision {
	return s.Rules().Decide(q)
}

// Err is the error of the last attempt to read the rules file, nil once a
// read succeeds.
func (s *RuleSet) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *RuleSet) reload(force bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checked = s.now()
	st, err := os.Stat(s.file)
	if err != nil {
		s.err = fmt.Errorf("routing rules file: %w", err)
		return s.err
	}
	if !force && st.ModTime().Equal(s.modTime) && st.Size() == s.size {
		return nil
	}
	data, err := os.ReadFile(s.file)
	if err != nil {
		s.err = fmt.Errorf("routing rules file: %w", err)
		return s.err
	}
	rules, err := ParseRules(data)
	if err == nil {
		err = append(append(Rules(nil), s.base...), rules...).Validate(s.routes)
	}
	if err != nil {
		err = fmt.Errorf("routing rules file %s: %w", s.file, err)
		if s.err == nil || s.err.Error() != err.Error() {
			s.log.Warn("routing rules file not loaded; the previous rules stay in force", "error", err)
		}
		s.err = err
		// Not read again until it changes.
		s.modTime, s.size = st.ModTime(), st.Size()
		return s.err
	}
	if !force {
		s.log.Info("routing rules file reloaded", "file", s.file, "rules", len(rules))
	}
	s.fromFile, s.modTime, s.size, s.err = rules, st.ModTime(), st.Size(), nil
	return nil
}
