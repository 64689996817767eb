"""One function per operator action: validates, writes, logs, audits; every door calls it."""
