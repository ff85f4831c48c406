package expr

import (
	"crypto/md5"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// stringFunc returns the row function of a strict string function, or
// ok false when name is not one.
func stringFunc(name string, types []pgtype.Type) (fn rowFn, ok bool) {
	str := func(f func(s string) pgtype.Datum) rowFn {
		return func(a []pgtype.Datum) (pgtype.Datum, error) { return f(a[0].(string)), nil }
	}
	switch name {
	case "lower":
		return str(func(s string) pgtype.Datum { return asciiMap(s, lowerByte) }), true
	case "upper":
		return str(func(s string) pgtype.Datum { return asciiMap(s, upperByte) }), true
	case "initcap":
		return str(func(s string) pgtype.Datum { return initcap(s) }), true
	case "length", "char_length", "character_length":
		return str(func(s string) pgtype.Datum { return int64(utf8.RuneCountInString(s)) }), true
	case "octet_length":
		return str(func(s string) pgtype.Datum { return int64(len(s)) }), true
	case "reverse":
		return str(func(s string) pgtype.Datum {
			r := []rune(s)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return string(r)
		}), true
	case "md5":
		return str(func(s string) pgtype.Datum {
			h := md5.Sum([]byte(s))
			return hex.EncodeToString(h[:])
		}), true
	case "ascii":
		return str(func(s string) pgtype.Datum {
			r, _ := utf8.DecodeRuneInString(s)
			if s == "" {
				r = 0
			}
			return int64(r)
		}), true
	case "chr":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			n := a[0].(int64)
			switch {
			case n == 0:
				return nil, pgerr.New(pgerr.ProgramLimitExceeded, "null character not permitted")
			case n < 0 || n > 0x10FFFF:
				return nil, pgerr.New(pgerr.ProgramLimitExceeded, "requested character too large for encoding: %d", n)
			case n >= 0xD800 && n <= 0xDFFF:
				return nil, pgerr.New(pgerr.ProgramLimitExceeded, "requested character not valid for encoding: %d", n)
			}
			return string(rune(n)), nil
		}, true
	case "to_hex":
		bits32 := types[0].OID == pgtype.Int4OID
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			n := a[0].(int64)
			if bits32 {
				return strconv.FormatUint(uint64(uint32(n)), 16), nil
			}
			return strconv.FormatUint(uint64(n), 16), nil
		}, true
	case "bit_length":
		return str(func(s string) pgtype.Datum { return int64(8 * len(s)) }), true
	case "quote_ident":
		return str(func(s string) pgtype.Datum { return quoteIdent(s) }), true
	case "translate":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			from, to := []rune(a[1].(string)), []rune(a[2].(string))
			var b strings.Builder
			for _, r := range a[0].(string) {
				i := -1
				for j, f := range from {
					if f == r {
						i = j
						break
					}
				}
				switch {
				case i < 0:
					b.WriteRune(r)
				case i < len(to):
					b.WriteRune(to[i])
				}
			}
			return b.String(), nil
		}, true
	case "overlay":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			r, repl := []rune(a[0].(string)), a[1].(string)
			start := a[2].(int64)
			n := int64(utf8.RuneCountInString(repl))
			if len(a) > 3 {
				n = a[3].(int64)
			}
			if start < 1 {
				return nil, pgerr.New("22011", "negative substring length not allowed")
			}
			head := string(r[:min(start-1, int64(len(r)))])
			tail := ""
			if end := start - 1 + n; end < int64(len(r)) {
				tail = string(r[max(end, 0):])
			}
			return head + repl + tail, nil
		}, true
	case "regexp_like":
		cache := &patternCache{}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			flags := ""
			if len(a) > 2 {
				flags = a[2].(string)
			}
			global, ci, err := regexFlags(flags, "regexp_like")
			if err != nil {
				return nil, err
			}
			if global {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "regexp_like() does not support the \"global\" option")
			}
			re, err := cache.regex(a[1].(string), ci)
			if err != nil {
				return nil, err
			}
			return re.MatchString(a[0].(string)), nil
		}, true
	case "starts_with":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			return strings.HasPrefix(a[0].(string), a[1].(string)), nil
		}, true
	case "position", "strpos":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			s, sub := a[0].(string), a[1].(string)
			i := strings.Index(s, sub)
			if i < 0 {
				return int64(0), nil
			}
			return int64(utf8.RuneCountInString(s[:i]) + 1), nil
		}, true
	case "substr":
		return substring, true
	case "substring":
		if len(types) == 3 && types[2].OID != pgtype.Int4OID {
			return similarSubstring, true
		}
		if len(types) == 2 && types[1].OID != pgtype.Int4OID {
			cache := &patternCache{}
			return func(a []pgtype.Datum) (pgtype.Datum, error) {
				re, err := cache.regex(a[1].(string), false)
				if err != nil {
					return nil, err
				}
				m := re.FindStringSubmatchIndex(a[0].(string))
				if m == nil {
					return nil, nil
				}
				if len(m) > 2 {
					if m[2] < 0 {
						return nil, nil
					}
					return a[0].(string)[m[2]:m[3]], nil
				}
				return a[0].(string)[m[0]:m[1]], nil
			}, true
		}
		return substring, true
	case "btrim", "ltrim", "rtrim":
		left, right := name != "rtrim", name != "ltrim"
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			s, set := a[0].(string), " "
			if len(a) > 1 {
				set = a[1].(string)
			}
			in := func(r rune) bool { return strings.ContainsRune(set, r) }
			if left {
				s = strings.TrimLeftFunc(s, in)
			}
			if right {
				s = strings.TrimRightFunc(s, in)
			}
			return s, nil
		}, true
	case "replace":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			if a[1].(string) == "" {
				return a[0], nil
			}
			return strings.ReplaceAll(a[0].(string), a[1].(string), a[2].(string)), nil
		}, true
	case "split_part":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			s, sep, n := a[0].(string), a[1].(string), a[2].(int64)
			if n == 0 {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "field position must not be zero")
			}
			var parts []string
			if sep == "" {
				parts = []string{s}
				if s == "" {
					parts = nil
				}
			} else {
				parts = strings.Split(s, sep)
			}
			if n < 0 {
				n += int64(len(parts)) + 1
			}
			if n < 1 || n > int64(len(parts)) {
				return "", nil
			}
			return parts[n-1], nil
		}, true
	case "left", "right":
		isLeft := name == "left"
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			r := []rune(a[0].(string))
			n := int(max(min(a[1].(int64), int64(len(r))), -int64(len(r))))
			if n < 0 {
				n += len(r)
			}
			if isLeft {
				return string(r[:n]), nil
			}
			return string(r[len(r)-n:]), nil
		}, true
	case "lpad", "rpad":
		isLeft := name == "lpad"
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			r := []rune(a[0].(string))
			n := a[1].(int64)
			fill := []rune(" ")
			if len(a) > 2 {
				fill = []rune(a[2].(string))
			}
			if n <= 0 {
				return "", nil
			}
			if n > 10_000_000 {
				return nil, pgerr.New(pgerr.ProgramLimitExceeded, "requested length too large")
			}
			if int64(len(r)) >= n || len(fill) == 0 {
				return string(r[:min(int64(len(r)), n)]), nil
			}
			pad := make([]rune, 0, n-int64(len(r)))
			for i := 0; int64(len(pad)) < n-int64(len(r)); i++ {
				pad = append(pad, fill[i%len(fill)])
			}
			if isLeft {
				return string(pad) + string(r), nil
			}
			return string(r) + string(pad), nil
		}, true
	case "repeat":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			n := a[1].(int64)
			if n <= 0 {
				return "", nil
			}
			if int64(len(a[0].(string)))*n > 1<<30 {
				return nil, pgerr.New(pgerr.ProgramLimitExceeded, "requested length too large")
			}
			return strings.Repeat(a[0].(string), int(n)), nil
		}, true
	case "regexp_replace":
		cache := &patternCache{}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			flags := ""
			if len(a) > 3 {
				flags = a[3].(string)
			}
			global, ci, err := regexFlags(flags, "regexp_replace")
			if err != nil {
				return nil, err
			}
			re, err := cache.regex(a[1].(string), ci)
			if err != nil {
				return nil, err
			}
			return regexReplace(re, a[0].(string), a[2].(string), global), nil
		}, true
	case "regexp_match":
		cache := &patternCache{}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			flags := ""
			if len(a) > 2 {
				flags = a[2].(string)
			}
			global, ci, err := regexFlags(flags, "regexp_match")
			if err != nil {
				return nil, err
			}
			if global {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "regexp_match() does not support the \"global\" option").
					WithHint("Use the regexp_matches function instead.")
			}
			re, err := cache.regex(a[1].(string), ci)
			if err != nil {
				return nil, err
			}
			s := a[0].(string)
			m := re.FindStringSubmatchIndex(s)
			if m == nil {
				return nil, nil
			}
			out := pgtype.Array{Elem: pgtype.Text, Lower: 1}
			if len(m) == 2 {
				out.Elements = []pgtype.Datum{s[m[0]:m[1]]}
				return out, nil
			}
			for i := 2; i < len(m); i += 2 {
				if m[i] < 0 {
					out.Elements = append(out.Elements, nil)
				} else {
					out.Elements = append(out.Elements, s[m[i]:m[i+1]])
				}
			}
			return out, nil
		}, true
	}
	return nil, false
}

