/*
 * Asks the SSH agent at $SSH_AUTH_SOCK for its identities and prints "identities=N": a static
 * client for busybox images, which have no ssh-add and whose nc cannot dial a unix socket.
 * Build: gcc -static -O2 -o agent-probe agent-probe.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int readn(int fd, unsigned char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

int main(void) {
  const char *path = getenv("SSH_AUTH_SOCK");
  if (!path) { fprintf(stderr, "SSH_AUTH_SOCK is not set\n"); return 2; }
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("connect"); return 3; }
  /* SSH2_AGENTC_REQUEST_IDENTITIES (11), framed by a 4-byte length */
  const unsigned char req[] = { 0, 0, 0, 1, 11 };
  if (write(fd, req, sizeof req) != (ssize_t)sizeof req) { perror("write"); return 4; }
  unsigned char head[9];
  /* length, SSH2_AGENT_IDENTITIES_ANSWER (12), the number of keys */
  if (readn(fd, head, sizeof head) < 0 || head[4] != 12) { fprintf(stderr, "unexpected agent answer\n"); return 5; }
  unsigned n = ((unsigned)head[5] << 24) | ((unsigned)head[6] << 16) | ((unsigned)head[7] << 8) | head[8];
  printf("identities=%u\n", n);
  return 0;
}
