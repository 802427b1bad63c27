// Package buildinfo reports which salesengine this is.
package buildinfo

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// Version and Commit are set at release build time:
// go build -ldflags "-X github.com/salesengine/salesengine/internal/buildinfo.Version=v1.2.3 -X ...Commit=abc123".
var (
	Version = "dev"
	Commit  = ""
)

// Info is what `salesengine version` prints.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// Get returns the build's identity, reading the VCS stamp Go embeds when Commit was not set at link time.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && info.Commit == "" {
				info.Commit = s.Value
			}
			if s.Key == "vcs.modified" && s.Value == "true" && info.Commit != "" {
				info.Commit += "-dirty"
			}
		}
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}

// process and userAgent are computed once: the build's version and this process do not change.
var (
	process = sync.OnceValue(func() string {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "unknown"
		}
		return fmt.Sprintf("%s:%d", host, os.Getpid())
	})
	userAgent = sync.OnceValue(func() string { return fmt.Sprintf("salesengine/%s (%s)", Get().Version, process()) })
)

// Process names this process: "HOSTNAME:PID".
func Process() string { return process() }

// UserAgent is what Sales Engine's Odoo clients send as User-Agent: "salesengine/VERSION (HOSTNAME:PID)", so an
// Odoo's access log tells which process of several made a call.
func UserAgent() string { return userAgent() }
