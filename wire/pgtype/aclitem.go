package pgtype

import (
	"strings"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// aclitem is one entry of an access control list (pg_class.relacl,
// pg_namespace.nspacl, pg_database.datacl, ...): who was granted which
// privileges by whom. Its text form is PostgreSQL's aclitemout,
// grantee=privileges/grantor, with an empty grantee for PUBLIC and a * after
// each privilege held with grant option ("postgres=arwdDxt/postgres",
// "=U/pg_database_owner"). Values travel as that text (Arrow String), and
// aclitem[] as a list of them. PostgreSQL has no binary form of aclitem: a
// non-NULL value asked for in binary fails there with 42883 ("no binary
// output function available for type aclitem"); Sluice's encoders cannot
// fail per value, so it sends the text bytes instead (a known difference;
// clients ask for aclitem in text, not knowing a binary form).

// The aclitem types' OIDs.
const (
	AclitemOID      OID = 1033
	AclitemArrayOID OID = 1034
)

// Aclitem and AclitemArray are the aclitem types without modifiers.
var (
	Aclitem      = Type{AclitemOID, -1}
	AclitemArray = Type{AclitemArrayOID, -1}
)

// aclRights are PostgreSQL 15's privilege letters in aclitemout's order
// (ACL_ALL_RIGHTS_STR): INSERT, SELECT, UPDATE, DELETE, TRUNCATE,
// REFERENCES, TRIGGER, EXECUTE, USAGE, CREATE, TEMPORARY, CONNECT, SET,
// ALTER SYSTEM.
const aclRights = "arwdDxtXUCTcsA"

// ACLItem is one parsed aclitem. Privs and GrantOptions hold one bit per
// letter of aclRights.
type ACLItem struct {
	Grantee      string // "" is PUBLIC
	Grantor      string
	Privs        uint32
	GrantOptions uint32
}

// ACLPrivileges returns the bits of the privilege letters in s ("arwd"),
// for ACLItem.Privs; ok is false for a letter that is not a privilege.
func ACLPrivileges(s string) (bits uint32, ok bool) {
	for i := 0; i < len(s); i++ {
		j := strings.IndexByte(aclRights, s[i])
		if j < 0 {
			return 0, false
		}
		bits |= 1 << j
	}
	return bits, true
}

// String is the item's text form, as aclitemout writes it: privileges in
// aclRights' order, names quoted as role names need.
func (a ACLItem) String() string {
	var b strings.Builder
	if a.Grantee != "" {
		b.WriteString(aclName(a.Grantee))
	}
	b.WriteByte('=')
	for i := 0; i < len(aclRights); i++ {
		if a.Privs&(1<<i) != 0 {
			b.WriteByte(aclRights[i])
			if a.GrantOptions&(1<<i) != 0 {
				b.WriteByte('*')
			}
		}
	}
	b.WriteByte('/')
	b.WriteString(aclName(a.Grantor))
	return b.String()
}

// aclName quotes a role name as aclitemout's putid does: in double quotes
// (doubled inside) unless it is all letters, digits and underscores.
func aclName(s string) string {
	plain := s != ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// ParseACLItem reads an aclitem's text form as aclitemin does, with its
// SQLSTATEs and messages. Whether the roles exist is the caller's to check
// (aclitemin looks them up in the catalog). Without "/grantor" Grantor is
// "", which PostgreSQL takes as its bootstrap superuser (with a warning).
func ParseACLItem(s string) (ACLItem, error) {
	var a ACLItem
	name, rest, err := aclGetID(s)
	if err != nil {
		return a, err
	}
	if !strings.HasPrefix(rest, "=") {
		// A key word of PostgreSQL's old spellings, "group name" or
		// "user name".
		if name != "group" && name != "user" {
			return a, pgerr.New(pgerr.InvalidTextRepresentation, "unrecognized key word: \"%s\"", name).
				WithHint("ACL key word must be \"group\" or \"user\".")
		}
		if name, rest, err = aclGetID(rest); err != nil {
			return a, err
		}
		if name == "" {
			return a, pgerr.New(pgerr.InvalidTextRepresentation, "missing name").
				WithHint("A name must follow the \"group\" or \"user\" key word.")
		}
	}
	if !strings.HasPrefix(rest, "=") {
		return a, pgerr.New(pgerr.InvalidTextRepresentation, "missing \"=\" sign")
	}
	a.Grantee = name
	var last uint32 // the bit of the letter a * gives the grant option of
	for rest = rest[1:]; rest != "" && (isASCIILetter(rest[0]) || rest[0] == '*'); rest = rest[1:] {
		if rest[0] == '*' {
			a.GrantOptions |= last
			continue
		}
		j := strings.IndexByte(aclRights, rest[0])
		if j < 0 {
			return a, pgerr.New(pgerr.InvalidTextRepresentation, "invalid mode character: must be one of \"%s\"", aclRights)
		}
		last = 1 << j
		a.Privs |= last
	}
	rest = strings.TrimLeft(rest, aclSpace)
	if strings.HasPrefix(rest, "/") {
		if a.Grantor, rest, err = aclGetID(rest[1:]); err != nil {
			return a, err
		}
		if a.Grantor == "" {
			return a, pgerr.New(pgerr.InvalidTextRepresentation, "a name must follow the \"/\" sign")
		}
	}
	if strings.TrimLeft(rest, aclSpace) != "" {
		return a, pgerr.New(pgerr.InvalidTextRepresentation, "extra garbage at the end of the ACL specification")
	}
	return a, nil
}

// aclSpace is what C's isspace skips.
const aclSpace = " \t\n\r\f\v"

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// aclGetID reads a role name as aclparse's getid does: whitespace around
// it skipped, letters, digits and underscores, or double-quoted text ("" a
// quote); names are not folded to lower case.
func aclGetID(s string) (name, rest string, err error) {
	s = strings.TrimLeft(s, aclSpace)
	var b strings.Builder
	inQuotes := false // an unterminated quote runs to the end, as in getid
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !(inQuotes || c == '"' || c == '_' || c >= '0' && c <= '9' || isASCIILetter(c) || c >= 0x80) {
			break
		}
		if c == '"' {
			if inQuotes && i+1 < len(s) && s[i+1] == '"' {
				i++ // a doubled quote is one quote
			} else {
				inQuotes = !inQuotes
				continue
			}
		}
		if b.Len() >= 63 { // NAMEDATALEN - 1
			return "", "", pgerr.New("42622", "identifier too long").
				WithDetail("Identifier must be less than 64 characters.")
		}
		b.WriteByte(c)
	}
	return b.String(), strings.TrimLeft(s[i:], aclSpace), nil
}
