/*
 * berth-userns: the daemon's user namespace for --userns-remap, and network
 * namespaces owned by it (a container can use only a netns its user namespace
 * owns: sysfs, `runc exec`, low ports and net.* sysctls all check the owner).
 *   berth-userns create <file> <uid-map> <gid-map>     a user namespace bind-mounted on <file>
 *   berth-userns netns <userns-file> <file> <cmd>...   a netns owned by it, bind-mounted on <file>;
 *                                                      <cmd> then runs in it (as host root)
 * A map is "inside outside count" lines. <file> must exist (a mount point).
 * Exits 1 with "berth-userns: <step>: <reason>" on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static void fail(const char *step, const char *what) {
  fprintf(stderr, "berth-userns: %s%s%s: %s\n", step, what ? " " : "", what ? what : "", strerror(errno));
  exit(1);
}

static void write_file(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data)) fail("write", path);
  close(fd);
}

/* A child that entered `userns` (if any), unshared `flags` and now waits to be killed. */
static pid_t hold(int userns, int flags) {
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) < 0) fail("pipe", NULL);
  pid_t pid = fork();
  if (pid < 0) fail("fork", NULL);
  if (pid == 0) {
    close(sync[0]);
    if (userns >= 0 && setns(userns, CLONE_NEWUSER) < 0) _exit(1);
    if (unshare(flags) < 0 || write(sync[1], "x", 1) != 1) _exit(1);
    for (;;) pause();
  }
  char c;
  close(sync[1]);
  if (read(sync[0], &c, 1) != 1) {
    waitpid(pid, NULL, 0);
    errno = EPERM;
    fail("unshare", flags == CLONE_NEWUSER ? "user" : "net");
  }
  close(sync[0]);
  return pid;
}

static void bind_ns(pid_t pid, const char *ns, const char *file) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, ns);
  if (mount(path, file, NULL, MS_BIND, NULL) < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fail("bind", file);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

int main(int argc, char **argv) {
  if (argc == 5 && !strcmp(argv[1], "create")) {
    pid_t pid = hold(-1, CLONE_NEWUSER);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
    write_file(path, argv[3]);
    snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
    write_file(path, argv[4]);
    bind_ns(pid, "user", argv[2]);
    return 0;
  }
  if (argc >= 5 && !strcmp(argv[1], "netns")) {
    int userns = open(argv[2], O_RDONLY | O_CLOEXEC);
    if (userns < 0) fail("open", argv[2]);
    bind_ns(hold(userns, CLONE_NEWNET), "net", argv[3]);
    int net = open(argv[3], O_RDONLY | O_CLOEXEC);
    if (net < 0) fail("open", argv[3]);
    if (setns(net, CLONE_NEWNET) < 0) fail("setns", argv[3]);
    execvp(argv[4], argv + 4);
    fail("exec", argv[4]);
  }
  fprintf(stderr, "usage: berth-userns create <file> <uid-map> <gid-map>\n       berth-userns netns <userns-file> <file> <cmd>...\n");
  return 2;
}
