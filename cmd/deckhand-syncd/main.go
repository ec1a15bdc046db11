// Command deckhand-syncd is Deckhand's sync server: Anki desktop, AnkiDroid, AnkiMobile and
// Deckhand sync their collections and media with it. See docs/sync-server.md.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/deckhand-app/deckhand/sync/protocol"
	"github.com/deckhand-app/deckhand/sync/server"
)

const usage = `usage: deckhand-syncd [--config FILE] [--data DIR] COMMAND [ARGS]

Commands:
  serve [--listen ADDR] [--tls-cert FILE --tls-key FILE]
                    run the server (default 127.0.0.1:27701)
  adduser NAME      add a user (password prompted, or read from stdin)
  passwd NAME       change a password (logs out every device of the user)
  deluser NAME      remove a user (their data stays in DATA/users/NAME)
  lsuser            list users

Settings come from the config file (key = value lines: listen, data, tls_cert, tls_key,
max_payload_megs, log_level), then DECKHAND_SYNCD_<SETTING> environment variables, then flags.
SYNC_USER1=name:password (SYNC_USER2, …) create or update users when the server starts.
`

type settings struct {
	Listen, Data, TLSCert, TLSKey, LogLevel string
	MaxPayloadMegs                          int
}

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deckhand-syncd:", err)
		os.Exit(1)
	}
}

func defaultData() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "deckhand-syncd")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "deckhand-syncd-data"
	}
	return filepath.Join(home, ".local", "share", "deckhand-syncd")
}

// loadSettings applies defaults, then the config file, then the environment.
func loadSettings(configPath string) (settings, error) {
	s := settings{Listen: "127.0.0.1:27701", Data: defaultData(), LogLevel: "info", MaxPayloadMegs: protocol.DefaultMaxPayloadMegs}
	vals := map[string]string{}
	if configPath == "" {
		configPath = os.Getenv("DECKHAND_SYNCD_CONFIG")
	}
	if configPath != "" {
		f, err := os.Open(configPath)
		if err != nil {
			return s, fmt.Errorf("config: %w", err)
		}
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				f.Close()
				return s, fmt.Errorf("config %s line %d: want key = value", configPath, n)
			}
			vals[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return s, fmt.Errorf("config: %w", err)
		}
	}
	for _, k := range []string{"listen", "data", "tls_cert", "tls_key", "max_payload_megs", "log_level"} {
		if v, ok := os.LookupEnv("DECKHAND_SYNCD_" + strings.ToUpper(k)); ok {
			vals[k] = v
		}
	}
	for k, v := range vals {
		switch k {
		case "listen":
			s.Listen = v
		case "data":
			s.Data = v
		case "tls_cert":
			s.TLSCert = v
		case "tls_key":
			s.TLSKey = v
		case "log_level":
			s.LogLevel = v
		case "max_payload_megs":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return s, fmt.Errorf("max_payload_megs %q: want a positive number", v)
			}
			s.MaxPayloadMegs = n
		default:
			return s, fmt.Errorf("config: unknown setting %q", k)
		}
	}
	return s, nil
}

func run(args []string, stdin io.Reader, out io.Writer) error {
	global := flag.NewFlagSet("deckhand-syncd", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	configPath := global.String("config", "", "config file")
	data := global.String("data", "", "data folder")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(out, usage)
			return nil
		}
		return fmt.Errorf("%v (see --help)", err)
	}
	s, err := loadSettings(*configPath)
	if err != nil {
		return err
	}
	if *data != "" {
		s.Data = *data
	}
	rest := global.Args()
	if len(rest) == 0 {
		fmt.Fprint(out, usage)
		return errors.New("no command given")
	}
	cmd, cmdArgs := rest[0], rest[1:]
	users := func() (*server.Users, error) { return server.OpenUsers(filepath.Join(s.Data, "users.json")) }
	oneName := func() (string, error) {
		if len(cmdArgs) != 1 {
			return "", fmt.Errorf("%s needs exactly one user NAME", cmd)
		}
		return cmdArgs[0], nil
	}
	switch cmd {
	case "help":
		fmt.Fprint(out, usage)
		return nil
	case "serve":
		return serve(s, cmdArgs)
	case "lsuser":
		u, err := users()
		if err != nil {
			return err
		}
		for _, n := range u.List() {
			fmt.Fprintln(out, n)
		}
		return nil
	case "adduser", "passwd":
		name, err := oneName()
		if err != nil {
			return err
		}
		if err := server.CheckUsername(name); err != nil {
			return err
		}
		u, err := users()
		if err != nil {
			return err
		}
		pw, err := readPassword(stdin, out)
		if err != nil {
			return err
		}
		if cmd == "adduser" {
			err = u.Add(name, pw)
		} else {
			err = u.SetPassword(name, pw)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %s\n", map[string]string{"adduser": "added", "passwd": "password changed (devices must log in again)"}[cmd], name)
		return nil
	case "deluser":
		name, err := oneName()
		if err != nil {
			return err
		}
		u, err := users()
		if err != nil {
			return err
		}
		if err := u.Delete(name); err != nil {
			return err
		}
		fmt.Fprintf(out, "removed: %s (data kept in %s)\n", name, filepath.Join(s.Data, "users", name))
		return nil
	}
	return fmt.Errorf("unknown command %q (see --help)", cmd)
}

// readPassword prompts twice on a terminal; otherwise it reads one line from stdin.
func readPassword(stdin io.Reader, out io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(out, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(out)
		if err != nil {
			return "", err
		}
		fmt.Fprint(out, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(out)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", errors.New("the passwords differ")
		}
		if len(p1) == 0 {
			return "", errors.New("empty password")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty password on stdin")
	}
	return line, nil
}

func serve(s settings, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&s.Listen, "listen", s.Listen, "address")
	fs.StringVar(&s.TLSCert, "tls-cert", s.TLSCert, "certificate")
	fs.StringVar(&s.TLSKey, "tls-key", s.TLSKey, "key")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("serve: %v (see --help)", err)
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		return errors.New("serve: give both --tls-cert and --tls-key, or neither")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(s.LogLevel)); err != nil {
		return fmt.Errorf("log_level %q: %w", s.LogLevel, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	lim := protocol.Limits{MaxCompressed: int64(s.MaxPayloadMegs) << 20,
		MaxDecompressed: int64(s.MaxPayloadMegs) * protocol.DecompressedMultiplier << 20}
	srv, err := server.New(server.Config{DataDir: s.Data, Limits: lim, Logger: log})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := ensureEnvUsers(srv.Users); err != nil {
		return err
	}
	if len(srv.Users.List()) == 0 {
		log.Warn("no users yet: add one with `deckhand-syncd adduser NAME`")
	}
	hs := &http.Server{Addr: s.Listen, Handler: srv.Handler(), ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		log.Info("listening", "addr", s.Listen, "tls", s.TLSCert != "", "data", s.Data)
		if s.TLSCert != "" {
			errc <- hs.ListenAndServeTLS(s.TLSCert, s.TLSKey)
		} else {
			errc <- hs.ListenAndServe()
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// ensureEnvUsers creates or updates the users given as SYNC_USER1=name:password, … (the
// variables Anki's own sync server reads).
func ensureEnvUsers(u *server.Users) error {
	var keys []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SYNC_USER") {
			if _, err := strconv.Atoi(strings.TrimPrefix(k, "SYNC_USER")); err == nil {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		name, pw, ok := strings.Cut(os.Getenv(k), ":")
		if !ok || name == "" || pw == "" {
			return fmt.Errorf("%s: want name:password", k)
		}
		if err := u.Ensure(name, pw); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}
