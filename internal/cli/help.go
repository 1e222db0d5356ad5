package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

//go:generate go test -run=^TestFlagsDoc$ -update

// formsAnnotation holds a command's other usage forms, one per line, each
// written as its Use is.
const formsAnnotation = "wsdbg_forms"

// writeHelp writes a command's help: its usage forms, what it does, its
// examples and its flags by group. Everything comes from the command's
// definition.
func writeHelp(w io.Writer, cmd *cobra.Command) {
	if !cmd.HasParent() {
		fmt.Fprintf(w, "%s — %s\n\n", cmd.Name(), cmd.Short)
	}
	for i, form := range usageForms(cmd) {
		if i == 0 {
			fmt.Fprintln(w, "Usage: "+form)
		} else {
			fmt.Fprintln(w, "       "+form)
		}
	}
	if !cmd.HasParent() {
		fmt.Fprintln(w, "\nCommands:")
		for _, c := range listedCommands(cmd) {
			fmt.Fprintf(w, "  %-11s %s\n", c.Name(), c.Short)
		}
	}
	if cmd.Long != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(cmd.Long, "\n"))
	}
	if cmd.Example != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", strings.TrimRight(cmd.Example, "\n"))
	}
	if cmd.DisableFlagParsing {
		writeFlagGroups(w, flagsOf(cmd), "Flags (before 'curl')")
	} else {
		writeFlagGroups(w, cmd, "Flags")
	}
	if !cmd.HasParent() {
		fmt.Fprintf(w, "\nRun '%s help COMMAND' for a command's flags and examples.\n", cmd.Name())
	}
}

// usageForms are the ways to type a command, in full.
func usageForms(cmd *cobra.Command) []string {
	forms := []string{cmd.Use}
	if more := cmd.Annotations[formsAnnotation]; more != "" {
		forms = append(forms, strings.Split(more, "\n")...)
	}
	if cmd.HasParent() {
		parent := cmd.Parent().CommandPath() + " "
		if cmd.DisableFlagParsing {
			parent += "[flags] " // the flags of the command before it
		}
		for i := range forms {
			forms[i] = parent + forms[i]
		}
	}
	return forms
}

// listedCommands are the subcommands a user is shown.
func listedCommands(cmd *cobra.Command) []*cobra.Command {
	var list []*cobra.Command
	for _, c := range cmd.Commands() {
		if !c.Hidden {
			list = append(list, c)
		}
	}
	return list
}

// flagGroup is one heading of a command's flags.
type flagGroup struct {
	title string
	flags []*pflag.Flag
}

// flagGroups sorts a command's flags under their headings, the command's
// own first (titled own), in the order they were defined (see initFlags).
func flagGroups(cmd *cobra.Command, own string) []flagGroup {
	groups := []flagGroup{{title: own}, {title: groupConnection}, {title: groupProtocol}, {title: groupRecording}}
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		i := 0
		if g := f.Annotations[groupAnnotation]; len(g) == 1 {
			for j := range groups {
				if groups[j].title == g[0] {
					i = j
				}
			}
		}
		groups[i].flags = append(groups[i].flags, f)
	})
	var out []flagGroup
	for _, g := range groups {
		if len(g.flags) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func writeFlagGroups(w io.Writer, cmd *cobra.Command, own string) {
	for _, g := range flagGroups(cmd, own) {
		fmt.Fprintf(w, "\n%s:\n", g.title)
		for _, f := range g.flags {
			fmt.Fprintf(w, "  %-28s %s\n", flagSynopsis(f), flagUsage(f))
		}
	}
}

// flagSynopsis is how a flag is typed, GNU-style: "-H, --header 'Name: value'".
func flagSynopsis(f *pflag.Flag) string {
	name := "--" + f.Name
	if f.Shorthand != "" {
		name = "-" + f.Shorthand + ", " + name
	}
	if arg, _ := splitUsage(f); arg != "" {
		name += " " + arg
	}
	return name
}

// flagUsage says what a flag does, and its default when it has one worth
// saying.
func flagUsage(f *pflag.Flag) string {
	_, usage := splitUsage(f)
	if d := flagDefault(f); d != "" {
		usage += " (default " + d + ")"
	}
	return usage
}

func flagDefault(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "false", "0", "0s", "[]":
		return ""
	}
	return f.DefValue
}

// splitUsage takes the name of a flag's value from its usage, where it is
// `quoted`, and returns it and the usage without the quotes. A flag that
// takes a value but names none is shown taking VALUE.
func splitUsage(f *pflag.Flag) (arg, usage string) {
	usage = f.Usage
	if before, rest, ok := strings.Cut(usage, "`"); ok {
		if name, after, ok := strings.Cut(rest, "`"); ok {
			return name, before + name + after
		}
	}
	if f.NoOptDefVal != "" {
		return "", usage // a bool
	}
	return "VALUE", usage
}

// writeFlagsDoc writes docs/flags.md: every command, its usage forms and
// its flags by group, as the help shows them.
func writeFlagsDoc(w io.Writer, root *cobra.Command) {
	fmt.Fprintf(w, "# Command-line flags\n\n")
	fmt.Fprintf(w, "Generated from the command definitions in internal/cli by `go generate ./internal/cli`; do not edit.\n")
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		writeCommandDoc(w, cmd)
		for _, c := range listedCommands(cmd) {
			walk(c)
		}
	}
	walk(root)
}

func writeCommandDoc(w io.Writer, cmd *cobra.Command) {
	fmt.Fprintf(w, "\n## %s\n\n%s\n\n```\n%s\n```\n", cmd.CommandPath(), cmd.Short, strings.Join(usageForms(cmd), "\n"))
	if cmd.DisableFlagParsing {
		fmt.Fprintf(w, "\nTakes no flags of its own: the flags of `%s` go before `%s`.\n", flagsOf(cmd).CommandPath(), cmd.Name())
		return
	}
	for _, g := range flagGroups(cmd, "Flags") {
		fmt.Fprintf(w, "\n### %s\n\n| Flag | Default | Meaning |\n|---|---|---|\n", g.title)
		for _, f := range g.flags {
			d := flagDefault(f)
			if d != "" {
				d = "`" + d + "`"
			}
			_, usage := splitUsage(f)
			fmt.Fprintf(w, "| `%s` | %s | %s |\n", flagSynopsis(f), d, strings.ReplaceAll(usage, "|", `\|`))
		}
	}
}
