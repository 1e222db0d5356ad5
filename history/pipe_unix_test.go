//go:build unix

package history

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestOpenReadsAFIFO(t *testing.T) {
	lines := recordingLines(t)
	path := filepath.Join(t.TempDir(), "fifo"+FileSuffix)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		for _, l := range lines {
			w.WriteString(l + "\n")
			time.Sleep(time.Millisecond)
		}
	}()
	rec, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rec.Wait()
	if rec.Len() != len(lines)-1 || len(rec.Problems()) != 0 || rec.Path() != path {
		t.Fatalf("%d events, problems %v, path %q", rec.Len(), rec.Problems(), rec.Path())
	}
	for i := range rec.Len() {
		if _, err := rec.Event(i); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	spool := rec.spool
	if spool == "" {
		t.Fatal("no temporary copy of the pipe")
	}
	rec.Close()
	if _, err := os.Stat(spool); !os.IsNotExist(err) {
		t.Errorf("the temporary copy %s is left behind: %v", spool, err)
	}
}

func TestListSkipsAFIFO(t *testing.T) {
	dir := t.TempDir()
	good := record(t, sampleEvents())
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "good"+FileSuffix), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"+FileSuffix), 0o600); err != nil {
		t.Fatal(err)
	}
	listed := make(chan []SessionInfo, 1)
	go func() {
		list, err := List(dir)
		if err != nil {
			t.Error(err)
		}
		listed <- list
	}()
	select {
	case list := <-listed:
		if len(list) != 1 || filepath.Base(list[0].Path) != "good"+FileSuffix {
			t.Fatalf("listed %+v, want only the regular file", list)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("List hangs on a FIFO")
	}
}

func TestSummariseDoesNotWaitForAFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo"+FileSuffix)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan SessionInfo, 1)
	go func() { done <- summarise(path) }()
	select {
	case info := <-done:
		if info.Problem != "not a regular file" {
			t.Errorf("problem %q", info.Problem)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("summarise hangs on a FIFO")
	}
}
