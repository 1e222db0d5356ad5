package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main("test", args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// Flag errors name the command whose flag it is, also when the flags come
// before a pasted curl command, and cobra adds nothing to the message.
func TestFlagErrorsNameTheirCommandOnce(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus", "curl", "ws://x"}, "wsdbg: flag provided but not defined: -bogus (see wsdbg --help)\n"},
		{[]string{"tail", "--bogus", "curl", "ws://x"}, "wsdbg: tail: flag provided but not defined: -bogus (see wsdbg tail --help)\n"},
		{[]string{"export", "x", "-o"}, "wsdbg: export: flag needs an argument: -o (see wsdbg export --help)\n"},
		{[]string{"tail", "--ping", "soon", "ws://x"}, "wsdbg: tail: invalid value \"soon\" for flag -ping: time: invalid duration \"soon\" (see wsdbg tail --help)\n"},
		{[]string{"--no-record", "tail", "ws://x"}, "wsdbg: tail: --no-record before \"tail\": a command's flags go after its name (see wsdbg tail --help)\n"},
		{[]string{"help", "frobnicate"}, "wsdbg: unknown command \"frobnicate\" (see wsdbg help)\n"},
	} {
		code, out, stderr := runMain(t, tc.args...)
		if code != exitUsage || out != "" || stderr != tc.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, out, stderr, tc.want)
		}
	}
}

// A --help anywhere before the command's arguments is that command's help.
func TestHelpBeforeTheCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--help", "tail"}, "Usage: wsdbg tail [flags] URL\n"},
		{[]string{"tail", "--help", "curl", "ws://x"}, "Usage: wsdbg tail [flags] URL\n"},
		{[]string{"tail", "curl", "ws://x", "--help"}, "Usage: wsdbg tail [flags] curl 'URL' [curl options]\n"},
		{[]string{"help", "tail", "curl"}, "Usage: wsdbg tail [flags] curl 'URL' [curl options]\n"},
		{[]string{}, "wsdbg — a terminal WebSocket debugger\n"},
	} {
		code, out, stderr := runMain(t, tc.args...)
		if code != exitOK || stderr != "" || !strings.HasPrefix(out, tc.want) {
			t.Errorf("%q: exit %d, stderr %q\n%s", tc.args, code, stderr, out)
		}
	}
}

// Shell completion offers the values a flag takes and the commands.
func TestCompletion(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "demo", "--theme", ""}, []string{"dark", "light", "mono"}},
		{[]string{"__complete", "export", "x.jsonl", "--format", ""}, []string{"har", "md", "ndjson"}},
		{[]string{"__complete", "explain", "--category", ""}, []string{"private", "standard"}},
		{[]string{"__complete", "ta"}, []string{"tail"}},
		{[]string{"__complete", "tail", "--no-"}, []string{"--no-record", "--no-redact"}},
	} {
		code, out, stderr := runMain(t, tc.args...)
		for _, w := range tc.want {
			if code != exitOK || !strings.Contains(out, w+"\n") && !strings.Contains(out, w+"\t") {
				t.Errorf("%q: exit %d, stderr %q, no %q in\n%s", tc.args, code, stderr, w, out)
			}
		}
	}
}

// The completion scripts are valid shell.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, out, stderr := runMain(t, "completion", shell)
		if code != exitOK || !strings.Contains(out, "wsdbg") {
			t.Fatalf("completion %s: exit %d, stderr %q", shell, code, stderr)
		}
		path, err := exec.LookPath(shell)
		if err != nil {
			if os.Getenv("CI") != "" && shell == "bash" {
				t.Fatalf("no bash: %v", err)
			}
			t.Logf("%s is not installed; its script is not checked", shell)
			continue
		}
		script := filepath.Join(t.TempDir(), "wsdbg."+shell)
		if err := os.WriteFile(script, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command(path, "-n", script).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", shell, err, msg)
		}
	}
}

// Every command's help lists each of its flags once, under its group.
func TestHelpListsEveryFlag(t *testing.T) {
	eachCommand(newRootCmd(&app{}), func(cmd *cobra.Command) {
		var b bytes.Buffer
		writeHelp(&b, cmd)
		help := b.String()
		flagsOf(cmd).Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" {
				return
			}
			if n := strings.Count(help, "--"+f.Name+" ") + strings.Count(help, "--"+f.Name+"\n"); n < 1 {
				t.Errorf("%s: --%s not in its help\n%s", cmd.CommandPath(), f.Name, help)
			}
		})
	})
}

// --protocol takes the names wsdbg decodes, or none.
func TestProtocolFlagNamesKnownProtocols(t *testing.T) {
	code, out, stderr := runMain(t, "tail", "--protocol", "socketio", "ws://x")
	want := "wsdbg: --protocol socketio is not one wsdbg knows: use one of socket.io, engine.io, graphql-transport-ws, " +
		"graphql-ws, mqtt, stomp, phoenix, actioncable, or none\n"
	if code != exitUsage || out != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, out, stderr, want)
	}
	for _, name := range []string{"none", "mqtt"} {
		var cf connFlags
		cf.protocol = name
		cf.timeout, cf.maxMessage = time.Second, 1
		if o, err := cf.options("ws://x"); err != nil || o.Protocol != name {
			t.Errorf("--protocol %s: %v, options.Protocol %q", name, err, o.Protocol)
		}
	}
}
