/*
 * sinkmail - a light stand-in for "sendmail -t -oi" for `make bench`: one
 * small process per message, as an MTA's sendmail is, without the shell
 * and the bookkeeping of tests/tools/fakesendmail.sh, which would take
 * more of a 2-core machine than the daemon being measured.
 *
 *   sinkmail OUTFILE [sendmail options...]
 *
 * Appends "From sinkmail" and the message on standard input to OUTFILE
 * (under flock, so parallel runs do not interleave) and exits 0; exits 75
 * (EX_TEMPFAIL) when it cannot, as an MTA that cannot take mail now.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define EX_TEMPFAIL 75

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static char msg[1 << 20];
	static const char sep[] = "From sinkmail\n";
	size_t len = 0;
	ssize_t n;
	int fd;

	if (argc < 2) {
		fputs("usage: sinkmail OUTFILE [sendmail options...]\n", stderr);
		return 64;
	}
	while (len < sizeof(msg) && (n = read(0, msg + len, sizeof(msg) - len)) > 0)
		len += (size_t)n;
	fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 || write_all(fd, sep, strlen(sep)) < 0 ||
	    write_all(fd, msg, len) < 0 || write_all(fd, "\n", 1) < 0) {
		perror("sinkmail");
		return EX_TEMPFAIL;
	}
	return close(fd) < 0 ? EX_TEMPFAIL : 0;
}
