package filter

import "testing"

func TestContainsFold(t *testing.T) {
	if !containsFold([]byte("Hello WORLD"), []byte("world")) || containsFold([]byte("hello"), []byte("hellox")) {
		t.Error("containsFold is wrong")
	}
}
