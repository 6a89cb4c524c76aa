/*
 * berth-xattrs: the extended attributes of every entry of a tree, which Node
 * cannot read. A container's layer diff needs them: overlayfs marks an opaque
 * directory with trusted.overlay.opaque, and files may carry capabilities.
 *
 *   berth-xattrs <root>
 *
 * Prints one record per attribute, fields NUL-terminated:
 *   <path relative to root, "." for root>\0<name>\0<value as hex>\0
 * Never follows symlinks. Exits 1 with "berth-xattrs: <path>: <reason>" on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

static size_t root_len;
static char names[65536];
static unsigned char value[65536];

static int fail(const char *path, const char *what) {
  fprintf(stderr, "berth-xattrs: %s: %s: %s\n", path, what, strerror(errno));
  return 1;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)st; (void)type; (void)ftw;
  ssize_t n = llistxattr(path, names, sizeof names);
  if (n < 0) {
    if (errno == ENOTSUP || errno == ENODATA) return 0;
    return fail(path, "llistxattr");
  }
  const char *rel = path[root_len] ? path + root_len + 1 : ".";
  for (const char *name = names; name < names + n; name += strlen(name) + 1) {
    ssize_t v = lgetxattr(path, name, value, sizeof value);
    if (v < 0) {
      if (errno == ENODATA) continue; /* removed meanwhile */
      return fail(path, "lgetxattr");
    }
    fputs(rel, stdout);
    fputc(0, stdout);
    fputs(name, stdout);
    fputc(0, stdout);
    for (ssize_t i = 0; i < v; i++) printf("%02x", value[i]);
    fputc(0, stdout);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fputs("usage: berth-xattrs <root>\n", stderr);
    return 2;
  }
  char *root = argv[1];
  root_len = strlen(root);
  while (root_len > 1 && root[root_len - 1] == '/') root[--root_len] = 0;
  if (nftw(root, visit, 64, FTW_PHYS) != 0) return 1;
  return fflush(stdout) == 0 ? 0 : 1;
}
