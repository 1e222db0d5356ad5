package conn

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/decode"
)

// connectOnce dials (following redirects when asked) and serves one
// connection to its end.
func (c *Client) connectOnce() outcome {
	u, err := ValidateURL(c.opts.URL)
	if err != nil {
		c.emit(Event{Type: EventError, URL: c.opts.URL, Final: true, Failure: &decode.Failure{
			Kind: decode.KindHandshake, Cause: decode.CauseBadURL, Message: err.Error(), URL: c.opts.URL}})
		return outcome{}
	}
	tlsCfg, err := TLSConfig(c.opts)
	if err != nil {
		c.emit(Event{Type: EventError, URL: c.opts.URL, Final: true, Failure: &decode.Failure{
			Kind: decode.KindTLS, Cause: decode.CauseTLSClientCert, Message: err.Error(), URL: c.opts.URL}})
		return outcome{}
	}

	var hops []string
	for {
		a := &attempt{opts: c.opts, violations: make(chan protocolViolation, violationsCap)}
		ctx, cancel := context.WithTimeout(c.ctx, c.opts.ConnectTimeout)
		ws, resp, err := a.dialer(tlsCfg).DialContext(ctx, u.String(), c.requestHeader())
		a.release()
		cancel()
		if c.ctx.Err() != nil {
			if ws != nil {
				ws.Close()
			}
			return outcome{}
		}
		if err != nil {
			f := classifyDialError(err, resp, a, u.String())
			if f.Cause == decode.CauseRedirect && c.opts.FollowRedirects {
				next, perr := redirectTarget(u, f.Location)
				switch {
				case perr != nil:
					f.Message = perr.Error()
				case len(hops) >= maxRedirects:
					f.Cause = decode.CauseTooManyRedirects
				default:
					hops = append(hops, strconv.Itoa(f.Status)+" "+u.String()+" → "+next.String())
					u = next
					continue
				}
			}
			retryable := decode.ExplainFailure(f).Reconnect
			c.emit(Event{Type: EventError, URL: u.String(), Status: f.Status, Hops: hops, Failure: &f,
				ResponseHeader: responseHeader(resp), Final: !c.willReconnect(retryable)})
			return outcome{retryable: retryable,
				overloaded: f.Status == http.StatusTooManyRequests || f.Status == http.StatusServiceUnavailable,
				retryAfter: parseRetryAfter(f.RetryAfter, time.Now())}
		}
		if f, bad := checkNegotiation(resp, c.opts); bad {
			f.URL = u.String()
			c.emit(Event{Type: EventError, URL: u.String(), Status: resp.StatusCode, Failure: &f,
				ResponseHeader: resp.Header, Final: true})
			ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseProtocolError, ""), time.Now().Add(time.Second))
			ws.Close()
			return outcome{}
		}
		return c.serve(ws, resp, a, u, hops)
	}
}

func (c *Client) requestHeader() http.Header {
	h := http.Header{}
	for k, v := range c.opts.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	if c.opts.Origin != "" {
		h.Set("Origin", c.opts.Origin)
	}
	return h
}

func responseHeader(resp *http.Response) http.Header {
	if resp == nil {
		return nil
	}
	return resp.Header
}
