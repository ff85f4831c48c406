package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sluicesql/sluice/gateway"
	"github.com/sluicesql/sluice/router"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// Defaults of the configuration.
const (
	defaultListen          = "127.0.0.1:5433"
	defaultHTTP            = "127.0.0.1:9187"
	defaultRefreshInterval = time.Second
	defaultShutdownGrace   = 30 * time.Second
	defaultMaxMessageBytes = 16 << 20
)

// Config is sluice.yaml. sluice.example.yaml documents every key.
type Config struct {
	Listen          string            `yaml:"listen"`
	HTTP            string            `yaml:"http"`
	Database        string            `yaml:"database"`
	Lake            LakeConfig        `yaml:"lake"`
	TLS             TLSConfig         `yaml:"tls"`
	Auth            []AuthRule        `yaml:"auth"`
	MaxMessageBytes int               `yaml:"max_message_bytes"`
	ShutdownGrace   Duration          `yaml:"shutdown_grace"`
	Log             LogConfig         `yaml:"log"`
	Settings        map[string]string `yaml:"settings"`
	// Cache is the dashboard result cache, on by default.
	Cache CacheConfig `yaml:"cache"`
	// Engine is the local engine's memory budgets and GC settings.
	Engine EngineConfig `yaml:"engine"`
	// Trino is the Trino tiers heavy queries may go to; none by default.
	Trino router.Config `yaml:"trino"`
	// Routing chooses each query's route: local or a Trino tier.
	Routing RoutingConfig `yaml:"routing"`
}

// LakeConfig says where the lake is and how often to look for commits.
type LakeConfig struct {
	Dir             string   `yaml:"dir"`
	RefreshInterval Duration `yaml:"refresh_interval"`
	// Iceberg are Iceberg catalogs served beside the directory's layers
	// (config_iceberg.go).
	Iceberg []IcebergConfig `yaml:"iceberg"`
}

// TLSConfig names a certificate and key; both or neither.
type TLSConfig struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// AuthRule is one line of the ordered authentication rules, as a
// pg_hba.conf line: the first rule matching the user and the client's
// address decides the method.
type AuthRule struct {
	User     string `yaml:"user"`    // a user name; "all" or empty: any
	Address  string `yaml:"address"` // a CIDR or IP; "all" or empty: any; "loopback"
	Method   string `yaml:"method"`  // trust, reject, password, md5, scram-sha-256
	Password string `yaml:"password"`
	Verifier string `yaml:"verifier"` // from `sluice passwd`: SCRAM-SHA-256$... or md5...
}

// LogConfig is the server log.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Duration is a time.Duration written as "30s", "1m30s".
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (like 30s or 1m)", n.Line, s)
	}
	if v < 0 {
		return fmt.Errorf("line %d: duration %q is negative", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// LoadConfig reads a configuration file. Unknown keys are errors that name
// the key, so a typo never silently falls back to a default.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.Lake.Dir != "" && !filepath.IsAbs(cfg.Lake.Dir) {
		// Relative paths are relative to the file, not to where sluice runs.
		cfg.Lake.Dir = filepath.Join(filepath.Dir(path), cfg.Lake.Dir)
	}
	for _, p := range []*string{&cfg.TLS.Cert, &cfg.TLS.Key} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(filepath.Dir(path), *p)
		}
	}
	return cfg, nil
}

// ParseConfig reads a configuration, applies defaults and validates it.
func ParseConfig(data []byte) (*Config, error) {
	cfg := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	cfg.applyDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (c *Config) applyDefaults() {
	if c.Listen == "" {
		c.Listen = defaultListen
	}
	if c.HTTP == "" {
		c.HTTP = defaultHTTP
	}
	if c.Database == "" {
		c.Database = gateway.DefaultDatabase
	}
	if c.Lake.RefreshInterval == 0 {
		c.Lake.RefreshInterval = Duration(defaultRefreshInterval)
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = defaultMaxMessageBytes
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = Duration(defaultShutdownGrace)
	}
	c.Engine.applyDefaults(availableMemory())
	c.Cache.applyDefaults()
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if len(c.Auth) == 0 {
		// Without rules only this machine gets in, as a fresh PostgreSQL's
		// pg_hba.conf would have it.
		c.Auth = []AuthRule{{Address: "loopback", Method: "trust"}}
	}
}

func (c *Config) validate() error {
	if c.Lake.Dir == "" {
		return errors.New("lake.dir is required: the directory holding <layer>/<table>/ Parquet folders")
	}
	for _, a := range []struct{ key, addr string }{{"listen", c.Listen}, {"http", c.HTTP}} {
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return fmt.Errorf("%s: %q is not host:port: %v", a.key, a.addr, err)
		}
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		return errors.New("tls: cert and key must be given together")
	}
	if c.MaxMessageBytes < 1024 {
		return fmt.Errorf("max_message_bytes: %d is too small (at least 1024)", c.MaxMessageBytes)
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		return err
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return fmt.Errorf("log.format: %q is not text or json", c.Log.Format)
	}
	if _, err := newAuthenticator(c.Auth); err != nil {
		return err
	}
	if err := gateway.CheckSettings(c.Settings); err != nil {
		return err
	}
	if err := c.Cache.validate(); err != nil {
		return err
	}
	if err := c.Lake.validateIceberg(); err != nil {
		return err
	}
	if err := c.Trino.Validate(); err != nil {
		return err
	}
	if err := c.Engine.validate(); err != nil {
		return err
	}
	if err := c.Routing.validate(c.Trino); err != nil {
		return err
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log.level: %q is not debug, info, warn or error", s)
	}
	return l, nil
}

