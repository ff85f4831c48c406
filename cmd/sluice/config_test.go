package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicesql/sluice/wire"
)

// TestExampleConfigLoads loads sluice.example.yaml as `sluice serve` would
// and checks that it documents every key the configuration has.
func TestExampleConfigLoads(t *testing.T) {
	const path = "../../sluice.example.yaml"
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatalf("the example configuration does not load: %v", err)
	}
	if cfg.Listen != "127.0.0.1:5433" || cfg.HTTP != "127.0.0.1:9187" || cfg.Database != "sluice" {
		t.Errorf("addresses and database: %+v", cfg)
	}
	if time.Duration(cfg.ShutdownGrace) != 30*time.Second || time.Duration(cfg.Lake.RefreshInterval) != time.Second {
		t.Errorf("durations: grace %v refresh %v", time.Duration(cfg.ShutdownGrace), time.Duration(cfg.Lake.RefreshInterval))
	}
	if cfg.Settings["statement_timeout"] != "5min" || len(cfg.Auth) != 4 {
		t.Errorf("settings %v, %d auth rules", cfg.Settings, len(cfg.Auth))
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range yamlKeys(reflect.TypeOf(Config{})) {
		if !bytes.Contains(text, []byte(key+":")) {
			t.Errorf("sluice.example.yaml does not document %q", key)
		}
	}
	// Its rules do what its comments say.
	auth, err := newAuthenticator(cfg.Auth)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user, ip string
		method   wire.AuthMethod
	}{
		{"anyone", "127.0.0.1", wire.AuthTrust},
		{"analyst", "10.1.2.3", wire.AuthSCRAM},
		{"analyst", "192.168.1.1", wire.AuthReject},
		{"legacy_report", "192.168.1.1", wire.AuthMD5},
		{"mallory", "192.168.1.1", wire.AuthReject},
	} {
		cred, err := auth.Credential(context.Background(), wire.AuthRequest{User: c.user, RemoteAddr: &net.TCPAddr{IP: net.ParseIP(c.ip)}})
		if err != nil || cred.Method != c.method {
			t.Errorf("%s from %s: %v %v, want %v", c.user, c.ip, cred.Method, err, c.method)
		}
	}
}

