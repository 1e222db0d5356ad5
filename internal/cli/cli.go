// Package cli is wsdbg's command layer: the commands, their flags, help and
// shell completion, on cobra. Each command lives in its own file; live.go
// holds the connection, recording, sending and signal wiring that tail, the
// debugger and replay --to share.
package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wsdbg/wsdbg/decode"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks errors that are the user's input, which exit with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// exitStatus is an error that ends the program with a status and no
// message, the message (if any) having been written already.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// app is what every command needs of the program that runs it.
type app struct {
	version string
	args    []string // the command line, as given
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
}

// Main runs wsdbg with args (without the program's name) and returns the
// exit status. version is what --version prints.
func Main(version string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "-version" {
		args = append([]string{"--version"}, args[1:]...)
	}
	a := &app{version: version, args: args, stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(a)
	root.SetArgs(append([]string{}, args...))
	_, err := root.ExecuteC()
	if isFlagParseError(err) {
		// A flag before a subcommand's name failed to parse on the way
		// down, before cobra could say whose it was.
		err = flagError(flagOwner(root, args), err)
	}
	return report(err, stderr)
}

func report(err error, stderr io.Writer) int {
	var ue usageError
	var status exitStatus
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &status):
		return int(status)
	case errors.Is(err, pflag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "wsdbg:", decode.Sanitize(ue.msg))
		return exitUsage
	default:
		fmt.Fprintln(stderr, "wsdbg:", decode.Sanitize(err.Error()))
		return exitFailure
	}
}

// isFlagParseError reports whether err is pflag's, not yet turned into a
// usage error.
func isFlagParseError(err error) bool {
	var notExist *pflag.NotExistError
	var needsValue *pflag.ValueRequiredError
	var invalid *pflag.InvalidValueError
	var syntax *pflag.InvalidSyntaxError
	return errors.As(err, &notExist) || errors.As(err, &needsValue) || errors.As(err, &invalid) || errors.As(err, &syntax)
}

// flagError words a flag that could not be parsed as wsdbg always has,
// naming the command and pointing at its help.
func flagError(cmd *cobra.Command, err error) error {
	var notExist *pflag.NotExistError
	var needsValue *pflag.ValueRequiredError
	var invalid *pflag.InvalidValueError
	msg := err.Error()
	switch {
	case errors.As(err, &notExist):
		msg = "flag provided but not defined: -" + notExist.GetSpecifiedName()
	case errors.As(err, &needsValue):
		msg = "flag needs an argument: -" + needsValue.GetSpecifiedName()
	case errors.As(err, &invalid):
		msg = fmt.Sprintf("invalid value %q for flag -%s: %v", invalid.GetValue(), invalid.GetFlag().Name, errors.Unwrap(err))
	}
	return usagef("%s%s (see %s --help)", commandPrefix(cmd), msg, commandLine(cmd))
}

// flagOwner is the command whose flags args gave before a subcommand's
// name: the parent of a curl command, which parses none of its own.
func flagOwner(root *cobra.Command, args []string) *cobra.Command {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		return root
	}
	return flagsOf(cmd)
}

// flagsOf is the command whose flags apply to cmd: cmd itself, or for a
// pasted curl command, the command it follows.
func flagsOf(cmd *cobra.Command) *cobra.Command {
	if cmd.DisableFlagParsing && cmd.HasParent() {
		return cmd.Parent()
	}
	return cmd
}

// commandPrefix starts a usage message with the command it is about,
// "tail: ", or with nothing for the debugger itself, which report already
// names.
func commandPrefix(cmd *cobra.Command) string {
	cmd = flagsOf(cmd)
	if !cmd.HasParent() {
		return ""
	}
	return cmd.Name() + ": "
}

// commandLine is how the user types the command: "wsdbg tail", or "wsdbg".
func commandLine(cmd *cobra.Command) string {
	return flagsOf(cmd).CommandPath()
}

// rejectFlags refuses the flags among names that were given although the
// mode makes no use of them.
func rejectFlags(cmd *cobra.Command, mode string, names ...string) error {
	var given []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		for _, n := range names {
			if f.Name == n {
				given = append(given, "--"+f.Name)
			}
		}
	})
	if len(given) > 0 {
		return usagef("%s%s not used with %s (see %s --help)", commandPrefix(cmd), strings.Join(given, ", "), mode, commandLine(cmd))
	}
	return nil
}
