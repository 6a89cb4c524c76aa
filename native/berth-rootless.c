/*
 * berth-rootless: enters the rootless daemon's namespaces, then runs it.
 *   berth-rootless <cmd> [args...]
 * fd 3 is a socket to the parent (the unprivileged berthd). This process unshares a user and a
 * mount namespace, writes "u" to fd 3 and waits for one byte back: the parent has written the ID
 * maps meanwhile (newuidmap/newgidmap need this pid, and an unprivileged process cannot map more
 * than its own ID). Then it becomes root of the namespace, makes every mount private (the
 * daemon's rootfs mounts stay in its namespace) and execs <cmd>.
 * Exits 1 with "berth-rootless: <step>: <reason>" on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static void fail(const char *step) {
  fprintf(stderr, "berth-rootless: %s: %s\n", step, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: berth-rootless <cmd> [args...] (fd 3: a socket to the parent)\n");
    return 2;
  }
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) fail("unshare");
  if (write(3, "u", 1) != 1) fail("notify parent");
  char c;
  if (read(3, &c, 1) != 1) {
    errno = ECANCELED;
    fail("wait for the ID maps");
  }
  close(3);
  if (setresgid(0, 0, 0) < 0) fail("setresgid");
  if (setgroups(0, NULL) < 0) fail("setgroups");
  if (setresuid(0, 0, 0) < 0) fail("setresuid");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail("make mounts private");
  execvp(argv[1], argv + 1);
  fail("exec");
  return 1;
}
