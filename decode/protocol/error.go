package protocol

// Error is a failure a packet reports in the protocol's own terms.
type Error struct {
	Code        string // the protocol's code as text: "4", "0x87", "unauthorized"; "" when none
	Message     string // the failure's own words, sanitised
	Name        string // the code's name from the protocol's table; "" when unknown
	Explanation string // what it means for this connection
	Hint        string // what to do
	Reconnect   bool   // whether reconnecting is the right recovery
}
