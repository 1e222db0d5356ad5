package tui

import (
	"strings"
	"testing"
)

func TestFormatting(t *testing.T) {
	if got := cutUTF8([]byte("aé"), 2); string(got) != "a" {
		t.Errorf("cutUTF8 split a character: %q", got)
	}
	if got := sinceStart(61*1e9+5e8, false); got != "  +1:01.500" && strings.TrimSpace(got) != "+1:01.500" {
		t.Errorf("sinceStart = %q", got)
	}
}
