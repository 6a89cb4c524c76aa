/*
 * berth-fs: the filesystem calls Node lacks (mknod, lsetxattr), batched.
 * Reads one command per line from stdin; paths and values are hex so any byte
 * may appear in them. Never follows a symlink in the last path component.
 *   n <path> <mode-octal> <major> <minor> <uid> <gid> <mtime-s> <mtime-ns>   mknod + lchown + utimensat
 *   x <path> <name> <value>                                                 lsetxattr
 * Exits 1 at the first failure, with "berth-fs: <op> <path>: <reason>" on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int unhex(const char *in, char *out, size_t cap, size_t *len) {
  size_t n = strlen(in);
  if (n % 2 || n / 2 + 1 > cap) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(in + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (char)v;
  }
  out[n / 2] = 0;
  *len = n / 2;
  return 0;
}

static void fail(const char *op, const char *path, const char *why) {
  fprintf(stderr, "berth-fs: %s %s: %s\n", op, path, why);
  exit(1);
}

int main(void) {
  static char line[1 << 17], path[8192], name[512], value[1 << 16];
  umask(0);
  while (fgets(line, sizeof line, stdin)) {
    char op, hp[16400], hn[1100], hv[1 << 17];
    size_t plen, vlen;
    if (line[0] == '\n' || line[0] == 0) continue;
    op = line[0];
    if (op == 'n') {
      unsigned mode, maj, min, uid, gid;
      long long sec, nsec;
      if (sscanf(line + 1, "%16399s %o %u %u %u %u %lld %lld", hp, &mode, &maj, &min, &uid, &gid, &sec, &nsec) != 8) fail("parse", "", line);
      if (unhex(hp, path, sizeof path, &plen)) fail("parse", hp, "bad hex");
      if (mknod(path, mode, makedev(maj, min)) != 0) fail("mknod", path, strerror(errno));
      if (lchown(path, uid, gid) != 0) fail("lchown", path, strerror(errno));
      /* mknod honours neither setuid/setgid bits through umask nor after chown */
      if (fchmodat(AT_FDCWD, path, mode & 07777, 0) != 0) fail("chmod", path, strerror(errno));
      struct timespec ts[2] = {{sec, nsec}, {sec, nsec}};
      if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0) fail("utimensat", path, strerror(errno));
    } else if (op == 'x') {
      if (sscanf(line + 1, "%16399s %1099s %131071s", hp, hn, hv) < 2) fail("parse", "", line);
      if (unhex(hp, path, sizeof path, &plen) || unhex(hn, name, sizeof name, &vlen)) fail("parse", hp, "bad hex");
      size_t hvlen = strlen(hv);
      if (hvlen == 1 && hv[0] == '-') hv[0] = 0; /* "-" is the empty value */
      if (unhex(hv, value, sizeof value, &vlen)) fail("parse", hv, "bad hex");
      if (lsetxattr(path, name, value, vlen, 0) != 0) fail("lsetxattr", path, strerror(errno));
    } else {
      fail("parse", "", "unknown op");
    }
  }
  return 0;
}
