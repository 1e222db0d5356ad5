package protocol

// ActionCable (Rails), actioncable-v1-json: the server's messages have a
// type (welcome, ping, confirm_subscription, reject_subscription,
// disconnect) or carry a channel's message under an identifier, itself a
// JSON object encoded as a string; the client's have a command.

func actionCable(p []byte) (Packet, bool) {
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
		return Packet{Name: ActionCable, Type: typ, Summary: sum}, true
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
