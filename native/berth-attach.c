/*
 * berth-attach: bridge between a Node child process's stdio and conmon's
 * attach socket (SOCK_SEQPACKET, which Node's net module cannot open).
 *
 *   berth-attach [--tty] [--no-stdin] [--end-on-stdin-eof] <socket-path>
 *
 * stdin  -> one packet per read to the socket; EOF -> shutdown(SHUT_WR)
 *           (conmon then closes the container's stdin unless it was started
 *           with --leave-stdin-open). With --no-stdin stdin is never read.
 * socket -> stdout. conmon prefixes each packet with its pipe number
 *           (2 = stdout, 3 = stderr); we re-frame as Docker stdcopy frames
 *           [1|2, 0, 0, 0, len u32 BE] + payload, or raw bytes with --tty.
 * stderr:  "ok\n" once connected, or "error: ...\n" and exit 1.
 * Exits 0 when conmon closes the socket (the container's stdio ended).
 *
 * Paths longer than sun_path are reached through /proc/self/fd/<dirfd>/<name>.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CONMON_STDOUT 2
#define CONMON_STDERR 3
#define PKT_MAX 65536
#define STDIN_CHUNK 8192

static void die(const char *what) {
	dprintf(2, "error: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int write_all(int fd, const void *buf, size_t len) {
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR) continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int connect_seqpacket(const char *path) {
	char *d1 = strdup(path), *d2 = strdup(path);
	if (!d1 || !d2) die("strdup");
	int dirfd = open(dirname(d1), O_PATH | O_CLOEXEC);
	if (dirfd < 0) die("open socket directory");
	struct sockaddr_un addr;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	int n = snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s", dirfd, basename(d2));
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		die("socket name");
	}
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) die("socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) die("connect");
	close(dirfd);
	free(d1);
	free(d2);
	return fd;
}

int main(int argc, char **argv) {
	int tty = 0, use_stdin = 1, end_on_eof = 0;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tty") == 0) tty = 1;
		else if (strcmp(argv[i], "--no-stdin") == 0) use_stdin = 0;
		/* dockerd ends a tty or !StdinOnce attach when its input ends: exiting here, after
		 * every byte read went out, ends it with nothing of the input lost */
		else if (strcmp(argv[i], "--end-on-stdin-eof") == 0) end_on_eof = 1;
		else path = argv[i];
	}
	if (!path) {
		dprintf(2, "error: usage: berth-attach [--tty] [--no-stdin] [--end-on-stdin-eof] <socket>\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	int sock = connect_seqpacket(path);
	dprintf(2, "ok\n");

	static char buf[PKT_MAX + 8];
	int stdin_open = use_stdin;
	for (;;) {
		struct pollfd fds[2] = {{.fd = sock, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
		int r = poll(fds, stdin_open ? 2 : 1, -1);
		if (r < 0) {
			if (errno == EINTR) continue;
			die("poll");
		}
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(sock, buf + 7, PKT_MAX, 0);
			if (n < 0) {
				if (errno == EINTR || errno == EAGAIN) continue;
				if (errno == ECONNRESET) return 0;
				die("recv");
			}
			if (n == 0) return 0;
			if (n < 2) continue; /* a pipe tag without payload */
			unsigned char pipe_no = (unsigned char)buf[7];
			size_t len = (size_t)n - 1;
			char *payload = buf + 8;
			if (tty) {
				if (write_all(1, payload, len) < 0) return 0;
			} else {
				char *frame = payload - 8; /* == buf: header goes in front of the payload */
				frame[0] = pipe_no == CONMON_STDERR ? 2 : 1;
				frame[1] = frame[2] = frame[3] = 0;
				frame[4] = (char)((len >> 24) & 0xff);
				frame[5] = (char)((len >> 16) & 0xff);
				frame[6] = (char)((len >> 8) & 0xff);
				frame[7] = (char)(len & 0xff);
				if (write_all(1, frame, len + 8) < 0) return 0;
			}
		}
		if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			char in[STDIN_CHUNK];
			ssize_t n = read(0, in, sizeof(in));
			if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
			if (n <= 0) {
				stdin_open = 0;
				shutdown(sock, SHUT_WR);
				if (end_on_eof) return 0;
				continue;
			}
			if (send(sock, in, (size_t)n, MSG_NOSIGNAL) < 0) {
				if (errno == EPIPE || errno == ECONNRESET) {
					stdin_open = 0;
					continue;
				}
				die("send");
			}
		}
	}
}