// yamlKeys lists the YAML keys of a struct, nested ones too.
func yamlKeys(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		key := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if key == "" || key == "-" {
			continue
		}
		out = append(out, key)
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(Duration(0)) {
			out = append(out, yamlKeys(ft)...)
		}
	}
	return out
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"unknown key", "lake: {dir: /x}\nlisten_addr: 1.2.3.4:5\n", "field listen_addr not found"},
		{"unknown nested key", "lake: {dir: /x, refresh: 1s}\n", "field refresh not found"},
		{"no lake", "listen: 127.0.0.1:1\n", "lake.dir is required"},
		{"bad duration", "lake: {dir: /x}\nshutdown_grace: soon\n", `"soon" is not a duration`},
		{"negative duration", "lake: {dir: /x}\nshutdown_grace: -1s\n", "negative"},
		{"bad listen", "lake: {dir: /x}\nlisten: localhost\n", `listen: "localhost" is not host:port`},
		{"half tls", "lake: {dir: /x}\ntls: {cert: a.pem}\n", "cert and key must be given together"},
		{"bad method", "lake: {dir: /x}\nauth: [{method: kerberos}]\n", `auth[0].method: unknown authentication method "kerberos"`},
		{"scram without secret", "lake: {dir: /x}\nauth: [{user: a, method: scram-sha-256}]\n", "auth[0]: method scram-sha-256 needs a password or a verifier"},
		{"trust with password", "lake: {dir: /x}\nauth: [{method: trust, password: x}]\n", "auth[0]: method trust takes no password"},
		{"both secrets", "lake: {dir: /x}\nauth: [{user: a, method: md5, password: x, verifier: md5abc}]\n", "give password or verifier, not both"},
		{"bad verifier", "lake: {dir: /x}\nauth: [{user: a, method: scram-sha-256, verifier: hunter2}]\n", "not a SCRAM-SHA-256 or md5 verifier"},
		{"md5 verifier for all", "lake: {dir: /x}\nauth: [{method: md5, verifier: md50934cea0732b1363db893532ea82edf6}]\n", "bound to one user name"},
		{"bad cidr", "lake: {dir: /x}\nauth: [{address: 10.0.0.0/99, method: trust}]\n", "auth[0].address"},
		{"bad address", "lake: {dir: /x}\nauth: [{address: intranet, method: trust}]\n", `"intranet" is not an IP address or CIDR`},
		{"unknown setting", "lake: {dir: /x}\nsettings: {statment_timeout: 1s}\n", `unknown parameter "statment_timeout"`},
		{"bad setting", "lake: {dir: /x}\nsettings: {statement_timeout: soon}\n", `invalid value for parameter "statement_timeout": "soon"`},
		{"internal setting", "lake: {dir: /x}\nsettings: {server_version: '9.6'}\n", `parameter "server_version" cannot be configured`},
		{"bad log level", "lake: {dir: /x}\nlog: {level: loud}\n", "log.level"},
		{"tiny message limit", "lake: {dir: /x}\nmax_message_bytes: 10\n", "max_message_bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	cfg, err := ParseConfig([]byte("lake:\n  dir: /data/lake\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != defaultListen || cfg.HTTP != defaultHTTP || cfg.MaxMessageBytes != defaultMaxMessageBytes ||
		len(cfg.Auth) != 1 || cfg.Auth[0].Address != "loopback" {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestAuthRulesFirstMatchWins(t *testing.T) {
	auth, err := newAuthenticator([]AuthRule{
		{User: "etl", Address: "10.0.0.0/8", Method: "scram-sha-256", Password: "p"},
		{User: "etl", Method: "reject"},
		{Address: "::1", Method: "trust"},
		{Address: "192.168.0.7", Method: "password", Password: "shared"},
		{User: "all", Address: "all", Method: "md5", Password: "fallback"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user, ip string
		method   wire.AuthMethod
		secret   string
	}{
		{"etl", "10.9.9.9", wire.AuthSCRAM, "p"},
		{"etl", "::1", wire.AuthReject, ""},
		{"ann", "::1", wire.AuthTrust, ""},
		{"ann", "192.168.0.7", wire.AuthPassword, "shared"},
		{"ann", "192.168.0.8", wire.AuthMD5, "fallback"},
	} {
		cred, err := auth.Credential(context.Background(), wire.AuthRequest{User: c.user, RemoteAddr: &net.TCPAddr{IP: net.ParseIP(c.ip)}})
		if err != nil || cred.Method != c.method || cred.Secret != c.secret {
			t.Errorf("%s@%s: %v %q %v, want %v %q", c.user, c.ip, cred.Method, cred.Secret, err, c.method, c.secret)
		}
	}
	// No rule matches: PostgreSQL's pg_hba refusal.
	only, _ := newAuthenticator([]AuthRule{{Address: "loopback", Method: "trust"}})
	_, err = only.Credential(context.Background(), wire.AuthRequest{User: "x", Database: "sluice", RemoteAddr: &net.TCPAddr{IP: net.ParseIP("8.8.8.8")}})
	var pe interface{ Error() string }
	if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), `no pg_hba.conf entry for host "8.8.8.8", user "x", database "sluice", no encryption`) {
		t.Errorf("unmatched client: %v", err)
	}
}

func TestPasswdCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"passwd", "--method", "md5", "--user", "bob"}, strings.NewReader("bob-secret\n"), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got, want := strings.TrimSpace(out.String()), wire.MD5Secret("bob", "bob-secret"); got != want {
		t.Errorf("md5 verifier %q, want %q", got, want)
	}
	out.Reset()
	if code := run([]string{"passwd"}, strings.NewReader("s3cret"), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if v := strings.TrimSpace(out.String()); !strings.HasPrefix(v, "SCRAM-SHA-256$4096:") || strings.Count(v, "$") != 2 {
		t.Errorf("SCRAM verifier %q", v)
	}
	for _, args := range [][]string{{"passwd", "--method", "md5"}, {"passwd", "--method", "crypt"}, {"passwd", "extra"}} {
		if code := run(args, strings.NewReader("x\n"), &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code := run([]string{"passwd"}, strings.NewReader(""), &out, &errOut); code != 1 {
		t.Errorf("no password: exit %d, want 1", code)
	}
	out.Reset()
	if code := run([]string{"version"}, nil, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "sluice ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	if code := run([]string{"frobnicate"}, nil, &out, &errOut); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}

var _ = pgconn.Connect

func TestCatalogRoles(t *testing.T) {
	got := catalogRoles([]AuthRule{{User: "all"}, {User: "alice"}, {User: ""}, {User: "bob"}, {User: "alice"}, {User: "sluice"}})
	want := []string{"sluice", "alice", "bob"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("roles %v, want %v", got, want)
	}
}
