package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sluicesql/sluice/wire"
)

// cmdPasswd reads a password and prints the verifier to put in an auth
// rule, so that the configuration never holds the password itself.
func cmdPasswd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("passwd", stderr)
	method := fs.String("method", "scram-sha-256", "verifier kind: scram-sha-256 or md5")
	user := fs.String("user", "", "user name (required for md5, which salts with it)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *method != "scram-sha-256" && *method != "md5" {
		return usageError{fmt.Errorf("--method %q: want scram-sha-256 or md5", *method)}
	}
	if *method == "md5" && *user == "" {
		return usageError{errors.New("--method md5 needs --user: the md5 verifier depends on the user name")}
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if password == "" {
		return errors.New("empty password")
	}
	var verifier string
	if *method == "md5" {
		verifier = wire.MD5Secret(*user, password)
	} else if verifier, err = wire.SCRAMVerifier(password); err != nil {
		return err
	}
	fmt.Fprintln(stdout, verifier)
	return nil
}

// readPassword reads one line; from a terminal it prompts on stderr and
// turns echo off while the password is typed.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		fd := int(f.Fd())
		if old, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
			fmt.Fprint(stderr, "Password: ")
			quiet := *old
			quiet.Lflag &^= unix.ECHO
			quiet.Lflag |= unix.ICANON | unix.ISIG
			if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
				return "", err
			}
			defer func() {
				_ = unix.IoctlSetTermios(fd, unix.TCSETS, old)
				fmt.Fprintln(stderr)
			}()
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", errors.New("no password on standard input")
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
