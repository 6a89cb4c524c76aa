/*
 * berth-rootless: enters the rootless daemon's namespaces, then runs it.
 *   berth-rootless --holder <pidfile> <cmd> [args...]   new namespaces
 *   berth-rootless --join <pid> <cmd> [args...]         the namespaces of <pid> (a holder)
 *
 * New: fd 3 is a socket to the parent (the unprivileged berthd). This process unshares a user and a
 * mount namespace, writes "u" to fd 3 and waits for one byte back: the parent has written the ID
 * maps meanwhile (newuidmap/newgidmap need this pid, and an unprivileged process cannot map more
 * than its own ID). Then it becomes root of the namespace, makes every mount private (the
 * daemon's rootfs mounts stay in its namespace), forks the holder and execs <cmd>.
 *
 * The holder is a process that only sleeps in the namespaces (detached: its own session, no fds,
 * a child of init), so they, with the containers' mounts, outlive a daemon that was killed: a
 * daemon started again joins them (--join) and finds its containers where they were, as rootless
 * Podman's pause process allows. Its pid is written to <pidfile>; the daemon ends it at shutdown.
 *
 * Join: the caller owns the holder's user namespace, so it may enter it (setns) without a map.
 *
 * Either way <cmd> gets SIGKILL when the parent dies: the daemon goes with its launcher.
 * Exits 1 with "berth-rootless: <step>: <reason>" on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void fail(const char *step) {
  fprintf(stderr, "berth-rootless: %s: %s\n", step, strerror(errno));
  exit(1);
}

static void become_root(void) {
  if (setresgid(0, 0, 0) < 0) fail("setresgid");
  if (setgroups(0, NULL) < 0) fail("setgroups");
  if (setresuid(0, 0, 0) < 0) fail("setresuid");
}

/* Double fork: the holder is reparented to init (or a subreaper), never the daemon's zombie. */
static void start_holder(const char *pidfile) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) fail("pipe");
  pid_t child = fork();
  if (child < 0) fail("fork the holder");
  if (child == 0) {
    if (setsid() < 0) _exit(1);
    pid_t holder = fork();
    if (holder < 0) _exit(1);
    if (holder > 0) {
      _exit(write(p[1], &holder, sizeof holder) == sizeof holder ? 0 : 1);
    }
    prctl(PR_SET_NAME, "berth-nsholder", 0, 0, 0);
    for (int fd = 0; fd < 1024; fd++) close(fd);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
    }
    if (chdir("/") < 0) _exit(1);
    for (;;) pause();
  }
  close(p[1]);
  pid_t holder = 0;
  int status;
  if (read(p[0], &holder, sizeof holder) != sizeof holder || waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    errno = ECHILD;
    fail("start the holder");
  }
  close(p[0]);
  FILE *f = fopen(pidfile, "w");
  if (!f || fprintf(f, "%d\n", (int)holder) < 0 || fclose(f) != 0) {
    kill(holder, SIGKILL);
    fail("write the holder's pidfile");
  }
}

int main(int argc, char **argv) {
  if (argc < 4 || (strcmp(argv[1], "--holder") != 0 && strcmp(argv[1], "--join") != 0)) {
    fprintf(stderr, "usage: berth-rootless --holder <pidfile> | --join <pid> <cmd> [args...]\n");
    return 2;
  }
  pid_t parent = getppid();
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
  if (strcmp(argv[1], "--join") == 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/ns/user", argv[2]);
    int userns = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%s/ns/mnt", argv[2]);
    int mntns = open(path, O_RDONLY | O_CLOEXEC);
    if (userns < 0 || mntns < 0) fail("open the holder's namespaces");
    if (setns(userns, CLONE_NEWUSER) < 0) fail("join the user namespace");
    if (setns(mntns, CLONE_NEWNS) < 0) fail("join the mount namespace");
    become_root();
  } else {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) fail("unshare");
    if (write(3, "u", 1) != 1) fail("notify parent");
    char c;
    if (read(3, &c, 1) != 1) {
      errno = ECANCELED;
      fail("wait for the ID maps");
    }
    close(3);
    become_root();
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail("make mounts private");
    start_holder(argv[2]);
  }
  if (chdir(cwd) < 0 && chdir("/") < 0) fail("chdir");
  /* set after the ID change, which clears it */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) fail("set the parent-death signal");
  if (getppid() != parent) {
    errno = ESRCH;
    fail("the launcher is gone");
  }
  execvp(argv[3], argv + 3);
  fail("exec");
  return 1;
}
