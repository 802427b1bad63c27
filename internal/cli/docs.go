package cli

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

//go:generate go run ./gendocs ../../docs/commands.md

// CommandsMarkdown renders the command tree as docs/commands.md: for every visible command its usage line,
// help, examples and flags with their defaults. The output depends only on the code (no dates, paths or
// environment), so a test can regenerate it and compare.
func CommandsMarkdown() []byte {
	root := (&App{}).rootCommand()
	var b bytes.Buffer
	b.WriteString(`# Command reference

<!-- Generated from the command tree by 'go generate ./internal/cli/' (internal/cli/docs.go). Do not edit:
change the commands' help and regenerate; a test fails when this file is stale. -->

Every command's ` + "`--help`" + ` prints the same text. Guides with examples and their output are in the other
documents: [the demo](demo.md), [connections](connections.md), [sync](sync.md), [webhooks](webhooks.md),
[forecasting](forecasting.md), [the production plan](planning.md), [operations](operations.md).

`)
	var all []*cobra.Command
	var collect func(c *cobra.Command)
	collect = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		all = append(all, c)
		for _, sub := range c.Commands() {
			collect(sub)
		}
	}
	collect(root)

	b.WriteString("| command | what it does |\n|---|---|\n")
	for _, c := range all[1:] {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s |\n", strings.TrimPrefix(c.CommandPath(), root.Name()+" "),
			slug(c.CommandPath()), cell(c.Short))
	}
	b.WriteString("\n")
	for _, c := range all {
		writeCommand(&b, c)
	}
	return b.Bytes()
}

func writeCommand(b *bytes.Buffer, c *cobra.Command) {
	fmt.Fprintf(b, "## %s\n\n%s\n\n", c.CommandPath(), c.Short)
	if c.Runnable() {
		fmt.Fprintf(b, "```text\n%s\n```\n\n", c.UseLine())
	}
	if len(c.Aliases) > 0 {
		fmt.Fprintf(b, "Aliases: `%s`.\n\n", strings.Join(c.Aliases, "`, `"))
	}
	if c.Long != "" {
		fmt.Fprintf(b, "```text\n%s\n```\n\n", strings.TrimSpace(c.Long))
	}
	if c.Example != "" {
		fmt.Fprintf(b, "Examples:\n\n```sh\n%s\n```\n\n", dedent(c.Example))
	}
	if c.HasParent() {
		writeFlags(b, "Flags", c.LocalNonPersistentFlags())
	} else {
		writeFlags(b, "Global flags, accepted by every command", c.PersistentFlags())
	}
	var subs []string
	for _, sub := range c.Commands() {
		if !sub.Hidden && sub.Name() != "help" {
			subs = append(subs, fmt.Sprintf("[`%s`](#%s)", sub.Name(), slug(sub.CommandPath())))
		}
	}
	if len(subs) > 0 && c.HasParent() {
		fmt.Fprintf(b, "Subcommands: %s.\n\n", strings.Join(subs, ", "))
	}
}

func writeFlags(b *bytes.Buffer, title string, fs *pflag.FlagSet) {
	var flags []*pflag.Flag
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && f.Name != "help" {
			flags = append(flags, f)
		}
	})
	if len(flags) == 0 {
		return
	}
	sort.Slice(flags, func(i, j int) bool { return flags[i].Name < flags[j].Name })
	fmt.Fprintf(b, "%s:\n\n| flag | default | environment | meaning |\n|---|---|---|---|\n", title)
	for _, f := range flags {
		name := "`--" + f.Name
		if f.Shorthand != "" {
			name = "`-" + f.Shorthand + "`, " + name
		}
		if t, _ := pflag.UnquoteUsage(f); t != "" {
			name += " " + t
		}
		name += "`"
		def := ""
		switch {
		case f.Value.Type() == "bool" && f.DefValue == "false", f.DefValue == "", f.DefValue == "0" && f.Value.Type() == "int":
		default:
			def = "`" + f.DefValue + "`"
		}
		env := ""
		if v, ok := f.Annotations[varAnnotation]; ok {
			env = "`" + v[0] + "`"
		}
		_, usage := pflag.UnquoteUsage(f)
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", name, def, env, cell(usage))
	}
	b.WriteString("\n")
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// slug is GitHub's anchor for a heading of plain text.
func slug(heading string) string {
	return strings.ReplaceAll(strings.ToLower(heading), " ", "-")
}

// dedent removes the two-space indent of cobra's examples.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "  ")
	}
	return strings.Join(lines, "\n")
}
