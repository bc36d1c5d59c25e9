//go:build !(linux || darwin)

package store

func noRoom(string) bool { return false }
