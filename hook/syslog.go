package hook

import (
	"log/syslog"
	"os"
)

// syslogWriter sends decision lines to the node's syslog socket. Syslog is a
// second place where an admin finds decisions. The decision log is the record,
// so a missing or failing syslog daemon does not stop a container.
type syslogWriter struct {
	writer *syslog.Writer
}

func newSyslogWriter(socket string) *syslogWriter {
	if socket == "" {
		return &syslogWriter{}
	}
	if _, err := os.Stat(socket); err != nil {
		return &syslogWriter{}
	}
	writer, err := syslog.Dial("unixgram", socket, syslog.LOG_AUTHPRIV|syslog.LOG_INFO,
		"seawall-hook")
	if err != nil {
		return &syslogWriter{}
	}
	return &syslogWriter{writer: writer}
}

// send writes one line, at error level for a rejection and info otherwise.
func (s *syslogWriter) send(rejected bool, line string) {
	if s == nil || s.writer == nil {
		return
	}
	if rejected {
		s.writer.Err(line)
	} else {
		s.writer.Info(line)
	}
}
