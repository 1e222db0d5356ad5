package tui

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// The golden files under testdata/ are the screen as a 16-colour terminal
// receives it. Regenerate them with: go test ./tui -run TestGolden -update
func TestGolden(t *testing.T) {
	scenes := []struct {
		name string
		keys []string
	}{
		{"log", nil},
		{"inspect-envelope", []string{"k", "k", "enter"}},
		{"filter", []string{"/", "t", "i", "c", "k"}},
		{"help", []string{"?"}},
		{"composer", []string{"i", "e", "r", "r", "o", "r", " ", "4", "0", "0", "1"}},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}, {60, 15}} {
		for _, sc := range scenes {
			t.Run(fmt.Sprintf("%s-%dx%d", sc.name, size[0], size[1]), func(t *testing.T) {
				m, _ := newTestModel(t, size[0], size[1], Options{Recording: "session.jsonl"})
				feed(m, sampleSession()...)
				press(m, sc.keys...)
				golden.RequireEqual(t, screen(m))
			})
		}
	}
}

func TestGoldenMono(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{NoColor: true})
	feed(m, sampleSession()...)
	press(m, "k", "k")
	golden.RequireEqual(t, screen(m))
}