// substring is substring(s FROM start [FOR count]) on characters: the
// window [start, start+count) clipped to the string.
func substring(a []pgtype.Datum) (pgtype.Datum, error) {
	r := []rune(a[0].(string))
	start := a[1].(int64)
	end := int64(len(r)) + 1
	if len(a) > 2 {
		n := a[2].(int64)
		if n < 0 {
			return nil, pgerr.New("22011", "negative substring length not allowed")
		}
		end = min(end, start+n)
	}
	start = max(start, 1)
	if start >= end || start > int64(len(r)) {
		return "", nil
	}
	return string(r[start-1 : end-1]), nil
}

// similarSubstring is substring(s SIMILAR pattern ESCAPE e): the part of s
// between the two escape-double-quote markers of the pattern.
func similarSubstring(a []pgtype.Datum) (pgtype.Datum, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "substring with SIMILAR patterns is not supported yet")
}

func regexFlags(flags, fn string) (global, ci bool, err error) {
	for _, f := range flags {
		switch f {
		case 'g':
			global = true
		case 'i':
			ci = true
		case 'c':
			ci = false
		default:
			return false, false, pgerr.New(pgerr.InvalidParameterValue, "invalid regular expression option: \"%c\"", f)
		}
	}
	return global, ci, nil
}

// regexReplace substitutes the first (or every) match, reading \1..\9 as
// groups and \& as the whole match, as PostgreSQL's replacement text does.
func regexReplace(re *regexp.Regexp, s, repl string, global bool) string {
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(s[last:m[0]])
		for i := 0; i < len(repl); i++ {
			c := repl[i]
			if c == '\\' && i+1 < len(repl) {
				n := repl[i+1]
				switch {
				case n >= '1' && n <= '9':
					g := int(n - '0')
					if 2*g+1 < len(m) && m[2*g] >= 0 {
						b.WriteString(s[m[2*g]:m[2*g+1]])
					}
					i++
					continue
				case n == '&':
					b.WriteString(s[m[0]:m[1]])
					i++
					continue
				case n == '\\':
					b.WriteByte('\\')
					i++
					continue
				}
			}
			b.WriteByte(c)
		}
		last = m[1]
		if !global {
			break
		}
	}
	b.WriteString(s[last:])
	return b.String()
}

