package pgtype

import (
	"encoding/hex"
	"unicode/utf8"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// Character types, bytea and uuid.

const nameDataLen = 64 // NAMEDATALEN: names hold 63 bytes

// checkEncoding rejects input that is not valid UTF-8 or holds a NUL byte,
// as PostgreSQL does for every string a client sends to a UTF8 database.
func checkEncoding(src []byte) error {
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			if c == 0 {
				return pgerr.New(invalidByteSequenceState, "invalid byte sequence for encoding \"UTF8\": 0x00")
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n <= 1 {
			want := 1
			switch {
			case c&0xE0 == 0xC0:
				want = 2
			case c&0xF0 == 0xE0:
				want = 3
			case c&0xF8 == 0xF0:
				want = 4
			}
			if i+want > len(src) {
				want = len(src) - i
			}
			msg := "invalid byte sequence for encoding \"UTF8\":"
			for k := 0; k < want; k++ {
				msg += " 0x" + hex.EncodeToString(src[i+k:i+k+1])
			}
			return pgerr.New(invalidByteSequenceState, "%s", msg)
		}
		i += n
	}
	return nil
}

// clipChars returns the longest prefix of s with at most n characters.
func clipChars(s []byte, n int) []byte {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, sz := utf8.DecodeRune(s[i:])
		i += sz
	}
	return s[:i]
}

// decodeString applies the input rules of the character types: name is
// clipped to 63 bytes, varchar(n) and char(n) reject longer values unless
// the excess is spaces, char(n) pads with spaces, "char" keeps one byte.
func decodeString(t Type, src []byte, binaryFormat bool) (string, error) {
	if t.OID == CharOID {
		return decodeChar(src, binaryFormat), nil // any byte, as charrecv
	}
	if err := checkEncoding(src); err != nil {
		return "", err
	}
	switch t.OID {
	case NameOID:
		if len(src) >= nameDataLen {
			if binaryFormat {
				return "", pgerr.New("42622", "identifier too long").
					WithDetail("Identifier must be less than %d characters.", nameDataLen)
			}
			// clip at a character boundary
			cut := nameDataLen - 1
			for cut > 0 && !utf8.RuneStart(src[cut]) {
				cut--
			}
			src = src[:cut]
		}
	case VarcharOID, BPCharOID:
		if t.Typmod >= 4 {
			return fitCharLength(t, src)
		}
	}
	return string(src), nil
}

func fitCharLength(t Type, src []byte) (string, error) {
	max := int(t.Typmod - 4)
	n := utf8.RuneCount(src)
	if n > max {
		kept := clipChars(src, max)
		for _, c := range src[len(kept):] {
			if c != ' ' {
				what := "character varying"
				if t.OID == BPCharOID {
					what = "character"
				}
				return "", pgerr.New(pgerr.StringDataRightTruncation, "value too long for type %s(%d)", what, max)
			}
		}
		return string(kept), nil
	}
	if t.OID == BPCharOID && n < max {
		out := make([]byte, len(src), len(src)+max-n)
		copy(out, src)
		for ; n < max; n++ {
			out = append(out, ' ')
		}
		return string(out), nil
	}
	return string(src), nil
}

// decodeChar is charin/charrecv: one byte; in text "\ooo" is an octal byte.
func decodeChar(src []byte, binaryFormat bool) string {
	isOct := func(c byte) bool { return c >= '0' && c <= '7' }
	if !binaryFormat && len(src) == 4 && src[0] == '\\' && isOct(src[1]) && isOct(src[2]) && isOct(src[3]) {
		b := (src[1]-'0')<<6 | (src[2]-'0')<<3 | (src[3] - '0')
		if b == 0 {
			return ""
		}
		return string([]byte{b})
	}
	if len(src) == 0 || src[0] == 0 {
		return ""
	}
	return string(src[:1])
}

