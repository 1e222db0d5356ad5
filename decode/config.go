package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Dialects holds user-supplied close-code tables and envelope shapes. The
// zero value and nil both mean "built-ins only".
type Dialects struct {
	list []*dialect
}

// builtinDialectNames lists the names of the dialects wsdbg knows, the values
// a config file's "extends" may take.
func builtinDialectNames() []string {
	names := make([]string, len(builtinDialects))
	for i, d := range builtinDialects {
		names[i] = d.name
	}
	return names
}

// The config file, as JSON. Field names are the documented ones.
type dialectsFile struct {
	Dialects []dialectConfig `json:"dialects"`
}

type dialectConfig struct {
	Name         string                `json:"name"`
	Extends      string                `json:"extends"`
	Subprotocols []string              `json:"subprotocols"`
	Hosts        []string              `json:"hosts"`
	CloseCodes   map[string]codeConfig `json:"close_codes"`
	ErrorCodes   map[string]codeConfig `json:"error_codes"`
	Envelopes    []envelopeConfig      `json:"envelopes"`
}

type codeConfig struct {
	Name      string `json:"name"`
	Meaning   string `json:"meaning"`
	Hint      string `json:"hint"`
	Category  string `json:"category"`
	Reconnect bool   `json:"reconnect"`
}

type envelopeConfig struct {
	When    map[string]json.RawMessage `json:"when"`
	Code    string                     `json:"code"`
	Message string                     `json:"message"`
}

// ParseDialects parses the user's config file (JSON). Unknown fields are
// errors, so that a typo does not silently drop a table. Entries for a
// built-in dialect's name extend that dialect, and user entries win.
func ParseDialects(data []byte) (*Dialects, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var file dialectsFile
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("dialects: %s", DescribeJSONError(err))
	}
	if dec.More() {
		return nil, errors.New("dialects: unexpected data after the JSON object")
	}
	out := &Dialects{}
	seen := map[string]*dialect{}
	for i, cfg := range file.Dialects {
		d, err := buildDialect(cfg, seen)
		if err != nil {
			return nil, fmt.Errorf("dialects[%d]: %w", i, err)
		}
		seen[d.name] = d
		out.list = append(out.list, d)
	}
	return out, nil
}

func buildDialect(cfg dialectConfig, seen map[string]*dialect) (*dialect, error) {
	// Names are shown in explanations, so they are kept sanitised.
	name := Sanitize(strings.TrimSpace(cfg.Name))
	if name == "" {
		return nil, errors.New(`"name" is required`)
	}
	if _, dup := seen[name]; dup {
		return nil, fmt.Errorf("dialect %s is defined twice", quote(name))
	}
	d := &dialect{
		name:         name,
		title:        name,
		subprotocols: cfg.Subprotocols,
		closeCodes:   map[int]codeEntry{},
		errorCodes:   map[string]codeEntry{},
	}
	extends := Sanitize(cfg.Extends)
	if extends == "" && builtinDialect(name) != nil {
		extends = name
	}
	if extends != "" {
		base := seen[extends]
		if base == nil {
			base = builtinDialect(extends)
		}
		if base == nil {
			return nil, fmt.Errorf("\"extends\": no dialect named %s (built-ins: %s)",
				quote(extends), strings.Join(builtinDialectNames(), ", "))
		}
		d.base = base
		d.about = base.about
		d.related, d.relatedNote = base.related, base.relatedNote
		if len(cfg.Subprotocols) == 0 && len(cfg.Hosts) == 0 && extends == name {
			// Naming a built-in without match rules adds to it, where it
			// already applies.
			d.subprotocols, d.hosts = base.subprotocols, base.hosts
		}
	}
	if d.about == "" {
		d.about = d.title + " gives no meaning for this code."
	}
	for _, h := range cfg.Hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, err := path.Match(h, ""); err != nil || h == "" {
			return nil, fmt.Errorf("bad host pattern %s", quote(h))
		}
		d.hosts = append(d.hosts, h)
	}
	if err := d.addCodes(cfg); err != nil {
		return nil, err
	}
	for i, e := range cfg.Envelopes {
		shape, err := e.shape()
		if err != nil {
			return nil, fmt.Errorf("envelopes[%d]: %w", i, err)
		}
		shape.format = d.name
		d.envelopes = append(d.envelopes, shape)
	}
	return d, nil
}

// addCodes adds the configured close and error codes to d.
func (d *dialect) addCodes(cfg dialectConfig) error {
	for key, c := range cfg.CloseCodes {
		code, err := strconv.Atoi(key)
		if err != nil || code < 1000 || code > 4999 {
			return fmt.Errorf("close_codes: %s is not a close code from 1000 to 4999", quote(key))
		}
		if code >= 3000 && c.Name == "" {
			return fmt.Errorf("close_codes[%d]: \"name\" is required", code)
		}
		entry, err := c.entry()
		if err != nil {
			return fmt.Errorf("close_codes[%d]: %w", code, err)
		}
		d.closeCodes[code] = entry
	}
	for key, c := range cfg.ErrorCodes {
		if strings.TrimSpace(key) == "" {
			return errors.New("error_codes: empty code")
		}
		entry, err := c.entry()
		if err != nil {
			return fmt.Errorf("error_codes[%s]: %w", quote(key), err)
		}
		d.errorCodes[key] = entry
	}
	return nil
}

