package wire

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
)

// AuthMethod is how a client must prove who it is, as a pg_hba.conf line
// names it.
type AuthMethod int

// Authentication methods.
const (
	// AuthTrust lets the client in without a password.
	AuthTrust AuthMethod = iota
	// AuthReject refuses the connection whatever the client says.
	AuthReject
	// AuthPassword asks for the password in clear text (only sensible
	// over TLS).
	AuthPassword
	// AuthMD5 runs PostgreSQL's md5 challenge; like PostgreSQL it switches
	// to SCRAM-SHA-256 when the stored secret is a SCRAM verifier.
	AuthMD5
	// AuthSCRAM runs SCRAM-SHA-256 (with channel binding over TLS).
	AuthSCRAM
)

var authMethodNames = [...]string{
	AuthTrust:    "trust",
	AuthReject:   "reject",
	AuthPassword: "password",
	AuthMD5:      "md5",
	AuthSCRAM:    "scram-sha-256",
}

func (m AuthMethod) String() string {
	if m >= 0 && int(m) < len(authMethodNames) {
		return authMethodNames[m]
	}
	return fmt.Sprintf("AuthMethod(%d)", int(m))
}

// ParseAuthMethod reads a method by its pg_hba.conf name.
func ParseAuthMethod(s string) (AuthMethod, error) {
	for m, name := range authMethodNames {
		if strings.EqualFold(s, name) {
			return AuthMethod(m), nil
		}
	}
	return 0, fmt.Errorf("unknown authentication method %q (want trust, reject, password, md5 or scram-sha-256)", s)
}

// AuthRequest is what is known of a client when it must authenticate.
type AuthRequest struct {
	User       string
	Database   string
	RemoteAddr net.Addr
	TLS        bool
}

// Credential is the method a client must use and the secret to check its
// answer against.
type Credential struct {
	Method AuthMethod
	// Secret is the stored password in one of PostgreSQL's forms: a
	// SCRAM-SHA-256 verifier ("SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>",
	// see SCRAMVerifier), an md5 hash ("md5" + md5(password + user)), or
	// the password in plain text. Empty for a user that does not exist: the
	// exchange then runs to its end and fails as a wrong password does, so
	// that a client cannot tell the two apart.
	Secret string
}

// Authenticator decides how each client authenticates. The embedding
// program implements it from its configuration.
type Authenticator interface {
	// Credential returns the method and secret for a connecting client. An
	// error ends the connection as FATAL (a *pgerr.Error keeps its
	// SQLSTATE).
	Credential(ctx context.Context, req AuthRequest) (Credential, error)
}

// MD5Secret returns the md5 form of a stored password, as PostgreSQL's
// password_encryption = md5 stores it.
func MD5Secret(user, password string) string {
	return "md5" + md5Hex(password+user)
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func isMD5Secret(s string) bool {
	if len(s) != 35 || !strings.HasPrefix(s, "md5") {
		return false
	}
	_, err := hex.DecodeString(s[3:])
	return err == nil
}

// checkPassword reports whether a clear-text password matches a stored
// secret of any form.
func checkPassword(user, password, secret string) bool {
	if secret == "" || password == "" {
		return false
	}
	if v, ok := parseSCRAMVerifier(secret); ok {
		return v.matches(password)
	}
	if isMD5Secret(secret) {
		return subtle.ConstantTimeCompare([]byte(MD5Secret(user, password)), []byte(secret)) == 1
	}
	return subtle.ConstantTimeCompare([]byte(password), []byte(secret)) == 1
}

// md5Response is what a client holding the right password answers to an
// md5 challenge with salt; ok is false when the secret cannot produce it
// (no secret, or a SCRAM verifier).
func md5Response(user, secret string, salt [4]byte) (resp string, ok bool) {
	var inner string
	switch {
	case secret == "":
		return "", false
	case isMD5Secret(secret):
		inner = secret[3:]
	default:
		if _, scram := parseSCRAMVerifier(secret); scram {
			return "", false
		}
		inner = md5Hex(secret + user)
	}
	return "md5" + md5Hex(inner+string(salt[:])), true
}
