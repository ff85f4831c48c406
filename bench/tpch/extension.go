package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
)

// The duckdb-go bindings ship DuckDB's tpch extension as a static library
// (libtpch_extension.a) but do not register it, so `LOAD tpch` fails. The
// bindings link the Go binary with -rdynamic, which lets a shared object built
// from that archive resolve its DuckDB symbols against this very process; all
// DuckDB then asks of the file is its metadata footer. Building it by hand
// keeps data generation offline: no extension repository is contacted.

const bindingsModulePrefix = "github.com/duckdb/duckdb-go-bindings/lib/"

// extensionFooter is the 534-byte metadata block DuckDB reads from the end of
// an extension file (layout of duckdb/duckdb scripts/append_metadata.cmake):
// a 22-byte header, eight 32-byte NUL-padded fields written last field
// first, and a 256-byte signature, left empty because the file is unsigned
// (DuckDB must run with allow_unsigned_extensions).
func extensionFooter(platform, duckdbVersion string) []byte {
	var b bytes.Buffer
	b.Write([]byte{0x00, 0x93, 0x04, 0x10})
	b.WriteString("duckdb_signature")
	b.Write([]byte{0x80, 0x04})
	// Field 0 is the metadata format version ("4"), then the platform, the
	// DuckDB version the extension was built for, the extension's own
	// version and its ABI; three unused fields follow.
	fields := []string{"4", platform, duckdbVersion, duckdbVersion, "CPP", "", "", ""}
	for i := len(fields) - 1; i >= 0; i-- {
		var f [32]byte
		copy(f[:], fields[i])
		b.Write(f[:])
	}
	b.Write(make([]byte, 256))
	return b.Bytes()
}

// bindingsLibDir finds the module holding DuckDB's static libraries that this
// binary was linked against, in the Go module cache.
func bindingsLibDir(ctx context.Context) (string, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", fmt.Errorf("no build information in this binary: build it with go build or go run")
	}
	var mod, version string
	for _, d := range bi.Deps {
		if strings.HasPrefix(d.Path, bindingsModulePrefix) {
			mod, version = d.Path, d.Version
			if d.Replace != nil {
				mod, version = d.Replace.Path, d.Replace.Version
			}
			break
		}
	}
	if mod == "" {
		return "", fmt.Errorf("this binary is not linked against %s*", bindingsModulePrefix)
	}
	// go mod download prints the module's directory, fetching it only if the
	// cache lost it since this binary was built.
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod+"@"+version)
	cmd.Dir = os.TempDir() // outside any module: the query is by module@version
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", mod, version, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", mod, version, err)
	}
	if m.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s printed no directory: %s", mod, version, m.Error)
	}
	return m.Dir, nil
}

// tpchExtension returns the path of a loadable tpch extension for the DuckDB
// in this binary, building it into cacheDir the first time. db is an open
// DuckDB, asked for its own version and platform so that the footer matches.
func tpchExtension(ctx context.Context, db *sql.DB, cacheDir string, logf func(string, ...any)) (string, error) {
	var version, platform string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&version); err != nil {
		return "", fmt.Errorf("duckdb version: %w", err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA platform").Scan(&platform); err != nil {
		return "", fmt.Errorf("duckdb platform: %w", err)
	}
	if runtime.GOOS != "linux" {
		return "", fmt.Errorf("building the tpch extension is only scripted for Linux (this is %s)", runtime.GOOS)
	}
	dir := filepath.Join(cacheDir, "duckdb-"+version+"-"+platform)
	path := filepath.Join(dir, "tpch.duckdb_extension")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	libDir, err := bindingsLibDir(ctx)
	if err != nil {
		return "", err
	}
	archive := filepath.Join(libDir, "libtpch_extension.a")
	if _, err := os.Stat(archive); err != nil {
		return "", fmt.Errorf("tpch extension archive: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	logf("building %s from %s", path, archive)
	tmp := path + ".tmp"
	// --whole-archive: nothing references the archive's objects yet, and the
	// linker would otherwise drop them all, entry point included.
	cmd := exec.CommandContext(ctx, "g++", "-shared", "-o", tmp,
		"-Wl,--whole-archive", archive, "-Wl,--no-whole-archive")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("g++ (is it installed?): %w\n%s", err, out)
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return "", err
	}
	_, err = f.Write(extensionFooter(platform, version))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}
