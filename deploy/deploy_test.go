// Package deploy holds the deployment files (compose.yaml and the Dockerfile at the repository's root, the
// systemd units here) and the tests that check them: no Docker engine runs in CI, so what can be checked
// without one is: the files parse, they name what exists (commands, secrets, endpoints), the binary builds
// static, and systemd accepts the units.
package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// compose holds the Compose keys we use; decoding with KnownFields refuses any other (a typo).
type compose struct {
	Name     string `yaml:"name"`
	Services map[string]struct {
		Image           string            `yaml:"image"`
		Restart         string            `yaml:"restart"`
		StopGracePeriod string            `yaml:"stop_grace_period"`
		Build           any               `yaml:"build"`
		Command         []string          `yaml:"command"`
		Environment     map[string]string `yaml:"environment"`
		Secrets         []string          `yaml:"secrets"`
		DependsOn       map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test     []string `yaml:"test"`
			Interval string   `yaml:"interval"`
			Timeout  string   `yaml:"timeout"`
			Retries  int      `yaml:"retries"`
		} `yaml:"healthcheck"`
		Ports   []string `yaml:"ports"`
		Volumes []string `yaml:"volumes"`
	} `yaml:"services"`
	Secrets map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestComposeFile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true) // a misspelt key fails here instead of being ignored by Compose
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	se, ok := c.Services["salesengine"]
	if !ok {
		t.Fatal("no salesengine service")
	}
	if len(se.Command) == 0 || se.Command[0] != "serve" {
		t.Errorf("salesengine runs %v, want serve", se.Command)
	}
	if se.DependsOn["db"].Condition != "service_healthy" {
		t.Errorf("salesengine does not wait for a healthy db: %+v", se.DependsOn)
	}
	if c.Services["db"].Healthcheck == nil {
		t.Error("db has no healthcheck")
	}
	// Secrets only as files: every *_FILE names a declared secret mounted in the service, no secret inline.
	for k, v := range se.Environment {
		upper := strings.ToUpper(k)
		if strings.HasSuffix(k, "_FILE") {
			name := strings.TrimPrefix(v, "/run/secrets/")
			if _, ok := c.Secrets[name]; !ok || !slices.Contains(se.Secrets, name) {
				t.Errorf("%s=%s: no such secret mounted in the service", k, v)
			}
			continue
		}
		if strings.Contains(upper, "KEY") || strings.Contains(upper, "SECRET") || strings.Contains(upper, "PASSWORD") || k == "DATABASE_URL" {
			t.Errorf("%s is set inline; pass it as a file (%s_FILE)", k, k)
		}
	}
	for name, s := range c.Secrets {
		if !strings.HasPrefix(s.File, "./secrets/") {
			t.Errorf("secret %s from %s, want ./secrets/ (ignored by git and docker)", name, s.File)
		}
	}
	if len(se.Ports) != 1 || !strings.HasPrefix(se.Ports[0], "127.0.0.1:") {
		t.Errorf("ports %v: publish on loopback only (the dashboard and metrics are not for the internet)", se.Ports)
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil || !strings.Contains(string(ignore), "secrets/") {
		t.Errorf(".dockerignore must keep secrets/ out of the build context: %v", err)
	}
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d := string(b)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^FROM golang:\S+ AS build$`),
		regexp.MustCompile(`CGO_ENABLED=0 go build`),
		regexp.MustCompile(`(?m)^FROM gcr\.io/distroless/static\S*:nonroot$`),
		regexp.MustCompile(`(?m)^USER nonroot`),
		regexp.MustCompile(`(?m)^HEALTHCHECK .*\n\s*CMD \["/usr/local/bin/salesengine", "health", "--url", "http://127\.0\.0\.1:8080/livez"\]`),
		regexp.MustCompile(`(?m)^CMD \["serve", "--addr", "0\.0\.0\.0:8080"`),
	} {
		if !want.MatchString(d) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
}

// builtIn is the directory staticBinary built into, removed after the tests ("" when nothing was built).
var builtIn string

// staticBinary builds the binary once, as the image does (no cgo, so it runs on distroless/static), for the
// tests that need it.
var staticBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "salesengine-deploy-")
	if err != nil {
		return "", err
	}
	builtIn = dir
	out := filepath.Join(dir, "salesengine")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "../cmd/salesengine")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("CGO_ENABLED=0 go build: %v\n%s", err, b)
	}
	return out, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if builtIn != "" {
		_ = os.RemoveAll(builtIn)
	}
	os.Exit(code)
}

// TestStaticBuild: the image's build command works here, and the binary has the commands the image runs.
func TestStaticBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin, err := staticBinary()
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"serve", "--help"}, {"health", "--help"}} {
		if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("the static binary does not run %v: %v\n%s", args, err, b)
		}
	}
}

// TestSystemdUnits: systemd-analyze accepts the units (with ExecStart pointed at a built binary, since it
// checks that the program exists), and prints no warning.
func TestSystemdUnits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze on this machine")
	}
	t.Parallel()
	dir := t.TempDir()
	bin, err := staticBinary()
	if err != nil {
		t.Fatal(err)
	}
	units, _ := filepath.Glob("systemd/*")
	if len(units) != 3 {
		t.Fatalf("units %v, want the service, the one-shot run and its timer", units)
	}
	var paths []string
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), "/usr/local/bin/salesengine", bin)
		p := filepath.Join(dir, filepath.Base(u))
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	cmd := exec.Command(analyze, append([]string{"verify"}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, stderr.String())
	}
	for _, want := range []struct{ unit, line string }{
		{"salesengine.service", "Type=notify"},
		{"salesengine.service", "Restart=on-failure"},
		{"salesengine.service", "ExecStart=/usr/local/bin/salesengine serve"},
		{"salesengine-run.service", "Type=oneshot"},
		{"salesengine-run.timer", "OnCalendar=*-*-* 00,06,12,18:00:00"},
	} {
		b, _ := os.ReadFile(filepath.Join("systemd", want.unit))
		if !strings.Contains(string(b), want.line) {
			t.Errorf("%s lacks %q", want.unit, want.line)
		}
	}
}
