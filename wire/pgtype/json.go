package pgtype

import (
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// json keeps its input text verbatim once it is valid; jsonb is kept as the
// canonical text PostgreSQL prints for it (keys sorted by length then bytes,
// duplicates resolved to the last, numbers as numeric prints them, strings
// re-escaped), so encoding a jsonb value is a copy.

const maxJSONDepth = 6000

type jsonParser struct {
	src   []byte
	pos   int
	jsonb bool
	depth int
}

// jsonValue is a parsed jsonb value.
type jsonValue struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 'l' literal
	text  string
	keys  []string
	elems []jsonValue
}

func jsonSyntax(detail string, args ...any) error {
	return pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type json").WithDetail(detail, args...)
}

// validateJSON checks json_in's grammar.
func validateJSON(src []byte) error {
	p := &jsonParser{src: src}
	_, err := p.document()
	return err
}

// canonicalJSONB parses src and returns jsonb's output text for it.
func canonicalJSONB(src []byte) (string, error) {
	p := &jsonParser{src: src, jsonb: true}
	v, err := p.document()
	if err != nil {
		return "", err
	}
	var buf []byte
	buf = appendJSONB(buf, &v)
	return string(buf), nil
}

func (p *jsonParser) document() (jsonValue, error) {
	v, err := p.value()
	if err != nil {
		return v, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return v, jsonSyntax("Expected end of input, but found \"%s\".", p.token())
	}
	return v, nil
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// token is the text of the token at pos, for error details.
func (p *jsonParser) token() string {
	if p.pos >= len(p.src) {
		return ""
	}
	end := p.pos
	for end < len(p.src) {
		c := p.src[end]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80) {
			break
		}
		end++
	}
	if end == p.pos {
		_, n := utf8.DecodeRune(p.src[p.pos:])
		end = p.pos + n
	}
	return string(p.src[p.pos:end])
}

func (p *jsonParser) value() (jsonValue, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return jsonValue{}, jsonSyntax("The input string ended unexpectedly.")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		return jsonValue{kind: 's', text: s}, err
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	default:
		tok := p.token()
		switch tok {
		case "true", "false", "null":
			p.pos += len(tok)
			return jsonValue{kind: 'l', text: tok}, nil
		}
		return jsonValue{}, jsonSyntax("Token \"%s\" is invalid.", tok)
	}
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxJSONDepth {
		return pgerr.New("54001", "stack depth limit exceeded")
	}
	return nil
}

func (p *jsonParser) object() (jsonValue, error) {
	if err := p.enter(); err != nil {
		return jsonValue{}, err
	}
	defer func() { p.depth-- }()
	p.pos++ // {
	v := jsonValue{kind: 'o'}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			return v, jsonSyntax("The input string ended unexpectedly.")
		}
		if p.src[p.pos] != '"' {
			return v, jsonSyntax("Expected string, but found \"%s\".", p.token())
		}
		k, err := p.str()
		if err != nil {
			return v, err
		}
		p.skipSpace()
		if p.pos >= len(p.src) {
			return v, jsonSyntax("The input string ended unexpectedly.")
		}
		if p.src[p.pos] != ':' {
			return v, jsonSyntax("Expected \":\", but found \"%s\".", p.token())
		}
		p.pos++
		e, err := p.value()
		if err != nil {
			return v, err
		}
		if p.jsonb {
			v.keys = append(v.keys, k)
			v.elems = append(v.elems, e)
		}
		p.skipSpace()
		if p.pos >= len(p.src) {
			return v, jsonSyntax("The input string ended unexpectedly.")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			if p.jsonb {
				v.sortKeys()
			}
			return v, nil
		default:
			return v, jsonSyntax("Expected \",\" or \"}\", but found \"%s\".", p.token())
		}
	}
}

// sortKeys orders keys as jsonb stores them (shorter first, then bytewise)
// and keeps the last of duplicate keys.
func (v *jsonValue) sortKeys() {
	idx := make([]int, len(v.keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := v.keys[idx[a]], v.keys[idx[b]]
		if len(ka) != len(kb) {
			return len(ka) < len(kb)
		}
		return ka < kb
	})
	keys := make([]string, 0, len(idx))
	elems := make([]jsonValue, 0, len(idx))
	for _, i := range idx {
		if n := len(keys); n > 0 && keys[n-1] == v.keys[i] {
			elems[n-1] = v.elems[i] // stable sort: later duplicate wins
			continue
		}
		keys = append(keys, v.keys[i])
		elems = append(elems, v.elems[i])
	}
	v.keys, v.elems = keys, elems
}

func (p *jsonParser) array() (jsonValue, error) {
	if err := p.enter(); err != nil {
		return jsonValue{}, err
	}
	defer func() { p.depth-- }()
	p.pos++ // [
	v := jsonValue{kind: 'a'}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return v, nil
	}
	for {
		e, err := p.value()
		if err != nil {
			return v, err
		}
		if p.jsonb {
			v.elems = append(v.elems, e)
		}
		p.skipSpace()
		if p.pos >= len(p.src) {
			return v, jsonSyntax("The input string ended unexpectedly.")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return v, nil
		default:
			return v, jsonSyntax("Expected \",\" or \"]\", but found \"%s\".", p.token())
		}
	}
}

