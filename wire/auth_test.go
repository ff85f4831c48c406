package wire

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// staticAuth answers from a map by user name; unknown users get
// SCRAM-SHA-256 with no secret, as a configuration with passwords would.
type staticAuth map[string]Credential

func (a staticAuth) Credential(_ context.Context, req AuthRequest) (Credential, error) {
	if req.User == "forbidden" {
		return Credential{}, pgerr.Fatal(pgerr.InsufficientPrivilege, "user \"%s\" may not connect", req.User)
	}
	if c, ok := a[req.User]; ok {
		return c, nil
	}
	return Credential{Method: AuthSCRAM}, nil
}

func mustVerifier(t testing.TB, password string) string {
	t.Helper()
	v, err := SCRAMVerifier(password)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAuthMethods logs in with pgx's real clients for cleartext, md5 and
// SCRAM-SHA-256 against every form of stored secret, with right and wrong
// passwords and unknown users.
func TestAuthMethods(t *testing.T) {
	const pw = "s3cret pässword"
	users := staticAuth{
		"trusted":       {Method: AuthTrust},
		"rejected":      {Method: AuthReject},
		"clear_plain":   {Method: AuthPassword, Secret: pw},
		"clear_md5":     {Method: AuthPassword, Secret: MD5Secret("clear_md5", pw)},
		"clear_scram":   {Method: AuthPassword, Secret: mustVerifier(t, pw)},
		"md5_plain":     {Method: AuthMD5, Secret: pw},
		"md5_md5":       {Method: AuthMD5, Secret: MD5Secret("md5_md5", pw)},
		"md5_scram":     {Method: AuthMD5, Secret: mustVerifier(t, pw)}, // switches to SCRAM, as PostgreSQL does
		"scram_scram":   {Method: AuthSCRAM, Secret: mustVerifier(t, pw)},
		"scram_plain":   {Method: AuthSCRAM, Secret: pw},
		"scram_md5":     {Method: AuthSCRAM, Secret: MD5Secret("scram_md5", pw)}, // cannot work: like PostgreSQL, fails
		"clear_nouser":  {Method: AuthPassword},
		"md5_nouser":    {Method: AuthMD5},
		"scram_badform": {Method: AuthSCRAM, Secret: "SCRAM-SHA-256$x"},
	}
	ts := startServer(t, func(c *Config) { c.Auth = users })
	cases := []struct {
		user, password string
		code           string // "" for success
	}{
		{"trusted", "", ""},
		{"trusted", "anything", ""},
		{"rejected", pw, "28000"},
		{"forbidden", pw, "42501"},
		{"clear_plain", pw, ""},
		{"clear_plain", "wrong", "28P01"},
		{"clear_plain", "", "28P01"},
		{"clear_md5", pw, ""},
		{"clear_md5", "wrong", "28P01"},
		{"clear_scram", pw, ""},
		{"clear_scram", "wrong", "28P01"},
		{"md5_plain", pw, ""},
		{"md5_plain", "wrong", "28P01"},
		{"md5_md5", pw, ""},
		{"md5_md5", "wrong", "28P01"},
		{"md5_scram", pw, ""},
		{"md5_scram", "wrong", "28P01"},
		{"scram_scram", pw, ""},
		{"scram_scram", "wrong", "28P01"},
		{"scram_plain", pw, ""},
		{"scram_plain", "wrong", "28P01"},
		{"scram_md5", pw, "28P01"},
		{"scram_badform", pw, "28P01"},
		{"clear_nouser", pw, "28P01"},
		{"md5_nouser", pw, "28P01"},
		{"nobody", pw, "28P01"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%s", c.user, c.password), func(t *testing.T) {
			cfg, err := pgconn.ParseConfig(fmt.Sprintf("postgres://%s@%s/sluice?sslmode=disable", c.user, ts.addr))
			if err != nil {
				t.Fatal(err)
			}
			cfg.Password = c.password
			conn, err := pgconn.ConnectConfig(testCtx(t), cfg)
			if c.code == "" {
				if err != nil {
					t.Fatalf("login failed: %v", err)
				}
				defer conn.Close(context.Background())
				if _, err := conn.Exec(testCtx(t), "select 1").ReadAll(); err != nil {
					t.Fatal(err)
				}
				return
			}
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != c.code || pe.Severity != "FATAL" {
				t.Fatalf("got %v, want FATAL %s", err, c.code)
			}
			if c.code == "28P01" && pe.Message != fmt.Sprintf("password authentication failed for user \"%s\"", c.user) {
				t.Errorf("message %q", pe.Message)
			}
		})
	}
}

