// Package demo is a WebSocket server that shows off what wsdbg can explain: a
// live JSON feed, error envelopes, every kind of close, protocol violations,
// abrupt resets, floods, huge messages, silence, and refused handshakes.
//
// Endpoints:
//
//	/ws         the feed; send "help" for the commands
//	/auth       401 unless "Authorization: Bearer demo" is sent, then as /ws
//	/forbidden  403
//	/old        301 to /ws
//	/busy       429 with Retry-After: 30
//	/notws      a plain HTML page
package demo

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// subprotocols are the ones the demo accepts when a client offers them.
var subprotocols = []string{"wsdbg-demo", "graphql-transport-ws"}

// authToken is the bearer token /auth accepts.
const authToken = "demo"

// pacing sets the feed's timing; tests shorten it.
type pacing struct {
	tickMin, tickMax time.Duration // a tick is sent after a random delay in [tickMin, tickMax)
	ping             time.Duration // between server pings
	silence          time.Duration // how long "slow" stays silent
	closeGrace       time.Duration // how long to wait for the client's close frame
}

var defaultPacing = pacing{
	tickMin:    time.Second,
	tickMax:    2 * time.Second,
	ping:       15 * time.Second,
	silence:    120 * time.Second,
	closeGrace: 2 * time.Second,
}

// Server is a running demo server.
type Server struct {
	ln        net.Listener
	http      *http.Server
	upgrader  websocket.Upgrader
	pace      pacing
	serveDone chan struct{}

	mu       sync.Mutex
	sessions map[*session]struct{}
	closed   bool
	wg       sync.WaitGroup // running sessions
}

// Endpoint is one path the server answers, with what it shows.
type Endpoint struct {
	URL  string
	What string
}

// Start listens on addr ("" means 127.0.0.1 on a free port) and serves until
// Close.
func Start(addr string) (*Server, error) { return start(addr, defaultPacing) }

func start(addr string, pace pacing) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo server: %w", err)
	}
	s := &Server{
		ln:        ln,
		pace:      pace,
		serveDone: make(chan struct{}),
		sessions:  map[*session]struct{}{},
		upgrader: websocket.Upgrader{
			HandshakeTimeout:  10 * time.Second,
			EnableCompression: true,
			Subprotocols:      subprotocols,
			// A debugger connects from anywhere, with any Origin.
			CheckOrigin: func(*http.Request) bool { return true },
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", s.serveWebSocket)
	mux.HandleFunc("/auth", s.serveAuth)
	mux.HandleFunc("/forbidden", serveForbidden)
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ws", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/busy", serveBusy)
	mux.HandleFunc("/notws", serveNotWebSocket)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.serveDone)
		s.http.Serve(ln)
	}()
	return s, nil
}

// URL is the address of the feed, ws://127.0.0.1:PORT/ws.
func (s *Server) URL() string { return s.urlFor("/ws") }

func (s *Server) urlFor(path string) string { return "ws://" + s.ln.Addr().String() + path }

// Endpoints lists every path the server answers and what each one shows.
func (s *Server) Endpoints() []Endpoint {
	return []Endpoint{
		{s.urlFor("/ws"), "live feed; send help for the commands"},
		{s.urlFor("/auth"), "401 unless Authorization: Bearer " + authToken + " is sent"},
		{s.urlFor("/forbidden"), "403 Forbidden"},
		{s.urlFor("/old"), "301 redirect to /ws (follow it with -L)"},
		{s.urlFor("/busy"), "429 Too Many Requests with Retry-After: 30"},
		{s.urlFor("/notws"), "a plain web page, not a WebSocket endpoint"},
	}
}

// Close stops the server and ends every connection abruptly, waiting for
// all of the server's goroutines to finish. Calling it again does nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for sess := range s.sessions {
		sess.shutdown()
	}
	s.mu.Unlock()

	err := s.http.Close() // the listener and connections not yet upgraded
	<-s.serveDone
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	c, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has already answered with an HTTP error
	}
	sess := newSession(c, s.pace)
	if !s.track(sess) {
		c.NetConn().Close()
		return
	}
	defer s.untrack(sess)
	sess.run()
}

// track registers a session so Close can end it; it reports false once the
// server is closing.
func (s *Server) track(sess *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.sessions[sess] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(sess *session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
	s.wg.Done()
}

func (s *Server) serveAuth(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") == "Bearer "+authToken {
		s.serveWebSocket(w, r)
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="wsdbg-demo", error="invalid_token"`)
	writeJSON(w, http.StatusUnauthorized, `{"error":"token expired"}`)
}

func serveForbidden(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusForbidden, `{"error":"this account may not open streams"}`)
}

func serveBusy(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "30")
	writeJSON(w, http.StatusTooManyRequests, `{"error":"too many connections, retry in 30 s"}`)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body+"\n")
}

const notWebSocketPage = `<!doctype html>
<html><head><title>wsdbg demo</title></head>
<body><h1>wsdbg demo</h1>
<p>This is an ordinary web page. The WebSocket feed is at <code>/ws</code>.</p>
</body></html>
`

func serveNotWebSocket(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, notWebSocketPage)
}
