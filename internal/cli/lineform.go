package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// lineForm is how tail reads the messages it sends from stdin's lines.
type lineForm uint8

const (
	formText   lineForm = iota // each line is a text message as it is
	formHex                    // hex digits, spaces allowed between bytes
	formBase64                 // standard base64, padding optional
)

// lineForms are the forms --send takes, in lineForm order.
var lineForms = []string{"text", "hex", "base64"}

func (f lineForm) String() string { return lineForms[f] }

// Set and Type make lineForm a flag value.
func (f *lineForm) Set(s string) error {
	for i, name := range lineForms {
		if s == name {
			*f = lineForm(i)
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(lineForms, ", "))
}

func (f *lineForm) Type() string { return "form" }

// decode turns one line into the message it stands for.
func (f lineForm) decode(line []byte) ([]byte, error) {
	switch f {
	case formHex:
		digits := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == ':' {
				return -1
			}
			return r
		}, line)
		return hex.AppendDecode(nil, digits)
	case formBase64:
		trimmed := bytes.TrimRight(bytes.TrimSpace(line), "=")
		return base64.RawStdEncoding.AppendDecode(nil, trimmed)
	}
	return append([]byte(nil), line...), nil
}
