package help

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/themes"
)

// A disabled key vanishes from the overlay and the status line, and a
// section left without keys is left out with its title.
func TestDisabledKeysVanish(t *testing.T) {
	th := themes.Choice{}.Theme(true)
	m := New(&th)
	m.SetSize(80, 20)
	on := key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "shown"))
	off := key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "hidden"), key.WithDisabled())
	lines := m.Render([]Section{
		{Title: "KEPT", Keys: [][]key.Binding{{on, off}}},
		{Title: "GONE", Keys: [][]key.Binding{{off}}},
		{Title: "ITEMS", Items: []Item{{Name: "/cmd", Desc: "does"}}},
	}, "the end")
	text := ansi.Strip(strings.Join(lines, "\n"))
	for _, want := range []string{"KEPT", "a shown", "ITEMS", "/cmd", "does", "the end"} {
		if !strings.Contains(text, want) {
			t.Errorf("overlay lacks %q:\n%s", want, text)
		}
	}
	for _, unwanted := range []string{"GONE", "hidden"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("overlay shows %q:\n%s", unwanted, text)
		}
	}
	if short := ansi.Strip(m.ShortView([]key.Binding{on, off})); short != "a shown" {
		t.Errorf("status line %q", short)
	}
}
