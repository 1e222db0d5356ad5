package demo

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
	"github.com/vmihailenco/msgpack/v5"
)

// instrument is one symbol of the feed, with the price it walks from.
type instrument struct {
	symbol string
	price  float64
}

var instruments = []instrument{
	{"BTC-USD", 64250},
	{"ETH-USD", 3120},
	{"SOL-USD", 148.5},
	{"EUR-USD", 1.0842},
	{"AAPL", 227.3},
}

type tick struct {
	Type   string  `json:"type"`
	Seq    int     `json:"seq"`
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
	Change float64 `json:"change"`
	TS     string  `json:"ts"`
}

// trade is the MessagePack payload of the feed's binary frames.
type trade struct {
	Type   string  `msgpack:"type"`
	Seq    int     `msgpack:"seq"`
	Symbol string  `msgpack:"symbol"`
	Side   string  `msgpack:"side"`
	Qty    float64 `msgpack:"qty"`
	Price  float64 `msgpack:"price"`
	TS     int64   `msgpack:"ts"`
}

// blobMagic starts the feed's raw binary frames, a made-up order-book
// snapshot format: magic, sequence number, then levels of (price, size).
var blobMagic = []byte("OBK1")

// feed sends the welcome message, then ticks at random intervals, now and
// then a binary frame, and pings, until the session stops.
func (s *session) feed() {
	prices := make([]float64, len(instruments))
	for i, in := range instruments {
		prices[i] = in.price
	}
	s.enqueue(s.message(websocket.TextMessage, s.welcome()))

	tickTimer := time.NewTimer(s.tickDelay())
	defer tickTimer.Stop()
	pingTicker := time.NewTicker(s.pace.ping)
	defer pingTicker.Stop()
	seq := 0
	for {
		select {
		case <-s.stop:
			return
		case now := <-tickTimer.C:
			tickTimer.Reset(s.tickDelay())
			if s.quiet() {
				continue
			}
			seq++
			i := s.rng.IntN(len(instruments))
			old := prices[i]
			prices[i] = roundPrice(old * (1 + (s.rng.Float64()-0.5)*0.004))
			b, _ := json.Marshal(tick{"tick", seq, instruments[i].symbol, prices[i], roundPrice(prices[i] - old), timestamp(now)})
			s.enqueue(s.message(websocket.TextMessage, b))
			if s.rng.IntN(6) == 0 {
				s.enqueue(s.message(websocket.BinaryMessage, s.binaryUpdate(seq, instruments[i].symbol, prices[i], now)))
			}
		case now := <-pingTicker.C:
			if s.quiet() {
				continue
			}
			payload := []byte("keepalive " + strconv.FormatInt(now.UnixMilli(), 10))
			s.enqueue(func() error { return s.ws.WriteControl(websocket.PingMessage, payload, time.Time{}) })
		}
	}
}

func (s *session) tickDelay() time.Duration {
	spread := s.pace.tickMax - s.pace.tickMin
	if spread <= 0 {
		return s.pace.tickMin
	}
	return s.pace.tickMin + time.Duration(s.rng.Int64N(int64(spread)))
}

// binaryUpdate is either a MessagePack trade or a raw order-book blob, at
// random, so both kinds of binary payload show up.
func (s *session) binaryUpdate(seq int, symbol string, price float64, now time.Time) []byte {
	if s.rng.IntN(2) == 0 {
		side := "buy"
		if s.rng.IntN(2) == 0 {
			side = "sell"
		}
		qty := math.Round(s.rng.Float64()*1000) / 1000
		b, _ := msgpack.Marshal(trade{"trade", seq, symbol, side, qty, price, now.UnixMilli()})
		return b
	}
	b := append([]byte{}, blobMagic...)
	b = binary.BigEndian.AppendUint32(b, uint32(seq))
	for level := range 4 {
		b = binary.BigEndian.AppendUint32(b, uint32(price*100)+uint32(level))
		b = binary.BigEndian.AppendUint16(b, uint16(s.rng.IntN(5000)))
	}
	return b
}

func (s *session) welcome() []byte {
	b, _ := json.Marshal(struct {
		Type        string   `json:"type"`
		Server      string   `json:"server"`
		Subprotocol string   `json:"subprotocol,omitempty"`
		Commands    []string `json:"commands"`
		Hint        string   `json:"hint"`
	}{
		Type:        "welcome",
		Server:      "wsdbg demo",
		Subprotocol: s.ws.Subprotocol(),
		Commands:    commandNames,
		Hint:        "send help for details",
	})
	return b
}

func roundPrice(p float64) float64 { return math.Round(p*10000) / 10000 }