func (c codeConfig) entry() (codeEntry, error) {
	if strings.TrimSpace(c.Meaning) == "" {
		return codeEntry{}, errors.New(`"meaning" is required`)
	}
	return codeEntry{
		Name:      Sanitize(c.Name),
		Meaning:   Sanitize(c.Meaning),
		Hint:      Sanitize(c.Hint),
		Category:  Sanitize(c.Category),
		Reconnect: c.Reconnect,
	}, nil
}

// envelopeShape is a user-described error message: conditions on fields,
// and where the code and the message are.
type envelopeShape struct {
	format  string // the dialect's name, reported as Envelope.Format
	when    []condition
	code    []string // path, nil when the shape has no code
	message []string
	needle  []byte // bytes every match contains, for the pre-check; nil for none
}

type condition struct {
	path  []string
	value any // string, float64, bool or nil, as encoding/json decodes scalars
}

func (e envelopeConfig) shape() (envelopeShape, error) {
	if e.Code == "" && e.Message == "" {
		return envelopeShape{}, errors.New(`"code" or "message" is required`)
	}
	var s envelopeShape
	var err error
	if s.code, err = splitPath(e.Code); err != nil {
		return s, fmt.Errorf("code: %w", err)
	}
	if s.message, err = splitPath(e.Message); err != nil {
		return s, fmt.Errorf("message: %w", err)
	}
	for p, raw := range e.When {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return s, fmt.Errorf("when[%s]: %s", quote(p), DescribeJSONError(err))
		}
		switch v.(type) {
		case string, float64, bool, nil:
		default:
			return s, fmt.Errorf("when[%s]: only strings, numbers, booleans and null can be matched", quote(p))
		}
		segs, err := splitPath(p)
		if err != nil || segs == nil {
			return s, fmt.Errorf("when: bad path %s", quote(p))
		}
		s.when = append(s.when, condition{path: segs, value: v})
	}
	// A match needs the code (or, for a shape without one, the message),
	// so that key is in every matching message. Keys JSON may spell with
	// escapes get no needle: the shape is then tried on every message.
	primary := s.code
	if primary == nil {
		primary = s.message
	}
	if last := primary[len(primary)-1]; !isIndex(last) && isPlainASCII(last) && !strings.ContainsAny(last, `"\\`) {
		s.needle = []byte(last + `"`)
	}
	return s, nil
}

// splitPath turns "error.details.0.code" into its segments; "" gives nil.
func splitPath(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	segs := strings.Split(p, ".")
	for _, s := range segs {
		if s == "" {
			return nil, fmt.Errorf("bad path %s", quote(p))
		}
	}
	return segs, nil
}

func isIndex(seg string) bool {
	_, err := strconv.Atoi(seg)
	return err == nil
}

// match applies the shape to a parsed message.
func (s envelopeShape) match(o jsonObject) (Envelope, bool) {
	for _, c := range s.when {
		raw, ok := resolvePath(o, c.path)
		if !ok {
			return Envelope{}, false
		}
		var v any
		// The condition's value is always a scalar, so this comparison
		// cannot meet an uncomparable type on both sides.
		if json.Unmarshal(raw, &v) != nil || v != c.value {
			return Envelope{}, false
		}
	}
	env := Envelope{Format: s.format}
	if s.code != nil {
		raw, _ := resolvePath(o, s.code)
		env.Code = jsonObject{"code": raw}.code("code")
		if env.Code == nil {
			return Envelope{}, false
		}
	}
	if s.message != nil {
		if raw, ok := resolvePath(o, s.message); ok {
			env.Message = jsonObject{"message": raw}.message("message")
		}
		if s.code == nil && env.Message == "" {
			return Envelope{}, false
		}
	}
	return env, true
}

// resolvePath follows object keys and array indexes down from o.
func resolvePath(o jsonObject, path []string) (json.RawMessage, bool) {
	raw, ok := o[path[0]]
	for _, seg := range path[1:] {
		if !ok || len(raw) == 0 {
			return nil, false
		}
		switch raw[0] {
		case '{':
			var sub jsonObject
			if json.Unmarshal(raw, &sub) != nil {
				return nil, false
			}
			raw, ok = sub[seg]
		case '[':
			i, err := strconv.Atoi(seg)
			var list []json.RawMessage
			if err != nil || json.Unmarshal(raw, &list) != nil || i < 0 || i >= len(list) {
				return nil, false
			}
			raw = list[i]
		default:
			return nil, false
		}
	}
	return raw, ok && len(raw) > 0
}
