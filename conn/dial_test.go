package conn

import "testing"

// FuzzValidateURL: whatever ValidateURL accepts is ws or wss with a host.
func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{"ws://a/b?c#d", "https://h:1/", "example.com", "ws://[::1]:80/", "ws://\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := ValidateURL(raw)
		if err != nil {
			return
		}
		if (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			t.Fatalf("accepted %q as %v", raw, u)
		}
	})
}
