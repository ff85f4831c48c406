package wire

// SCRAM-SHA-256 as PostgreSQL speaks it (RFC 5802, RFC 7677): the server
// half of the exchange, the verifier format PostgreSQL stores in
// pg_authid.rolpassword, and channel binding of type tls-server-end-point
// (RFC 5929). PostgreSQL ignores the SCRAM user name (the startup packet
// names the user) and supports no authzid and no extensions; so does this.

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"github.com/sluicesql/sluice/wire/pgerr"
)

const (
	scramMechanism     = "SCRAM-SHA-256"
	scramPlusMechanism = "SCRAM-SHA-256-PLUS"
	scramChannelType   = "tls-server-end-point"
	// scramIterations is PostgreSQL's default scram_iterations.
	scramIterations = 4096
	scramSaltLen    = 16
	scramNonceLen   = 18
)

// SCRAMVerifier makes the SCRAM-SHA-256 verifier of a password in
// PostgreSQL's format, with a random salt and PostgreSQL's default 4096
// iterations. The password is used as given: PostgreSQL would first
// normalise it with SASLprep, which changes only passwords outside ASCII.
func SCRAMVerifier(password string) (string, error) {
	salt := make([]byte, scramSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	v, err := newSCRAMVerifier(password, salt, scramIterations)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// scramVerifier is a parsed SCRAM-SHA-256 secret.
type scramVerifier struct {
	iterations int
	salt       []byte
	storedKey  []byte
	serverKey  []byte
}

func newSCRAMVerifier(password string, salt []byte, iterations int) (scramVerifier, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return scramVerifier{}, err
	}
	clientKey := hmacSHA256(salted, []byte("Client Key"))
	stored := sha256.Sum256(clientKey)
	return scramVerifier{
		iterations: iterations,
		salt:       salt,
		storedKey:  stored[:],
		serverKey:  hmacSHA256(salted, []byte("Server Key")),
	}, nil
}

func (v scramVerifier) String() string {
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("%s$%d:%s$%s:%s", scramMechanism, v.iterations, b64(v.salt), b64(v.storedKey), b64(v.serverKey))
}

// parseSCRAMVerifier reads "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>".
func parseSCRAMVerifier(s string) (scramVerifier, bool) {
	rest, ok := strings.CutPrefix(s, scramMechanism+"$")
	if !ok {
		return scramVerifier{}, false
	}
	iterSalt, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return scramVerifier{}, false
	}
	iterStr, saltStr, ok1 := strings.Cut(iterSalt, ":")
	storedStr, serverStr, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return scramVerifier{}, false
	}
	iter, err := strconv.Atoi(iterStr)
	if err != nil || iter <= 0 {
		return scramVerifier{}, false
	}
	var v scramVerifier
	v.iterations = iter
	dec := base64.StdEncoding.DecodeString
	var e1, e2, e3 error
	v.salt, e1 = dec(saltStr)
	v.storedKey, e2 = dec(storedStr)
	v.serverKey, e3 = dec(serverStr)
	if e1 != nil || e2 != nil || e3 != nil || len(v.salt) == 0 ||
		len(v.storedKey) != sha256.Size || len(v.serverKey) != sha256.Size {
		return scramVerifier{}, false
	}
	return v, true
}

// matches checks a clear-text password against the verifier, for the
// password method.
func (v scramVerifier) matches(password string) bool {
	w, err := newSCRAMVerifier(password, v.salt, v.iterations)
	return err == nil && hmac.Equal(w.serverKey, v.serverKey) && hmac.Equal(w.storedKey, v.storedKey)
}

