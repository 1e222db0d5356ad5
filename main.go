// Command wsdbg is a terminal WebSocket debugger.
package main

import (
	"io"
	"os"

	"github.com/wsdbg/wsdbg/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is wsdbg with args, as the tests call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return cli.Main(version, args, stdin, stdout, stderr)
}