// Sluice's text has the C collation, whose case mapping touches ASCII
// letters only (PostgreSQL's asc_tolower, asc_toupper, asc_initcap).
func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upperByte(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func isAlnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func asciiMap(s string, f func(byte) byte) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = f(c)
	}
	return string(b)
}

// initcap upper-cases the first letter of each run of letters and digits
// and lower-cases the rest.
func initcap(s string) string {
	b := []byte(s)
	inWord := false
	for i, c := range b {
		if inWord {
			b[i] = lowerByte(c)
		} else {
			b[i] = upperByte(c)
		}
		inWord = isAlnumByte(c)
	}
	return string(b)
}

// textOf prints a value as its type's output function does (concat and
// format use it; a bool is t or f there).
func textOf(t pgtype.Type, d pgtype.Datum, s *pgtype.Settings) (string, error) {
	if str, ok := d.(string); ok {
		return str, nil
	}
	out, err := pgtype.AppendText(nil, t, d, s)
	return string(out), err
}

// concatFunc is concat and concat_ws: NULL arguments are skipped.
func concatFunc(withSep bool, types []pgtype.Type, s *pgtype.Settings) func([]pgtype.Datum) (pgtype.Datum, error) {
	return func(a []pgtype.Datum) (pgtype.Datum, error) {
		sep := ""
		vals := a
		if withSep {
			if a[0] == nil {
				return nil, nil
			}
			sep, vals = a[0].(string), a[1:]
		}
		var b strings.Builder
		first := true
		for i, v := range vals {
			if v == nil {
				continue
			}
			if !first {
				b.WriteString(sep)
			}
			first = false
			t := types[i]
			if withSep {
				t = types[i+1]
			}
			txt, err := textOf(t, v, s)
			if err != nil {
				return nil, err
			}
			b.WriteString(txt)
		}
		return b.String(), nil
	}
}

