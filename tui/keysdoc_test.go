package tui

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
)

// keysDocPath is the key reference, generated from the key maps.
const keysDocPath = "../docs/keys.md"

// keysDocSection is the keys of one state of the interface.
type keysDocSection struct {
	title, when string
	keyMap      any // the struct the bindings are fields of
	full        [][]key.Binding
}

func keysDocSections(km keyMap) []keysDocSection {
	return []keysDocSection{
		{"Everywhere", "Quit and help work wherever no text is being typed; ctrl+c works everywhere.", km.Global, km.Global.FullHelp()},
		{"Frame log", "While the log has focus. Secrets are hidden in what y copies, as on the screen, unless wsdbg runs with --no-redact.", km.Log, km.Log.FullHelp()},
		{"Replay", "In the log and the inspector, while a recording is replayed. Until it plays in time, only the play key works: it starts playing from the selected row.", km.Replay, km.Replay.FullHelp()},
		{"Proxy", "In the log and the inspector of wsdbg proxy, whose composer takes fault commands (/close client 4001 bye, /drop server, /pause, /delay 500ms, /swallow 2) for the connection shown.", km.Proxy, km.Proxy.FullHelp()},
		{"Connections list", "While wsdbg proxy's list of connections is shown (C).", km.Connections, km.Connections.FullHelp()},
		{"Inspector", "While the inspector has focus; the log's copy, jump and compose keys work here too.", km.Inspector, km.Inspector.FullHelp()},
		{"Composer", "While a message is typed. Editing keys (cursor movement, deletion, paste) are the text area's own; tab and shift+tab move to the next and previous pane.", km.Composer, km.Composer.FullHelp()},
		{"History search and snippet picker", "While searching the lines sent before (ctrl+r) or picking a snippet (ctrl+o); what is typed goes to the query.", km.Composer.Picker, km.Composer.Picker.FullHelp()},
		{"Filter bar", "While the filter is typed. Plain text matches payloads, case-insensitively unless it has capitals; re: starts a regular expression.", km.Filter, km.Filter.FullHelp()},
		{"Help", "While the help is shown.", km.Help, km.Help.FullHelp()},
	}
}

// keysDoc writes the key reference as Markdown.
func keysDoc(km keyMap) string {
	var b strings.Builder
	b.WriteString("# Keys\n\n")
	b.WriteString("Every key of the debugger, by what has the keyboard. `?` shows the same in the program.\n\n")
	b.WriteString("<!-- Generated from the key maps in tui/ by: go test ./tui -run TestKeysDoc -update -->\n")
	for _, s := range keysDocSections(km) {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n| Keys | Action |\n| --- | --- |\n", s.title, s.when)
		for _, column := range s.full {
			for _, k := range column {
				keys := make([]string, len(k.Keys()))
				for i, name := range k.Keys() {
					keys[i] = "`" + strings.ReplaceAll(name, "|", `\|`) + "`"
				}
				fmt.Fprintf(&b, "| %s | %s |\n", strings.Join(keys, ", "), strings.ReplaceAll(k.Help().Desc, "|", `\|`))
			}
		}
	}
	return b.String()
}

// docs/keys.md is what the key maps say; -update writes it.
func TestKeysDoc(t *testing.T) {
	want := keysDoc(defaultKeyMap())
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(keysDocPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(keysDocPath)
	if err != nil {
		t.Fatalf("%v; write it with: go test ./tui -run TestKeysDoc -update", err)
	}
	if string(got) != want {
		t.Errorf("%s differs from the key maps; regenerate it with: go test ./tui -run TestKeysDoc -update", keysDocPath)
	}
}

// Every binding of every key map is in its FullHelp, and so in the help
// overlay and in docs/keys.md.
func TestKeysDocCoversEveryBinding(t *testing.T) {
	bindingType := reflect.TypeFor[key.Binding]()
	for _, s := range keysDocSections(defaultKeyMap()) {
		var listed []string
		for _, column := range s.full {
			for _, b := range column {
				listed = append(listed, strings.Join(b.Keys(), " "))
			}
		}
		v := reflect.ValueOf(s.keyMap)
		for i := range v.NumField() {
			if v.Field(i).Type() != bindingType {
				continue
			}
			b := v.Field(i).Interface().(key.Binding)
			if !slices.Contains(listed, strings.Join(b.Keys(), " ")) {
				t.Errorf("%s: %s (%s) is not listed", s.title, v.Type().Field(i).Name, strings.Join(b.Keys(), ", "))
			}
		}
	}
}
