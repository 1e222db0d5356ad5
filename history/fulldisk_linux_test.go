package history

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/internal/smallfs"
)

const fullDiskChildEnv = "WSDBG_TEST_RECORD_TO_FULL_DISK"

// TestWriterOnAFullDisk records until the file system (a 1 MiB tmpfs, or
// a file size limit) refuses more: the failure is reported at once, the
// file keeps only whole lines, and the summary says the recording is
// incomplete.
func TestWriterOnAFullDisk(t *testing.T) {
	if path := os.Getenv(fullDiskChildEnv); path != "" {
		recordToFullDisk(path)
		return
	}
	dir, env := smallfs.Full(t, 1<<20)
	path := filepath.Join(dir, "full"+FileSuffix)
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriterOnAFullDisk$")
	cmd.Env = append(env, fullDiskChildEnv+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	report := string(out)
	t.Logf("child:\n%s", report)
	if !strings.Contains(report, "failed before close: true") {
		t.Errorf("the failure was not signalled while recording")
	}
	if !strings.Contains(report, "no space left on device") && !strings.Contains(report, "file too large") {
		t.Errorf("the cause is not named")
	}
	if !strings.Contains(report, "is incomplete: only the first") {
		t.Errorf("the summary does not say the recording is incomplete")
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		t.Errorf("the file ends inside a line: %q", data[max(0, len(data)-40):])
	}
	rec := openT(t, path)
	rec.Wait()
	if p := rec.Problems(); len(p) != 0 {
		t.Errorf("problems: %v", p)
	}
	if rec.Len() < 1000 {
		t.Fatalf("only %d events kept", rec.Len())
	}
	for i := range rec.Len() {
		ev, err := rec.Event(i)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if want := fmt.Sprintf("message %06d", i); string(ev.Payload) != want {
			t.Fatalf("event %d is %q, want %q", i, ev.Payload, want)
		}
	}
	if want := fmt.Sprintf("only the first %d events were saved", rec.Len()); !strings.Contains(report, want) {
		t.Errorf("the summary does not say %q", want)
	}
}

func recordToFullDisk(path string) {
	if err := smallfs.ApplyLimit(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	r, err := Create(path, Header{URL: "wss://h/"}, WriterOptions{})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	appendErr := error(nil)
	for i := 0; i < 100000 && appendErr == nil; i++ {
		appendErr = r.Append(conn.Event{Type: conn.EventMessage, Time: time.Now(), Dir: conn.In, Opcode: conn.OpText,
			Payload: fmt.Appendf(nil, "message %06d", i)})
	}
	select {
	case <-r.Failed():
		fmt.Println("failed before close: true")
	case <-time.After(5 * time.Second):
		fmt.Println("failed before close: false")
	}
	fmt.Println("append:", appendErr)
	fmt.Println("err:", r.Err())
	fmt.Println("close:", r.Close())
	fmt.Println("summary:", r.Summary())
	os.Exit(0)
}