// formatFunc is format(fmt, args...) with %s, %I, %L and %%, positions
// (%2$s), widths and the - flag.
func formatFunc(types []pgtype.Type, s *pgtype.Settings) func([]pgtype.Datum) (pgtype.Datum, error) {
	return func(a []pgtype.Datum) (pgtype.Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		f := a[0].(string)
		var b strings.Builder
		next := 1
		for i := 0; i < len(f); i++ {
			if f[i] != '%' {
				b.WriteByte(f[i])
				continue
			}
			i++
			if i >= len(f) {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "unterminated format() type specifier").
					WithHint("For a single \"%%\" use \"%%%%\".")
			}
			if f[i] == '%' {
				b.WriteByte('%')
				continue
			}
			// [argpos$][-][width]type
			j := i
			for j < len(f) && f[j] >= '0' && f[j] <= '9' {
				j++
			}
			if j < len(f) && f[j] == '$' && j > i {
				n, _ := strconv.Atoi(f[i:j])
				if n == 0 {
					return nil, pgerr.New(pgerr.InvalidParameterValue, "format specifies argument 0, but arguments are numbered from 1")
				}
				next = n
				i = j + 1
			}
			left := false
			if i < len(f) && f[i] == '-' {
				left = true
				i++
			}
			width := 0
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				width = width*10 + int(f[i]-'0')
				i++
			}
			if i >= len(f) {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "unterminated format() type specifier").
					WithHint("For a single \"%%\" use \"%%%%\".")
			}
			conv := f[i]
			if conv != 's' && conv != 'I' && conv != 'L' {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "unrecognized format() type specifier \"%c\"", conv).
					WithHint("For a single \"%%\" use \"%%%%\".")
			}
			if next >= len(a) {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "too few arguments for format()")
			}
			v, t := a[next], types[next]
			next++
			var txt string
			if v != nil {
				var err error
				if txt, err = textOf(t, v, s); err != nil {
					return nil, err
				}
			}
			switch conv {
			case 'I':
				if v == nil {
					return nil, pgerr.New("22004", "null values cannot be formatted as an SQL identifier")
				}
				txt = quoteIdent(txt)
			case 'L':
				if v == nil {
					txt = "NULL"
				} else {
					txt = quoteLiteral(txt)
				}
			}
			if pad := width - utf8.RuneCountInString(txt); pad > 0 {
				if left {
					txt += strings.Repeat(" ", pad)
				} else {
					txt = strings.Repeat(" ", pad) + txt
				}
			}
			b.WriteString(txt)
		}
		return b.String(), nil
	}
}

// quoteFunc is quote_literal and quote_nullable (which prints NULL for
// NULL); values of other types are quoted as their text.
func quoteFunc(name string, types []pgtype.Type, s *pgtype.Settings) func([]pgtype.Datum) (pgtype.Datum, error) {
	return func(a []pgtype.Datum) (pgtype.Datum, error) {
		if a[0] == nil {
			if name == "quote_nullable" {
				return "NULL", nil
			}
			return nil, nil
		}
		txt, err := textOf(types[0], a[0], s)
		if err != nil {
			return nil, err
		}
		return quoteLiteral(txt), nil
	}
}

// quoteIdent quotes an identifier unless it is a plain lower-case name.
func quoteIdent(s string) string {
	safe := s != "" && (s[0] >= 'a' && s[0] <= 'z' || s[0] == '_')
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			safe = false
			break
		}
	}
	if safe && !reservedWord[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// reservedWord lists the keywords quote_ident quotes (PostgreSQL quotes
// every keyword that is not unreserved); the common ones.
var reservedWord = map[string]bool{
	"all": true, "and": true, "any": true, "array": true, "as": true, "asc": true, "case": true,
	"cast": true, "check": true, "column": true, "constraint": true, "create": true, "default": true,
	"desc": true, "distinct": true, "do": true, "else": true, "end": true, "false": true, "for": true,
	"foreign": true, "from": true, "grant": true, "group": true, "having": true, "in": true,
	"into": true, "limit": true, "not": true, "null": true, "offset": true, "on": true, "or": true,
	"order": true, "primary": true, "references": true, "select": true, "table": true, "then": true,
	"to": true, "true": true, "union": true, "unique": true, "user": true, "using": true,
	"when": true, "where": true, "with": true, "between": true, "join": true, "left": true,
	"right": true, "inner": true, "outer": true, "cross": true, "full": true, "natural": true,
	"is": true, "like": true, "ilike": true, "similar": true, "values": true, "int": true,
	"integer": true, "char": true, "varchar": true, "time": true, "timestamp": true,
}

// quoteLiteral quotes a string literal, as an E” string when it holds a
// backslash.
func quoteLiteral(s string) string {
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.Contains(s, `\`) {
		return "E" + strings.ReplaceAll(q, `\`, `\\`)
	}
	return q
}
