package decode

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
)

// DescribeJSONError says in plain words, and safe to print, what is wrong
// with a JSON document encoding/json refused: where the syntax broke, which
// key holds the wrong kind of value, which key is unknown, or that a time
// is malformed.
func DescribeJSONError(err error) string {
	const truncated = "the JSON ends too early"
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return truncated
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		if syntax.Error() == "unexpected end of JSON input" {
			return truncated
		}
		return fmt.Sprintf("not valid JSON at byte %d: %s", syntax.Offset, Sanitize(syntax.Error()))
	}
	var wrongType *json.UnmarshalTypeError
	if errors.As(err, &wrongType) {
		where := "the JSON"
		if wrongType.Field != "" {
			where = quote(wrongType.Field)
		}
		return fmt.Sprintf("%s should be %s, not %s", where, jsonKindOf(wrongType.Type), jsonValueName(wrongType.Value))
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	var badTime *time.ParseError
	if errors.As(err, &badTime) || strings.HasPrefix(msg, "Time.UnmarshalJSON") {
		return `a time is not written as RFC 3339, such as "2026-11-22T02:10:00Z"`
	}
	if key, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return "unknown key " + Sanitize(key)
	}
	return Sanitize(msg)
}

// jsonKindOf names the JSON a Go type is decoded from.
func jsonKindOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "something else"
}

// jsonValueName names what encoding/json found ("string", "number 1.5").
func jsonValueName(v string) string {
	switch v {
	case "string":
		return "a string"
	case "number":
		return "a number"
	case "bool":
		return "true or false"
	case "object":
		return "an object"
	case "array":
		return "a list"
	}
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return Sanitize(n)
	}
	return Sanitize(v)
}
