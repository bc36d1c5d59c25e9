package gateway

// envelope reads, byte by byte, the top level of one JSON-RPC message
// that is too large or too deep to decode: its id, and whether it has a
// method (a request or notification, not a response). It keeps nothing
// else, so a message of any size costs a few bytes of state. What it
// reads of a malformed message is a best effort.
type envelope struct {
	depth    int
	inString bool
	escaped  bool
	key      []byte // the top-level key being read, up to maxKey bytes
	keyLong  bool
	state    envelopeState
	value    []byte // the id's value as written, up to maxID bytes
	id       []byte
	method   bool
}

type envelopeState int

const (
	beforeKey   envelopeState = iota // at the top level, where a key may start
	inKey                            // reading a top-level key
	afterKey                         // between a key and its colon
	beforeValue                      // after the colon
	inIDValue                        // reading the value of "id"
	inValue                          // reading any other top-level value
)

const (
	maxKey = 16
	maxID  = 200
)

func (e *envelope) feed(b []byte) {
	for _, c := range b {
		e.step(c)
	}
}

func (e *envelope) step(c byte) {
	if e.inString {
		switch {
		case e.escaped:
			e.escaped = false
		case c == '\\':
			e.escaped = true
		case c == '"':
			e.inString = false
		}
		e.collect(c)
		if !e.inString && e.state == inKey {
			e.state = afterKey
		}
		return
	}
	switch c {
	case '"':
		e.inString = true
		if e.depth == 1 && e.state == beforeKey {
			e.state, e.key, e.keyLong = inKey, e.key[:0], false
			return
		}
	case '{', '[':
		e.depth++
	case '}', ']':
		e.depth--
	}
	if e.depth == 1 || (e.depth == 0 && c == '}') {
		switch {
		case e.state == afterKey && c == ':':
			e.state = beforeValue
			if !e.keyLong && string(e.key) == "method" {
				e.method = true
			}
			return
		case c == ',' || c == '}':
			if e.state == inIDValue {
				e.id = append([]byte(nil), trimSpace(e.value)...)
			}
			e.state = beforeKey
			return
		case e.state == beforeValue && !isSpace(c):
			if !e.keyLong && string(e.key) == "id" {
				e.state, e.value = inIDValue, e.value[:0]
			} else {
				e.state = inValue
			}
		}
	}
	e.collect(c)
}

// collect keeps a byte of the key or of the id's value being read.
func (e *envelope) collect(c byte) {
	switch e.state {
	case inKey:
		if c == '"' && !e.inString {
			return
		}
		if len(e.key) < maxKey {
			e.key = append(e.key, c)
		} else {
			e.keyLong = true
		}
	case inIDValue:
		if len(e.value) < maxID {
			e.value = append(e.value, c)
		} else {
			e.state = inValue // an id this long is no id the gateway sent
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
