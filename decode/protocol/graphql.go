package protocol

import (
	"bytes"

	"github.com/wsdbg/wsdbg/decode"
)

// graphql-transport-ws (the graphql-ws library) and the legacy graphql-ws
// (subscriptions-transport-ws): JSON objects with a type, an operation id
// and a payload.

var graphQLTypes = map[string]map[string]bool{
	GraphQLTransportWS: set("connection_init", "connection_ack", "ping", "pong", "subscribe", "next", "error", "complete"),
	GraphQLWS: set("connection_init", "connection_ack", "connection_error", "ka", "start", "data", "error",
		"complete", "stop", "connection_terminate"),
}

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

func graphQL(name string, p []byte) (Packet, bool) {
	var typ, id string
	var payload []byte
	var typeOK, idSeen bool
	ok := eachMember(p, func(k, v []byte) bool {
		switch {
		case keyIs(k, "type"):
			typ, typeOK = unquote(v)
		case keyIs(k, "id"):
			id, idSeen = idText(v), true
		case keyIs(k, "payload"):
			payload = v
		}
		// Servers write the type and id first: a next's payload, however
		// large, need not be read.
		return !(typeOK && idSeen && !needsPayload(typ))
	})
	if !ok || !typeOK || !graphQLTypes[name][typ] {
		return Packet{}, false
	}
	pk := Packet{Name: name, Type: typ, ID: id, Fields: make([]Field, 1, 3)}
	pk.Fields[0] = Field{"type", typ}
	pk.Asks, pk.Answers = graphQLKeys(name, typ, id)
	sum := typ
	if id != "" {
		sum += " #" + clip(id)
		pk.Fields = append(pk.Fields, Field{"id", clip(id)})
	}
	switch typ {
	case "subscribe", "start":
		op := operation(payload)
		sum += " " + op
		pk.Fields = append(pk.Fields, Field{"operation", op})
	case "error", "connection_error":
		if msg := firstErrorMessage(payload); msg != "" {
			sum += ": " + clip(msg)
		}
	}
	pk.Summary = sum
	pk.Error = graphQLError(name, typ, id, p)
	return pk, true
}

// graphQLError is the failure an error, a connection_error, or a result
// with errors reports. The message's error envelope is read by decode,
// as in any message, so that the two never disagree; what a code-less
// error means comes from the protocol.
func graphQLError(name, typ, id string, p []byte) *Error {
	var title, meaning, hint string
	// The operation's name is made only for a failure: most messages are
	// results without errors, and decoding them must not allocate it.
	operation := func() string {
		if id == "" {
			return "operation"
		}
		return "operation #" + clip(id)
	}
	switch {
	case typ == "error" && name == GraphQLTransportWS:
		title = "Operation failed"
		meaning = "The server answered the subscribe of " + operation() + " with GraphQL errors instead of results. graphql-transport-ws sends error before execution starts, usually because the operation fails validation, or when execution fails; either way it ends the operation, and no complete follows."
		hint = "Read the errors' messages, fix the operation or its variables, and subscribe again."
	case typ == "error":
		title = "Operation refused"
		meaning = "The server refused to start " + operation() + ". The legacy graphql-ws protocol sends error for an operation that fails before execution, usually GraphQL validation; errors while resolving come in data instead."
		hint = "Read the errors' messages, fix the operation or its variables, and start it again."
	case (typ == "next" || typ == "data") && bytes.Contains(p, []byte(`"errors"`)):
		title = "Errors in the result"
		meaning = "The result of " + operation() + " carries GraphQL errors: fields failed while resolving, so the data may be partial. The operation goes on."
		hint = "Read each error's message and path; the failing resolver is on the server."
	case typ == "connection_error":
	default:
		return nil
	}
	env, ok := decode.DetectEnvelope(p, decode.EnvelopeContext{})
	if !ok {
		return nil
	}
	e := envelopeError(env)
	if e.Name == "" && e.Explanation == "" {
		e.Name, e.Explanation, e.Hint = title, meaning, hint
	}
	return e
}

// graphQLKeys links an operation with its first result, the connection's
// init with its ack (or refusal), and graphql-transport-ws's ping with its
// pong.
func graphQLKeys(name, typ, id string) (asks, answers string) {
	switch typ {
	case "subscribe", "start":
		if id != "" {
			return key(name, "operation", id), ""
		}
	case "next", "data", "error", "complete":
		if id != "" {
			return "", key(name, "operation", id)
		}
	case "connection_init":
		return key(name, "connection"), ""
	case "connection_ack", "connection_error":
		return "", key(name, "connection")
	case "ping":
		return key(name, "pong"), ""
	case "pong":
		return "", key(name, "pong")
	}
	return "", ""
}

func needsPayload(typ string) bool {
	switch typ {
	case "subscribe", "start", "error", "connection_error":
		return true
	}
	return false
}

// operation names a subscribe's operation: its kind (query, mutation or
// subscription) and its name, from operationName or the document.
func operation(payload []byte) string {
	var name string
	var query []byte
	eachMember(payload, func(k, v []byte) bool {
		switch {
		case keyIs(k, "operationName"):
			name, _ = unquote(v)
		case keyIs(k, "query"):
			query = v
		}
		return true
	})
	kind, docName := operationOf(query)
	if name == "" {
		name = docName
	}
	if name == "" {
		return kind
	}
	return kind + " " + clip(name)
}

// operationOf reads the kind and name of the first operation in a GraphQL
// document, given as a raw JSON string: "query", "mutation" or
// "subscription" and a name, or the shorthand "{ ... }", a query.
func operationOf(raw []byte) (kind, name string) {
	if len(raw) < 2 || raw[0] != '"' {
		return "query", ""
	}
	doc := raw[1 : len(raw)-1]
	i := skipDocSpace(doc, 0)
	start := i
	for i < len(doc) && isNameByte(doc[i]) {
		i++
	}
	switch word := string(doc[start:i]); word {
	case "query", "mutation", "subscription":
		kind = word
	default:
		return "query", ""
	}
	i = skipDocSpace(doc, i)
	start = i
	for i < len(doc) && isNameByte(doc[i]) {
		i++
	}
	return kind, string(doc[start:i])
}

// skipDocSpace skips GraphQL's ignored characters as a JSON string writes
// them: blanks, commas and the escapes \n, \r and \t.
func skipDocSpace(doc []byte, i int) int {
	for i < len(doc) {
		switch {
		case doc[i] == ' ' || doc[i] == ',':
			i++
		case doc[i] == '\\' && i+1 < len(doc) && (doc[i+1] == 'n' || doc[i+1] == 'r' || doc[i+1] == 't'):
			i += 2
		default:
			return i
		}
	}
	return i
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// firstErrorMessage is the message of an error packet's payload: an array
// of GraphQL errors (graphql-transport-ws) or one error object.
func firstErrorMessage(payload []byte) string {
	var buf [1][]byte
	if elems, ok := arrayElems(payload, buf[:0]); ok && len(elems) == 1 {
		payload = elems[0]
	}
	msg, _ := objectString(payload, "message")
	return msg
}
