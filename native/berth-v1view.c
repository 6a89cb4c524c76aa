/*
 * berth-v1view: runs a program (crun) in a private mount namespace where the
 * cgroup v2 mount of a hybrid host is gone, so the program sees a pure v1 host.
 * crun refuses hybrid hosts whose v2 tree holds a controller ("cgroups in hybrid
 * mode not supported"); runc copes, but costs twice crun's time per `run`.
 * Only this process's view changes: the host's mounts and cgroups are untouched.
 *
 *   berth-v1view <unified mount> <program> [args...]
 *
 * Exits 125 with "berth-v1view: <what>: <reason>" on stderr when it cannot set up;
 * otherwise it is the program (exec).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "berth-v1view: %s: %s\n", what, strerror(errno));
  return 125;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fputs("usage: berth-v1view <unified mount> <program> [args...]\n", stderr);
    return 125;
  }
  if (unshare(CLONE_NEWNS) != 0) return fail("unshare");
  /* private first: the unmount must not propagate back to the host */
  if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return fail("make / private");
  /* EINVAL: not a mount point (a v1 host), nothing to hide */
  if (umount2(argv[1], MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) return fail(argv[1]);
  execv(argv[2], argv + 2);
  return fail(argv[2]);
}