func (p *jsonParser) number() (jsonValue, error) {
	start := p.pos
	s := p.src
	i := p.pos
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	bad := func() (jsonValue, error) {
		p.pos = start
		end := i
		for end < len(s) && (s[end] >= 'a' && s[end] <= 'z' || s[end] >= 'A' && s[end] <= 'Z' || s[end] >= '0' && s[end] <= '9' || s[end] == '.' || s[end] == '-' || s[end] == '+') {
			end++
		}
		return jsonValue{}, jsonSyntax("Token \"%s\" is invalid.", s[start:end])
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return bad()
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return bad()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return bad()
		}
	}
	if i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9' || s[i] == '_') {
		return bad()
	}
	p.pos = i
	v := jsonValue{kind: 'n'}
	if p.jsonb {
		n, err := parseNumeric(s[start:i])
		if err != nil {
			return v, err
		}
		v.text = string(appendNumericText(nil, n))
	}
	return v, nil
}

// str reads a string token; for jsonb it returns the de-escaped text.
func (p *jsonParser) str() (string, error) {
	p.pos++ // opening quote
	var out []byte
	s := p.src
	for {
		if p.pos >= len(s) {
			return "", jsonSyntax("The input string ended unexpectedly.")
		}
		c := s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(out), nil
		case c < 0x20:
			return "", jsonSyntax("Character with value 0x%02x must be escaped.", c)
		case c != '\\':
			out = append(out, c)
			p.pos++
			continue
		}
		// escape
		p.pos++
		if p.pos >= len(s) {
			return "", jsonSyntax("The input string ended unexpectedly.")
		}
		e := s[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			switch {
			case utf16.IsSurrogate(r) && r < 0xDC00:
				if p.pos+1 < len(s) && s[p.pos] == '\\' && s[p.pos+1] == 'u' {
					p.pos += 2
					r2, err := p.hex4()
					if err != nil {
						return "", err
					}
					if r2 < 0xDC00 || r2 > 0xDFFF {
						return "", pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type json").
							WithDetail("Unicode high surrogate must not be followed by another high surrogate.")
					}
					r = utf16.DecodeRune(r, r2)
				} else {
					return "", pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type json").
						WithDetail("Unicode low surrogate must follow a high surrogate.")
				}
			case utf16.IsSurrogate(r):
				return "", pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type json").
					WithDetail("Unicode low surrogate must follow a high surrogate.")
			case r == 0 && p.jsonb:
				return "", pgerr.New(untranslatableCharacter, "unsupported Unicode escape sequence").
					WithDetail("\\u0000 cannot be converted to text.")
			}
			out = utf8.AppendRune(out, r)
		default:
			_, n := utf8.DecodeRune(s[p.pos-1:])
			return "", jsonSyntax("Escape sequence \"\\%s\" is invalid.", s[p.pos-1:p.pos-1+n])
		}
	}
}

func (p *jsonParser) hex4() (rune, error) {
	if p.pos+4 > len(p.src) {
		return 0, jsonSyntax("\"\\u\" must be followed by four hexadecimal digits.")
	}
	var r rune
	for k := 0; k < 4; k++ {
		h, ok := hexVal(p.src[p.pos+k])
		if !ok {
			return 0, jsonSyntax("\"\\u\" must be followed by four hexadecimal digits.")
		}
		r = r<<4 | rune(h)
	}
	p.pos += 4
	return r, nil
}

func appendJSONB(buf []byte, v *jsonValue) []byte {
	switch v.kind {
	case 'o':
		buf = append(buf, '{')
		for i := range v.keys {
			if i > 0 {
				buf = append(buf, ',', ' ')
			}
			buf = appendJSONString(buf, v.keys[i])
			buf = append(buf, ':', ' ')
			buf = appendJSONB(buf, &v.elems[i])
		}
		return append(buf, '}')
	case 'a':
		buf = append(buf, '[')
		for i := range v.elems {
			if i > 0 {
				buf = append(buf, ',', ' ')
			}
			buf = appendJSONB(buf, &v.elems[i])
		}
		return append(buf, ']')
	case 's':
		return appendJSONString(buf, v.text)
	}
	return append(buf, v.text...)
}

// appendJSONString is escape_json.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\f':
			buf = append(buf, '\\', 'f')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		case '"':
			buf = append(buf, '\\', '"')
		case '\\':
			buf = append(buf, '\\', '\\')
		default:
			if c < ' ' {
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			} else {
				buf = append(buf, c)
			}
		}
	}
	return append(buf, '"')
}

// decodeJSONBBinary reads jsonb_recv's form: a version byte (1) and the text.
func decodeJSONBBinary(src []byte) (string, error) {
	if len(src) == 0 {
		return "", errBinary("insufficient data left in message")
	}
	if src[0] != 1 {
		return "", errBinary("unsupported jsonb version number %s", strconv.Itoa(int(src[0])))
	}
	if err := checkEncoding(src[1:]); err != nil {
		return "", err
	}
	return canonicalJSONB(src[1:])
}