// mockSCRAMVerifier stands in for the verifier of a user without one, so
// that the exchange looks the same as for a real user: the salt is stable
// per user name and the keys match no password.
func mockSCRAMVerifier(key []byte, user string) scramVerifier {
	salt := hmacSHA256(key, []byte("salt:"+user))[:scramSaltLen]
	return scramVerifier{
		iterations: scramIterations,
		salt:       salt,
		storedKey:  make([]byte, sha256.Size),
		serverKey:  make([]byte, sha256.Size),
	}
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// scramExchange is the server's state between the client's two messages.
type scramExchange struct {
	v         scramVerifier
	mechanism string // what the client chose
	// certHash is the tls-server-end-point binding data of this
	// connection; nil when the server does not offer channel binding.
	certHash []byte

	gs2Header       string
	clientFirstBare string
	serverFirst     string
	nonce           string // client nonce + server nonce
}

func malformedSCRAM(detail string, args ...any) *pgerr.Error {
	return pgerr.Fatal(pgerr.ProtocolViolation, "malformed SCRAM message").WithDetail(detail, args...)
}

// first reads client-first-message and returns server-first-message.
func (x *scramExchange) first(msg []byte) ([]byte, error) {
	s := string(msg)
	plus := x.mechanism == scramPlusMechanism
	if s == "" {
		return nil, malformedSCRAM("The message is empty.")
	}
	switch s[0] {
	case 'p':
		if !plus {
			return nil, malformedSCRAM("The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.")
		}
		name, rest, ok := strings.Cut(strings.TrimPrefix(s, "p="), ",")
		if !ok || !strings.HasPrefix(s, "p=") {
			return nil, malformedSCRAM("Comma expected, but found end of string.")
		}
		if name != scramChannelType {
			return nil, pgerr.Fatal(pgerr.ProtocolViolation, "unsupported SCRAM channel-binding type %q", name)
		}
		s = rest
	case 'y', 'n':
		if plus {
			return nil, malformedSCRAM("The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.")
		}
		if s[0] == 'y' && x.certHash != nil {
			return nil, pgerr.Fatal(pgerr.ProtocolViolation, "SCRAM channel binding negotiation error").
				WithDetail("The client supports SCRAM channel binding but thinks the server does not.  However, this server does support channel binding.")
		}
		if len(s) < 2 || s[1] != ',' {
			return nil, malformedSCRAM("Comma expected, but found character %q.", s[1:min(2, len(s))])
		}
		s = s[2:]
	default:
		return nil, malformedSCRAM("Unexpected channel-binding flag %q.", s[:1])
	}
	// authzid
	if strings.HasPrefix(s, "a=") {
		return nil, pgerr.Fatal(pgerr.FeatureNotSupported, "client uses authorization identity, but it is not supported")
	}
	if !strings.HasPrefix(s, ",") {
		return nil, malformedSCRAM("Unexpected attribute in client-first-message.")
	}
	s = s[1:]
	x.gs2Header = string(msg[:len(msg)-len(s)])
	x.clientFirstBare = s

	if strings.HasPrefix(s, "m=") {
		return nil, pgerr.Fatal(pgerr.FeatureNotSupported, "client requires an unsupported SCRAM extension")
	}
	attrs := strings.Split(s, ",")
	if len(attrs) != 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		return nil, malformedSCRAM("Could not parse client-first-message-bare.")
	}
	clientNonce := attrs[1][2:]
	if clientNonce == "" || !printableNonce(clientNonce) {
		return nil, malformedSCRAM("Invalid nonce in client-first-message.")
	}
	raw := make([]byte, scramNonceLen)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	x.nonce = clientNonce + base64.StdEncoding.EncodeToString(raw)
	x.serverFirst = fmt.Sprintf("r=%s,s=%s,i=%d", x.nonce, base64.StdEncoding.EncodeToString(x.v.salt), x.v.iterations)
	return []byte(x.serverFirst), nil
}

// printableNonce checks the RFC 5802 rule: printable ASCII except ','.
func printableNonce(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == ',' {
			return false
		}
	}
	return true
}

// final reads client-final-message. It returns server-final-message and
// whether the client proved it knows the password.
func (x *scramExchange) final(msg []byte) ([]byte, bool, error) {
	s := string(msg)
	withoutProof, proofAttr, ok := cutLast(s, ",p=")
	if !ok {
		return nil, false, malformedSCRAM("Could not find proof in client-final-message.")
	}
	attrs := strings.Split(withoutProof, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return nil, false, malformedSCRAM("Could not parse client-final-message.")
	}
	cbind, err := base64.StdEncoding.DecodeString(attrs[0][2:])
	if err != nil {
		return nil, false, malformedSCRAM("Malformed channel binding data.")
	}
	want := []byte(x.gs2Header)
	if x.mechanism == scramPlusMechanism {
		want = append(want, x.certHash...)
	}
	if !bytes.Equal(cbind, want) {
		return nil, false, pgerr.Fatal(pgerr.ProtocolViolation, "SCRAM channel binding check failed")
	}
	if attrs[1][2:] != x.nonce {
		return nil, false, malformedSCRAM("Nonce does not match.")
	}
	proof, err := base64.StdEncoding.DecodeString(proofAttr)
	if err != nil || len(proof) != sha256.Size {
		return nil, false, malformedSCRAM("Malformed proof in client-final-message.")
	}

	authMessage := []byte(x.clientFirstBare + "," + x.serverFirst + "," + withoutProof)
	clientSignature := hmacSHA256(x.v.storedKey, authMessage)
	clientKey := make([]byte, sha256.Size)
	for i := range clientKey {
		clientKey[i] = proof[i] ^ clientSignature[i]
	}
	got := sha256.Sum256(clientKey)
	if subtle.ConstantTimeCompare(got[:], x.v.storedKey) != 1 {
		return nil, false, nil
	}
	serverSignature := hmacSHA256(x.v.serverKey, authMessage)
	return []byte("v=" + base64.StdEncoding.EncodeToString(serverSignature)), true, nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// tlsServerEndPoint is the channel binding data of a certificate: its hash
// under the hash of its signature algorithm, SHA-256 for MD5 and SHA-1
// (RFC 5929 section 4.1). It is nil for algorithms without a defined hash
// (Ed25519), and the server then does not offer channel binding.
func tlsServerEndPoint(cert *x509.Certificate) []byte {
	var h hash.Hash
	switch cert.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1,
		x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.ECDSAWithSHA256:
		h = sha256.New()
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h = sha512.New()
	default:
		return nil
	}
	h.Write(cert.Raw)
	return h.Sum(nil)
}
