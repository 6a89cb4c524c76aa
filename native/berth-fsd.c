/*
 * berth-fsd: one long-lived process for the mount calls and xattr reads a build
 * step makes several of: spawning mount(8), umount(8) and berth-xattrs costs
 * 10-30 ms each on a busy host, the calls themselves well under one.
 * Requests on stdin, one a line, fields hex (so any byte may appear in them);
 * one reply line per request, in order:
 *   m <source> <target> <fstype> <data> <cwd or ->   mount(2), relative paths in data against cwd
 *   u <target>                                      umount2(2); busy: lazily (MNT_DETACH)
 *   x <root>                                        every xattr under root, as berth-xattrs prints them
 * Replies: "ok <hex payload or ->" or "err <errno> <hex message>".
 * Ends at end of input (the daemon went away).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "berth-hex.h"

#define MAX_FIELDS 6

static char *line;
static size_t line_cap;

/* the reply payload being built (hex) */
static char *out;
static size_t out_len, out_cap;

static void out_bytes(const void *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  if (out_len + 2 * n + 1 > out_cap) {
    while (out_len + 2 * n + 1 > out_cap) out_cap = out_cap ? out_cap * 2 : 4096;
    out = realloc(out, out_cap);
    if (!out) exit(1);
  }
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    out[out_len++] = digits[b[i] >> 4];
    out[out_len++] = digits[b[i] & 15];
  }
}

static void reply_err(int err, const char *what) {
  char msg[4096];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  out_len = 0;
  out_bytes(msg, strlen(msg));
  printf("err %d %.*s\n", err, (int)out_len, out);
}

static void reply_ok(void) {
  if (out_len) printf("ok %.*s\n", (int)out_len, out);
  else puts("ok -");
}

static size_t root_len;
static char names[65536];
static unsigned char value[65536];
static int walk_errno;
static char walk_path[4096];

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)st; (void)type; (void)ftw;
  ssize_t n = llistxattr(path, names, sizeof names);
  if (n < 0) {
    if (errno == ENOTSUP || errno == ENODATA) return 0;
    goto fail;
  }
  const char *rel = path[root_len] ? path + root_len + 1 : ".";
  for (const char *name = names; name < names + n; name += strlen(name) + 1) {
    ssize_t v = lgetxattr(path, name, value, sizeof value);
    if (v < 0) {
      if (errno == ENODATA) continue; /* removed meanwhile */
      goto fail;
    }
    /* the records of berth-xattrs: path\0name\0value-as-hex\0 */
    out_bytes(rel, strlen(rel) + 1);
    out_bytes(name, strlen(name) + 1);
    static const char digits[] = "0123456789abcdef";
    for (ssize_t i = 0; i < v; i++) {
      char h[2] = {digits[value[i] >> 4], digits[value[i] & 15]};
      out_bytes(h, 2);
    }
    out_bytes("", 1);
  }
  return 0;
fail:
  walk_errno = errno;
  snprintf(walk_path, sizeof walk_path, "%s", path);
  return 1;
}

static void xattrs(char *root) {
  root_len = strlen(root);
  while (root_len > 1 && root[root_len - 1] == '/') root[--root_len] = 0;
  walk_errno = 0;
  if (nftw(root, visit, 64, FTW_PHYS) != 0) {
    reply_err(walk_errno ? walk_errno : errno, walk_errno ? walk_path : root);
    return;
  }
  reply_ok();
}

int main(void) {
  ssize_t n;
  while ((n = getline(&line, &line_cap, stdin)) > 0) {
    if (line[n - 1] == '\n') line[--n] = 0;
    char *f[MAX_FIELDS];
    int nf = 0;
    for (char *tok = strtok(line, " "); tok && nf < MAX_FIELDS; tok = strtok(NULL, " ")) f[nf++] = tok;
    out_len = 0;
    int bad = nf < 2;
    for (int i = 1; i < nf && !bad; i++) bad = unhex(f[i]) != 0;
    if (bad) {
      reply_err(EINVAL, "malformed request");
    } else if (f[0][0] == 'm' && nf == 6) {
      if (f[5][0] && chdir(f[5]) != 0) {
        reply_err(errno, f[5]);
      } else {
        int r = mount(f[1], f[2], f[3], 0, f[4]);
        int err = errno;
        if (f[5][0] && chdir("/") != 0) exit(1);
        if (r != 0) reply_err(err, f[2]);
        else reply_ok();
      }
    } else if (f[0][0] == 'u' && nf == 2) {
      if (umount2(f[1], 0) == 0 || (errno == EBUSY && umount2(f[1], MNT_DETACH) == 0)) reply_ok();
      else reply_err(errno, f[1]);
    } else if (f[0][0] == 'x' && nf == 2) {
      xattrs(f[1]);
    } else {
      reply_err(EINVAL, "unknown request");
    }
    if (fflush(stdout) != 0) return 1;
  }
  return 0;
}
