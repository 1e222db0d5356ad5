package protocol

// Phoenix channels: the v2 serializer writes an array
// [join_ref, ref, topic, event, payload], v1 an object with topic, event,
// payload and ref. A phx_reply's payload holds the reply's status.

func phoenix(in bool, p []byte) (Packet, bool) {
	var joinRef, ref, topic, event []byte
	var payload []byte
	// Only a reply's payload is looked at, so the v2 array is read up to
	// the event.
	var buf [4][]byte
	if elems, ok := arrayElems(p, buf[:0]); ok {
		if len(elems) != 4 {
			return Packet{}, false
		}
		joinRef, ref, topic, event = elems[0], elems[1], elems[2], elems[3]
		if string(event) == `"phx_reply"` {
			var all [5][]byte
			if elems, _ := arrayElems(p, all[:0]); len(elems) == 5 {
				payload = elems[4]
			}
		}
	} else {
		var hasRef bool
		ok := eachMember(p, func(k, v []byte) bool {
			switch {
			case keyIs(k, "topic"):
				topic = v
			case keyIs(k, "event"):
				event = v
			case keyIs(k, "payload"):
				payload = v
			case keyIs(k, "ref"):
				ref, hasRef = v, true
			}
			return true
		})
		if !ok || !hasRef || payload == nil {
			return Packet{}, false
		}
	}
	t, ok1 := unquote(topic)
	e, ok2 := unquote(event)
	if !ok1 || !ok2 || e == "" {
		return Packet{}, false
	}
	pk := Packet{Name: Phoenix, Type: e, ID: idText(ref)}
	if pk.ID != "" {
		switch e {
		case "phx_reply":
			pk.Answers = key(Phoenix, t, pk.ID)
		case "phx_close", "phx_error": // the server's, naming the join they end
		default:
			pk.Asks = key(Phoenix, t, pk.ID)
		}
	}
	sum := clip(e) + " " + clip(t)
	switch {
	case e == "phx_reply":
		status, _ := objectString(payload, "status")
		if status != "" {
			sum += " " + clip(status)
		}
		if status == "error" && in {
			pk.Error = phoenixErrorReply(t, pk.ID, payload, replyTo(joinRef, ref))
		}
	case e == "phx_error" && in:
		pk.Error = &Error{
			Message:     "phx_error on " + clip(t),
			Name:        "Channel crashed",
			Explanation: "The server's channel process for " + clip(t) + " exited abnormally, a crash or a kill: this client is no longer joined to the topic.",
			Hint:        "Look in the server's log for the channel's exit reason. Phoenix's JavaScript client rejoins on its own after a backoff.",
			Reconnect:   true,
		}
	}
	pk.Summary = sum
	return pk, true
}

// What a reply answers: the v2 serializer gives a join's reply the join's
// own ref as both join_ref and ref; v1 carries no join_ref, so it cannot
// tell.
const (
	unknownRequest = iota
	joinRequest
	pushRequest
)

func replyTo(joinRef, ref []byte) int {
	switch {
	case joinRef == nil:
		return unknownRequest
	case idText(joinRef) != "" && idText(joinRef) == idText(ref):
		return joinRequest
	default:
		return pushRequest
	}
}

// phoenixErrorReply explains a phx_reply with status error. Phoenix itself
// answers "unmatched topic" and "join crashed"; any other reason is the
// application's, from a join/3 or handle_in returning an error.
func phoenixErrorReply(topic, ref string, payload []byte, request int) *Error {
	response, _ := objectRaw(payload, "response")
	reason, _ := objectString(response, "reason")
	e := &Error{Code: clip(reason), Message: "error reply on " + clip(topic)}
	if reason != "" {
		e.Message += ": " + clip(reason)
	}
	switch {
	case reason == "unmatched topic" && request == joinRequest:
		e.Name = "Unmatched topic"
		e.Explanation = "No channel route of the server's socket matches " + clip(topic) + ", so the join was refused."
		e.Hint = `Check the topic against the socket module's channel routes, such as channel "room:*", RoomChannel.`
	case reason == "unmatched topic" && request == pushRequest:
		e.Name = "Unmatched topic"
		e.Explanation = "The client pushed to " + clip(topic) + " without being joined to it (or after its channel went away): Phoenix answers pushes to a topic the client has not joined this way."
		e.Hint = "Join the topic with phx_join, and wait for its ok reply, before pushing to it."
	case reason == "join crashed":
		e.Name = "Join crashed"
		e.Explanation = "The channel's join/3 for " + clip(topic) + " raised or exited, so the join failed."
		e.Hint = "Look in the server's log for the exception join/3 raised."
	case request == joinRequest:
		e.Name = "Join refused"
		e.Explanation = "The channel's join/3 for " + clip(topic) + " returned an error"
		if reason != "" {
			e.Explanation += ` with reason "` + clip(reason) + `"`
		}
		e.Explanation += ": the client is not joined to the topic."
		e.Hint = "The reason comes from the application's channel code: check what its join/3 requires, such as parameters, a token or the user's rights."
	case request == pushRequest:
		e.Name = "Error reply"
		e.Explanation = "The channel's handle_in answered this push with an error reply; the channel stays joined."
		e.Hint = "The reason comes from the application's channel code for this event."
	default:
		e.Explanation = "The server answered message #" + clip(ref) + " on " + clip(topic) + " with an error reply: a refused join, or an error from the channel's handle_in."
	}
	return e
}
