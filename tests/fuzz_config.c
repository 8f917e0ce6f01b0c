/*
 * fuzz_config.c - libFuzzer target for config_load() (make fuzz).
 *
 * Each input is an ecflink.conf: it is written to a memory file and
 * loaded with the same code ecflinkd -t runs.  Whatever the text, loading
 * must return a config or NULL without a sanitizer report, and every
 * fault it reports must be one line ("file:line: key: what is wrong", no
 * newline), as -t promises.  Inputs with @include are skipped: libconfig
 * would read the named file, and the configuration is root's own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
report(void *ctx, const char *line)
{
	(void)ctx;
	if (strchr(line, '\n') != NULL) {
		fprintf(stderr, "fuzz_config: a fault report spans lines: %s\n", line);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct config *cfg;

	if (size > 65536 || memmem(data, size, "@include", 8) != NULL)
		return 0;
	if (fd < 0) {
		fd = memfd_create("fuzz_config", MFD_CLOEXEC);
		if (fd < 0) {
			perror("fuzz_config: memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("fuzz_config: writing the memory file");
		abort();
	}
	cfg = config_load(path, report, NULL);
	config_free(cfg);
	return 0;
}
