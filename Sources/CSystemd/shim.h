#pragma once
// libsystemd's journal and daemon APIs. sd_journal_send() is C-variadic and cannot be called
// from Swift; the Systemd module uses sd_journal_sendv() with iovecs instead.
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
#include <sys/uio.h>
