package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// savedFiles lists the files in dir.
func savedFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, filepath.Join(dir, e.Name()))
	}
	return names
}

func TestFailedCopyOffersToSaveToAFile(t *testing.T) {
	dir := t.TempDir()
	m, _ := newTestModel(t, 120, 30, Options{Copier: &recordingCopier{err: errCopy}, SaveDir: dir})
	feed(m, sampleSession()...)
	m.sel = 3
	press(m, "y")
	want := "could not copy payload as pretty JSON; press s to save it to a file (no clipboard helper found)"
	if m.notice.text != want || !m.notice.isErr {
		t.Fatalf("notice %q, want %q", m.notice.text, want)
	}
	if !strings.Contains(plainScreen(m), want) {
		t.Fatalf("offer not on screen:\n%s", plainScreen(m))
	}

	press(m, "s")
	files := savedFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("s saved %d files, want 1", len(files))
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "{\n  \"id\": 7,\n  \"ok\": true\n}" {
		t.Errorf("saved %q", data)
	}
	if info, _ := os.Stat(files[0]); info.Mode().Perm() != 0o600 {
		t.Errorf("saved file mode %v, want 0600", info.Mode().Perm())
	}
	if want := "saved payload as pretty JSON (27 B) to " + files[0]; m.notice.text != want || m.notice.isErr {
		t.Errorf("after s: %q, want %q", m.notice.text, want)
	}

	// The offer is taken once.
	press(m, "s")
	if n := len(savedFiles(t, dir)); n != 1 {
		t.Errorf("a second s saved again: %d files", n)
	}
}

func TestOfferToSaveIsDroppedByOtherKeysAndExpiry(t *testing.T) {
	dir := t.TempDir()
	m, _ := newTestModel(t, 120, 30, Options{Copier: &recordingCopier{err: errCopy}, SaveDir: dir})
	feed(m, sampleSession()...)

	press(m, "y", "k", "s")
	if n := len(savedFiles(t, dir)); n != 0 {
		t.Errorf("s after another key saved %d files", n)
	}

	press(m, "y")
	m.Update(noticeExpiredMsg{seq: m.notice.seq})
	press(m, "s")
	if n := len(savedFiles(t, dir)); n != 0 {
		t.Errorf("s after the offer expired saved %d files", n)
	}

	// A copy that fails while the composer has the keyboard: s is typed.
	press(m, "i")
	m.Update(copiedMsg{what: "payload", size: 1, text: "x", err: errCopy})
	press(m, "s")
	if n := len(savedFiles(t, dir)); n != 0 || m.comp.Value() != "s" {
		t.Errorf("s in the composer saved %d files, composer holds %q", n, m.comp.Value())
	}
}

func TestSaveFailureIsShown(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m, _ := newTestModel(t, 120, 30, Options{Copier: &recordingCopier{err: errCopy}, SaveDir: filepath.Join(blocker, "dir")})
	feed(m, textIn(time.Second, "hello"))
	press(m, "y", "s")
	if !m.notice.isErr || !strings.HasPrefix(m.notice.text, "could not save payload: ") {
		t.Errorf("notice after a failed save: %+v", m.notice)
	}
}
