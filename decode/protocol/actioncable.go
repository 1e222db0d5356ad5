package protocol

// ActionCable (Rails), actioncable-v1-json: the server's messages have a
// type (welcome, ping, confirm_subscription, reject_subscription,
// disconnect) or carry a channel's message under an identifier, itself a
// JSON object encoded as a string; the client's have a command.

func actionCable(in bool, p []byte) (Packet, bool) {
	var typ, command, identifier, reason string
	var hasMessage, reconnect, hasReconnect bool
	ok := eachMember(p, func(k, v []byte) bool {
		switch {
		case keyIs(k, "type"):
			typ, _ = unquote(v)
		case keyIs(k, "command"):
			command, _ = unquote(v)
		case keyIs(k, "identifier"):
			identifier, _ = unquote(v)
		case keyIs(k, "message"):
			hasMessage = true
		case keyIs(k, "reason"):
			reason, _ = unquote(v)
		case keyIs(k, "reconnect"):
			reconnect, hasReconnect = string(v) == "true", true
		}
		return true
	})
	if !ok {
		return Packet{}, false
	}
	channel := ""
	if identifier != "" {
		channel, _ = objectString([]byte(identifier), "channel")
	}
	withChannel := func(word string) string {
		if channel == "" {
			return word
		}
		return word + " " + clip(channel)
	}
	switch typ {
	case "welcome", "ping":
		return Packet{Name: ActionCable, Type: typ, Summary: typ}, true
	case "confirm_subscription", "reject_subscription":
		pk := Packet{Name: ActionCable, Type: typ, Summary: withChannel(typ)}
		if identifier != "" {
			pk.Answers = key(ActionCable, "subscription", identifier)
		}
		if typ == "reject_subscription" && in {
			pk.Error = rejectedSubscription(channel)
		}
		return pk, true
	case "disconnect":
		sum := typ
		if reason != "" {
			sum += ": " + clip(reason)
		}
		if hasReconnect {
			if reconnect {
				sum += ", may reconnect"
			} else {
				sum += ", do not reconnect"
			}
		}
		pk := Packet{Name: ActionCable, Type: typ, Summary: sum}
		if in {
			pk.Error = actionCableDisconnect(reason, reconnect, hasReconnect)
		}
		return pk, true
	case "":
	default:
		return Packet{}, false
	}
	switch command {
	case "subscribe", "unsubscribe", "message":
		pk := Packet{Name: ActionCable, Type: command, Summary: withChannel(command)}
		if command == "subscribe" && identifier != "" {
			pk.Asks = key(ActionCable, "subscription", identifier)
		}
		return pk, true
	case "":
		if hasMessage && identifier != "" {
			return Packet{Name: ActionCable, Type: "message", Summary: withChannel("message")}, true
		}
	}
	return Packet{}, false
}

func rejectedSubscription(channel string) *Error {
	name := "the channel"
	if channel != "" {
		name = clip(channel)
	}
	return &Error{
		Message:     "subscription to " + name + " rejected",
		Name:        "Subscription rejected",
		Explanation: "The server's " + name + " refused this subscription: its subscribed method called reject, usually after an authorization or parameter check. The connection stays open.",
		Hint:        "Check what " + name + "#subscribed requires: the identifier's parameters, or the rights of the connection's user.",
	}
}

// actionCableDisconnects explains the reasons ActionCable's server gives in
// a disconnect message (ActionCable::INTERNAL[:disconnect_reasons]).
var actionCableDisconnects = map[string]struct{ name, explanation, hint string }{
	"unauthorized": {"Unauthorized",
		"The server's Connection#connect called reject_unauthorized_connection: it could not identify a user from this request (its cookies, token or parameters).",
		"Send the credentials the application's connect method looks for, such as its session cookie (--header 'Cookie: ...') or token parameter."},
	"invalid_request": {"Invalid request",
		"ActionCable judged the request invalid: no WebSocket upgrade it accepts, or an Origin header its request forgery protection refuses.",
		"Send an Origin the application allows (--origin), or add yours to config.action_cable.allowed_request_origins."},
	"server_restart": {"Server restart",
		"The server is restarting (ActionCable.server.restart, as on a deploy or a code reload) and closed every connection.",
		"Reconnect once the server is back; ActionCable's JavaScript client does so on its own."},
	"remote": {"Disconnected remotely",
		"The application closed this connection through ActionCable.server.remote_connections (a reason Rails 7.1 and later give).",
		"See where the application disconnects this connection's user; reconnect only if the flag allows it."},
}

func actionCableDisconnect(reason string, reconnect, hasReconnect bool) *Error {
	e := &Error{Code: clip(reason), Reconnect: reconnect}
	if reason == "" {
		e.Message = "disconnect without a reason"
	} else {
		e.Message = "disconnect: " + clip(reason)
	}
	if d, ok := actionCableDisconnects[reason]; ok {
		e.Name, e.Explanation, e.Hint = d.name, d.explanation, d.hint
	} else {
		e.Explanation = "The server closed the connection with a disconnect message."
	}
	switch {
	case !hasReconnect:
		e.Explanation += " It has no reconnect flag, which ActionCable's JavaScript client takes as: do not reconnect."
	case reconnect:
		e.Explanation += " Its reconnect flag allows the client to reconnect."
	default:
		e.Explanation += " Its reconnect flag tells the client not to reconnect."
	}
	return e
}
