/*
 * berth-idmap-overlay: mounts a container rootfs overlay whose lower layers are
 * idmapped (Linux 5.19+ overlayfs, 6.8+ "lowerdir+"), so a user-namespaced
 * container sees the image's root-owned files as its own root without a
 * chowned copy of every layer.
 *   berth-idmap-overlay <uid-map> <gid-map> <target> <upper> <work> <scratch> <lower>...
 * A map is "inside outside count" (one range). Lowers are topmost first.
 * Each lower becomes an idmapped clone (open_tree + mount_setattr), attached
 * at <scratch>/<i> only while the overlay is made (overlayfs refuses detached
 * mounts as layers), then detached: the overlay keeps private clones of its
 * layers, so afterwards nothing but <target> is mounted.
 * Exits 1 with "berth-idmap-overlay: <step>: <reason>" on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/mount.h>

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

struct attr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static void fail(const char *step, const char *what) {
  fprintf(stderr, "berth-idmap-overlay: %s%s%s: %s\n", step, what ? " " : "", what ? what : "", strerror(errno));
  exit(1);
}

static void write_file(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data)) fail("write", path);
  close(fd);
}

/* A user namespace with the given maps, held by a child until its fd is open. */
static int make_userns(const char *uidmap, const char *gidmap) {
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) < 0) fail("pipe", NULL);
  pid_t pid = fork();
  if (pid < 0) fail("fork", NULL);
  if (pid == 0) {
    /* tell the parent the namespace exists, then wait to be killed */
    close(sync[0]);
    if (unshare(CLONE_NEWUSER) < 0 || write(sync[1], "x", 1) != 1) _exit(1);
    for (;;) pause();
  }
  char c, path[64];
  close(sync[1]);
  if (read(sync[0], &c, 1) != 1) fail("unshare", "CLONE_NEWUSER");
  snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
  write_file(path, uidmap);
  snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
  write_file(path, "deny");
  snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
  write_file(path, gidmap);
  snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("open", path);
  kill(pid, SIGKILL);
  close(sync[0]);
  waitpid(pid, NULL, 0);
  return fd;
}

static void fsconfig_str(int fs, const char *key, const char *value) {
  if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0) < 0) fail("fsconfig", key);
}

static char *scratch;
static int attached;

static void detach_scratch(void) {
  char path[4096];
  for (int i = 0; i < attached; i++) {
    snprintf(path, sizeof path, "%s/%d", scratch, i);
    umount2(path, MNT_DETACH);
    rmdir(path);
  }
  rmdir(scratch);
}

int main(int argc, char **argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: berth-idmap-overlay <uid-map> <gid-map> <target> <upper> <work> <scratch> <lower>...\n");
    return 2;
  }
  scratch = argv[6];
  if (mkdir(scratch, 0700) < 0 && errno != EEXIST) fail("mkdir", scratch);
  atexit(detach_scratch);
  int userns = make_userns(argv[1], argv[2]);
  int fs = syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  if (fs < 0) fail("fsopen", "overlay");
  for (int i = 7; i < argc; i++) {
    int tree = syscall(SYS_open_tree, AT_FDCWD, argv[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) fail("open_tree", argv[i]);
    struct attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &a, sizeof a) < 0) fail("mount_setattr", argv[i]);
    char path[4096];
    snprintf(path, sizeof path, "%s/%d", scratch, attached);
    if (mkdir(path, 0700) < 0 && errno != EEXIST) fail("mkdir", path);
    if (syscall(SYS_move_mount, tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0) fail("move_mount", path);
    attached++;
    close(tree);
    fsconfig_str(fs, "lowerdir+", path);
  }
  fsconfig_str(fs, "upperdir", argv[4]);
  fsconfig_str(fs, "workdir", argv[5]);
  if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) fail("fsconfig", "create");
  int mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
  if (mnt < 0) fail("fsmount", NULL);
  if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, argv[3], MOVE_MOUNT_F_EMPTY_PATH) < 0) fail("move_mount", argv[3]);
  return 0;
}
