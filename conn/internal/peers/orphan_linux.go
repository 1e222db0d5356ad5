package peers

import (
	"os/exec"
	"syscall"
)

// stopWithParent makes the kernel stop cmd if the test binary dies without
// running StopAll (a panic, a test timeout): nginx does not watch its
// standard input the way the other servers do.
func stopWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