// appendCharText is charout: NUL prints as nothing, bytes with the high bit
// set as \ooo.
func appendCharText(buf []byte, s string) []byte {
	if len(s) == 0 || s[0] == 0 {
		return buf
	}
	c := s[0]
	if c >= 0x80 {
		return append(buf, '\\', '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
	}
	return append(buf, c)
}

func appendCharBinary(buf []byte, s string) []byte {
	if len(s) == 0 {
		return append(buf, 0)
	}
	return append(buf, s[0])
}

const hexDigits = "0123456789abcdef"

// appendByteaText is byteaout under bytea_output hex or escape.
func appendByteaText(buf []byte, b []byte, escape bool) []byte {
	if !escape {
		buf = append(buf, '\\', 'x')
		for _, c := range b {
			buf = append(buf, hexDigits[c>>4], hexDigits[c&15])
		}
		return buf
	}
	for _, c := range b {
		switch {
		case c == '\\':
			buf = append(buf, '\\', '\\')
		case c < 0x20 || c > 0x7e:
			buf = append(buf, '\\', '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
		default:
			buf = append(buf, c)
		}
	}
	return buf
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseBytea is byteain: "\x" then hex pairs (whitespace allowed between
// pairs), or the escape format where \\ is a backslash and \ooo an octal byte.
func parseBytea(src []byte) ([]byte, error) {
	if len(src) >= 2 && src[0] == '\\' && src[1] == 'x' {
		out := make([]byte, 0, (len(src)-2)/2)
		s := src[2:]
		for i := 0; i < len(s); {
			c := s[i]
			if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
				i++
				continue
			}
			h, ok := hexVal(c)
			if !ok {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid hexadecimal digit: \"%s\"", string(clipChars(s[i:], 1)))
			}
			if i+1 >= len(s) {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid hexadecimal data: odd number of digits")
			}
			l, ok := hexVal(s[i+1])
			if !ok {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid hexadecimal digit: \"%s\"", string(clipChars(s[i+1:], 1)))
			}
			out = append(out, h<<4|l)
			i += 2
		}
		return out, nil
	}
	out := make([]byte, 0, len(src))
	isOct := func(c byte) bool { return c >= '0' && c <= '7' }
	for i := 0; i < len(src); {
		c := src[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch {
		case i+1 < len(src) && src[i+1] == '\\':
			out = append(out, '\\')
			i += 2
		case i+3 < len(src) && src[i+1] >= '0' && src[i+1] <= '3' && isOct(src[i+2]) && isOct(src[i+3]):
			out = append(out, (src[i+1]-'0')<<6|(src[i+2]-'0')<<3|(src[i+3]-'0'))
			i += 4
		default:
			return nil, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type bytea")
		}
	}
	return out, nil
}

func appendUUIDText(buf []byte, u []byte) []byte {
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf = append(buf, '-')
		}
		buf = append(buf, hexDigits[c>>4], hexDigits[c&15])
	}
	return buf
}

// parseUUID is uuid_in: 32 hex digits, optionally in braces, with a hyphen
// allowed after any group of four digits.
func parseUUID(src []byte) ([16]byte, error) {
	var u [16]byte
	s := src
	braces := false
	if len(s) > 0 && s[0] == '{' {
		braces = true
		s = s[1:]
	}
	for i := 0; i < 16; i++ {
		if len(s) < 2 {
			return u, errSyntax("uuid", src)
		}
		h, ok1 := hexVal(s[0])
		l, ok2 := hexVal(s[1])
		if !ok1 || !ok2 {
			return u, errSyntax("uuid", src)
		}
		u[i] = h<<4 | l
		s = s[2:]
		if len(s) > 0 && s[0] == '-' && i%2 == 1 && i < 15 {
			s = s[1:]
		}
	}
	if braces {
		if len(s) == 0 || s[0] != '}' {
			return u, errSyntax("uuid", src)
		}
		s = s[1:]
	}
	if len(s) != 0 {
		return u, errSyntax("uuid", src)
	}
	return u, nil
}