// newLogger makes the server's logger.
func (c *Config) newLogger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.Log.Level)
	opts := &slog.HandlerOptions{Level: level}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// tlsConfig loads the certificate, if one is configured.
func (c *Config) tlsConfig() (*tls.Config, error) {
	if c.TLS.Cert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.TLS.Cert, c.TLS.Key)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// authenticator implements wire.Authenticator from the ordered rules.
type authenticator struct{ rules []authRule }

type authRule struct {
	user   string // "" any
	nets   []*net.IPNet
	method wire.AuthMethod
	secret string
}

var loopbackNets = func() []*net.IPNet {
	var out []*net.IPNet
	for _, c := range []string{"127.0.0.0/8", "::1/128"} {
		_, n, _ := net.ParseCIDR(c)
		out = append(out, n)
	}
	return out
}()

func newAuthenticator(rules []AuthRule) (*authenticator, error) {
	a := &authenticator{}
	for i, r := range rules {
		where := fmt.Sprintf("auth[%d]", i)
		m, err := wire.ParseAuthMethod(r.Method)
		if err != nil {
			return nil, fmt.Errorf("%s.method: %v", where, err)
		}
		ar := authRule{method: m}
		if r.User != "all" {
			ar.user = r.User
		}
		switch addr := strings.TrimSpace(r.Address); addr {
		case "", "all":
		case "loopback", "localhost":
			ar.nets = loopbackNets
		default:
			if !strings.Contains(addr, "/") {
				ip := net.ParseIP(addr)
				if ip == nil {
					return nil, fmt.Errorf("%s.address: %q is not an IP address or CIDR", where, addr)
				}
				bits := 32
				if ip.To4() == nil {
					bits = 128
				}
				addr = fmt.Sprintf("%s/%d", addr, bits)
			}
			_, n, err := net.ParseCIDR(addr)
			if err != nil {
				return nil, fmt.Errorf("%s.address: %v", where, err)
			}
			ar.nets = []*net.IPNet{n}
		}
		if r.Password != "" && r.Verifier != "" {
			return nil, fmt.Errorf("%s: give password or verifier, not both", where)
		}
		ar.secret = r.Password + r.Verifier
		switch m {
		case wire.AuthPassword, wire.AuthMD5, wire.AuthSCRAM:
			if ar.secret == "" {
				return nil, fmt.Errorf("%s: method %s needs a password or a verifier (sluice passwd makes one)", where, m)
			}
			if r.Verifier != "" && !strings.HasPrefix(r.Verifier, "SCRAM-SHA-256$") && !strings.HasPrefix(r.Verifier, "md5") {
				return nil, fmt.Errorf("%s.verifier: not a SCRAM-SHA-256 or md5 verifier (sluice passwd makes one)", where)
			}
			if m == wire.AuthMD5 && strings.HasPrefix(r.Verifier, "md5") && ar.user == "" {
				return nil, fmt.Errorf("%s: an md5 verifier is bound to one user name; set user", where)
			}
		default:
			if ar.secret != "" {
				return nil, fmt.Errorf("%s: method %s takes no password", where, m)
			}
		}
		a.rules = append(a.rules, ar)
	}
	return a, nil
}

// Credential implements wire.Authenticator: the first matching rule wins;
// no match is PostgreSQL's "no pg_hba.conf entry".
func (a *authenticator) Credential(ctx context.Context, req wire.AuthRequest) (wire.Credential, error) {
	var ip net.IP
	if tcp, ok := req.RemoteAddr.(*net.TCPAddr); ok {
		ip = tcp.IP
	}
	for _, r := range a.rules {
		if r.user != "" && r.user != req.User {
			continue
		}
		if r.nets != nil && !matchesAny(r.nets, ip) {
			continue
		}
		return wire.Credential{Method: r.method, Secret: r.secret}, nil
	}
	enc := "no encryption"
	if req.TLS {
		enc = "SSL encryption"
	}
	host := "unknown"
	if ip != nil {
		host = ip.String()
	}
	return wire.Credential{}, pgerr.Fatal(pgerr.InvalidAuthorization,
		"no pg_hba.conf entry for host \"%s\", user \"%s\", database \"%s\", %s", host, req.User, req.Database, enc)
}

func matchesAny(nets []*net.IPNet, ip net.IP) bool {
	if ip == nil {
		return false
	}
	for _, n := range nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}
