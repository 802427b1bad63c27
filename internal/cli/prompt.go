package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// terminalFD returns the file descriptor of r when it is an interactive terminal.
func terminalFD(r io.Reader) (int, bool) {
	f, ok := r.(*os.File)
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// prompter asks questions on a terminal.
type prompter struct {
	in  *bufio.Reader
	out io.Writer
	fd  int
}

func (app *App) prompter() (*prompter, bool) {
	fd, ok := terminalFD(app.Stdin)
	if !ok {
		return nil, false
	}
	return &prompter{in: bufio.NewReader(app.Stdin), out: app.Stderr, fd: fd}, true
}

// ask reads a line; an empty answer takes def.
func (p *prompter) ask(question, def string) (string, error) {
	if def != "" {
		fmt.Fprintf(p.out, "%s [%s]: ", question, def)
	} else {
		fmt.Fprintf(p.out, "%s: ", question)
	}
	line, err := p.in.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading answer: %w", err)
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return def, nil
	}
	return line, nil
}

// askSecret reads a line without echoing it.
func (p *prompter) askSecret(question string) (string, error) {
	fmt.Fprintf(p.out, "%s: ", question)
	b, err := term.ReadPassword(p.fd)
	fmt.Fprintln(p.out)
	if err != nil {
		return "", fmt.Errorf("reading secret: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// confirm asks a yes/no question; only "y" or "yes" is yes.
func (p *prompter) confirm(question string) (bool, error) {
	a, err := p.ask(question+" (y/N)", "")
	if err != nil {
		return false, err
	}
	a = strings.ToLower(a)
	return a == "y" || a == "yes", nil
}
