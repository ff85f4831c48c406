package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// findRepo walks up from the working directory to the Sluice module's root
// (the go.mod naming github.com/sluicesql/sluice, not this module's own).
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if strings.TrimSpace(line) == "module github.com/sluicesql/sluice" {
					return dir, nil
				}
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside the Sluice repository: give --repo")
		}
		dir = parent
	}
}

// buildSluice builds ./cmd/sluice into dir: from the repository's working
// tree, or, if rev is set, from that commit (exported into dir with git
// archive, so edits in progress in the working tree play no part).
func buildSluice(ctx context.Context, repo, rev, dir string) (string, error) {
	src := repo
	if rev != "" {
		src = filepath.Join(dir, "src")
		if err := os.MkdirAll(src, 0o755); err != nil {
			return "", err
		}
		archive := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", rev)
		untar := exec.CommandContext(ctx, "tar", "-x", "-C", src)
		pipe, err := archive.StdoutPipe()
		if err != nil {
			return "", err
		}
		untar.Stdin = pipe
		var errs bytes.Buffer
		archive.Stderr, untar.Stderr = &errs, &errs
		if err := untar.Start(); err != nil {
			return "", err
		}
		aerr := archive.Run()
		uerr := untar.Wait()
		if aerr != nil || uerr != nil {
			return "", fmt.Errorf("git archive %s | tar: %v %v\n%s", rev, aerr, uerr, errs.Bytes())
		}
	}
	bin := filepath.Join(dir, "sluice")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/sluice")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/sluice: %w\n%s", err, out)
	}
	return bin, nil
}

// sluiceServer is one `sluice serve` process over the benchmark lake.
type sluiceServer struct {
	cmd    *exec.Cmd
	addr   string
	log    *os.File
	exited chan struct{}
	err    error // the process's exit, once exited is closed
}

// startSluice writes a configuration for lakeDir and starts bin with it.
// The server listens on ports the kernel picks (it logs them, as JSON, and
// that line says it is ready); search_path is tpch so the queries' bare table
// names resolve; GOMAXPROCS caps the engine at threads cores, as SET threads
// caps DuckDB. timeout becomes statement_timeout, so a runaway query stops in
// the server as well as in the client. The result cache is off: every timed
// run must execute the query, as DuckDB's does.
func startSluice(ctx context.Context, bin, workDir, lakeDir string, threads int, timeout time.Duration, logPath string) (*sluiceServer, error) {
	cfg := fmt.Sprintf(`listen: 127.0.0.1:0
http: 127.0.0.1:0
database: sluice
lake:
  dir: %s
  refresh_interval: 1m
auth:
  - address: loopback
    method: trust
log:
  level: info
  format: json
settings:
  search_path: %s
  statement_timeout: %dms
cache:
  enabled: false
`, strconv.Quote(lakeDir), schemaName, timeout.Milliseconds())
	cfgPath := filepath.Join(workDir, "sluice.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--config", cfgPath)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(threads))
	cmd.Stdout = logf
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &sluiceServer{cmd: cmd, log: logf, exited: make(chan struct{})}
	ready := make(chan string, 1)
	var copied sync.WaitGroup
	copied.Add(1)
	go func() {
		// Copy the log to the file while looking for the serving line.
		defer copied.Done()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			logf.Write(append(line, '\n'))
			var rec struct{ Msg, Listen string }
			if bytes.HasPrefix(line, []byte("{")) && json.Unmarshal(line, &rec) == nil &&
				rec.Msg == "sluice serving" && rec.Listen != "" {
				select {
				case ready <- rec.Listen:
				default:
				}
			}
		}
	}()
	go func() {
		copied.Wait()
		s.err = cmd.Wait()
		close(s.exited)
	}()
	select {
	case s.addr = <-ready:
		return s, nil
	case <-s.exited:
		logf.Close()
		return nil, fmt.Errorf("sluice serve exited before serving (%v); its log: %s", s.err, logPath)
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("sluice serve did not start within 2 minutes; its log: %s", logPath)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// alive reports whether the server process is still running.
func (s *sluiceServer) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stop asks the server to shut down (SIGTERM, as an operator would) and
// kills it if it has not within ten seconds.
func (s *sluiceServer) stop() {
	if s.alive() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
		}
	}
	s.log.Close()
}

// pid is the server's process id, for its memory figures.
func (s *sluiceServer) pid() int { return s.cmd.Process.Pid }
