/*
 * berth-idmap-overlay: mounts a container rootfs overlay whose lower layers are
 * idmapped (Linux 5.19+ overlayfs), so a user-namespaced
 * container sees the image's root-owned files as its own root without a
 * chowned copy of every layer.
 *   berth-idmap-overlay <userns-file> <target> <upper> <work> <scratch> <lower>...
 * The user namespace (a bind-mounted nsfs file, see berth-userns.c) gives the
 * mapping. Lowers are topmost first.
 * Each lower becomes an idmapped clone (open_tree + mount_setattr), attached
 * at <scratch>/<i> only while the overlay is made (overlayfs refuses detached
 * mounts as layers), then detached: the overlay keeps private clones of its
 * layers, so afterwards nothing but <target> is mounted.
 * The layers go to overlayfs one by one ("lowerdir+", Linux 6.8+: no option-length limit); a kernel
 * that refuses that key gets them as one "lowerdir" string of the short scratch paths (5.19 to 6.7).
 * BERTH_IDMAP_LOWERDIR_STRING=1 forces the string form, so tests reach it on newer kernels.
 * Exits 1 with "berth-idmap-overlay: <step>: <reason>" on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
  if (argc < 7) {
    fprintf(stderr, "usage: berth-idmap-overlay <userns-file> <target> <upper> <work> <scratch> <lower>...\n");
    return 2;
  }
  for (int i = 2; i <= 5; i++) {
    if (argv[i][0] != '/') { /* the string form below changes the working directory */
      errno = EINVAL;
      fail("not an absolute path:", argv[i]);
    }
  }
  scratch = argv[5];
  if (mkdir(scratch, 0700) < 0 && errno != EEXIST) fail("mkdir", scratch);
  atexit(detach_scratch);
  int userns = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (userns < 0) fail("open", argv[1]);
  int fs = syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  if (fs < 0) fail("fsopen", "overlay");
  int one_by_one = getenv("BERTH_IDMAP_LOWERDIR_STRING") == NULL;
  size_t cap = 16 * (size_t)argc;
  char *lowers = calloc(1, cap);
  if (!lowers) fail("calloc", NULL);
  for (int i = 6; i < argc; i++) {
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
    if (one_by_one && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", path, 0) < 0) {
      if (errno != EINVAL || i != 6) fail("fsconfig", "lowerdir+");
      one_by_one = 0; /* a kernel before 6.8: the string form below */
    }
    /* names relative to <scratch> keep the string short (the kernel takes one page) */
    char name[16];
    snprintf(name, sizeof name, "%s%d", lowers[0] ? ":" : "", attached - 1);
    strcat(lowers, name);
  }
  if (!one_by_one) {
    /* the short names resolve from the working directory */
    if (chdir(scratch) < 0) fail("chdir", scratch);
    fsconfig_str(fs, "lowerdir", lowers);
  }
  fsconfig_str(fs, "upperdir", argv[3]);
  fsconfig_str(fs, "workdir", argv[4]);
  if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) fail("fsconfig", "create");
  int mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
  if (mnt < 0) fail("fsmount", NULL);
  if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, argv[2], MOVE_MOUNT_F_EMPTY_PATH) < 0) fail("move_mount", argv[2]);
  return 0;
}
