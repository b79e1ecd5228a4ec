#ifndef PKFRONTD_CSPAWN_H
#define PKFRONTD_CSPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and exactly the environment `envp` (no shell, no PATH search), in
/// its own process group, in `directory`, with every signal's default action and an empty
/// signal mask, standard input/output/error on the given descriptors and no other descriptor
/// inherited. Returns 0 and the child's pid, or an errno value (a failed exec included).
int pk_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const char *directory,
             int stdin_fd, int stdout_fd, int stderr_fd);

/// A pipe whose two ends are closed on exec (the child gets its end through dup2 only).
int pk_pipe(int fds[2]);

#endif
