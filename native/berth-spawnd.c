/*
 * berth-spawnd: starts the OCI runtime for build steps, so the daemon does not fork itself for
 * each. Node's spawn forks the whole daemon (~100 MB resident: its page tables copied, then
 * copy-on-write faults on both sides until the exec) and blocks its only JS thread until the
 * child has exec'd: 5-13 ms a step on a busy 2-core host, measured. This process is small.
 *
 * Requests on stdin, one a line, fields hex ("-" the empty string; any byte may appear in an argument):
 *   s <id> <file> <argv0> <argv1> ...   start file with argv; stdin /dev/null, stdout and stderr one pipe
 * Events on stdout, one a line, in any order between ids:
 *   p <id> <pid>          started (exec'd)
 *   e <id> <errno>        could not start (fork, pipe or exec failed)
 *   o <id> <hex bytes>    output
 *   x <id> <code> <sig>   ended, after its last output (sig 0: exited with code)
 * Ends at end of input (the daemon went away); the children it started go on and are reaped
 * by whoever inherits them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth-hex.h"

#define MAX_CHILDREN 256
#define MAX_ARGS 1024

struct child {
  long id;
  pid_t pid;
  int out; /* read end of its output pipe; -1 at EOF */
  int exited;
  int code, sig;
};

static struct child kids[MAX_CHILDREN];
static int nkids;

static void emit_output(long id, const unsigned char *b, ssize_t n) {
  static const char digits[] = "0123456789abcdef";
  static char line[2 * 65536 + 64];
  int k = snprintf(line, 64, "o %ld ", id);
  for (ssize_t i = 0; i < n; i++) {
    line[k++] = digits[b[i] >> 4];
    line[k++] = digits[b[i] & 15];
  }
  line[k++] = '\n';
  fwrite(line, 1, (size_t)k, stdout);
}

static void finish_if_done(int i) {
  struct child *c = &kids[i];
  if (!c->exited || c->out >= 0) return;
  printf("x %ld %d %d\n", c->id, c->code, c->sig);
  kids[i] = kids[--nkids];
}

static void start_child(char *fields[], int n) {
  long id = strtol(fields[1], NULL, 10);
  if (n < 4 || nkids == MAX_CHILDREN) {
    printf("e %ld %d\n", id, n < 4 ? EINVAL : EAGAIN);
    return;
  }
  for (int i = 2; i < n; i++) {
    if (unhex(fields[i]) < 0) {
      printf("e %ld %d\n", id, EINVAL);
      return;
    }
  }
  int out[2], report[2];
  if (pipe2(out, O_CLOEXEC) < 0) {
    printf("e %ld %d\n", id, errno);
    return;
  }
  /* the child writes its exec errno here; a close on exec (no bytes) means it started */
  if (pipe2(report, O_CLOEXEC) < 0) {
    printf("e %ld %d\n", id, errno);
    close(out[0]);
    close(out[1]);
    return;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0) goto fail;
    execv(fields[2], fields + 3);
  fail:;
    int err = errno;
    (void)!write(report[1], &err, sizeof err);
    _exit(127);
  }
  int err = pid < 0 ? errno : 0;
  close(out[1]);
  close(report[1]);
  if (pid > 0) {
    ssize_t r;
    do r = read(report[0], &err, sizeof err);
    while (r < 0 && errno == EINTR);
    if (r <= 0) err = 0;
    else waitpid(pid, NULL, 0);
  }
  close(report[0]);
  if (err) {
    close(out[0]);
    printf("e %ld %d\n", id, err);
    return;
  }
  kids[nkids++] = (struct child){ .id = id, .pid = pid, .out = out[0] };
  printf("p %ld %d\n", id, (int)pid);
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int i = 0; i < nkids; i++) {
      if (kids[i].pid != pid) continue;
      kids[i].exited = 1;
      kids[i].code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      kids[i].sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      finish_if_done(i);
      break;
    }
  }
}

int main(void) {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) return 1;
  signal(SIGPIPE, SIG_IGN);
  static char buf[65536];
  static char line[1 << 20];
  size_t line_len = 0;
  int input_open = 1;
  struct pollfd pfd[MAX_CHILDREN + 2];
  while (input_open || nkids) {
    fflush(stdout);
    int n = 0;
    pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
    pfd[n++] = (struct pollfd){ .fd = input_open ? 0 : -1, .events = POLLIN };
    int map[MAX_CHILDREN];
    for (int i = 0; i < nkids; i++) {
      if (kids[i].out < 0) continue;
      map[n - 2] = i;
      pfd[n++] = (struct pollfd){ .fd = kids[i].out, .events = POLLIN };
    }
    if (poll(pfd, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    /* output before exits: a child's last bytes go out before its end */
    for (int k = n - 1; k >= 2; k--) {
      if (!pfd[k].revents) continue;
      int i = map[k - 2];
      ssize_t r = read(kids[i].out, buf, sizeof buf);
      if (r > 0) emit_output(kids[i].id, (unsigned char *)buf, r);
      else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(kids[i].out);
        kids[i].out = -1;
        finish_if_done(i);
      }
    }
    if (pfd[0].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {
      }
      reap();
    }
    if (pfd[1].revents) {
      ssize_t r = read(0, line + line_len, sizeof line - 1 - line_len);
      if (r <= 0) {
        input_open = 0;
        /* the daemon is gone: nobody reads what the children say, so stop listening */
        for (int i = 0; i < nkids; i++) {
          if (kids[i].out >= 0) close(kids[i].out);
          kids[i].out = -1;
        }
        reap();
        nkids = 0;
        continue;
      }
      line_len += (size_t)r;
      char *start = line, *nl;
      while ((nl = memchr(start, '\n', line_len - (size_t)(start - line)))) {
        *nl = 0;
        char *fields[MAX_ARGS + 4];
        int nf = 0;
        for (char *tok = strtok(start, " "); tok && nf < MAX_ARGS + 3; tok = strtok(NULL, " ")) fields[nf++] = tok;
        fields[nf] = NULL;
        if (nf >= 2 && strcmp(fields[0], "s") == 0) start_child(fields, nf);
        start = nl + 1;
      }
      line_len -= (size_t)(start - line);
      memmove(line, start, line_len);
    }
  }
  fflush(stdout);
  return 0;
}
