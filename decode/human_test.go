package decode

import (
	"testing"
	"time"
)

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1: "1 B", 1023: "1023 B", 1024: "1 KiB", 1229: "1.2 KiB", 10188: "9.9 KiB",
		10239: "10 KiB", 34 << 10: "34 KiB", 1<<20 - 1: "1 MiB", 5 << 20: "5 MiB",
		5<<20 + 600<<10: "5.6 MiB", 3 << 30: "3 GiB", -2048: "-2 KiB",
	} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestExactSizeNeverRoundsALimit(t *testing.T) {
	for n, want := range map[int64]string{
		512: "512 B", 64 << 10: "64 KiB", 64<<10 - 1: "64 KiB (65535 bytes)",
		16 << 20: "16 MiB", 1536: "1.5 KiB (1536 bytes)", 1<<20 + 1024: "1 MiB (1049600 bytes)",
	} {
		if got := exactSize(n); got != want {
			t.Errorf("exactSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		850 * time.Microsecond: "850µs", 2500 * time.Microsecond: "2.5ms", 9999 * time.Microsecond: "10ms",
		12 * time.Millisecond: "12ms", 800 * time.Millisecond: "800ms", 1500 * time.Millisecond: "1.5s",
		3 * time.Second: "3s", 2050 * time.Millisecond: "2.1s", 45 * time.Second: "45s", 61 * time.Second: "61s",
		119 * time.Second: "119s", 241 * time.Second: "4m01s", 3900 * time.Second: "1h05m", -12 * time.Millisecond: "-12ms",
	} {
		if got := HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
