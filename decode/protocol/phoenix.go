package protocol

// Phoenix channels: the v2 serializer writes an array
// [join_ref, ref, topic, event, payload], v1 an object with topic, event,
// payload and ref. A phx_reply's payload holds the reply's status.

func phoenix(p []byte) (Packet, bool) {
	var ref, topic, event []byte
	var payload []byte
	// Only a reply's payload is looked at, so the v2 array is read up to
	// the event.
	var buf [4][]byte
	if elems, ok := arrayElems(p, buf[:0]); ok {
		if len(elems) != 4 {
			return Packet{}, false
		}
		ref, topic, event = elems[1], elems[2], elems[3]
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
	if e == "phx_reply" {
		if status, ok := objectString(payload, "status"); ok {
			sum += " " + clip(status)
		}
	}
	pk.Summary = sum
	return pk, true
}
