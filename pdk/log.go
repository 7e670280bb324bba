//go:build wasip1

package pdk

import (
	"math"
	"strconv"
)

// Level is the severity of a log message, as the ABI numbers them.
type Level int32

// The levels, from most to least verbose. LevelOff is what the host reports
// when it wants no messages at all.
const (
	LevelTrace Level = 0
	LevelDebug Level = 1
	LevelInfo  Level = 2
	LevelWarn  Level = 3
	LevelError Level = 4
	LevelOff   Level = math.MaxInt32
)

// String returns the level's name, as in "INFO".
func (l Level) String() string {
	switch l {
	case LevelTrace:
		return "TRACE"
	case LevelDebug:
		return "DEBUG"
	case LevelInfo:
		return "INFO"
	case LevelWarn:
		return "WARN"
	case LevelError:
		return "ERROR"
	case LevelOff:
		return "OFF"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// LogLevel returns the least severe level the host currently accepts, or
// LevelOff. It may change between calls.
func LogLevel() Level {
	return Level(extismGetLogLevel())
}

// LogEnabled reports whether the host accepts messages at level. Checking it
// first saves building a message that would be dropped:
//
//	if pdk.LogEnabled(pdk.LevelDebug) {
//		pdk.Log(pdk.LevelDebug, fmt.Sprintf("state: %+v", state))
//	}
func LogEnabled(level Level) bool {
	return level >= LogLevel() && level <= LevelError
}

// Log sends msg to the host's log at level, unless the host does not accept
// that level. Empty messages are not sent.
func Log(level Level, msg string) {
	if msg == "" || !LogEnabled(level) {
		return
	}
	logMessage(level, msg)
}

// logMessage sends msg without checking the host's level.
func logMessage(level Level, msg string) {
	h := allocString(msg)
	logHandle(level, h)
	release(h)
}

// logHandle sends the message in block h to the host's log at level.
func logHandle(level Level, h uint64) {
	switch level {
	case LevelTrace:
		extismLogTrace(h)
	case LevelDebug:
		extismLogDebug(h)
	case LevelInfo:
		extismLogInfo(h)
	case LevelWarn:
		extismLogWarn(h)
	default:
		extismLogError(h)
	}
}