// TestSecretsMadeByPostgres checks the verifier and md5 formats against
// PostgreSQL's own: secrets PostgreSQL stores let pgx log in to Sluice
// with the password, and not without it.
func TestSecretsMadeByPostgres(t *testing.T) {
	real := pg.Get(t)
	ctx := testCtx(t)
	conn, err := pgx.Connect(ctx, real.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	secret := func(role, enc string) string {
		for _, sql := range []string{
			"set password_encryption = '" + enc + "'",
			"drop role if exists " + role,
			"create role " + role + " login password 'pencil'",
		} {
			if _, err := conn.Exec(ctx, sql); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		var s string
		if err := conn.QueryRow(ctx, "select rolpassword from pg_authid where rolname = $1", role).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	scram, md5 := secret("secret_scram", "scram-sha-256"), secret("secret_md5", "md5")
	if _, ok := parseSCRAMVerifier(scram); !ok {
		t.Fatalf("PostgreSQL's verifier %q does not parse", scram)
	}
	if md5 != MD5Secret("secret_md5", "pencil") {
		t.Errorf("md5 secret %q, PostgreSQL stores %q", MD5Secret("secret_md5", "pencil"), md5)
	}
	ts := startServer(t, func(c *Config) {
		c.Auth = staticAuth{
			"secret_scram": {Method: AuthSCRAM, Secret: scram},
			"secret_md5":   {Method: AuthMD5, Secret: md5}, // the md5 hash is salted with the role name
			"secret_pw":    {Method: AuthPassword, Secret: scram},
		}
	})
	for _, user := range []string{"secret_scram", "secret_md5", "secret_pw"} {
		for _, password := range []string{"pencil", "pen"} {
			cfg, _ := pgconn.ParseConfig(fmt.Sprintf("postgres://%s@%s/sluice?sslmode=disable", user, ts.addr))
			cfg.Password = password
			c, err := pgconn.ConnectConfig(ctx, cfg)
			if (err == nil) != (password == "pencil") {
				t.Errorf("user %s, password %s: %v", user, password, err)
			}
			if c != nil {
				c.Close(ctx)
			}
		}
	}
}

func TestParseAuthMethod(t *testing.T) {
	for _, m := range []AuthMethod{AuthTrust, AuthReject, AuthPassword, AuthMD5, AuthSCRAM} {
		got, err := ParseAuthMethod(m.String())
		if err != nil || got != m {
			t.Errorf("%v: %v, %v", m, got, err)
		}
	}
	if _, err := ParseAuthMethod("ident"); err == nil {
		t.Error("ident accepted")
	}
}

// selfSigned makes a certificate for localhost and 127.0.0.1.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestTLS connects over TLS with a verified self-signed certificate and
// logs in with SCRAM-SHA-256-PLUS (channel binding required), and checks
// that a server without TLS says 'N'.
func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	var sawTLS bool
	ts := startServer(t, func(c *Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		c.Auth = staticAuth{"sluice": {Method: AuthSCRAM, Secret: mustVerifier(t, "pw")}}
	})
	for _, cb := range []string{"require", "disable"} {
		cfg, err := pgconn.ParseConfig(fmt.Sprintf("postgres://sluice:pw@%s/sluice?sslmode=verify-full&channel_binding=%s", ts.addr, cb))
		if err != nil {
			t.Fatal(err)
		}
		cfg.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
		cfg.Fallbacks = nil
		conn, err := pgconn.ConnectConfig(testCtx(t), cfg)
		if err != nil {
			t.Fatalf("channel_binding=%s: %v", cb, err)
		}
		_, sawTLS = conn.Conn().(*tls.Conn)
		if _, err := conn.Exec(testCtx(t), "select 1").ReadAll(); err != nil {
			t.Fatal(err)
		}
		conn.Close(context.Background())
		if !sawTLS {
			t.Errorf("channel_binding=%s: connection is not TLS", cb)
		}
	}
	// A wrong password over TLS fails the same way.
	cfg, _ := pgconn.ParseConfig(fmt.Sprintf("postgres://sluice:nope@%s/sluice?sslmode=require", ts.addr))
	if _, err := pgconn.ConnectConfig(testCtx(t), cfg); pgCode(err) != "28P01" {
		t.Errorf("wrong password over TLS: %v", err)
	}

	plain := startServer(t, nil)
	if _, err := pgconn.Connect(testCtx(t), fmt.Sprintf("postgres://sluice@%s/sluice?sslmode=require", plain.addr)); err == nil {
		t.Error("sslmode=require succeeded against a server without TLS")
	}
	conn, err := pgconn.Connect(testCtx(t), fmt.Sprintf("postgres://sluice@%s/sluice?sslmode=prefer", plain.addr))
	if err != nil {
		t.Fatalf("sslmode=prefer without TLS: %v", err)
	}
	conn.Close(context.Background())
}

// TestAuthTimeout: a client that connects and says nothing is dropped.
func TestAuthTimeout(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.AuthTimeout = 200 * time.Millisecond })
	rc := dialOnly(t, ts.addr)
	start := time.Now()
	if got := rc.read(1, 0); len(got) != 1 || got[0] != "EOF" {
		t.Errorf("got %v", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("dropped after %v", d)
	}
}

func TestSCRAMVerifierFormat(t *testing.T) {
	v := mustVerifier(t, "pencil")
	p, ok := parseSCRAMVerifier(v)
	if !ok || p.iterations != 4096 || len(p.salt) != 16 {
		t.Fatalf("%q parsed as %+v, %v", v, p, ok)
	}
	if !p.matches("pencil") || p.matches("pencil ") {
		t.Error("matches")
	}
	if v2 := mustVerifier(t, "pencil"); v2 == v {
		t.Error("two verifiers share a salt")
	}
	for _, bad := range []string{"", "SCRAM-SHA-256$", "SCRAM-SHA-256$0:AAAA$AAAA:AAAA", "SCRAM-SHA-256$4096:!!$a:b", "md5abc"} {
		if _, ok := parseSCRAMVerifier(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
