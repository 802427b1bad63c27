// Package config resolves Sales Engine's settings. Every setting is a Var in the registry below; a value comes
// from, in order: a command-line flag, the environment, the config file (.env in the working directory, or
// --config), the default. A secret-bearing Var also accepts NAME_FILE, the path of a file holding the value
// (the convention of Docker, Kubernetes and Cloud Run secrets).
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
)

// Var is one configuration variable.
type Var struct {
	Name    string
	Aliases []string // older names still accepted (POLLER_ENCRYPTION_KEY)
	Default string
	Flag    string // the global or command flag that overrides it, for the docs
	Secret  bool   // accepts NAME_FILE; never printed
	Help    string
}

// Source says where a value came from.
type Source string

const (
	SourceFlag    Source = "flag"
	SourceEnv     Source = "environment"
	SourceFile    Source = "config file"
	SourceDefault Source = "default"
)

// Config is a resolved set of values.
type Config struct {
	vars    map[string]Var
	values  map[string]string
	sources map[string]Source
	File    string // the config file read, "" if none
}

// LoadOptions are the inputs to Load.
type LoadOptions struct {
	// File is --config; when empty, .env in the working directory is read if it exists.
	File string
	// Env looks up an environment variable (os.LookupEnv in production).
	Env func(string) (string, bool)
	// Flags holds the values of flags the user set explicitly, by variable name.
	Flags map[string]string
}

// Load resolves every registered variable.
func Load(opts LoadOptions) (*Config, error) {
	if opts.Env == nil {
		opts.Env = os.LookupEnv
	}
	file := map[string]string{}
	path := opts.File
	if path != "" {
		m, err := godotenv.Read(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("--config %s: file does not exist", path)
			}
			return nil, fmt.Errorf("--config %s: %w", path, err)
		}
		file = m
	} else if _, err := os.Stat(".env"); err == nil {
		m, err := godotenv.Read(".env")
		if err != nil {
			return nil, fmt.Errorf(".env: %w (fix the file or point --config elsewhere)", err)
		}
		file, path = m, ".env"
	}
	if err := unknownKeys(path, file); err != nil {
		return nil, err
	}
	c := &Config{vars: map[string]Var{}, values: map[string]string{}, sources: map[string]Source{}, File: path}
	for _, v := range Vars {
		c.vars[v.Name] = v
		val, src, err := resolve(v, opts, file)
		if err != nil {
			return nil, err
		}
		c.values[v.Name], c.sources[v.Name] = val, src
	}
	return c, nil
}

// UnknownKeyError is a key of the config file with one of Sales Engine's prefixes that names no variable: a
// typo, which would otherwise leave the setting at its default without a word.
type UnknownKeyError struct {
	File, Key string
	Suggest   string // the closest variable's name, "" when none is close
}

func (e *UnknownKeyError) Error() string {
	msg := fmt.Sprintf("%s: %s is not a Sales Engine setting", e.File, e.Key)
	if e.Suggest != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", e.Suggest)
	}
	return msg
}

// unknownKeys refuses keys of the file that look like ours (SALESENGINE_, POLLER_) but name no variable. Other
// keys are left alone: a .env file is often shared with Docker Compose and other tools.
func unknownKeys(path string, file map[string]string) error {
	known := map[string]bool{}
	for _, v := range Vars {
		for _, n := range append([]string{v.Name}, v.Aliases...) {
			known[n] = true
			if v.Secret {
				known[n+"_FILE"] = true
			}
		}
	}
	keys := make([]string, 0, len(file))
	for k := range file {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if known[k] || !(strings.HasPrefix(k, "SALESENGINE_") || strings.HasPrefix(k, "POLLER_")) {
			continue
		}
		best, bestD := "", 4 // suggest only names within a few edits
		for n := range known {
			if d := editDistance(k, n); d < bestD || (d == bestD && n < best) {
				best, bestD = n, d
			}
		}
		return &UnknownKeyError{File: path, Key: k, Suggest: best}
	}
	return nil
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func resolve(v Var, opts LoadOptions, file map[string]string) (string, Source, error) {
	if val, ok := opts.Flags[v.Name]; ok {
		return val, SourceFlag, nil
	}
	lookups := []struct {
		get func(string) (string, bool)
		src Source
	}{
		{opts.Env, SourceEnv},
		{func(k string) (string, bool) { s, ok := file[k]; return s, ok }, SourceFile},
	}
	for _, l := range lookups {
		for _, name := range append([]string{v.Name}, v.Aliases...) {
			if val, ok := l.get(name); ok && val != "" {
				return val, l.src, nil
			}
			if !v.Secret {
				continue
			}
			if p, ok := l.get(name + "_FILE"); ok && p != "" {
				b, err := os.ReadFile(p)
				if err != nil {
					return "", "", fmt.Errorf("%s_FILE: cannot read %s: %w", name, p, unwrapPathError(err))
				}
				return strings.TrimRight(string(b), "\r\n"), l.src, nil
			}
		}
	}
	return v.Default, SourceDefault, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// String lists the variables set other than by default, secrets as "<set>": a Config printed by mistake (a
// %v in an error, a panic, a log line) never shows a password, key or token.
func (c Config) String() string {
	names := make([]string, 0, len(c.values))
	for n := range c.values {
		if c.sources[n] != SourceDefault {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("config{")
	for i, n := range names {
		if i > 0 {
			b.WriteString(" ")
		}
		v := strconv.Quote(c.values[n])
		if c.vars[n].Secret {
			v = "<set>"
		}
		fmt.Fprintf(&b, "%s=%s (%s)", n, v, c.sources[n])
	}
	b.WriteString("}")
	return b.String()
}

// GoString keeps %#v from printing the values.
func (c Config) GoString() string { return c.String() }

// LogValue keeps a Config logged as an attribute from showing its secrets.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Get returns the value of a registered variable; it panics on an unregistered name (a programming error).
func (c *Config) Get(name string) string {
	if _, ok := c.vars[name]; !ok {
		panic("config: unregistered variable " + name)
	}
	return c.values[name]
}

// Source says where the value of name came from.
func (c *Config) Source(name string) Source { return c.sources[name] }

// IsSet reports whether name was given anywhere other than its default.
func (c *Config) IsSet(name string) bool { return c.sources[name] != SourceDefault }

// Set overrides a value (used by commands whose own flags map onto a variable).
func (c *Config) Set(name, value string, src Source) {
	c.Get(name)
	c.values[name], c.sources[name] = value, src
}

// Bool parses a boolean variable: true/false, 1/0, yes/no, on/off.
func (c *Config) Bool(name string) (bool, error) {
	s := strings.ToLower(strings.TrimSpace(c.Get(name)))
	switch s {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, fmt.Errorf("%s=%q is not a boolean: use true or false", name, c.Get(name))
}

// Duration parses a Go duration (90s, 5m); a bare number means seconds.
func (c *Config) Duration(name string) (time.Duration, error) {
	s := strings.TrimSpace(c.Get(name))
	if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 0 {
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q is not a duration: use a value like 30s, 5m or 1h", name, s)
	}
	return d, nil
}

// Int parses an integer variable.
func (c *Config) Int(name string) (int, error) {
	s := strings.TrimSpace(c.Get(name))
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a whole number", name, s)
	}
	return n, nil
}

// LoadMap resolves every variable from env alone: no file, no process environment (tests, and callers that
// embed Sales Engine).
func LoadMap(env map[string]string) (*Config, error) {
	return Load(LoadOptions{File: os.DevNull, Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
}
