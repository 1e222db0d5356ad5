package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

var update = flag.Bool("update", false, "rewrite docs/flags.md from the command definitions")

var flagsDocPath = filepath.Join("..", "..", "docs", "flags.md")

func flagsDoc() string {
	var b bytes.Buffer
	writeFlagsDoc(&b, newRootCmd(&app{}))
	return b.String()
}

// docs/flags.md is what the command definitions say; run go generate
// ./internal/cli after changing a command or a flag.
func TestFlagsDoc(t *testing.T) {
	want := flagsDoc()
	if *update {
		if err := os.WriteFile(flagsDocPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(flagsDocPath)
	if err != nil {
		t.Fatalf("%v; run go generate ./internal/cli", err)
	}
	if string(got) != want {
		t.Errorf("docs/flags.md differs from the command definitions; run go generate ./internal/cli")
	}
}

// eachCommand calls f on every command a user can type.
func eachCommand(cmd *cobra.Command, f func(*cobra.Command)) {
	f(cmd)
	for _, c := range listedCommands(cmd) {
		eachCommand(c, f)
	}
}

// Every command has its section in docs/flags.md, and every one of its
// flags is in that section with its default.
func TestFlagsDocCoversEveryCommandAndFlag(t *testing.T) {
	doc := flagsDoc()
	commands := 0
	eachCommand(newRootCmd(&app{}), func(cmd *cobra.Command) {
		commands++
		heading := "\n## " + cmd.CommandPath() + "\n"
		start := strings.Index(doc, heading)
		if start < 0 {
			t.Errorf("no section for %s", cmd.CommandPath())
			return
		}
		section := doc[start+len(heading):]
		if end := strings.Index(section, "\n## "); end >= 0 {
			section = section[:end]
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" || f.Hidden {
				return
			}
			if !strings.Contains(section, "`--"+f.Name) && !strings.Contains(section, ", --"+f.Name) {
				t.Errorf("%s: --%s is not in its section", cmd.CommandPath(), f.Name)
			}
			if d := flagDefault(f); d != "" && !strings.Contains(section, "`"+d+"`") {
				t.Errorf("%s: the default of --%s, %s, is not in its section", cmd.CommandPath(), f.Name, d)
			}
		})
	})
	// wsdbg, curl, tail, tail curl, demo, explain, sessions, replay,
	// export, completion and its four shells, help.
	if commands < 15 {
		t.Errorf("only %d commands documented", commands)
	}
}
